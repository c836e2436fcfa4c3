// Turns the orchestrator's StartSpec into what a supervisor launches (SPEC
// §5.9, §4.2.1): the run-as user and group from /etc/passwd and /etc/group,
// the capability mask, the seccomp mode and system call numbers of this
// architecture, the tmpfs mounts and the exact environment (PATH, HOME, USER,
// LOGNAME of the run-as user, then the service's variables). Fields that need
// root are refused when runed is not root.
//
//   HostIdentity host{geteuid() == 0, geteuid(), getegid()};
//   RUNE_ASSIGN_OR_RETURN(SuperviseRequest req, BuildSuperviseRequest(spec, host));
//   // FailedPrecondition: `unknown user "bob"`,
//   //   `securityContext.readOnlyFS requires runed to run as root`,
//   //   `mountPath /etc/app does not exist on the host`
#ifndef RUNE_RUNED_RUNNER_PROCESS_LAUNCH_REQUEST_H_
#define RUNE_RUNED_RUNNER_PROCESS_LAUNCH_REQUEST_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "runed/runner/process/launch.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon::runner::process {

// Who runed is.
struct HostIdentity {
  bool am_root = false;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string passwd_path = "/etc/passwd";
  std::string group_path = "/etc/group";
};

// The fixed PATH of every instance (SPEC §5.9).
inline constexpr char kInstancePath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// ns, id, launch (without cgroup, pid, start time), env and mounts of
// `spec`. FailedPrecondition with the instance failure message when the spec
// cannot run here.
absl::StatusOr<SuperviseRequest> BuildSuperviseRequest(const StartSpec& spec,
                                                       const HostIdentity& host);

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_LAUNCH_REQUEST_H_
