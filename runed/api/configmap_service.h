// ConfigmapService (SPEC §4.6, §5.14): apply, create, get, list and delete
// configmaps, with the handlers shared with SecretService
// (data_object_service.h). Configmaps are plain configuration: replies carry
// their data.
//
//   std::unique_ptr<secrets::ObjectStore> store = secrets::NewConfigmapStore(db);
//   ConfigmapServiceImpl configmaps(store.get(), &authorizer, common::spec::DataLimits{});
//   builder.RegisterService(&configmaps);
#ifndef RUNE_RUNED_API_CONFIGMAP_SERVICE_H_
#define RUNE_RUNED_API_CONFIGMAP_SERVICE_H_

#include "common/spec/validate.h"
#include "proto/configmap.grpc.pb.h"
#include "runed/api/data_object_service.h"
#include "runed/auth/authorizer.h"
#include "runed/secrets/object_store.h"

namespace rune::daemon {

class ConfigmapServiceImpl final : public api::ConfigmapService::CallbackService {
 public:
  // `configmaps` comes from secrets::NewConfigmapStore; `limits` from the
  // runefile's config.limits.
  ConfigmapServiceImpl(secrets::ObjectStore* configmaps, auth::Authorizer* authorizer,
                       common::spec::DataLimits limits)
      : backend_{configmaps, authorizer, limits} {}

  grpc::ServerUnaryReactor* ApplyConfigmap(grpc::CallbackServerContext* ctx,
                                           const api::ApplyConfigmapRequest* request,
                                           api::ApplyConfigmapResponse* response) override;
  grpc::ServerUnaryReactor* CreateConfigmap(grpc::CallbackServerContext* ctx,
                                            const api::CreateConfigmapRequest* request,
                                            api::CreateConfigmapResponse* response) override;
  grpc::ServerUnaryReactor* GetConfigmap(grpc::CallbackServerContext* ctx,
                                         const api::GetConfigmapRequest* request,
                                         api::GetConfigmapResponse* response) override;
  grpc::ServerUnaryReactor* ListConfigmaps(grpc::CallbackServerContext* ctx,
                                           const api::ListConfigmapsRequest* request,
                                           api::ListConfigmapsResponse* response) override;
  grpc::ServerUnaryReactor* DeleteConfigmap(grpc::CallbackServerContext* ctx,
                                            const api::DeleteConfigmapRequest* request,
                                            api::DeleteConfigmapResponse* response) override;

 private:
  const DataObjectApi backend_;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_CONFIGMAP_SERVICE_H_
