// HealthService (SPEC §5.14): GetVersion answers without authentication;
// GetHealth arrives with the orchestrator.
#ifndef RUNE_RUNED_API_HEALTH_SERVICE_H_
#define RUNE_RUNED_API_HEALTH_SERVICE_H_

#include "proto/health.grpc.pb.h"

namespace rune::daemon {

class HealthService final : public api::HealthService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetVersion(grpc::CallbackServerContext* ctx,
                                       const api::GetVersionRequest* request,
                                       api::GetVersionResponse* response) override;
  grpc::ServerUnaryReactor* GetHealth(grpc::CallbackServerContext* ctx,
                                      const api::GetHealthRequest* request,
                                      api::GetHealthResponse* response) override;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_HEALTH_SERVICE_H_
