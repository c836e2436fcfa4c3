#include "runed/api/health_service.h"

#include "common/version.h"
#include "common/status_macros.h"
#include "runed/api/call.h"
#include "runed/api/unimplemented.h"

namespace rune::daemon {

grpc::ServerUnaryReactor* HealthService::GetVersion(grpc::CallbackServerContext* ctx,
                                                    const api::GetVersionRequest* /*request*/,
                                                    api::GetVersionResponse* response) {
  const common::BuildInfo build = common::CurrentBuild();
  response->set_version(build.version);
  response->set_commit(build.commit);
  response->set_build_time(build.build_time);
  response->set_platform(build.platform);
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* HealthService::GetHealth(grpc::CallbackServerContext* ctx,
                                                   const api::GetHealthRequest* request,
                                                   api::GetHealthResponse* /*response*/) {
  return RunUnary(ctx, [=]() -> absl::Status {
    if (authz_ != nullptr) {
      RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    }
    return UnimplementedError("/rune.api.HealthService/GetHealth");
  });
}

}  // namespace rune::daemon
