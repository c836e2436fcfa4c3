// Starting one process the way SPEC §5.9 describes: a pre-exec child gets its
// own session, default signal handling, its cgroup, a private mount
// namespace (read-only root, secret/config tmpfs mounts) or the namespace of
// an instance it joins (exec), its user, group and capabilities, its
// workdir, exactly three standard streams and finally its seccomp filter,
// then calls execve. A failure anywhere before execve comes back through a
// close-on-exec status pipe as the runner's start-failure text.
//
// Everything the child needs is prepared before fork, so the child only
// makes system calls (it may be forked from a multi-threaded runed).
//
//   LaunchParams p;
//   p.info = &info;                  // argv, workdir, uid/gid, caps, seccomp, …
//   p.env = {"PATH=/usr/bin:/bin", "HOME=/root", "USER=root", "LOGNAME=root"};
//   p.stdio.out = out_pipe[1];       // -1 = /dev/null
//   RUNE_ASSIGN_OR_RETURN(Launched child, Launch(p));  // returns after execve
//   // FailedPrecondition: `failed to start process: exec: "/x": file does not exist`
#ifndef RUNE_RUNED_RUNNER_PROCESS_LAUNCH_H_
#define RUNE_RUNED_RUNNER_PROCESS_LAUNCH_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runed/runner/process/launch.pb.h"

namespace rune::daemon::runner::process {

// The child's standard streams; Launch does not close these descriptors.
struct Stdio {
  int in = -1;   // -1 = /dev/null
  int out = -1;  // -1 = /dev/null
  int err = -1;  // -1 = /dev/null
  // `in` is a PTY slave that becomes the controlling terminal.
  bool controlling_tty = false;
};

struct LaunchParams {
  // Identity, capabilities, seccomp, read-only root, cgroup, argv, workdir.
  const LaunchInfo* info = nullptr;
  // Exactly the child's environment (KEY=VALUE).
  std::vector<std::string> env;
  // tmpfs mounts of a new instance (ignored when joining a namespace).
  std::vector<MountSpec> mounts;
  // Overrides info->argv / info->workdir when non-empty (exec sessions).
  std::vector<std::string> argv;
  std::string workdir;
  // Exec sessions: join this mount namespace (an open /proc/<pid>/ns/mnt)
  // instead of creating one; -1 = new instance.
  int join_mount_ns_fd = -1;
  // argv[0] without '/' is looked up in the PATH of `env` (exec sessions).
  bool search_path = false;
  Stdio stdio;
  // Use the per-mount read-only remount even when mount_setattr exists.
  bool force_remount_fallback = false;
};

struct Launched {
  pid_t pid = -1;
  int pidfd = -1;  // owned by the caller; -1 when the kernel has no pidfd_open
};

// Forks, applies the launch sequence in the child and returns once execve
// succeeded. FailedPrecondition with `failed to start process: …` when the
// child failed before or at execve (the child is reaped); Internal when fork
// or a preparation step fails.
absl::StatusOr<Launched> Launch(const LaunchParams& params);

// Go-style lower-case text of an errno value ("file does not exist" for
// ENOENT, "permission denied" for EACCES, "operation not permitted", …).
std::string ErrnoText(int err);

// pidfd_open(2), -1 on failure (errno set).
int PidfdOpen(pid_t pid);

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_LAUNCH_H_
