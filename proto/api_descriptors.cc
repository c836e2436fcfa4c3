#include "proto/api_descriptors.h"

#include "proto/admin.pb.h"
#include "proto/auth.pb.h"
#include "proto/configmap.pb.h"
#include "proto/exec.pb.h"
#include "proto/health.pb.h"
#include "proto/instance.pb.h"
#include "proto/log.pb.h"
#include "proto/namespace.pb.h"
#include "proto/secret.pb.h"
#include "proto/service.pb.h"

namespace rune::api {

void LinkApiDescriptors() {
  (void)GetVersionRequest::descriptor();
  (void)GetNamespaceRequest::descriptor();
  (void)GetServiceRequest::descriptor();
  (void)GetInstanceRequest::descriptor();
  (void)StreamLogsRequest::descriptor();
  (void)ExecRequest::descriptor();
  (void)GetSecretRequest::descriptor();
  (void)GetConfigmapRequest::descriptor();
  (void)WhoAmIRequest::descriptor();
  (void)BootstrapRequest::descriptor();
}

}  // namespace rune::api
