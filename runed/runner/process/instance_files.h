// The files a supervisor keeps for its instance (SPEC §5.9) in
// `<data_dir>/instances/<ns>/<id>/`:
//   supervisor.pid  the supervisor's pid (written before the launch)
//   pid             the service process's pid (written once it runs)
//   launch.pb       LaunchInfo: what exec sessions need, no secrets
//   status          ExitRecord: how the process ended (written last, atomically)
// and the helpers runed and the supervisor share to read and write them.
//
//   const std::string dir = InstanceDir(data_dir, {"default", "api-instance-7c2e8a3b"});
//   RUNE_RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + kPidFile, "4242\n"));
//   RUNE_ASSIGN_OR_RETURN(ExitRecord r, ReadExitRecord(dir));
//   ExitStatus s = ToExitStatus(r);   // message "exit code 3"
#ifndef RUNE_RUNED_RUNNER_PROCESS_INSTANCE_FILES_H_
#define RUNE_RUNED_RUNNER_PROCESS_INSTANCE_FILES_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runed/runner/process/launch.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon::runner::process {

inline constexpr char kSupervisorPidFile[] = "supervisor.pid";
inline constexpr char kPidFile[] = "pid";
inline constexpr char kLaunchFile[] = "launch.pb";
inline constexpr char kStatusFile[] = "status";

// The hidden runed mode of supervisors: `runed __supervise <ns>/<id>`.
inline constexpr char kSuperviseArg[] = "__supervise";

// `<data_dir>/instances/<ns>/<id>`.
std::string InstanceDir(absl::string_view data_dir, const InstanceKey& key);
// `<data_dir>/logs/<ns>/<id>.log` (SPEC §5.11).
std::string InstanceLogPath(absl::string_view data_dir, const InstanceKey& key);

// Writes `path` through a temporary file and rename(2), so readers see the
// old content or the new one. Internal on I/O errors.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content);
// NotFound when missing; Internal on other errors.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);
// A decimal pid file; NotFound / InvalidArgument.
absl::StatusOr<pid_t> ReadPidFile(const std::string& path);

// `status` of an instance directory: NotFound when not written (yet).
absl::StatusOr<ExitRecord> ReadExitRecord(const std::string& instance_dir);

// ExitRecord of a wait result (waitid's si_code and si_status), with the
// message `exit code <n>` or `killed by signal SIG<NAME>`.
ExitRecord ExitRecordOf(int code, int status, absl::Time finished_at);
ExitStatus ToExitStatus(const ExitRecord& record);

// "KILL" for SIGKILL, "TERM", …; the number as text for unnamed signals.
std::string SignalName(int sig);

// True when /proc/<pid>/cmdline is `<runed> __supervise <ns>/<id>`.
bool IsSupervisorOf(pid_t pid, const InstanceKey& key);

// Removes `path` and everything below it; OK when missing.
absl::Status RemoveTree(const std::string& path);

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_INSTANCE_FILES_H_
