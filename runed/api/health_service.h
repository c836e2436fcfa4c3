// HealthService (SPEC §3.6.9, §5.14): GetVersion answers without
// authentication; GetHealth reports a service (readiness counts, restarts,
// live instances), one instance, or the node (CPU and memory in use, runed's
// uptime, runners), with per-probe results on request.
//
//   HealthOptions options;
//   options.store = store;
//   options.probes = orchestrator.probes();   // may be null
//   options.started_at = start_time;
//   options.runners = [] { return std::vector<api::RunnerHealth>{…}; };
//   HealthService health(&authorizer, options);
//   builder.RegisterService(&health);
//
// GetHealth kinds: SERVICE and INSTANCE are authorized as verb `get` on that
// resource in the request namespace, NODE on `node` in `*`; without a kind a
// name is a service first, then an instance ID, then an instance name (M16
// when neither), and no name is the node.
#ifndef RUNE_RUNED_API_HEALTH_SERVICE_H_
#define RUNE_RUNED_API_HEALTH_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "proto/health.grpc.pb.h"
#include "runed/api/node_usage.h"
#include "runed/api/service_records.h"
#include "runed/auth/authorizer.h"
#include "runed/orchestrator/probes.h"
#include "runed/store/store.h"

namespace rune::daemon {

struct HealthOptions {
  // Service and instance records; GetHealth needs it.
  store::Store* store = nullptr;
  // Probe results for include_checks; null = none (configured probes are
  // still listed, without results).
  ProbeManager* probes = nullptr;
  // When runed started (node uptime).
  absl::Time started_at = absl::Now();
  // The runners and their state, asked on every node query; empty = none.
  std::function<std::vector<api::RunnerHealth>()> runners;
  std::function<absl::Time()> clock = &absl::Now;
  // Where the node's figures come from (tests point it elsewhere).
  std::string proc_dir = "/proc";
};

class HealthService final : public api::HealthService::CallbackService {
 public:
  // GetVersion only (tests): GetHealth answers Internal without a store.
  explicit HealthService(auth::Authorizer* authorizer = nullptr)
      : HealthService(authorizer, HealthOptions()) {}
  // GetHealth is authorized with `authorizer` (null: no authorization).
  HealthService(auth::Authorizer* authorizer, HealthOptions options);

  grpc::ServerUnaryReactor* GetVersion(grpc::CallbackServerContext* ctx,
                                       const api::GetVersionRequest* request,
                                       api::GetVersionResponse* response) override;
  // NotFound M14 for a missing typed target, M16 for a bare name that is
  // neither a service nor an instance; InvalidArgument for SERVICE or
  // INSTANCE without a name; PermissionDenied M04.
  grpc::ServerUnaryReactor* GetHealth(grpc::CallbackServerContext* ctx,
                                      const api::GetHealthRequest* request,
                                      api::GetHealthResponse* response) override;

 private:
  absl::Status Health(const grpc::CallbackServerContext& ctx, const api::GetHealthRequest& request,
                      api::GetHealthResponse* response);
  // Verb `get` on `resource` in `ns`.
  absl::Status Allow(const grpc::CallbackServerContext& ctx, const char* resource,
                     const std::string& ns);
  absl::Status Node(api::NodeHealth* node);
  api::InstanceHealth InstanceOf(const Reader& reader, const api::Instance& instance,
                                 const api::Service* service, bool include_checks);

  auth::Authorizer* authz_;
  HealthOptions options_;
  NodeSampler sampler_;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_HEALTH_SERVICE_H_
