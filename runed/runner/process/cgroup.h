// cgroup v2 placement and limits of process instances (SPEC §5.9). When
// runed's own cgroup is a writable, delegated cgroup v2 directory offering
// the cpu and memory controllers (systemd `Delegate=yes`), runed moves itself
// into `<runed cgroup>/runed` (a cgroup with processes cannot hand
// controllers to its children) and every instance gets
// `<runed cgroup>/instances/<ns>.<instance-id>` with cpu.max, cpu.weight,
// memory.max and memory.low from `resources`. Otherwise Detect returns
// nullptr and resource limits are not enforced.
//
//   std::unique_ptr<Cgroups> cgroups = Cgroups::Detect();
//   if (cgroups) {
//     RUNE_ASSIGN_OR_RETURN(std::string dir, cgroups->Create(key, spec.resources()));
//   }
#ifndef RUNE_RUNED_RUNNER_PROCESS_CGROUP_H_
#define RUNE_RUNED_RUNNER_PROCESS_CGROUP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proto/types.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon::runner::process {

class Cgroups {
 public:
  // nullptr when no usable delegated cgroup v2 subtree exists.
  static std::unique_ptr<Cgroups> Detect();

  // Creates the instance's cgroup with its limits and returns its absolute
  // directory. FailedPrecondition when a limit cannot be written.
  absl::StatusOr<std::string> Create(const InstanceKey& key,
                                     const api::ResourceRequirements& resources) const;

 private:
  explicit Cgroups(std::string base) : base_(std::move(base)) {}
  std::string base_;
};

// cpu.weight (1–10000) for a CPU request in millicores, on the scale of
// cgroup v1 shares (1024 per core).
int CpuWeight(int64_t millis);

// True when `resources` sets any request or limit.
bool HasResources(const api::ResourceRequirements& resources);

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_CGROUP_H_
