// ExecService over a real in-process gRPC server (SPEC §5.12): exit codes,
// signals, timeout, stdin, stdout/stderr chunks, TTY with resize, protocol
// errors, target resolution (M16, M21), RBAC on the target kind, client
// disconnect (SIGHUP, SIGKILL after the grace), shutdown (M46) and a missing
// runner.
//
// The commands run on this host through LocalExecRunner (local_exec_runner.h),
// which stands in for the process runner: only the session is under test.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/exec.grpc.pb.h"
#include "proto/service.grpc.pb.h"
#include "runed/api/exec_session.h"
#include "runed/api/local_exec_runner.h"
#include "runed/api/test_server.h"
#include "runed/runner/runner.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

// ---------------------------------------------------------------------------
// Fixture

api::ExecRequest Stdin(const std::string& bytes) {
  api::ExecRequest r;
  r.set_stdin(bytes);
  return r;
}

api::ExecRequest StdinClose() {
  api::ExecRequest r;
  r.set_stdin_close(true);
  return r;
}

api::ExecRequest SignalRequest(const std::string& name) {
  api::ExecRequest r;
  r.set_signal(name);
  return r;
}

api::ExecInit Init(std::vector<std::string> command, const std::string& target = "api") {
  api::ExecInit init;
  init.set_target(target);
  for (std::string& c : command) init.add_command(std::move(c));
  return init;
}

std::string Hint(const grpc::ClientContext& ctx) {
  auto it = ctx.GetServerTrailingMetadata().find("x-rune-hint");
  if (it == ctx.GetServerTrailingMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// Everything one session returned.
struct Session {
  grpc::Status status;
  std::string hint;
  std::string instance_id;
  std::string out, err;
  std::optional<api::ExecExit> exit;
  size_t largest_chunk = 0;
  int after_exit = 0;  // messages after exit (must be none)
  bool started_first = true;
};

class ExecServiceTest : public ::testing::Test {
 protected:
  ExecServiceTest() : server_(Options(&runner_)), token_(server_.TokenFor("root")) {
    stub_ = api::ExecService::NewStub(server_.channel());
    CreateService("default", "api");
    api_0_ = AddInstance("default", "api", "api-instance-0000000a", 0, api::Instance::RUNNING, true);
    AddInstance("default", "api", "api-instance-0000000b", 1, api::Instance::RUNNING, true);
    stopped_ = AddInstance("default", "api", "api-instance-0000000c", 2, api::Instance::STOPPED,
                           false);
  }

  static TestServerOptions Options(runner::Runner* runner) {
    TestServerOptions options;
    options.runner = runner;
    return options;
  }

  void CreateService(const std::string& ns, const std::string& name) {
    api::ApplyServiceRequest request;
    request.mutable_spec()->set_namespace_(ns);
    request.mutable_spec()->set_name(name);
    request.mutable_spec()->set_image("nginx:1.25");
    request.mutable_spec()->set_scale(1);
    api::ApplyServiceResponse response;
    auto ctx = Ctx(token_);
    ASSERT_TRUE(
        api::ServiceService::NewStub(server_.channel())->ApplyService(ctx.get(), request, &response).ok());
  }

  std::string AddInstance(const std::string& ns, const std::string& service, const std::string& id,
                          int ordinal, api::Instance::State state, bool ready) {
    api::Instance instance;
    instance.set_id(id);
    instance.set_name(absl::StrCat(service, "-", ordinal));
    instance.set_namespace_(ns);
    instance.set_service(service);
    instance.set_generation(1);
    instance.set_runner(api::Instance::PROCESS);
    instance.set_node("local");
    instance.set_status(state);
    instance.set_ready(ready);
    instance.set_ordinal(ordinal);
    EXPECT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) -> absl::Status {
                      return txn.Put(store::kInstance, ns, id, instance.SerializeAsString(), 0)
                          .status();
                    })
                    .ok());
    if (state == api::Instance::RUNNING) runner_.SetRunning(id);
    return id;
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  // Sends `first` (init unless told otherwise) and `then`, half-closes, and
  // reads the session to its end.
  Session Run(const api::ExecRequest& first, const std::vector<api::ExecRequest>& then = {},
              const std::string& token = "") {
    auto ctx = Ctx(token.empty() ? token_ : token);
    auto stream = stub_->Exec(ctx.get());
    stream->Write(first);
    for (const api::ExecRequest& r : then) stream->Write(r);
    stream->WritesDone();
    Session s = ReadAll(stream.get());
    s.status = stream->Finish();
    s.hint = Hint(*ctx);
    return s;
  }

  Session Run(const api::ExecInit& init, const std::vector<api::ExecRequest>& then = {},
              const std::string& token = "") {
    api::ExecRequest first;
    *first.mutable_init() = init;
    return Run(first, then, token);
  }

  template <typename Stream>
  static Session ReadAll(Stream* stream, Session s = {}) {
    api::ExecResponse response;
    bool first = s.instance_id.empty();
    while (stream->Read(&response)) {
      if (first && !response.has_started()) s.started_first = false;
      first = false;
      if (s.exit.has_value()) ++s.after_exit;
      switch (response.message_case()) {
        case api::ExecResponse::kStarted:
          s.instance_id = response.started().instance_id();
          break;
        case api::ExecResponse::kStdout:
          s.out += response.stdout();
          s.largest_chunk = std::max(s.largest_chunk, response.stdout().size());
          break;
        case api::ExecResponse::kStderr:
          s.err += response.stderr();
          s.largest_chunk = std::max(s.largest_chunk, response.stderr().size());
          break;
        case api::ExecResponse::kExit:
          s.exit = response.exit();
          break;
        default:
          break;
      }
    }
    return s;
  }

  // Reads until stdout holds `text`; false when the stream ended first.
  template <typename Stream>
  static bool ReadUntil(Stream* stream, const std::string& text, Session* s) {
    api::ExecResponse response;
    while (!absl::StrContains(s->out, text)) {
      if (!stream->Read(&response)) return false;
      if (response.has_started()) s->instance_id = response.started().instance_id();
      if (response.has_stdout()) s->out += response.stdout();
    }
    return true;
  }

  LocalExecRunner runner_;  // outlives the server
  TestServer server_;
  std::string token_;
  std::unique_ptr<api::ExecService::Stub> stub_;
  std::string api_0_, stopped_;
};

// ---------------------------------------------------------------------------
// Exit status

TEST_F(ExecServiceTest, ExitZeroStartsInTheLowestReadyInstance) {
  Session s = Run(Init({"true"}));
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  EXPECT_TRUE(s.started_first);
  EXPECT_EQ(s.instance_id, api_0_);
  ASSERT_TRUE(s.exit.has_value());
  EXPECT_EQ(s.exit->code(), 0);
  EXPECT_FALSE(s.exit->signaled());
  EXPECT_FALSE(s.exit->timed_out());
  EXPECT_EQ(s.after_exit, 0);
}

TEST_F(ExecServiceTest, ExitThreeWithStdoutAndStderrApart) {
  Session s = Run(Init({"sh", "-c", "echo out; echo err >&2; exit 3"}));
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  ASSERT_TRUE(s.exit.has_value());
  EXPECT_EQ(s.exit->code(), 3);
  EXPECT_FALSE(s.exit->signaled());
  EXPECT_EQ(s.out, "out\n");
  EXPECT_EQ(s.err, "err\n");
}

TEST_F(ExecServiceTest, SigkillIs137AndSignaled) {
  Session s = Run(Init({"sh", "-c", "kill -KILL $$"}));
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  ASSERT_TRUE(s.exit.has_value());
  EXPECT_EQ(s.exit->code(), 137);
  EXPECT_TRUE(s.exit->signaled());
  EXPECT_EQ(s.exit->signal(), "KILL");
  EXPECT_EQ(s.exit->signal_number(), 9);
  EXPECT_FALSE(s.exit->timed_out());
}

TEST_F(ExecServiceTest, TimeoutKillsAndSaysSo) {
  api::ExecInit init = Init({"sleep", "30"});
  init.set_timeout_seconds(1);
  const absl::Time start = absl::Now();
  Session s = Run(init);
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  ASSERT_TRUE(s.exit.has_value());
  EXPECT_TRUE(s.exit->timed_out());
  EXPECT_TRUE(s.exit->signaled());
  EXPECT_EQ(s.exit->code(), 137);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// ---------------------------------------------------------------------------
// Streams

TEST_F(ExecServiceTest, StdinIsForwardedUntilClosed) {
  Session s = Run(Init({"cat"}), {Stdin("hello\n"), Stdin("world"), StdinClose()});
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  EXPECT_EQ(s.out, "hello\nworld");
  ASSERT_TRUE(s.exit.has_value());
  EXPECT_EQ(s.exit->code(), 0);
}

TEST_F(ExecServiceTest, LargeStdinRoundTripsInBoundedChunks) {
  std::string big;
  for (int i = 0; i < 300000; ++i) big.push_back(static_cast<char>('a' + i % 26));
  std::vector<api::ExecRequest> then;
  for (size_t i = 0; i < big.size(); i += 10000) then.push_back(Stdin(big.substr(i, 10000)));
  then.push_back(StdinClose());
  Session s = Run(Init({"cat"}), then);
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  EXPECT_EQ(s.out.size(), big.size());
  EXPECT_TRUE(s.out == big);
  EXPECT_LE(s.largest_chunk, 32u * 1024);
  EXPECT_GT(s.largest_chunk, 0u);
}

TEST_F(ExecServiceTest, EnvWorkdirAndCommandReachTheRunner) {
  api::ExecInit init = Init({"sh", "-c", "echo $GREETING; pwd"});
  (*init.mutable_env())["GREETING"] = "hi";
  init.set_workdir("/tmp");
  Session s = Run(init);
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  EXPECT_EQ(s.out, "hi\n/tmp\n");
  ASSERT_EQ(runner_.specs().size(), 1u);
  EXPECT_EQ(runner_.specs()[0].extra_env, std::vector<std::string>{"GREETING=hi"});
  EXPECT_EQ(runner_.specs()[0].workdir, "/tmp");
  EXPECT_FALSE(runner_.specs()[0].tty);
}

TEST_F(ExecServiceTest, TtyCarriesAllOutputOnStdoutAndResizes) {
  api::ExecInit init = Init({"sh", "-c", "tty >/dev/null && echo is-a-tty; echo oops >&2; stty size; read x; stty size"});
  init.set_tty(true);
  init.mutable_terminal_size()->set_rows(40);
  init.mutable_terminal_size()->set_cols(100);
  api::ExecRequest resize;
  resize.mutable_resize()->set_rows(50);
  resize.mutable_resize()->set_cols(120);

  auto ctx = Ctx(token_);
  auto stream = stub_->Exec(ctx.get());
  api::ExecRequest first;
  *first.mutable_init() = init;
  stream->Write(first);
  Session s;
  ASSERT_TRUE(ReadUntil(stream.get(), "40 100", &s)) << s.out;
  stream->Write(resize);
  stream->Write(Stdin("\n"));
  stream->Write(StdinClose());
  stream->WritesDone();
  s = ReadAll(stream.get(), s);
  s.status = stream->Finish();
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  EXPECT_TRUE(absl::StrContains(s.out, "is-a-tty")) << s.out;
  EXPECT_TRUE(absl::StrContains(s.out, "oops")) << s.out;
  EXPECT_TRUE(absl::StrContains(s.out, "50 120")) << s.out;
  EXPECT_EQ(s.err, "");
  ASSERT_TRUE(s.exit.has_value());
  EXPECT_EQ(s.exit->code(), 0);
  EXPECT_TRUE(runner_.specs()[0].tty);
  EXPECT_EQ(runner_.specs()[0].rows, 40);
  EXPECT_EQ(runner_.specs()[0].cols, 100);
}

TEST_F(ExecServiceTest, SignalsAreDelivered) {
  auto ctx = Ctx(token_);
  auto stream = stub_->Exec(ctx.get());
  api::ExecRequest first;
  *first.mutable_init() =
      Init({"sh", "-c", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done"});
  stream->Write(first);
  Session s;
  ASSERT_TRUE(ReadUntil(stream.get(), "ready", &s));
  stream->Write(SignalRequest("TERM"));
  stream->WritesDone();
  s = ReadAll(stream.get(), s);
  s.status = stream->Finish();
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  ASSERT_TRUE(s.exit.has_value());
  EXPECT_EQ(s.exit->code(), 7);
}

TEST_F(ExecServiceTest, ClientDisconnectSendsSighup) {
  char dir_template[] = "/tmp/exec_hup_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string marker = absl::StrCat(dir_template, "/hup");
  {
    auto ctx = Ctx(token_);
    auto stream = stub_->Exec(ctx.get());
    api::ExecRequest first;
    *first.mutable_init() = Init({"sh", "-c",
                                  absl::StrCat("trap 'echo hup > ", marker,
                                               "; exit 0' HUP; echo ready; while :; do sleep 0.1; done")});
    stream->Write(first);
    Session s;
    ASSERT_TRUE(ReadUntil(stream.get(), "ready", &s));
    ctx->TryCancel();
    stream->Finish();
  }
  const absl::Time until = absl::Now() + absl::Seconds(10);
  struct stat st;
  while (stat(marker.c_str(), &st) != 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(stat(marker.c_str(), &st), 0) << "the command never got SIGHUP";
  unlink(marker.c_str());
  rmdir(dir_template);
}

TEST_F(ExecServiceTest, ClientDisconnectKillsACommandThatIgnoresSighup) {
  int pid = 0;
  {
    auto ctx = Ctx(token_);
    auto stream = stub_->Exec(ctx.get());
    api::ExecRequest first;
    *first.mutable_init() =
        Init({"sh", "-c", "trap '' HUP; echo pid=$$; while :; do sleep 0.1; done"});
    stream->Write(first);
    Session s;
    ASSERT_TRUE(ReadUntil(stream.get(), "\n", &s));
    ASSERT_TRUE(absl::SimpleAtoi(s.out.substr(4, s.out.size() - 5), &pid)) << s.out;
    ctx->TryCancel();
    stream->Finish();
  }
  const absl::Time cancelled = absl::Now();
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(kill(pid, 0), 0) << "SIGKILL came before the grace period";
  while (kill(pid, 0) == 0 && absl::Now() < cancelled + absl::Seconds(15)) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_NE(kill(pid, 0), 0) << "the command survived the disconnect";
  EXPECT_GE(absl::Now() - cancelled, absl::Seconds(4));
}

TEST_F(ExecServiceTest, ShutdownEndsTheSessionWithM46AndKillsTheCommand) {
  auto ctx = Ctx(token_);
  auto stream = stub_->Exec(ctx.get());
  api::ExecRequest first;
  *first.mutable_init() = Init({"sh", "-c", "echo ready; sleep 30"});
  stream->Write(first);
  Session s;
  ASSERT_TRUE(ReadUntil(stream.get(), "ready", &s));
  const absl::Time start = absl::Now();
  server_.exec()->EndSessions();
  s = ReadAll(stream.get(), s);
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "server is shutting down");
  EXPECT_FALSE(s.exit.has_value());
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// ---------------------------------------------------------------------------
// Protocol errors

TEST_F(ExecServiceTest, FirstMessageMustBeInit) {
  Session s = Run(Stdin("x"));
  EXPECT_EQ(s.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.status.error_message(), "first message must be init");
  EXPECT_TRUE(s.instance_id.empty());
  EXPECT_TRUE(runner_.specs().empty());
}

TEST_F(ExecServiceTest, FirstMessageIsStillAuthenticated) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  auto stream = stub_->Exec(ctx.get());
  stream->Write(Stdin("x"));
  stream->WritesDone();
  api::ExecResponse response;
  while (stream->Read(&response)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "missing bearer token");
}

TEST_F(ExecServiceTest, EmptyCommandIsInvalid) {
  Session s = Run(Init({}));
  EXPECT_EQ(s.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.status.error_message(), "command must not be empty");
  EXPECT_TRUE(runner_.specs().empty());
}

TEST_F(ExecServiceTest, UnknownSignalNameEndsTheSessionAndTheCommand) {
  const absl::Time start = absl::Now();
  Session s = Run(Init({"sleep", "30"}), {SignalRequest("STOP")});
  EXPECT_EQ(s.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.status.error_message(),
            "unknown signal \"STOP\": must be one of INT, TERM, KILL, HUP, QUIT, USR1, USR2, WINCH");
  EXPECT_EQ(s.instance_id, api_0_);
  EXPECT_FALSE(s.exit.has_value());
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// ---------------------------------------------------------------------------
// Targets and authorization

TEST_F(ExecServiceTest, InstanceNotRunningIsM21) {
  Session s = Run(Init({"true"}, absl::StrCat("instance/", stopped_)));
  EXPECT_EQ(s.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.status.error_message(),
            absl::StrCat("instance \"default/", stopped_, "\" is not running (status: Stopped)"));
  EXPECT_EQ(s.hint, "check 'rune get instances -n default'");
  EXPECT_TRUE(runner_.specs().empty());
}

TEST_F(ExecServiceTest, ServiceWithoutRunningInstancesIsM21) {
  CreateService("default", "idle");
  Session s = Run(Init({"true"}, "idle"));
  EXPECT_EQ(s.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.status.error_message(), "service \"default/idle\" has no running instances");
}

TEST_F(ExecServiceTest, UnknownTargetIsM16) {
  Session s = Run(Init({"true"}, "nosuch"));
  EXPECT_EQ(s.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.status.error_message(), "service or instance \"nosuch\" not found in namespace \"default\"");
  EXPECT_EQ(s.hint, "run 'rune get instances -n default'");
}

TEST_F(ExecServiceTest, InstanceTargetByName) {
  Session s = Run(Init({"true"}, "api-1"));
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  EXPECT_EQ(s.instance_id, "api-instance-0000000b");
}

TEST_F(ExecServiceTest, RbacFollowsTheTargetKind) {
  const std::string token = server_.TokenWithRule("inst-exec", "instance", {"exec"}, "default");
  Session denied = Run(Init({"true"}, "api"), {}, token);
  EXPECT_EQ(denied.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.status.error_message(), "access denied for resource: service verb: exec");
  Session allowed = Run(Init({"true"}, absl::StrCat("instance/", api_0_)), {}, token);
  EXPECT_TRUE(allowed.status.ok()) << allowed.status.error_message();
  // A missing target is not revealed to a caller without the right.
  Session hidden = Run(Init({"true"}, "service/nosuch"), {}, token);
  EXPECT_EQ(hidden.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

class ExecWithoutRunnerTest : public ::testing::Test {
 protected:
  TestServer server_;
};

TEST_F(ExecWithoutRunnerTest, RunnerUnavailableAfterResolution) {
  api::ApplyServiceRequest request;
  request.mutable_spec()->set_name("api");
  request.mutable_spec()->set_image("nginx:1.25");
  request.mutable_spec()->set_scale(1);
  api::ApplyServiceResponse response;
  const std::string token = server_.TokenFor("root");
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    ASSERT_TRUE(api::ServiceService::NewStub(server_.channel())
                    ->ApplyService(&ctx, request, &response)
                    .ok());
  }
  api::Instance instance;
  instance.set_id("api-instance-00000001");
  instance.set_name("api-0");
  instance.set_namespace_("default");
  instance.set_service("api");
  instance.set_status(api::Instance::RUNNING);
  instance.set_ready(true);
  ASSERT_TRUE(server_.store()
                  ->Update([&](store::WriteTxn& txn) -> absl::Status {
                    return txn.Put(store::kInstance, "default", instance.id(),
                                   instance.SerializeAsString(), 0)
                        .status();
                  })
                  .ok());
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  auto stream = api::ExecService::NewStub(server_.channel())->Exec(&ctx);
  api::ExecRequest first;
  *first.mutable_init() = Init({"true"});
  stream->Write(first);
  stream->WritesDone();
  api::ExecResponse r;
  while (stream->Read(&r)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "process runner is not available");
}

TEST(ExecSignalNames, ClientNamesAndExitNames) {
  EXPECT_EQ(ExecSignalNumber("INT"), SIGINT);
  EXPECT_EQ(ExecSignalNumber("WINCH"), SIGWINCH);
  EXPECT_EQ(ExecSignalNumber("SIGINT"), 0);
  EXPECT_EQ(ExecSignalNumber("int"), 0);
  EXPECT_EQ(SignalName(SIGKILL), "KILL");
  EXPECT_EQ(SignalName(SIGSEGV), "SEGV");
  EXPECT_EQ(SignalName(SIGTERM), "TERM");
}

}  // namespace
}  // namespace rune::daemon
