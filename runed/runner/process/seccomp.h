// The seccomp-BPF program of `process.securityContext` (SPEC §5.9): the
// architecture is checked first (another one kills the process), then the
// system call number: a deny-list answers EPERM for the listed calls, an
// allow-list answers EPERM for every call not listed (execve, execveat, exit,
// exit_group and rt_sigreturn are always allowed).
//
//   std::vector<sock_filter> prog = SeccompProgram(SECCOMP_DENY, {83});  // mkdir on x86_64
//   sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
//   prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
//   prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
#ifndef RUNE_RUNED_RUNNER_PROCESS_SECCOMP_H_
#define RUNE_RUNED_RUNNER_PROCESS_SECCOMP_H_

#include <linux/filter.h>

#include <vector>

#include "runed/runner/process/launch.pb.h"

namespace rune::daemon::runner::process {

// The filter for `mode` over `syscalls` (numbers of the build architecture);
// empty for SECCOMP_NONE.
std::vector<sock_filter> SeccompProgram(SeccompMode mode, const std::vector<int>& syscalls);

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_SECCOMP_H_
