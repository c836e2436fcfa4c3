// Answers every RPC whose feature is not built yet with UNIMPLEMENTED and a
// message naming the feature, e.g.
//   "ServiceService.ScaleService is not implemented yet (feature: orchestrator and process runner)"
// Registered as the server's generic service, it sees exactly the methods no
// registered service implements, so each feature replaces it method by
// method. Authentication and RBAC come first, as for every implemented
// method: the request is decoded from its descriptor to find its namespace.
#ifndef RUNE_RUNED_API_UNIMPLEMENTED_H_
#define RUNE_RUNED_API_UNIMPLEMENTED_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/support/status.h"
#include "runed/auth/authorizer.h"

namespace rune::daemon {

// The status for full method name `method` ("/rune.api.ServiceService/ScaleService").
grpc::Status UnimplementedStatus(absl::string_view method);
// The same, for handlers that return absl::Status (through RunUnary).
absl::Status UnimplementedError(absl::string_view method);

class UnimplementedService final : public grpc::CallbackGenericService {
 public:
  // `authorizer` null: no authorization (tests of the message alone).
  explicit UnimplementedService(auth::Authorizer* authorizer = nullptr);

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

 private:
  auth::Authorizer* authz_;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_UNIMPLEMENTED_H_
