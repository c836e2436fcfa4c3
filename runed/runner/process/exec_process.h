// Exec sessions in a running process instance (SPEC §5.9 "Exec", §5.12): a
// new process with the instance's identity — its mount namespace (joined
// through /proc/<pid>/ns/mnt), cgroup, uid/gid, capabilities and seccomp
// filter from launch.pb, the environment of /proc/<pid>/environ plus the
// session's variables, and the instance workdir unless one is given. With a
// TTY the command gets a new PTY as its controlling terminal.
//
//   RUNE_ASSIGN_OR_RETURN(std::unique_ptr<ExecProcess> p,
//                         StartExec(info, instance_pid, {.argv = {"sh", "-c", "exit 3"}}));
//   ExitStatus s = p->Wait();   // s.exit_code == 3
#ifndef RUNE_RUNED_RUNNER_PROCESS_EXEC_PROCESS_H_
#define RUNE_RUNED_RUNNER_PROCESS_EXEC_PROCESS_H_

#include <sys/types.h>

#include <memory>

#include "absl/status/statusor.h"
#include "runed/runner/process/launch.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon::runner::process {

// Starts `spec` in the instance whose process is `instance_pid` and was
// launched as `info`. FailedPrecondition with `failed to start process: …`
// when the command cannot start (e.g. `exec: "nope": executable file not
// found in $PATH`), or when the instance process is gone. The returned
// descriptors are blocking.
absl::StatusOr<std::unique_ptr<ExecProcess>> StartExec(const LaunchInfo& info, pid_t instance_pid,
                                                       const ExecSpec& spec);

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_EXEC_PROCESS_H_
