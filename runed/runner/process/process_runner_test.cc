// Real processes under real supervisors: this test binary doubles as the
// supervisor (its main dispatches `__supervise` like runed's does).
#include "runed/runner/process/process_runner.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runed/logstore/log_file.h"
#include "runed/runner/process/instance_files.h"
#include "runed/runner/process/supervisor.h"

namespace rune::daemon::runner::process {
namespace {

using logstore::LogRecord;
using logstore::LogStream;
using ::testing::HasSubstr;
using ::testing::Not;

std::string SelfExe() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::string TestTmp() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp ? tmp : "/tmp";
}

std::string ReadAllFd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

class ProcessRunnerTest : public testing::Test {
 protected:
  void SetUp() override {
    const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
    data_dir_ = absl::StrCat(TestTmp(), "/", info->name());
    std::filesystem::remove_all(data_dir_);
    std::filesystem::create_directories(data_dir_);
    runner_ = NewRunner();
  }

  void TearDown() override {
    if (runner_) runner_->StopAll(absl::Seconds(1));
  }

  std::unique_ptr<ProcessRunner> NewRunner() {
    auto r = std::make_unique<ProcessRunner>(SelfExe(), data_dir_, 1 << 20, ::geteuid() == 0);
    r->SetExitCallback([this](const InstanceKey& key, const ExitStatus& s) {
      absl::MutexLock lock(&mu_);
      exits_[key.id] = s;
    });
    return r;
  }

  static StartSpec Spec(const std::string& id, const std::string& script) {
    StartSpec s;
    s.ns = "default";
    s.service = "svc";
    s.id = id;
    s.name = "svc-0";
    s.spec.mutable_process()->set_command("/bin/sh");
    s.spec.mutable_process()->add_args("-c");
    s.spec.mutable_process()->add_args(script);
    return s;
  }

  static InstanceKey Key(const std::string& id) { return {"default", id}; }

  // The exit reported through the callback.
  std::optional<ExitStatus> WaitExit(const std::string& id,
                                     absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    auto reported = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return exits_.count(id) > 0; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&reported), timeout)) return std::nullopt;
    return exits_[id];
  }

  std::vector<LogRecord> Logs(const std::string& id) {
    absl::StatusOr<std::vector<LogRecord>> r =
        logstore::ReadLogFiles(InstanceLogPath(data_dir_, Key(id)));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<LogRecord>{};
  }

  std::string Output(const std::string& id) {
    std::vector<std::string> lines;
    for (const LogRecord& r : Logs(id)) {
      lines.push_back(absl::StrCat(r.stream == LogStream::kStdout ? "o " : "e ", r.content));
    }
    return absl::StrJoin(lines, "\n");
  }

  // Waits until the log holds a line containing `text`.
  bool WaitForLog(const std::string& id, const std::string& text,
                  absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time until = absl::Now() + timeout;
    while (absl::Now() < until) {
      if (absl::StrContains(Output(id), text)) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  // Starts `spec`, waits for its exit and returns it.
  ExitStatus RunToEnd(const StartSpec& spec) {
    absl::StatusOr<Started> started = runner_->Start(spec);
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) return ExitStatus{};
    std::optional<ExitStatus> exit = WaitExit(spec.id);
    EXPECT_TRUE(exit.has_value());
    return exit.value_or(ExitStatus{});
  }

  bool Root() const { return ::geteuid() == 0; }

  // Switching to `nobody` needs real root: a user namespace (such as a build
  // sandbox) usually maps only its own uid.
  static bool CanBecomeNobody() {
    if (::geteuid() != 0) return false;
    std::ifstream in("/proc/self/uid_map");
    uint64_t inside, outside, count;
    while (in >> inside >> outside >> count) {
      if (inside <= 65534 && 65534 < inside + count) return true;
    }
    return false;
  }

  std::string data_dir_;
  std::unique_ptr<ProcessRunner> runner_;
  absl::Mutex mu_;
  std::map<std::string, ExitStatus> exits_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ProcessRunnerTest, ReportsExitCodes) {
  ExitStatus s = RunToEnd(Spec("a-instance-00000001", "exit 7"));
  EXPECT_FALSE(s.start_failed);
  EXPECT_EQ(s.exit_code, 7);
  EXPECT_EQ(s.signal, 0);
  EXPECT_EQ(s.message, "exit code 7");
  EXPECT_LT(absl::Now() - s.finished_at, absl::Seconds(30));

  s = RunToEnd(Spec("a-instance-00000002", "exit 0"));
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(s.message, "exit code 0");
}

TEST_F(ProcessRunnerTest, ReportsSignals) {
  ExitStatus s = RunToEnd(Spec("a-instance-00000003", "kill -TERM $$"));
  EXPECT_EQ(s.signal, SIGTERM);
  EXPECT_EQ(s.message, "killed by signal SIGTERM");
}

TEST_F(ProcessRunnerTest, StartedMeansRunning) {
  absl::StatusOr<Started> started =
      runner_->Start(Spec("a-instance-00000004", "exec sleep 30"));
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_GT(started->pid, 0);
  EXPECT_EQ(::kill(static_cast<pid_t>(started->pid), 0), 0);
  EXPECT_TRUE(started->message.empty());
  const std::string dir = InstanceDir(data_dir_, Key("a-instance-00000004"));
  absl::StatusOr<pid_t> pid = ReadPidFile(dir + "/pid");
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(*pid, started->pid);
  absl::StatusOr<pid_t> supervisor = ReadPidFile(dir + "/supervisor.pid");
  ASSERT_TRUE(supervisor.ok());
  EXPECT_TRUE(IsSupervisorOf(*supervisor, Key("a-instance-00000004")));
  // The supervisor is not this process's child and leads its own session.
  EXPECT_NE(::getppid(), *supervisor);
  EXPECT_EQ(::getsid(*supervisor), *supervisor);
  EXPECT_EQ(::getsid(static_cast<pid_t>(started->pid)), started->pid);

  // A second start of a running instance is refused.
  EXPECT_EQ(runner_->Start(Spec("a-instance-00000004", "true")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(runner_->Kill(Key("a-instance-00000004"), SIGKILL).ok());
  std::optional<ExitStatus> s = WaitExit("a-instance-00000004");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->signal, SIGKILL);
}

TEST_F(ProcessRunnerTest, MissingExecutable) {
  StartSpec spec = Spec("a-instance-00000005", "");
  spec.spec.mutable_process()->set_command("/nonexistent/server");
  absl::StatusOr<Started> started = runner_->Start(spec);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(started.status().message(),
            "failed to start process: exec: \"/nonexistent/server\": file does not exist");
}

TEST_F(ProcessRunnerTest, NotExecutable) {
  const std::string file = data_dir_ + "/plain.txt";
  std::ofstream(file) << "not a program\n";
  ::chmod(file.c_str(), 0644);
  StartSpec spec = Spec("a-instance-00000006", "");
  spec.spec.mutable_process()->set_command(file);
  absl::StatusOr<Started> started = runner_->Start(spec);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().message(),
            absl::StrCat("failed to start process: exec: \"", file, "\": permission denied"));
}

TEST_F(ProcessRunnerTest, MissingWorkdir) {
  StartSpec spec = Spec("a-instance-00000007", "true");
  spec.spec.mutable_process()->set_workdir("/nonexistent");
  absl::StatusOr<Started> started = runner_->Start(spec);
  EXPECT_EQ(started.status().message(),
            "failed to start process: chdir /nonexistent: file does not exist");
}

TEST_F(ProcessRunnerTest, CapturesStdoutAndStderrLines) {
  const absl::Time before = absl::Now();
  ExitStatus s = RunToEnd(
      Spec("a-instance-00000010", "echo out1; echo err1 >&2; echo out2; printf 'no newline'"));
  EXPECT_EQ(s.exit_code, 0);
  std::vector<LogRecord> logs = Logs("a-instance-00000010");
  std::vector<std::string> out, err;
  for (const LogRecord& r : logs) {
    (r.stream == LogStream::kStdout ? out : err).push_back(r.content);
    EXPECT_GE(r.unix_nanos, absl::ToUnixNanos(before));
    EXPECT_LE(r.unix_nanos, absl::ToUnixNanos(absl::Now()));
  }
  EXPECT_EQ(out, (std::vector<std::string>{"out1", "out2", "no newline"}));
  EXPECT_EQ(err, (std::vector<std::string>{"err1"}));
}

TEST_F(ProcessRunnerTest, EnvironmentIsExact) {
  StartSpec spec = Spec("a-instance-00000011", "env | sort");
  spec.env = {"GREETING=hello world"};
  ::setenv("RUNE_MASTER_KEY", "must-not-leak", 1);
  ExitStatus s = RunToEnd(spec);
  ::unsetenv("RUNE_MASTER_KEY");
  EXPECT_EQ(s.exit_code, 0);
  const std::string out = Output("a-instance-00000011");
  EXPECT_THAT(out, HasSubstr("o GREETING=hello world"));
  EXPECT_THAT(out,
              HasSubstr("o PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  EXPECT_THAT(out, HasSubstr("o HOME="));
  EXPECT_THAT(out, HasSubstr("o USER="));
  EXPECT_THAT(out, HasSubstr("o LOGNAME="));
  EXPECT_THAT(out, Not(HasSubstr("RUNE_MASTER_KEY")));
  EXPECT_THAT(out, Not(HasSubstr("TEST_TMPDIR")));
}

TEST_F(ProcessRunnerTest, WorkdirAndStdin) {
  StartSpec spec = Spec("a-instance-00000012", "pwd; cat; echo done");
  spec.spec.mutable_process()->set_workdir("/usr");
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(Output("a-instance-00000012"), "o /usr\no done");
}

TEST_F(ProcessRunnerTest, StopEscalatesToSigkill) {
  const std::string id = "a-instance-00000020";
  ASSERT_TRUE(
      runner_->Start(Spec(id, "trap '' TERM; echo ready; while :; do sleep 0.05; done")).ok());
  ASSERT_TRUE(WaitForLog(id, "ready"));
  const absl::Time t0 = absl::Now();
  ASSERT_TRUE(runner_->Stop(Key(id), absl::Milliseconds(500)).ok());
  const absl::Duration took = absl::Now() - t0;
  EXPECT_GE(took, absl::Milliseconds(500));
  std::optional<ExitStatus> s = WaitExit(id);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->signal, SIGKILL);
  // Stopping again is fine, killing is not.
  EXPECT_TRUE(runner_->Stop(Key(id), absl::Seconds(1)).ok());
  EXPECT_EQ(runner_->Kill(Key(id), SIGTERM).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProcessRunnerTest, StopWithSigterm) {
  const std::string id = "a-instance-00000021";
  ASSERT_TRUE(runner_->Start(Spec(id, "echo ready; exec sleep 30")).ok());
  ASSERT_TRUE(WaitForLog(id, "ready"));
  const absl::Time t0 = absl::Now();
  ASSERT_TRUE(runner_->Stop(Key(id), absl::Seconds(10)).ok());
  EXPECT_LT(absl::Now() - t0, absl::Seconds(5));
  std::optional<ExitStatus> s = WaitExit(id);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->signal, SIGTERM);
}

TEST_F(ProcessRunnerTest, ProcessGroupEndsWithItsLeader) {
  const std::string id = "a-instance-00000022";
  // The background sleep writes its pid, then the leader exits.
  ExitStatus s = RunToEnd(Spec(id, "sleep 30 & echo $!; exit 0"));
  EXPECT_EQ(s.exit_code, 0);
  std::vector<LogRecord> logs = Logs(id);
  ASSERT_EQ(logs.size(), 1u);
  int child = 0;
  ASSERT_TRUE(absl::SimpleAtoi(logs[0].content, &child));
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (::kill(child, 0) == 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_NE(::kill(child, 0), 0);
}

TEST_F(ProcessRunnerTest, RemoveDeletesTheInstanceDirectory) {
  const std::string id = "a-instance-00000023";
  RunToEnd(Spec(id, "echo bye"));
  const std::string dir = InstanceDir(data_dir_, Key(id));
  EXPECT_TRUE(std::filesystem::exists(dir + "/status"));
  ASSERT_TRUE(runner_->Remove(Key(id)).ok());
  EXPECT_FALSE(std::filesystem::exists(dir));
  // Logs stay.
  EXPECT_EQ(Output(id), "o bye");
  EXPECT_TRUE(runner_->Remove(Key(id)).ok());
}

TEST_F(ProcessRunnerTest, AdoptionAfterRunnerRestart) {
  const std::string id = "a-instance-00000030";
  absl::StatusOr<Started> started = runner_->Start(
      Spec(id, "i=0; while :; do echo line $i; i=$((i+1)); sleep 0.02; done"));
  ASSERT_TRUE(started.ok()) << started.status();
  ASSERT_TRUE(WaitForLog(id, "line 3"));
  // runed "dies": the runner goes away, the instance keeps running.
  runner_.reset();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(::kill(static_cast<pid_t>(started->pid), 0), 0);

  runner_ = NewRunner();
  absl::StatusOr<std::vector<Adopted>> adopted = runner_->Adopt();
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  ASSERT_EQ(adopted->size(), 1u);
  EXPECT_EQ((*adopted)[0].key, Key(id));
  EXPECT_TRUE((*adopted)[0].alive);
  EXPECT_EQ((*adopted)[0].pid, started->pid);
  EXPECT_EQ((*adopted)[0].started_at, started->started_at);
  // Adopting twice finds nothing new.
  EXPECT_TRUE(runner_->Adopt()->empty());

  ASSERT_TRUE(runner_->Stop(Key(id), absl::Seconds(5)).ok());
  std::optional<ExitStatus> s = WaitExit(id);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->signal, SIGTERM);

  // Every line, in order, no gap while no runner watched.
  std::vector<LogRecord> logs = Logs(id);
  ASSERT_GT(logs.size(), 10u);
  for (size_t i = 0; i < logs.size(); ++i) {
    EXPECT_EQ(logs[i].content, absl::StrCat("line ", i));
  }
}

TEST_F(ProcessRunnerTest, AdoptReportsEndedInstances) {
  const std::string id = "a-instance-00000031";
  RunToEnd(Spec(id, "exit 4"));
  // A supervisor that died without writing a status (kill -9).
  const std::string lost = InstanceDir(data_dir_, Key("a-instance-00000032"));
  std::filesystem::create_directories(lost);
  std::ofstream(lost + "/supervisor.pid") << "1\n";
  runner_.reset();
  runner_ = NewRunner();
  absl::StatusOr<std::vector<Adopted>> adopted = runner_->Adopt();
  ASSERT_TRUE(adopted.ok());
  ASSERT_EQ(adopted->size(), 2u);
  std::map<std::string, Adopted> by_id;
  for (const Adopted& a : *adopted) by_id[a.key.id] = a;
  EXPECT_FALSE(by_id[id].alive);
  EXPECT_EQ(by_id[id].exit.exit_code, 4);
  EXPECT_EQ(by_id[id].exit.message, "exit code 4");
  EXPECT_FALSE(by_id["a-instance-00000032"].alive);
  EXPECT_EQ(by_id["a-instance-00000032"].exit.message, "supervisor exited without a status");
}

TEST_F(ProcessRunnerTest, ResourcesWithoutDelegationAreReported) {
  const std::string id = "a-instance-00000033";
  StartSpec spec = Spec(id, "exit 0");
  spec.spec.mutable_resources()->mutable_memory()->set_limit("64Mi");
  absl::StatusOr<Started> started = runner_->Start(spec);
  ASSERT_TRUE(started.ok()) << started.status();
  absl::StatusOr<std::string> launch =
      ReadWholeFile(InstanceDir(data_dir_, Key(id)) + "/launch.pb");
  ASSERT_TRUE(launch.ok());
  LaunchInfo info;
  ASSERT_TRUE(info.ParseFromString(*launch));
  if (info.cgroup().empty()) {
    EXPECT_EQ(started->message, "resource limits not enforced: cgroup v2 delegation unavailable");
  } else {
    EXPECT_EQ(started->message, "");
  }
  WaitExit(id);
}

// ---- securityContext (root only) ------------------------------------------------

// Cases that switch users; their own test target runs them outside the
// build sandbox's user namespace.
class IdentityTest : public ProcessRunnerTest {};

TEST_F(ProcessRunnerTest, ReadOnlyRootWithWritableTmp) {
  if (!Root()) GTEST_SKIP() << "needs root";
  const std::string id = "a-instance-00000040";
  // A host path outside /tmp (the instance's /tmp is its own).
  const std::string host_file =
      absl::StartsWith(data_dir_, "/tmp/")
          ? "/var/tmp/rune-process-runner-test-" + std::to_string(::getpid())
          : data_dir_ + "/written-by-instance";
  const std::string tmp_file = "/tmp/rune-process-runner-test-" + std::to_string(::getpid());
  StartSpec spec = Spec(id, absl::StrCat("echo x > ", host_file, " || echo write-failed; echo y > ",
                                         tmp_file, " && cat ", tmp_file));
  spec.spec.mutable_process()->mutable_security_context()->set_read_only_fs(true);
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0);
  const std::string out = Output(id);
  EXPECT_THAT(out, HasSubstr("Read-only file system"));
  EXPECT_THAT(out, HasSubstr("o write-failed"));
  EXPECT_THAT(out, HasSubstr("o y"));
  EXPECT_FALSE(std::filesystem::exists(host_file));
  // The instance's /tmp was its own.
  EXPECT_FALSE(std::filesystem::exists(tmp_file));
}

TEST_F(IdentityTest, SecretMountIsPrivateAndReadOnly) {
  if (!CanBecomeNobody()) GTEST_SKIP() << "needs root with uid 65534 mapped";
  // A host directory every user can reach (the test's own tree may not be).
  const std::string mnt = "/mnt";
  if (!std::filesystem::is_directory(mnt)) GTEST_SKIP() << "no /mnt on this host";
  const bool was_empty = std::filesystem::is_empty(mnt);
  const std::string id = "a-instance-00000041";
  StartSpec spec = Spec(id, "cd /mnt && stat -c '%a %U' token sub/cfg && cat token && echo && "
                            "(echo z > token2 || echo read-only)");
  spec.spec.mutable_process()->mutable_security_context()->set_user("nobody");
  spec.spec.add_secret_mounts()->set_name("s");
  spec.mounts.push_back({mnt, {{"token", "s3cret", 0400}, {"sub/cfg", "c", 0444}}});
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0) << Output(id);
  std::vector<std::string> out, err;
  for (const LogRecord& r : Logs(id)) {
    (r.stream == LogStream::kStdout ? out : err).push_back(r.content);
  }
  EXPECT_EQ(out, (std::vector<std::string>{"400 nobody", "444 nobody", "s3cret", "read-only"}));
  ASSERT_EQ(err.size(), 1u);
  EXPECT_THAT(err[0], HasSubstr("Read-only file system"));
  // Nothing was written on the host.
  EXPECT_EQ(std::filesystem::is_empty(mnt), was_empty);
  EXPECT_FALSE(std::filesystem::exists(mnt + "/token"));
}

TEST_F(ProcessRunnerTest, SecretMountAsRoot) {
  if (!Root()) GTEST_SKIP() << "needs root";
  const std::string id = "a-instance-00000050";
  const std::string mnt = data_dir_ + "/secret-mount";
  std::filesystem::create_directories(mnt);
  StartSpec spec = Spec(id, absl::StrCat("stat -c '%a %u' ", mnt, "/token; cat ", mnt, "/token"));
  spec.spec.add_secret_mounts()->set_name("s");
  spec.mounts.push_back({mnt, {{"token", "s3cret", 0400}}});
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(Output(id), "o 400 0\no s3cret");
  EXPECT_TRUE(std::filesystem::is_empty(mnt));
}

TEST_F(ProcessRunnerTest, MissingMountPath) {
  if (!Root()) GTEST_SKIP() << "needs root";
  StartSpec spec = Spec("a-instance-00000042", "true");
  spec.mounts.push_back({data_dir_ + "/nope", {{"k", "v", 0400}}});
  absl::StatusOr<Started> started = runner_->Start(spec);
  EXPECT_EQ(started.status().message(),
            absl::StrCat("mountPath ", data_dir_, "/nope does not exist on the host"));
}

TEST_F(ProcessRunnerTest, CapabilitiesAreReallyDropped) {
  if (!Root()) GTEST_SKIP() << "needs root";
  const std::string id = "a-instance-00000043";
  // Root without CAP_DAC_OVERRIDE cannot read a file with no permission bits.
  const std::string file = data_dir_ + "/unreadable";
  std::ofstream(file) << "x";
  ::chmod(file.c_str(), 0);
  StartSpec spec = Spec(id, absl::StrCat("grep -E '^Cap(Prm|Eff|Bnd|Amb)' /proc/self/status; cat ",
                                         file, " || echo read-failed"));
  auto* sc = spec.spec.mutable_process()->mutable_security_context();
  sc->set_capabilities_set(true);
  sc->add_capabilities("NET_BIND_SERVICE");
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0);
  const std::string out = Output(id);
  EXPECT_THAT(out, HasSubstr("o CapPrm:\t0000000000000400\no CapEff:\t0000000000000400\n"
                             "o CapBnd:\t0000000000000400\no CapAmb:\t0000000000000400"));
  EXPECT_THAT(out, HasSubstr("Permission denied"));
  EXPECT_THAT(out, HasSubstr("o read-failed"));
}

TEST_F(IdentityTest, ChownNeedsTheDroppedCapability) {
  if (!CanBecomeNobody()) GTEST_SKIP() << "needs root with uid 65534 mapped";
  const std::string id = "a-instance-00000051";
  const std::string file = data_dir_ + "/owned";
  std::ofstream(file) << "x";
  StartSpec spec = Spec(id, absl::StrCat("chown 65534 ", file, " || echo chown-failed"));
  auto* sc = spec.spec.mutable_process()->mutable_security_context();
  sc->set_capabilities_set(true);
  sc->add_capabilities("NET_BIND_SERVICE");
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0);
  const std::string out = Output(id);
  EXPECT_THAT(out, HasSubstr("Operation not permitted"));
  EXPECT_THAT(out, HasSubstr("o chown-failed"));
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  // With the capability, the same command works.
  sc->add_capabilities("CHOWN");
  spec.id = "a-instance-00000052";
  EXPECT_EQ(RunToEnd(spec).exit_code, 0);
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
}

TEST_F(IdentityTest, CapabilitiesSurviveUserChange) {
  if (!CanBecomeNobody()) GTEST_SKIP() << "needs root with uid 65534 mapped";
  const std::string id = "a-instance-00000044";
  StartSpec spec = Spec(id, "id -u; grep -E '^Cap(Eff|Amb)' /proc/self/status");
  auto* sc = spec.spec.mutable_process()->mutable_security_context();
  sc->set_user("nobody");
  sc->set_capabilities_set(true);
  sc->add_capabilities("net_bind_service");
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(Output(id), "o 65534\no CapEff:\t0000000000000400\no CapAmb:\t0000000000000400");
}

TEST_F(IdentityTest, UserByNameDropsEverything) {
  if (!CanBecomeNobody()) GTEST_SKIP() << "needs root with uid 65534 mapped";
  const std::string id = "a-instance-00000045";
  StartSpec spec = Spec(id, "id -u; id -g; id -G; echo $HOME $USER $LOGNAME; "
                            "grep CapEff /proc/self/status");
  spec.spec.mutable_process()->mutable_security_context()->set_user("nobody");
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(Output(id),
            "o 65534\no 65534\no 65534\no /nonexistent nobody nobody\no CapEff:\t0000000000000000");
}

TEST_F(ProcessRunnerTest, UnknownUser) {
  StartSpec spec = Spec("a-instance-00000046", "true");
  spec.spec.mutable_process()->mutable_security_context()->set_user("no-such-user-here");
  EXPECT_EQ(runner_->Start(spec).status().message(), "unknown user \"no-such-user-here\"");
}

TEST_F(ProcessRunnerTest, DeniedSyscallFailsWithEperm) {
  const std::string id = "a-instance-00000047";
  const std::string dir = data_dir_ + "/made";
  StartSpec spec = Spec(id, absl::StrCat("mkdir ", dir, " || echo mkdir-failed; echo still-running"));
  auto* sc = spec.spec.mutable_process()->mutable_security_context();
  sc->add_denied_syscalls("mkdir");
  sc->add_denied_syscalls("mkdirat");
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0);
  const std::string out = Output(id);
  EXPECT_THAT(out, HasSubstr("Operation not permitted"));
  EXPECT_THAT(out, HasSubstr("o mkdir-failed\no still-running"));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// Enough for a small dynamically linked program of Debian's coreutils.
std::vector<std::string> SmallProgramSyscalls() {
  return {"read",       "write",      "openat",        "open",         "close",
          "fstat",      "newfstatat", "statx",         "lseek",        "mmap",
          "mprotect",   "munmap",     "brk",           "pread64",      "access",
          "faccessat",  "faccessat2", "arch_prctl",    "set_tid_address", "set_robust_list",
          "rseq",       "prlimit64",  "getrandom",     "rt_sigaction", "rt_sigprocmask",
          "ioctl",      "fcntl",      "futex",         "exit_group",   "uname",
          "getuid",     "geteuid",    "getgid",        "getegid",      "getpid",
          "getdents64", "readlink",   "readlinkat"};
}

TEST_F(ProcessRunnerTest, AllowListRunsAProgramAndDeniesTheRest) {
  const std::string ok_id = "a-instance-00000048";
  StartSpec spec = Spec(ok_id, "");
  spec.spec.mutable_process()->set_command("/bin/echo");
  spec.spec.mutable_process()->clear_args();
  spec.spec.mutable_process()->add_args("allowed");
  for (const std::string& name : SmallProgramSyscalls()) {
    spec.spec.mutable_process()->mutable_security_context()->add_allowed_syscalls(name);
  }
  ExitStatus s = RunToEnd(spec);
  EXPECT_EQ(s.exit_code, 0) << Output(ok_id);
  EXPECT_EQ(Output(ok_id), "o allowed");

  // mkdir is not on the list.
  const std::string denied_id = "a-instance-00000049";
  const std::string dir = data_dir_ + "/made";
  spec.id = denied_id;
  spec.spec.mutable_process()->set_command("/bin/mkdir");
  spec.spec.mutable_process()->clear_args();
  spec.spec.mutable_process()->add_args(dir);
  s = RunToEnd(spec);
  EXPECT_NE(s.exit_code, 0);
  EXPECT_THAT(Output(denied_id), HasSubstr("Operation not permitted"));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// ---- exec ---------------------------------------------------------------------

class ExecTest : public ProcessRunnerTest {
 protected:
  // Starts a long-running instance with an environment (and, as root, a
  // secret mount only its mount namespace sees).
  void StartInstance() {
    StartSpec spec = Spec(id_, "echo ready; exec sleep 60");
    spec.env = {"INSTANCE_VAR=from-instance"};
    spec.spec.mutable_process()->set_workdir("/usr");
    if (Root()) {
      mnt_ = data_dir_ + "/exec-secrets";
      std::filesystem::create_directories(mnt_);
      spec.spec.add_secret_mounts()->set_name("s");
      spec.mounts.push_back({mnt_, {{"key", "mounted-value", 0400}}});
    }
    absl::StatusOr<Started> started = runner_->Start(spec);
    ASSERT_TRUE(started.ok()) << started.status();
  }

  // Runs `argv` without a TTY; returns stdout and the exit status.
  std::pair<std::string, ExitStatus> Run(std::vector<std::string> argv,
                                         std::vector<std::string> env = {}) {
    ExecSpec spec;
    spec.argv = std::move(argv);
    spec.extra_env = std::move(env);
    absl::StatusOr<std::unique_ptr<ExecProcess>> p = runner_->Exec(Key(id_), spec);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return {"", {}};
    (*p)->CloseStdin();
    std::string out = ReadAllFd((*p)->stdout_fd());
    return {out, (*p)->Wait()};
  }

  const std::string id_ = "e-instance-00000001";
  std::string mnt_;
};

TEST_F(ExecTest, ExitCodesAndSignals) {
  StartInstance();
  EXPECT_EQ(Run({"sh", "-c", "exit 0"}).second.exit_code, 0);
  ExitStatus three = Run({"sh", "-c", "exit 3"}).second;
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_EQ(three.signal, 0);
  ExitStatus killed = Run({"sh", "-c", "kill -9 $$"}).second;
  EXPECT_EQ(killed.signal, 9);
  EXPECT_EQ(killed.message, "killed by signal SIGKILL");
}

TEST_F(ExecTest, EnvironmentWorkdirAndNamespace) {
  StartInstance();
  auto [out, s] = Run({"sh", "-c", "echo $INSTANCE_VAR $EXTRA; pwd"}, {"EXTRA=added"});
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(out, "from-instance added\n/usr\n");
  if (Root()) {
    auto [secret, s2] = Run({"cat", mnt_ + "/key"});
    EXPECT_EQ(s2.exit_code, 0);
    EXPECT_EQ(secret, "mounted-value");
    // runed itself does not see the mount.
    EXPECT_TRUE(std::filesystem::is_empty(mnt_));
  }
}

TEST_F(ExecTest, StdinStderrAndSignal) {
  StartInstance();
  ExecSpec spec;
  spec.argv = {"sh", "-c", "read line; echo got $line; echo oops >&2; exec sleep 30"};
  absl::StatusOr<std::unique_ptr<ExecProcess>> p = runner_->Exec(Key(id_), spec);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(::write((*p)->stdin_fd(), "hello\n", 6), 6);
  char buf[64];
  ssize_t n = ::read((*p)->stdout_fd(), buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "got hello\n");
  n = ::read((*p)->stderr_fd(), buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "oops\n");
  ASSERT_TRUE((*p)->Signal(SIGTERM).ok());
  ExitStatus s = (*p)->Wait();
  EXPECT_EQ(s.signal, SIGTERM);
  EXPECT_FALSE((*p)->Signal(SIGTERM).ok());
}

TEST_F(ExecTest, Tty) {
  StartInstance();
  ExecSpec spec;
  spec.argv = {"sh", "-c", "test -t 0 && stty size; read x; echo got $x"};
  spec.tty = true;
  spec.rows = 33;
  spec.cols = 101;
  absl::StatusOr<std::unique_ptr<ExecProcess>> p = runner_->Exec(Key(id_), spec);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->stderr_fd(), -1);
  EXPECT_EQ((*p)->stdin_fd(), (*p)->stdout_fd());
  ASSERT_EQ(::write((*p)->stdin_fd(), "typed\n", 6), 6);
  std::string out;
  char buf[256];
  while (!absl::StrContains(out, "got typed")) {
    const ssize_t n = ::read((*p)->stdout_fd(), buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  EXPECT_THAT(out, HasSubstr("33 101"));
  EXPECT_THAT(out, HasSubstr("got typed"));
  EXPECT_EQ((*p)->Wait().exit_code, 0);
}

TEST_F(ExecTest, CommandNotFoundAndNotRunning) {
  StartInstance();
  ExecSpec spec;
  spec.argv = {"no-such-command"};
  EXPECT_EQ(runner_->Exec(Key(id_), spec).status().message(),
            "failed to start process: exec: \"no-such-command\": executable file not found in $PATH");
  ASSERT_TRUE(runner_->Stop(Key(id_), absl::Seconds(5)).ok());
  spec.argv = {"true"};
  EXPECT_EQ(runner_->Exec(Key(id_), spec).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace rune::daemon::runner::process

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], rune::daemon::runner::process::kSuperviseArg) == 0) {
    return rune::daemon::runner::process::SuperviseMain(argc, argv);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
