#include "runed/runner/runner_set.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace rune::daemon::runner {
namespace {

// Records the calls it gets; Start succeeds, Adopt returns `adopt`.
class FakeRunner : public Runner {
 public:
  explicit FakeRunner(std::string name) : name_(std::move(name)) {}

  void SetExitCallback(ExitCallback) override { calls.push_back("callback"); }
  absl::StatusOr<Started> Start(const StartSpec& spec) override {
    calls.push_back("start " + spec.id);
    return Started();
  }
  absl::Status Stop(const InstanceKey& key, absl::Duration) override {
    calls.push_back("stop " + key.id);
    return absl::OkStatus();
  }
  absl::Status Kill(const InstanceKey& key, int) override {
    calls.push_back("kill " + key.id);
    return known ? absl::OkStatus() : absl::FailedPreconditionError(name_ + " does not run it");
  }
  absl::Status Remove(const InstanceKey& key) override {
    calls.push_back("remove " + key.id);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<Adopted>> Adopt() override {
    calls.push_back("adopt");
    if (!adopt.ok()) return adopt.status();
    return *adopt;
  }
  absl::StatusOr<std::unique_ptr<ExecProcess>> Exec(const InstanceKey& key, const ExecSpec&) override {
    calls.push_back("exec " + key.id);
    return absl::FailedPreconditionError(name_ + " does not run it");
  }

  std::vector<std::string> calls;
  bool known = false;
  absl::StatusOr<std::vector<Adopted>> adopt = std::vector<Adopted>();

 private:
  std::string name_;
};

StartSpec Spec(const std::string& id, bool process) {
  StartSpec s;
  s.ns = "default";
  s.id = id;
  if (process) {
    s.spec.mutable_process()->set_command("/bin/true");
  } else {
    s.spec.set_image("busybox");
  }
  return s;
}

TEST(RunnerSet, StartRoutesBySpecAndLaterCallsFollow) {
  FakeRunner process("process"), docker("docker");
  RunnerSet set(&process, &docker);
  ASSERT_TRUE(set.Start(Spec("p-instance-00000001", true)).ok());
  ASSERT_TRUE(set.Start(Spec("d-instance-00000002", false)).ok());
  ASSERT_TRUE(set.Stop({"default", "d-instance-00000002"}, absl::Seconds(1)).ok());
  ASSERT_TRUE(set.Remove({"default", "d-instance-00000002"}).ok());
  EXPECT_EQ(process.calls, (std::vector<std::string>{"start p-instance-00000001"}));
  EXPECT_EQ(docker.calls, (std::vector<std::string>{"start d-instance-00000002",
                                                    "stop d-instance-00000002",
                                                    "remove d-instance-00000002"}));
}

TEST(RunnerSet, UnknownInstancesGoToBoth) {
  FakeRunner process("process"), docker("docker");
  docker.known = true;
  RunnerSet set(&process, &docker);
  const InstanceKey key{"default", "x-instance-00000003"};
  ASSERT_TRUE(set.Stop(key, absl::Seconds(1)).ok());
  ASSERT_TRUE(set.Kill(key, 9).ok());
  EXPECT_FALSE(set.Exec(key, ExecSpec()).ok());
  EXPECT_EQ(process.calls, (std::vector<std::string>{"stop x-instance-00000003",
                                                     "kill x-instance-00000003",
                                                     "exec x-instance-00000003"}));
  EXPECT_EQ(docker.calls, (std::vector<std::string>{"stop x-instance-00000003",
                                                    "kill x-instance-00000003",
                                                    "exec x-instance-00000003"}));
}

TEST(RunnerSet, DisabledRunnerRefusesWithM22Text) {
  FakeRunner process("process");
  RunnerSet set(&process, nullptr);
  absl::StatusOr<Started> s = set.Start(Spec("d-instance-00000002", false));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.status().message(), "docker runner is disabled on this server");
}

TEST(RunnerSet, AdoptSkipsAnUnreachableEngineButRoutesWhatItFound) {
  FakeRunner process("process"), docker("docker");
  Adopted a;
  a.key = {"default", "p-instance-00000001"};
  a.alive = true;
  process.adopt = std::vector<Adopted>{a};
  docker.adopt = absl::UnavailableError("docker runner unavailable: cannot connect");
  RunnerSet set(&process, &docker);
  absl::StatusOr<std::vector<Adopted>> found = set.Adopt();
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 1u);
  ASSERT_TRUE(set.Stop(a.key, absl::Seconds(1)).ok());
  EXPECT_EQ(docker.calls, (std::vector<std::string>{"adopt"}));
  EXPECT_EQ(process.calls.back(), "stop p-instance-00000001");
}

TEST(RunnerSet, ProcessAdoptionFailureIsAnError) {
  FakeRunner process("process"), docker("docker");
  process.adopt = absl::InternalError("broken");
  RunnerSet set(&process, &docker);
  EXPECT_FALSE(set.Adopt().ok());
}

}  // namespace
}  // namespace rune::daemon::runner
