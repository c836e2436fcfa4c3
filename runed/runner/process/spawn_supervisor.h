// Starting one per-instance supervisor (SPEC §5.9): runed runs
// `<runed> __supervise <ns>/<id>` with an empty environment, its own session
// and default signal handling, writes the SuperviseRequest to its stdin and
// reads the SuperviseReply from its stdout. The started process forks the
// real supervisor and exits at once, so the supervisor is never runed's
// child and outlives it.
//
//   RUNE_ASSIGN_OR_RETURN(SuperviseReply reply,
//                         SpawnSupervisor("/usr/bin/runed", key, request.SerializeAsString()));
//   if (!reply.error().empty()) { /* the process did not start */ }
#ifndef RUNE_RUNED_RUNNER_PROCESS_SPAWN_SUPERVISOR_H_
#define RUNE_RUNED_RUNNER_PROCESS_SPAWN_SUPERVISOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "runed/runner/process/launch.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon::runner::process {

// Returns the supervisor's reply once the instance process runs or failed to
// start. Internal when the supervisor cannot be started or exits without
// answering.
absl::StatusOr<SuperviseReply> SpawnSupervisor(const std::string& runed_path,
                                               const InstanceKey& key, const std::string& request);

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_SPAWN_SUPERVISOR_H_
