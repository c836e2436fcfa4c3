// HealthService (SPEC §5.14): GetVersion answers without authentication;
// GetHealth is authorized like every RPC, then answers Unimplemented until the
// orchestrator arrives.
#ifndef RUNE_RUNED_API_HEALTH_SERVICE_H_
#define RUNE_RUNED_API_HEALTH_SERVICE_H_

#include "proto/health.grpc.pb.h"
#include "runed/auth/authorizer.h"

namespace rune::daemon {

class HealthService final : public api::HealthService::CallbackService {
 public:
  // GetHealth is authorized with `authorizer` (null: tests of GetVersion).
  explicit HealthService(auth::Authorizer* authorizer = nullptr) : authz_(authorizer) {}

  grpc::ServerUnaryReactor* GetVersion(grpc::CallbackServerContext* ctx,
                                       const api::GetVersionRequest* request,
                                       api::GetVersionResponse* response) override;
  grpc::ServerUnaryReactor* GetHealth(grpc::CallbackServerContext* ctx,
                                      const api::GetHealthRequest* request,
                                      api::GetHealthResponse* response) override;

 private:
  auth::Authorizer* authz_;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_HEALTH_SERVICE_H_
