// The shared wait of cast, scale, stop, restart and rollback against the
// in-process runed API (runed/api/test_server.h): service status and
// instance records are written straight into the store to play the
// orchestrator, while `rune cast` runs through Run() or WaitForServices runs
// directly.
#include "rune/service_wait.h"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "rune/cli.h"
#include "rune/cli_test_support.h"
#include "rune/command_table.h"
#include "runed/api/test_server.h"
#include "runed/store/store.h"

namespace rune::cli {
namespace {

class ServiceWaitTest : public ::testing::Test {
 protected:
  ServiceWaitTest() : token_(server_.TokenFor("root")), tmp_(::testing::TempDir()) {
    env_ = ServerEnvironment(server_.address(), token_, tmp_);
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = absl::StrCat(tmp_, "/", name);
    std::ofstream(path) << text;
    return path;
  }

  CliResult RunCli(std::vector<std::string> args) { return RunRune(args, env_); }

  // Blocks until the service record exists (another thread casts it).
  api::Service AwaitService(const std::string& name) {
    for (int i = 0; i < 500; ++i) {
      absl::StatusOr<std::optional<store::Record>> r =
          server_.store()->Get(store::kService, "default", name);
      if (r.ok() && r->has_value()) {
        api::Service s;
        s.ParseFromString((*r)->value);
        return s;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    ADD_FAILURE() << "service " << name << " never appeared";
    return {};
  }

  // Plays the orchestrator: rewrites the stored status of `name`.
  void SetStatus(const std::string& name, api::ServiceStatus::Phase phase, int ready,
                 const std::string& message = "", bool observed = true) {
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) -> absl::Status {
                      absl::StatusOr<std::optional<store::Record>> r =
                          txn.Get(store::kService, "default", name);
                      if (!r.ok()) return r.status();
                      if (!r->has_value()) return absl::NotFoundError(name);
                      api::Service s;
                      s.ParseFromString((*r)->value);
                      api::ServiceStatus* st = s.mutable_status();
                      st->set_phase(phase);
                      st->set_desired(s.spec().scale());
                      st->set_ready(ready);
                      st->set_running(ready);
                      st->set_message(message);
                      st->set_observed_generation(observed ? s.metadata().generation() : 0);
                      return txn.Put(store::kService, "default", name, s.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  void PutService(const std::string& name, int scale, api::ServiceStatus::Phase phase, int ready) {
    api::Service s;
    s.mutable_spec()->set_namespace_("default");
    s.mutable_spec()->set_name(name);
    s.mutable_spec()->set_image("nginx:1.25");
    s.mutable_spec()->set_scale(scale);
    s.mutable_metadata()->set_generation(1);
    s.mutable_status()->set_phase(phase);
    s.mutable_status()->set_desired(scale);
    s.mutable_status()->set_ready(ready);
    s.mutable_status()->set_observed_generation(1);
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kService, "default", name, s.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  void PutInstance(const std::string& id, const std::string& name, bool ready) {
    api::Instance i;
    i.set_id(id);
    i.set_name(name);
    i.set_namespace_("default");
    i.set_service("api");
    i.set_generation(1);
    i.set_status(ready ? api::Instance::RUNNING : api::Instance::STOPPING);
    i.set_ready(ready);
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kInstance, "default", id, i.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  void DeleteInstance(const std::string& id) {
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Delete(store::kInstance, "default", id).status();
                    })
                    .ok());
  }

  // Runs WaitForServices as a command with `args` would.
  absl::Status Wait(std::vector<ServiceWait>* waits, absl::Duration timeout,
                    const WaitCallbacks& callbacks) {
    absl::StatusOr<common::cli::ParsedCommand> parsed =
        common::cli::Parse(RootCommand(), {"stop", "api"});
    EXPECT_TRUE(parsed.ok());
    std::istringstream in;
    std::ostringstream out, err;
    Streams io;
    io.in = &in;
    io.out = &out;
    io.err = &err;
    Invocation inv(*parsed, env_, io, /*json_errors=*/false);
    absl::StatusOr<std::unique_ptr<Connection>> conn = Connect(inv);
    EXPECT_TRUE(conn.ok()) << conn.status();
    absl::Status s = WaitForServices(inv, **conn, timeout, waits, callbacks);
    EXPECT_EQ(err.str(), "");  // not a terminal: no progress lines
    return s;
  }

  daemon::TestServer server_;
  std::string token_;
  std::string tmp_;
  Environment env_;
};

constexpr char kTwoServices[] =
    "service:\n  name: db\n  image: postgres:16\n  scale: 1\n---\n"
    "service:\n  name: api\n  image: nginx:1.25\n  scale: 2\n";

TEST_F(ServiceWaitTest, CastReportsEachServiceWhenItBecomesReady) {
  const std::string file = WriteFile("two.yaml", kTwoServices);
  CliResult result;
  std::thread cast([&] { result = RunCli({"cast", file, "--timeout", "30s"}); });
  AwaitService("db");
  AwaitService("api");
  // A status of an older generation is not "ready" yet.
  SetStatus("api", api::ServiceStatus::RUNNING, 2, "", /*observed=*/false);
  absl::SleepFor(absl::Milliseconds(500));
  SetStatus("api", api::ServiceStatus::RUNNING, 2);
  absl::SleepFor(absl::Milliseconds(500));
  SetStatus("db", api::ServiceStatus::RUNNING, 1);
  cast.join();
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out,
            "service/default/db created (generation 1)\n"
            "service/default/api created (generation 1)\n"
            "service/default/api ready (2/2 instances)\n"
            "service/default/db ready (1/1 instances)\n");
  EXPECT_EQ(result.err, "");  // the waiting line is progress: terminals only
}

TEST_F(ServiceWaitTest, CastJsonListsTheReadyServices) {
  const std::string file = WriteFile("api.yaml", "service:\n  name: api\n  image: nginx:1.25\n  scale: 2\n");
  CliResult result;
  std::thread cast([&] { result = RunCli({"cast", file, "-o", "json"}); });
  AwaitService("api");
  SetStatus("api", api::ServiceStatus::RUNNING, 2);
  cast.join();
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out,
            "{\n"
            "  \"resources\": [\n"
            "    {\n"
            "      \"kind\": \"service\",\n"
            "      \"namespace\": \"default\",\n"
            "      \"name\": \"api\",\n"
            "      \"action\": \"created\",\n"
            "      \"generation\": 1\n"
            "    }\n"
            "  ],\n"
            "  \"ready\": [\n"
            "    {\n"
            "      \"namespace\": \"default\",\n"
            "      \"name\": \"api\",\n"
            "      \"ready\": 2,\n"
            "      \"desired\": 2\n"
            "    }\n"
            "  ]\n"
            "}\n");
  EXPECT_EQ(result.err, "");
}

TEST_F(ServiceWaitTest, CastTimeoutNamesTheFirstServiceNotReadyWithItsLastError) {
  const std::string file = WriteFile("two.yaml", kTwoServices);
  CliResult result;
  std::thread cast([&] { result = RunCli({"cast", file, "--timeout", "2s"}); });
  AwaitService("db");
  AwaitService("api");
  SetStatus("api", api::ServiceStatus::RUNNING, 2);
  SetStatus("db", api::ServiceStatus::FAILED, 0,
            "failed to start process: exec: \"/nope\": file does not exist");
  cast.join();
  EXPECT_EQ(result.code, 7);
  EXPECT_EQ(result.out,
            "service/default/db created (generation 1)\n"
            "service/default/api created (generation 1)\n"
            "service/default/api ready (2/2 instances)\n");
  EXPECT_EQ(result.err,
            "Error: timed out after 2s waiting for service \"default/db\" to become ready (0/1 "
            "instances ready; last error: failed to start process: exec: \"/nope\": file does "
            "not exist)\n"
            "Hint: increase --timeout or inspect with 'rune get services db'\n");
}

TEST_F(ServiceWaitTest, CastOfAStoppedServiceIsReadyAtOnceAndDetachDoesNotWait) {
  const std::string zero =
      WriteFile("zero.yaml", "service:\n  name: idle\n  image: nginx:1.25\n  scale: 0\n");
  CliResult r = RunCli({"cast", zero, "--timeout", "0"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "service/default/idle created (generation 1)\n"
            "service/default/idle ready (0/0 instances)\n");
  const std::string api =
      WriteFile("api.yaml", "service:\n  name: api\n  image: nginx:1.25\n  scale: 2\n");
  r = RunCli({"cast", api, "--detach", "--timeout", "0"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "service/default/api created (generation 1)\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(ServiceWaitTest, RestartWaitsUntilTheReplacedInstancesAreGone) {
  PutService("api", 2, api::ServiceStatus::RUNNING, 2);
  PutInstance("api-instance-0000000a", "api-0", true);
  PutInstance("api-instance-0000000b", "api-1", true);
  std::vector<ServiceWait> waits(1);
  waits[0].ns = "default";
  waits[0].name = "api";
  waits[0].goal = WaitGoal::kRestart;
  waits[0].replaced_instance_ids = {"api-instance-0000000a", "api-instance-0000000b"};
  waits[0].instances = 2;
  std::vector<std::pair<int, int>> progress;
  int done = 0;
  WaitCallbacks callbacks;
  callbacks.on_progress = [&](const ServiceWait& w) { progress.push_back({w.ready, w.target}); };
  callbacks.on_done = [&](const ServiceWait&) { ++done; };
  std::thread orchestrator([&] {
    absl::SleepFor(absl::Milliseconds(400));
    DeleteInstance("api-instance-0000000a");
    PutInstance("api-instance-0000000c", "api-0", true);
    absl::SleepFor(absl::Milliseconds(400));
    PutInstance("api-instance-0000000d", "api-1", true);
    absl::SleepFor(absl::Milliseconds(400));
    DeleteInstance("api-instance-0000000b");
  });
  absl::Status s = Wait(&waits, absl::Seconds(20), callbacks);
  orchestrator.join();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(done, 1);
  EXPECT_EQ(waits[0].ready, 2);
  EXPECT_EQ(waits[0].target, 2);
  ASSERT_GE(progress.size(), 2u);
  EXPECT_EQ(progress.front(), std::make_pair(0, 2));
  EXPECT_EQ(progress.back(), std::make_pair(2, 2));  // both new, one old still there
}

TEST_F(ServiceWaitTest, TimeoutMessagesOfScaleRestartAndStop) {
  PutService("api", 3, api::ServiceStatus::DEPLOYING, 1);
  PutInstance("api-instance-0000000a", "api-0", true);
  PutInstance("api-instance-0000000b", "api-1", false);
  const auto timeout_of = [&](ServiceWait w) {
    std::vector<ServiceWait> waits = {std::move(w)};
    absl::Status s = Wait(&waits, absl::Milliseconds(300), {});
    EXPECT_EQ(common::Classify(s).exit_code, 7);
    EXPECT_EQ(common::HintOf(s).value_or(""),
              "increase --timeout or inspect with 'rune get services api'");
    return std::string(s.message());
  };
  EXPECT_EQ(timeout_of({"default", "api", WaitGoal::kScale}),
            "timed out after 300ms waiting for service \"default/api\" to reach scale 3 (1/3 "
            "instances ready)");
  ServiceWait restart{"default", "api", WaitGoal::kRestart};
  restart.replaced_instance_ids = {"api-instance-0000000b"};
  restart.instances = 3;
  EXPECT_EQ(timeout_of(restart),
            "timed out after 300ms waiting for service \"default/api\" to restart (1/3 "
            "instances ready)");
  EXPECT_EQ(timeout_of({"default", "api", WaitGoal::kStop}),
            "timed out after 300ms waiting for service \"default/api\" to stop (2 instances "
            "remaining)");
  // Once stopped, a stop wait ends.
  PutService("api", 0, api::ServiceStatus::STOPPED, 0);
  std::vector<ServiceWait> waits = {{"default", "api", WaitGoal::kStop}};
  EXPECT_TRUE(Wait(&waits, absl::ZeroDuration(), {}).ok());
  EXPECT_TRUE(waits[0].done);
}

TEST_F(ServiceWaitTest, MissingServiceIsTheServersM14) {
  std::vector<ServiceWait> waits = {{"default", "nosuch", WaitGoal::kReady}};
  absl::Status s = Wait(&waits, absl::Seconds(5), {});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "service \"nosuch\" not found in namespace \"default\"");
}

TEST_F(ServiceWaitTest, SigintEndsTheWaitWith130) {
  PutService("api", 2, api::ServiceStatus::DEPLOYING, 0);
  std::vector<ServiceWait> waits = {{"default", "api", WaitGoal::kReady}};
  WaitCallbacks callbacks;
  // The wait's interrupt scope is live while it reports progress.
  callbacks.on_progress = [](const ServiceWait&) { raise(SIGINT); };
  const absl::Time start = absl::Now();
  absl::Status s = Wait(&waits, absl::Seconds(30), callbacks);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  const common::ErrorReport report = common::Classify(s);
  EXPECT_EQ(report.exit_code, 130);
  EXPECT_EQ(common::FormatHuman(report, false),
            "Interrupted: the operation continues on the server\n");
}

}  // namespace
}  // namespace rune::cli
