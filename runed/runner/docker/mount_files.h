// The secret and config mounts of containers (SPEC §5.10): runed mounts a
// tmpfs at /run/rune/mounts (mode 0700) the first time an instance needs one
// (an existing tmpfs mounted there is reused), writes each instance's files
// to `<root>/<instance-id>/<mount-name>/` (directories 0555, files 0444, raw
// bytes) and the container gets read-only binds of those directories. The
// files are removed with the instance; secrets never touch a disk.
//
//   MountFiles mounts("/run/rune/mounts");
//   RUNE_ASSIGN_OR_RETURN(std::vector<std::string> binds,
//                         mounts.Write(start.id, start.mounts, start.spec));
//   // binds: {"/run/rune/mounts/api-instance-7c2e8a3b/tls:/etc/tls:ro"}
//   mounts.Remove("api-instance-7c2e8a3b");
#ifndef RUNE_RUNED_RUNNER_DOCKER_MOUNT_FILES_H_
#define RUNE_RUNED_RUNNER_DOCKER_MOUNT_FILES_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/types.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon::docker {

inline constexpr char kMountsRoot[] = "/run/rune/mounts";

class MountFiles {
 public:
  explicit MountFiles(std::string root) : root_(std::move(root)) {}

  // Writes the files of `mounts` (named after the spec's secretMounts and
  // configMounts with the same mountPath) and returns the binds
  // `<dir>:<mountPath>:ro`. Replaces files left from an earlier start of the
  // same instance. FailedPrecondition when the tmpfs cannot be mounted, e.g.
  // `secret and config mounts need a tmpfs at /run/rune/mounts: mount:
  // operation not permitted (runed is not running as root)`; Internal on
  // other write errors.
  absl::StatusOr<std::vector<std::string>> Write(const std::string& instance_id,
                                                 const std::vector<runner::Mount>& mounts,
                                                 const api::ServiceSpec& spec);

  // Removes the instance's files; OK when there are none.
  absl::Status Remove(const std::string& instance_id);

 private:
  absl::Status EnsureTmpfs();

  const std::string root_;
  absl::Mutex mu_;
  bool mounted_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace rune::daemon::docker

#endif  // RUNE_RUNED_RUNNER_DOCKER_MOUNT_FILES_H_
