// How the Docker runner reads a container's state from
// `GET /containers/{id}/json` (SPEC §5.10 state mapping): running →
// Running; exited 0 → Stopped; exited ≠ 0 or OOM-killed → Failed with
// `exit code <n>` / `out of memory`; created → Starting.
//
//   RUNE_ASSIGN_OR_RETURN(EngineResponse r, engine.Call("GET", "/containers/<id>/json"));
//   const google::protobuf::Value& state = Field(r.json, "State");
//   if (PhaseOf(state) == ContainerPhase::kRunning) … else ExitOf(state).message;
#ifndef RUNE_RUNED_RUNNER_DOCKER_CONTAINER_STATE_H_
#define RUNE_RUNED_RUNNER_DOCKER_CONTAINER_STATE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon::docker {

enum class ContainerPhase { kStarting, kRunning, kStopped, kFailed };

// The phase of the `State` object of a container inspect.
ContainerPhase PhaseOf(const google::protobuf::Value& state);

// The exit of a container that is no longer running, from its `State`:
// exit_code = State.ExitCode, message `out of memory` when OOMKilled, else
// `exit code <n>`; finished_at = State.FinishedAt (now when unset). A
// container that never started is a start failure (`container was created
// but never started`).
runner::ExitStatus ExitOf(const google::protobuf::Value& state);

// An engine timestamp (RFC 3339 with optional fraction and offset);
// InfinitePast for an empty, malformed or zero (`0001-01-01T00:00:00Z`) one.
absl::Time ParseEngineTime(absl::string_view text);

}  // namespace rune::daemon::docker

#endif  // RUNE_RUNED_RUNNER_DOCKER_CONTAINER_STATE_H_
