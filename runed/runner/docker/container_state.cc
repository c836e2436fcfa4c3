#include "runed/runner/docker/container_state.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runed/runner/docker/engine_client.h"

namespace rune::daemon::docker {

ContainerPhase PhaseOf(const google::protobuf::Value& state) {
  const std::string status = StringField(state, "Status");
  if (BoolField(state, "Running") || status == "running" || status == "paused" ||
      status == "restarting") {
    return ContainerPhase::kRunning;
  }
  if (status == "created" || status == "configured" || status == "initialized") {
    return ContainerPhase::kStarting;
  }
  if (BoolField(state, "OOMKilled") || NumberField(state, "ExitCode") != 0) {
    return ContainerPhase::kFailed;
  }
  return ContainerPhase::kStopped;
}

runner::ExitStatus ExitOf(const google::protobuf::Value& state) {
  runner::ExitStatus exit;
  exit.finished_at = ParseEngineTime(StringField(state, "FinishedAt"));
  if (exit.finished_at == absl::InfinitePast()) exit.finished_at = absl::Now();
  if (PhaseOf(state) == ContainerPhase::kStarting) {
    exit.start_failed = true;
    exit.message = "container was created but never started";
    return exit;
  }
  exit.exit_code = static_cast<int>(std::lround(NumberField(state, "ExitCode")));
  exit.message = BoolField(state, "OOMKilled") ? std::string("out of memory")
                                               : absl::StrCat("exit code ", exit.exit_code);
  return exit;
}

absl::Time ParseEngineTime(absl::string_view text) {
  absl::Time t;
  std::string error;
  if (text.empty() || !absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InfinitePast();
  }
  // Go's zero time: "never".
  if (t < absl::FromUnixSeconds(0)) return absl::InfinitePast();
  return t;
}

}  // namespace rune::daemon::docker
