// `rune exec` through Run() against the in-process runed API, with commands
// forked on this host by LocalExecRunner: exit status passthrough (0, 3,
// 137), --timeout (124, M33), stdin forwarding, stdout/stderr kept apart,
// --env/--workdir, a forced TTY, signal forwarding and the double-SIGINT
// detach (130), and errors before the start (M16, M21).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "proto/service.grpc.pb.h"
#include "rune/cli.h"
#include "rune/cli_test_support.h"
#include "runed/api/local_exec_runner.h"
#include "runed/api/test_server.h"
#include "runed/store/store.h"

namespace rune::cli {
namespace {

using daemon::LocalExecRunner;
using daemon::TestServer;
using daemon::TestServerOptions;

TestServerOptions WithRunner(LocalExecRunner* runner) {
  TestServerOptions options;
  options.runner = runner;
  return options;
}

class ExecCommandTest : public ::testing::Test {
 protected:
  ExecCommandTest()
      : server_(WithRunner(&runner_)), token_(server_.TokenFor("root")), tmp_(::testing::TempDir()) {
    env_ = ServerEnvironment(server_.address(), token_, tmp_);
    api::ApplyServiceRequest request;
    request.mutable_spec()->set_name("api");
    request.mutable_spec()->set_image("nginx:1.25");
    request.mutable_spec()->set_scale(1);
    api::ApplyServiceResponse response;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token_);
    EXPECT_TRUE(
        api::ServiceService::NewStub(server_.channel())->ApplyService(&ctx, request, &response).ok());
    api::Instance instance;
    instance.set_id("api-instance-0000000a");
    instance.set_name("api-0");
    instance.set_namespace_("default");
    instance.set_service("api");
    instance.set_status(api::Instance::RUNNING);
    instance.set_ready(true);
    EXPECT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) -> absl::Status {
                      return txn.Put(store::kInstance, "default", instance.id(),
                                     instance.SerializeAsString(), 0)
                          .status();
                    })
                    .ok());
    runner_.SetRunning(instance.id());
  }

  CliResult RunCli(std::vector<std::string> args, const std::string& stdin_text = "") {
    return RunRune(args, env_, stdin_text);
  }

  // Waits until `path` exists (the remote command created it).
  static bool AwaitFile(const std::string& path) {
    struct stat st;
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (stat(path.c_str(), &st) != 0) {
      if (absl::Now() > until) return false;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return true;
  }

  LocalExecRunner runner_;
  TestServer server_;
  std::string token_;
  std::string tmp_;
  Environment env_;
};

TEST_F(ExecCommandTest, ExitZero) {
  CliResult r = RunCli({"exec", "api", "--", "true"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST_F(ExecCommandTest, RemoteStatusAndStreamsPassThrough) {
  CliResult r = RunCli({"exec", "api", "--", "sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST_F(ExecCommandTest, SignalDeathIs128PlusSignal) {
  CliResult r = RunCli({"exec", "api", "--", "sh", "-c", "kill -KILL $$"});
  EXPECT_EQ(r.code, 137);
  EXPECT_EQ(r.err, "");
}

TEST_F(ExecCommandTest, TimeoutIs124WithM33) {
  CliResult r = RunCli({"exec", "api", "--timeout", "1s", "--", "sleep", "30"});
  EXPECT_EQ(r.code, 124);
  EXPECT_EQ(r.err, "Error: command timed out after 1s\n");
}

TEST_F(ExecCommandTest, StdinIsForwardedUntilEof) {
  CliResult r = RunCli({"e", "api", "cat"}, "line one\nline two");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "line one\nline two");
}

TEST_F(ExecCommandTest, EnvAndWorkdir) {
  CliResult r = RunCli({"exec", "--env", "GREETING=hello world", "--workdir", "/tmp", "api", "--",
                     "sh", "-c", "echo \"$GREETING\"; pwd"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "hello world\n/tmp\n");
}

TEST_F(ExecCommandTest, ForcedTtyMergesOutput) {
  CliResult r = RunCli({"exec", "-t", "api", "--", "sh", "-c", "tty; echo err >&2"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "/dev/pts/")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "err")) << r.out;
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(runner_.specs().size(), 1u);
  EXPECT_TRUE(runner_.specs()[0].tty);
  EXPECT_EQ(runner_.specs()[0].rows, 24);
  EXPECT_EQ(runner_.specs()[0].cols, 80);
}

TEST_F(ExecCommandTest, NoTtyWithoutATerminal) {
  CliResult r = RunCli({"exec", "api", "--", "true"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(runner_.specs().size(), 1u);
  EXPECT_FALSE(runner_.specs()[0].tty);
}

TEST_F(ExecCommandTest, SigtermIsForwarded) {
  const std::string ready = absl::StrCat(tmp_, "/term-ready");
  unlink(ready.c_str());
  std::thread signaller([&] {
    if (AwaitFile(ready)) kill(getpid(), SIGTERM);
  });
  CliResult r = RunCli({"exec", "api", "--", "sh", "-c",
                     absl::StrCat("trap 'exit 7' TERM; touch ", ready,
                                  "; while :; do sleep 0.1; done")});
  signaller.join();
  EXPECT_EQ(r.code, 7) << r.err;
}

TEST_F(ExecCommandTest, SecondSigintWithinTwoSecondsDetaches) {
  const std::string ready = absl::StrCat(tmp_, "/int-ready");
  unlink(ready.c_str());
  std::thread signaller([&] {
    if (!AwaitFile(ready)) return;
    kill(getpid(), SIGINT);
    absl::SleepFor(absl::Milliseconds(200));
    kill(getpid(), SIGINT);
  });
  const absl::Time start = absl::Now();
  CliResult r = RunCli({"exec", "api", "--", "sh", "-c",
                     absl::StrCat("trap '' INT; touch ", ready, "; while :; do sleep 0.1; done")});
  signaller.join();
  EXPECT_EQ(r.code, 130);
  EXPECT_EQ(r.err, "");
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(ExecCommandTest, UnknownTargetFailsBeforeStart) {
  CliResult r = RunCli({"exec", "nosuch", "--", "true"});
  EXPECT_EQ(r.code, 4);
  EXPECT_TRUE(absl::StartsWith(
      r.err, "Error: service or instance \"nosuch\" not found in namespace \"default\"\n"
             "Hint: run 'rune get instances -n default'\nRequest ID: "))
      << r.err;
  EXPECT_TRUE(runner_.specs().empty());
}

TEST_F(ExecCommandTest, InstanceNotRunningIsM21) {
  CliResult r = RunCli({"exec", "instance/api-1", "--", "true"});
  EXPECT_EQ(r.code, 4) << r.err;  // no instance named api-1 at all
  api::Instance stopped;
  stopped.set_id("api-instance-0000000b");
  stopped.set_name("api-1");
  stopped.set_namespace_("default");
  stopped.set_service("api");
  stopped.set_ordinal(1);
  stopped.set_status(api::Instance::STOPPED);
  ASSERT_TRUE(server_.store()
                  ->Update([&](store::WriteTxn& txn) -> absl::Status {
                    return txn.Put(store::kInstance, "default", stopped.id(),
                                   stopped.SerializeAsString(), 0)
                        .status();
                  })
                  .ok());
  r = RunCli({"exec", "instance/api-1", "--", "true"});
  EXPECT_EQ(r.code, 5);
  EXPECT_TRUE(absl::StartsWith(
      r.err,
      "Error: instance \"default/api-instance-0000000b\" is not running (status: Stopped)\n"
      "Hint: check 'rune get instances -n default'\n"))
      << r.err;
}

}  // namespace
}  // namespace rune::cli
