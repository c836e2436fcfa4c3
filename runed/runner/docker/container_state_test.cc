#include "runed/runner/docker/container_state.h"

#include "gtest/gtest.h"
#include "runed/runner/docker/engine_client.h"

namespace rune::daemon::docker {
namespace {

google::protobuf::Value State(const std::string& json) {
  absl::StatusOr<google::protobuf::Value> v = ParseJson(json);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : google::protobuf::Value();
}

TEST(ContainerState, PhaseMapping) {
  EXPECT_EQ(PhaseOf(State(R"({"Status":"running","Running":true,"Pid":42})")), ContainerPhase::kRunning);
  EXPECT_EQ(PhaseOf(State(R"({"Status":"created","Running":false})")), ContainerPhase::kStarting);
  EXPECT_EQ(PhaseOf(State(R"({"Status":"exited","ExitCode":0})")), ContainerPhase::kStopped);
  EXPECT_EQ(PhaseOf(State(R"({"Status":"exited","ExitCode":4})")), ContainerPhase::kFailed);
  EXPECT_EQ(PhaseOf(State(R"({"Status":"exited","ExitCode":0,"OOMKilled":true})")),
            ContainerPhase::kFailed);
}

TEST(ContainerState, ExitCodeMessage) {
  runner::ExitStatus s = ExitOf(
      State(R"({"Status":"exited","ExitCode":4,"FinishedAt":"2026-11-26T08:54:31.881946988Z"})"));
  EXPECT_FALSE(s.start_failed);
  EXPECT_EQ(s.exit_code, 4);
  EXPECT_EQ(s.signal, 0);
  EXPECT_EQ(s.message, "exit code 4");
  EXPECT_EQ(s.finished_at, absl::FromUnixNanos(1795683271881946988));
}

TEST(ContainerState, OutOfMemory) {
  runner::ExitStatus s = ExitOf(State(R"({"Status":"exited","ExitCode":137,"OOMKilled":true})"));
  EXPECT_EQ(s.exit_code, 137);
  EXPECT_EQ(s.message, "out of memory");
}

TEST(ContainerState, NeverStarted) {
  runner::ExitStatus s = ExitOf(State(R"({"Status":"created","FinishedAt":"0001-01-01T00:00:00Z"})"));
  EXPECT_TRUE(s.start_failed);
  EXPECT_EQ(s.message, "container was created but never started");
  EXPECT_NE(s.finished_at, absl::InfinitePast());
}

TEST(ContainerState, EngineTimes) {
  EXPECT_EQ(ParseEngineTime("0001-01-01T00:00:00Z"), absl::InfinitePast());
  EXPECT_EQ(ParseEngineTime(""), absl::InfinitePast());
  EXPECT_EQ(ParseEngineTime("yesterday"), absl::InfinitePast());
  EXPECT_EQ(ParseEngineTime("1970-01-01T00:00:01.5Z"), absl::FromUnixMillis(1500));
  EXPECT_EQ(ParseEngineTime("1970-01-01T02:00:01+02:00"), absl::FromUnixSeconds(1));
}

}  // namespace
}  // namespace rune::daemon::docker
