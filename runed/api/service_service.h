// ServiceService (SPEC §5.14, §5.7, §5.8.7, §3.6.10): apply services with
// generations and history, get/list/watch them, delete them through deletion
// operations, scale, stop, restart and roll them back (the orchestrator does
// the work), and answer dependency questions.
//
//   ServiceOptions options;
//   options.history_limit = runefile.store.history_limit;
//   ServiceServiceImpl services(store, &authorizer, options);
//   builder.RegisterService(&services);
#ifndef RUNE_RUNED_API_SERVICE_SERVICE_H_
#define RUNE_RUNED_API_SERVICE_SERVICE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/spec/validate.h"
#include "proto/service.grpc.pb.h"
#include "runed/auth/authorizer.h"
#include "runed/store/store.h"

namespace rune::daemon {

struct ServiceOptions {
  // runefile limits.max_scale, secret.limits, config.limits.
  common::spec::ValidationLimits limits;
  // runefile store.history_limit: generations kept per service (>= 1).
  int64_t history_limit = 10;
  // Time source for metadata, history and deletion operations.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // Orchestrator::Restart: marks the instances of a service for replacement
  // and returns their IDs. Unset: RestartService answers Unavailable.
  std::function<absl::StatusOr<std::vector<std::string>>(absl::string_view ns,
                                                         absl::string_view name, bool rolling)>
      restart;
  // True when an orchestrator stops the instances and finishes deletion
  // operations; false: DeleteService finishes them in its own transaction.
  bool async_deletion = false;
  // runefile docker.enabled / process.enabled: a service needing a disabled
  // runner is refused (M22).
  bool docker_enabled = true;
  bool process_enabled = true;
};

class ServiceServiceImpl final : public api::ServiceService::CallbackService {
 public:
  ServiceServiceImpl(store::Store* store, auth::Authorizer* authorizer,
                     ServiceOptions options = {})
      : store_(store), authz_(authorizer), options_(std::move(options)) {}

#define RUNE_SERVICE_UNARY_(Name)                                                          \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* ctx,                         \
                                 const api::Name##Request* request, api::Name##Response* \
                                     response) override

  RUNE_SERVICE_UNARY_(ApplyService);
  RUNE_SERVICE_UNARY_(GetService);
  RUNE_SERVICE_UNARY_(ListServices);
  RUNE_SERVICE_UNARY_(DeleteService);
  RUNE_SERVICE_UNARY_(GetDeletionStatus);
  RUNE_SERVICE_UNARY_(ListDeletionOperations);
  RUNE_SERVICE_UNARY_(ScaleService);
  RUNE_SERVICE_UNARY_(StopService);
  RUNE_SERVICE_UNARY_(RestartService);
  RUNE_SERVICE_UNARY_(RollbackService);
  RUNE_SERVICE_UNARY_(GetServiceHistory);
  RUNE_SERVICE_UNARY_(GetDependencyGraph);
  RUNE_SERVICE_UNARY_(ListDependents);

#undef RUNE_SERVICE_UNARY_

  grpc::ServerWriteReactor<api::WatchServicesResponse>* WatchServices(
      grpc::CallbackServerContext* ctx, const api::WatchServicesRequest* request) override;
  grpc::ServerWriteReactor<api::WatchScalingResponse>* WatchScaling(
      grpc::CallbackServerContext* ctx, const api::WatchScalingRequest* request) override;

 private:
  // The body of ApplyService after authorization.
  absl::Status Apply(const api::ApplyServiceRequest& request, api::ApplyServiceResponse* response);
  // The body of DeleteService after authorization.
  absl::Status Delete(const api::DeleteServiceRequest& request,
                      api::DeleteServiceResponse* response);
  // Bodies of the scaling RPCs after authorization (service_operations.cc).
  absl::Status Scale(const api::ScaleServiceRequest& request, api::ScaleServiceResponse* response);
  absl::Status Stop(const api::StopServiceRequest& request, api::StopServiceResponse* response);
  absl::Status Restart(const api::RestartServiceRequest& request,
                       api::RestartServiceResponse* response);
  absl::Status Rollback(const api::RollbackServiceRequest& request,
                        api::RollbackServiceResponse* response);

  store::Store* store_;
  auth::Authorizer* authz_;
  ServiceOptions options_;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_SERVICE_SERVICE_H_
