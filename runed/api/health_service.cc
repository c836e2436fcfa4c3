#include "runed/api/health_service.h"

#include "common/version.h"
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
                                                   const api::GetHealthRequest* /*request*/,
                                                   api::GetHealthResponse* /*response*/) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(UnimplementedStatus("/rune.api.HealthService/GetHealth"));
  return reactor;
}

}  // namespace rune::daemon
