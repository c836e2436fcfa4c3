#include "runed/api/targets.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

absl::Status TargetNotFound(absl::string_view ns, absl::string_view name) {
  return common::WithHint(
      absl::NotFoundError(absl::StrCat("service or instance \"", name,
                                       "\" not found in namespace \"", ns, "\"")),
      absl::StrCat("run 'rune get instances -n ", ns, "'"));
}

int64_t CreatedNanos(const api::Instance& instance) {
  return instance.created_at().seconds() * 1000000000 + instance.created_at().nanos();
}

// `Running`, `Stopped`, … as `rune get instances` shows them.
std::string StateName(api::Instance::State state) {
  switch (state) {
    case api::Instance::PENDING: return "Pending";
    case api::Instance::STARTING: return "Starting";
    case api::Instance::RUNNING: return "Running";
    case api::Instance::UNHEALTHY: return "Unhealthy";
    case api::Instance::STOPPING: return "Stopping";
    case api::Instance::STOPPED: return "Stopped";
    case api::Instance::FAILED: return "Failed";
    default: return "Unknown";
  }
}

absl::StatusOr<Target> ServiceTarget(const Reader& reader, const std::string& ns,
                                     const std::string& service) {
  Target target;
  target.kind = Target::Kind::kService;
  target.ns = ns;
  target.service = service;
  RUNE_ASSIGN_OR_RETURN(target.instances, InstancesOf(reader, ns, service));
  std::stable_sort(target.instances.begin(), target.instances.end(),
                   [](const api::Instance& a, const api::Instance& b) {
                     if (a.ordinal() != b.ordinal()) return a.ordinal() < b.ordinal();
                     return CreatedNanos(a) < CreatedNanos(b);
                   });
  return target;
}

Target InstanceTarget(const std::string& ns, api::Instance instance) {
  Target target;
  target.kind = Target::Kind::kInstance;
  target.ns = ns;
  target.service = instance.service();
  target.instances.push_back(std::move(instance));
  return target;
}

}  // namespace

std::string SplitTargetPrefix(absl::string_view target, std::optional<Target::Kind>* kind) {
  struct Prefix {
    absl::string_view text;
    Target::Kind kind;
  };
  static constexpr Prefix kPrefixes[] = {
      {"service/", Target::Kind::kService},
      {"svc/", Target::Kind::kService},
      {"instance/", Target::Kind::kInstance},
      {"inst/", Target::Kind::kInstance},
  };
  for (const Prefix& p : kPrefixes) {
    if (absl::StartsWith(target, p.text)) {
      *kind = p.kind;
      return std::string(target.substr(p.text.size()));
    }
  }
  *kind = std::nullopt;
  return std::string(target);
}

absl::StatusOr<Target> ResolveTarget(const Reader& reader, absl::string_view ns_in,
                                     absl::string_view target) {
  const std::string ns = EffectiveNamespace(ns_in);
  std::optional<Target::Kind> kind;
  const std::string name = SplitTargetPrefix(target, &kind);
  if (name.empty()) return absl::InvalidArgumentError("target name must not be empty");

  if (!kind.has_value() || *kind == Target::Kind::kService) {
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> service, FindService(reader, ns, name));
    if (service.has_value()) return ServiceTarget(reader, ns, name);
    if (kind.has_value()) return ServiceNotFound(ns, name);
  }
  RUNE_ASSIGN_OR_RETURN(std::optional<api::Instance> instance, FindInstance(reader, ns, name));
  if (instance.has_value()) return InstanceTarget(ns, *std::move(instance));
  if (kind.has_value()) return InstanceNotFound(ns, name);
  return TargetNotFound(ns, name);
}

absl::StatusOr<api::Instance> PickExecInstance(const Target& target) {
  const std::string hint = absl::StrCat("check 'rune get instances -n ", target.ns, "'");
  if (target.kind == Target::Kind::kInstance) {
    if (target.instances.size() != 1) {
      return absl::InternalError("an instance target must hold exactly one instance");
    }
    const api::Instance& instance = target.instances.front();
    if (instance.status() == api::Instance::RUNNING) return instance;
    return common::WithHint(
        absl::FailedPreconditionError(absl::StrCat("instance \"", target.ns, "/", instance.id(),
                                                   "\" is not running (status: ",
                                                   StateName(instance.status()), ")")),
        hint);
  }
  const api::Instance* pick = nullptr;
  for (const api::Instance& instance : target.instances) {  // sorted by ordinal
    if (instance.status() != api::Instance::RUNNING) continue;
    if (instance.ready()) return instance;
    if (pick == nullptr) pick = &instance;
  }
  if (pick != nullptr) return *pick;
  return common::WithHint(
      absl::FailedPreconditionError(absl::StrCat(
          "service \"", target.ns, "/", target.service, "\" has no running instances")),
      hint);
}

}  // namespace rune::daemon
