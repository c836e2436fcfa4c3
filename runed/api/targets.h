// Target resolution shared by logs, exec and health (SPEC §3.6.7–§3.6.9):
// `NAME` (a service first, then an instance ID, then an instance name),
// `service/NAME`, `svc/NAME`, `instance/ID-or-NAME`, `inst/ID-or-NAME`.
//
//   RUNE_ASSIGN_OR_RETURN(Target t, ResolveTarget(Reader::Of(store), "default", "api"));
//   if (t.kind == Target::Kind::kService) { … t.service … t.instances … }
//
// Errors: M14 for a typed target that does not exist (`service "x" not found
// in namespace "ns"` / `instance "x" not found in namespace "ns"`), M16 for a
// bare name that is neither (`service or instance "x" not found in namespace
// "ns"`, hint `run 'rune get instances -n <ns>'`), all NotFound.
#ifndef RUNE_RUNED_API_TARGETS_H_
#define RUNE_RUNED_API_TARGETS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/types.pb.h"
#include "runed/api/service_records.h"

namespace rune::daemon {

struct Target {
  enum class Kind { kService, kInstance };
  Kind kind = Kind::kService;
  std::string ns;
  // The service (for an instance target: the instance's service).
  std::string service;
  // Current instance records: every instance of the service (sorted by
  // ordinal, then creation), or exactly the one named instance.
  std::vector<api::Instance> instances;
  // RBAC resource of the target kind: `service` or `instance`.
  const char* resource() const { return kind == Kind::kService ? "service" : "instance"; }
};

// Strips a `service/`, `svc/`, `instance/` or `inst/` prefix; `kind` gets
// what the prefix says (nullopt for a bare name).
std::string SplitTargetPrefix(absl::string_view target, std::optional<Target::Kind>* kind);

// Resolves `target` in namespace `ns` ("" = default). An instance name
// (`api-0`) picks the instance of the newest generation.
absl::StatusOr<Target> ResolveTarget(const Reader& reader, absl::string_view ns,
                                     absl::string_view target);

// The instance of `target` exec runs in: the instance itself (M21
// `instance "<ns>/<id>" is not running (status: <Status>)` when it is not
// Running), or for a service the running, ready instance with the lowest
// ordinal, else any running one (M21 `service "<ns>/<name>" has no running
// instances`). FailedPrecondition with hint `check 'rune get instances -n <ns>'`.
absl::StatusOr<api::Instance> PickExecInstance(const Target& target);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_TARGETS_H_
