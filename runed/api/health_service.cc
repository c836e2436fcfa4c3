#include "runed/api/health_service.h"

#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/version.h"
#include "runed/api/call.h"
#include "runed/api/targets.h"
#include "runed/orchestrator/probe_run.h"

namespace rune::daemon {
namespace {

using Kind = api::GetHealthRequest::Kind;

void ToDuration(absl::Duration d, google::protobuf::Duration* out) {
  d = absl::Trunc(d, absl::Milliseconds(1));
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
}

bool IsReady(const api::Instance& instance) {
  return instance.status() == api::Instance::RUNNING && instance.ready();
}

// Healthy all desired instances ready, Degraded some, Unhealthy none while
// the scale is above 0, Unknown at scale 0 (SPEC §3.6.9).
api::HealthStatus ServiceStatusOf(int ready, int desired) {
  if (desired <= 0) return api::UNKNOWN;
  if (ready >= desired) return api::HEALTHY;
  return ready > 0 ? api::DEGRADED : api::UNHEALTHY;
}

// An instance is expected to be ready unless it is stopping or stopped.
api::HealthStatus InstanceStatusOf(const api::Instance& instance) {
  if (IsReady(instance)) return api::HEALTHY;
  switch (instance.status()) {
    case api::Instance::STOPPING:
    case api::Instance::STOPPED:
    case api::Instance::STATE_UNSPECIFIED:
      return api::UNKNOWN;
    default:
      return api::UNHEALTHY;
  }
}

// The node is healthy when every enabled runner can run instances.
api::HealthStatus NodeStatusOf(const api::NodeHealth& node) {
  int enabled = 0;
  int available = 0;
  for (const api::RunnerHealth& r : node.runners()) {
    if (!r.enabled()) continue;
    ++enabled;
    if (r.available()) ++available;
  }
  if (enabled == 0) return node.runners().empty() ? api::UNKNOWN : api::UNHEALTHY;
  if (available == enabled) return api::HEALTHY;
  return available > 0 ? api::DEGRADED : api::UNHEALTHY;
}

// The probes of `spec` as configured, without results: what --checks shows
// for an instance the prober does not watch (not running, or no prober).
std::vector<api::ProbeCheck> ConfiguredChecks(const api::ServiceSpec& spec) {
  std::vector<api::ProbeCheck> checks;
  const std::pair<api::ProbeCheck::Kind, const api::Probe*> probes[] = {
      {api::ProbeCheck::LIVENESS, spec.health().has_liveness() ? &spec.health().liveness() : nullptr},
      {api::ProbeCheck::READINESS,
       spec.health().has_readiness() ? &spec.health().readiness() : nullptr},
  };
  for (const auto& [kind, probe] : probes) {
    if (probe == nullptr) continue;
    api::ProbeCheck& c = checks.emplace_back();
    c.set_kind(kind);
    *c.mutable_probe() = ProbeWithDefaults(*probe);
    std::string unused;
    c.set_resolved_port(ResolveProbePort(c.probe(), spec, &unused));
  }
  return checks;
}

}  // namespace

HealthService::HealthService(auth::Authorizer* authorizer, HealthOptions options)
    : authz_(authorizer), options_(std::move(options)), sampler_(options_.proc_dir) {}

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
                                                   api::GetHealthResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status { return Health(*ctx, *request, response); });
}

absl::Status HealthService::Allow(const grpc::CallbackServerContext& ctx, const char* resource,
                                  const std::string& ns) {
  if (authz_ == nullptr) return absl::OkStatus();
  return authz_->AuthorizeAs(ctx, resource, "get", ns).status();
}

absl::Status HealthService::Health(const grpc::CallbackServerContext& ctx,
                                   const api::GetHealthRequest& request,
                                   api::GetHealthResponse* response) {
  const std::string ns = EffectiveNamespace(request.namespace_());
  Kind kind = request.kind();
  if (kind == api::GetHealthRequest::KIND_UNSPECIFIED && request.name().empty()) {
    kind = api::GetHealthRequest::NODE;
  }
  if (kind == api::GetHealthRequest::NODE) {
    RUNE_RETURN_IF_ERROR(Allow(ctx, "node", "*"));
    response->set_kind(api::GetHealthRequest::NODE);
    return Node(response->mutable_node());
  }

  // Who may see what is decided before anything is looked up. Without a
  // kind the caller needs `get` on services or on instances; the resolved
  // kind is checked again below.
  absl::Status service_allowed = absl::OkStatus();
  absl::Status instance_allowed = absl::OkStatus();
  std::string target;
  if (kind == api::GetHealthRequest::SERVICE || kind == api::GetHealthRequest::INSTANCE) {
    const bool service = kind == api::GetHealthRequest::SERVICE;
    RUNE_RETURN_IF_ERROR(Allow(ctx, service ? "service" : "instance", ns));
    if (request.name().empty()) {
      return absl::InvalidArgumentError(service ? "a service name is required"
                                                : "an instance ID or name is required");
    }
    target = absl::StrCat(service ? "service/" : "instance/", request.name());
  } else {
    service_allowed = Allow(ctx, "service", ns);
    if (!service_allowed.ok() && !absl::IsPermissionDenied(service_allowed)) return service_allowed;
    instance_allowed = Allow(ctx, "instance", ns);
    if (!instance_allowed.ok() && !absl::IsPermissionDenied(instance_allowed)) {
      return instance_allowed;
    }
    if (!service_allowed.ok() && !instance_allowed.ok()) return service_allowed;
    target = request.name();
  }
  if (options_.store == nullptr) return absl::InternalError("health queries need the store");

  const Reader reader = Reader::Of(options_.store);
  RUNE_ASSIGN_OR_RETURN(Target resolved, ResolveTarget(reader, ns, target));
  if (resolved.kind == Target::Kind::kService) {
    RUNE_RETURN_IF_ERROR(service_allowed);
    RUNE_ASSIGN_OR_RETURN(api::Service service, GetExistingService(reader, ns, resolved.service));
    response->set_kind(api::GetHealthRequest::SERVICE);
    api::ServiceHealth* health = response->mutable_service();
    health->set_namespace_(ns);
    health->set_name(service.spec().name());
    const int desired = service.spec().scale();
    // Ready ordinals of the current scale: during a rolling replacement an
    // ordinal may have two ready instances for a moment.
    std::set<int> ready_ordinals;
    int restarts = 0;
    for (const api::Instance& instance : resolved.instances) {
      if (IsReady(instance) && instance.ordinal() < desired) ready_ordinals.insert(instance.ordinal());
      restarts += instance.restarts();
      *health->add_instances() = InstanceOf(reader, instance, &service, request.include_checks());
    }
    const int ready = static_cast<int>(ready_ordinals.size());
    health->set_status(ServiceStatusOf(ready, desired));
    health->set_ready(ready);
    health->set_desired(desired);
    health->set_restarts(restarts);
    *health->mutable_created_at() = service.metadata().created_at();
    health->set_phase(service.status().phase());
    health->set_message(service.status().message());
    return absl::OkStatus();
  }

  RUNE_RETURN_IF_ERROR(instance_allowed);
  if (resolved.instances.empty()) return absl::InternalError("instance target without instance");
  RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> service,
                        FindService(reader, ns, resolved.service));
  response->set_kind(api::GetHealthRequest::INSTANCE);
  *response->mutable_instance() =
      InstanceOf(reader, resolved.instances.front(), service.has_value() ? &*service : nullptr,
                 request.include_checks());
  return absl::OkStatus();
}

api::InstanceHealth HealthService::InstanceOf(const Reader& reader, const api::Instance& instance,
                                              const api::Service* service, bool include_checks) {
  api::InstanceHealth h;
  h.set_namespace_(instance.namespace_());
  h.set_id(instance.id());
  h.set_name(instance.name());
  h.set_service(instance.service());
  h.set_status(InstanceStatusOf(instance));
  h.set_state(instance.status());
  h.set_ready(IsReady(instance));
  h.set_restarts(instance.restarts());
  *h.mutable_created_at() = instance.created_at();
  // While waiting to restart, the failure that caused it says more than the
  // wait itself: `<last failure>; restarting in 20s (restart 2)`.
  std::string message = instance.message();
  if (message.empty()) {
    message = instance.last_failure_message();
  } else if (absl::StartsWith(message, "restarting in ") && !instance.last_failure_message().empty()) {
    message = absl::StrCat(instance.last_failure_message(), "; ", message);
  }
  h.set_message(message);
  if (!include_checks) return h;
  std::vector<api::ProbeCheck> checks;
  if (options_.probes != nullptr) {
    checks = options_.probes->Checks(runner::InstanceKey{instance.namespace_(), instance.id()});
  }
  if (checks.empty() && service != nullptr) {
    // The spec of the instance's own generation, when history still has it.
    api::ServiceSpec spec = service->spec();
    if (instance.generation() != service->metadata().generation()) {
      absl::StatusOr<std::optional<store::Record>> record =
          reader.Get(store::kServiceHistory, instance.namespace_(),
                     HistoryName(instance.service(), instance.generation()));
      if (record.ok() && record->has_value()) {
        absl::StatusOr<api::ServiceHistoryEntry> entry = ParseHistory(**record);
        if (entry.ok()) spec = entry->spec();
      }
    }
    checks = ConfiguredChecks(spec);
  }
  for (api::ProbeCheck& c : checks) *h.add_checks() = std::move(c);
  return h;
}

absl::Status HealthService::Node(api::NodeHealth* node) {
  RUNE_ASSIGN_OR_RETURN(NodeUsage usage, sampler_.Sample());
  const absl::Time now = options_.clock();
  node->set_name("local");
  node->set_cpu_cores(usage.cpu_cores);
  node->set_cpu_count(usage.cpu_count);
  node->set_memory_bytes(usage.memory_bytes);
  node->set_memory_total_bytes(usage.memory_total_bytes);
  ToDuration(now - options_.started_at, node->mutable_uptime());
  common::ToTimestamp(options_.started_at, node->mutable_started_at());
  if (options_.runners) {
    for (api::RunnerHealth& r : options_.runners()) *node->add_runners() = std::move(r);
  }
  node->set_status(NodeStatusOf(*node));
  return absl::OkStatus();
}

}  // namespace rune::daemon
