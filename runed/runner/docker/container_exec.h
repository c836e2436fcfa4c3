// Exec sessions in containers (SPEC §5.12 on top of §5.10): `POST
// /containers/{id}/exec` then a hijacked `POST /exec/{id}/start`, seen by
// the exec service as a runner::ExecProcess. Pump threads move bytes between
// the hijacked connection and local descriptors: pipes without a TTY (the
// engine's multiplexed frames split into stdout and stderr), one socket pair
// with a TTY (raw bytes both ways). pidfd() is an eventfd that turns readable
// once the engine ended the stream; Wait() then reads the exit code from
// `GET /exec/{id}/json`. Signals go to the exec's host PID with kill(2).
//
//   RUNE_ASSIGN_OR_RETURN(std::unique_ptr<runner::ExecProcess> p,
//                         StartContainerExec(&engine, container_id, spec));
//   write(p->stdin_fd(), "hi\n", 3); p->CloseStdin();
//   … poll p->stdout_fd(), p->stderr_fd(), p->pidfd() …
//   runner::ExitStatus s = p->Wait();   // s.exit_code
#ifndef RUNE_RUNED_RUNNER_DOCKER_CONTAINER_EXEC_H_
#define RUNE_RUNED_RUNNER_DOCKER_CONTAINER_EXEC_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runed/runner/docker/engine_client.h"
#include "runed/runner/runner.h"

namespace rune::daemon::docker {

// Creates and starts `spec` in container `container_id`. FailedPrecondition
// `container is not running` when the engine refuses (404/409), with the
// engine's message for other refusals; Unavailable when the engine cannot
// be reached.
absl::StatusOr<std::unique_ptr<runner::ExecProcess>> StartContainerExec(
    EngineClient* engine, const std::string& container_id, const runner::ExecSpec& spec);

}  // namespace rune::daemon::docker

#endif  // RUNE_RUNED_RUNNER_DOCKER_CONTAINER_EXEC_H_
