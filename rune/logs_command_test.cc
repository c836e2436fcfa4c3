// `rune logs` through Run() against the in-process runed API
// (runed/api/test_server.h): service and instance records are written into
// the store and log files straight into the log store's directory, the way
// the orchestrator and the supervisors do.
#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "rune/cli.h"
#include "rune/cli_test_support.h"
#include "rune/logs_output.h"
#include "runed/api/streams.h"
#include "runed/api/test_server.h"

namespace rune::cli {
namespace {

// A stream buffer another thread may read while Run() writes to it.
class SharedBuf : public std::streambuf {
 public:
  std::string Snapshot() {
    absl::MutexLock lock(&mu_);
    return data_;
  }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    absl::MutexLock lock(&mu_);
    data_.append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    absl::MutexLock lock(&mu_);
    data_.push_back(traits_type::to_char_type(c));
    return c;
  }

 private:
  absl::Mutex mu_;
  std::string data_;
};

class LogsCommandTest : public ::testing::Test {
 protected:
  LogsCommandTest() : tmp_(::testing::TempDir()) {
    env_ = ServerEnvironment(server_.address(), server_.TokenFor("root"), tmp_);
    now_ = absl::Now();
    PutService("api");
    PutInstance("api", 0, "0000000a");
    PutInstance("api", 1, "0000000b");
  }

  void PutService(const std::string& name) {
    api::Service service;
    service.mutable_spec()->set_name(name);
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kService, "default", name,
                                     service.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  void PutInstance(const std::string& service, int ordinal, const std::string& hex) {
    api::Instance instance;
    instance.set_id(absl::StrCat(service, "-instance-", hex));
    instance.set_name(absl::StrCat(service, "-", ordinal));
    instance.set_namespace_("default");
    instance.set_service(service);
    instance.set_ordinal(ordinal);
    instance.set_status(api::Instance::RUNNING);
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn
                          .Put(store::kInstance, "default", instance.id(),
                               instance.SerializeAsString())
                          .status();
                    })
                    .ok());
    ASSERT_TRUE(server_.logs()
                    ->RegisterInstance("default", instance.id(), service, instance.name())
                    .ok());
  }

  // Appends one record `ago` before the test's start.
  void Write(const std::string& id, absl::Duration ago, char stream, const std::string& content) {
    std::ofstream(server_.logs()->PathOf("default", id), std::ios::app | std::ios::binary)
        << absl::ToUnixNanos(now_ - ago) << " " << stream << " " << content << "\n";
  }

  CliResult RunCli(std::vector<std::string> args) { return RunRune(args, env_); }

  // Runs a follow in a thread until `done(out)` holds, then `stop()`.
  CliResult Follow(std::vector<std::string> args, const std::function<bool(const std::string&)>& done,
                const std::function<void()>& stop) {
    std::istringstream in;
    SharedBuf out_buf;
    std::ostream out(&out_buf);
    std::ostringstream err;
    Streams io;
    io.in = &in;
    io.out = &out;
    io.err = &err;
    CliResult r;
    std::thread t([&] { r.code = rune::cli::Run(args, env_, io); });
    for (int i = 0; i < 1000 && !done(out_buf.Snapshot()); ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    stop();
    t.join();
    r.out = out_buf.Snapshot();
    r.err = err.str();
    return r;
  }

  daemon::TestServer server_;
  std::string tmp_;
  Environment env_;
  absl::Time now_;
};

TEST_F(LogsCommandTest, ServiceTargetsArePrefixedInstancesAreNot) {
  Write("api-instance-0000000a", absl::Minutes(3), 'o', "first");
  Write("api-instance-0000000b", absl::Minutes(2), 'e', "second");
  Write("api-instance-0000000a", absl::Minutes(1), 'o', "third");
  CliResult r = RunCli({"logs", "api"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "[api-0] first\n[api-1] second\n[api-0] third\n");
  EXPECT_EQ(r.err, "");

  EXPECT_EQ(RunCli({"logs", "api-0"}).out, "first\nthird\n");
  EXPECT_EQ(RunCli({"log", "instance/api-instance-0000000b"}).out, "second\n");
  EXPECT_EQ(RunCli({"logs", "inst/api-1", "--prefix"}).out, "[api-1] second\n");
  EXPECT_EQ(RunCli({"logs", "svc/api", "--prefix=false", "--tail", "1"}).out, "third\n");

  CliResult ts = RunCli({"logs", "api", "--timestamps", "--tail=2"});
  google::protobuf::Timestamp second;
  second.set_seconds(absl::ToUnixSeconds(now_ - absl::Minutes(2)));
  second.set_nanos(static_cast<int32_t>(absl::ToUnixNanos(now_ - absl::Minutes(2)) % 1000000000));
  EXPECT_EQ(ts.out.substr(0, ts.out.find('\n')),
            absl::StrCat(FormatLogTime(second), " [api-1] second"));
}

TEST_F(LogsCommandTest, JsonLinesReplaceInvalidUtf8TextKeepsBytes) {
  Write("api-instance-0000000b", absl::Minutes(1), 'e', "bad \xff byte");
  CliResult text = RunCli({"logs", "api"});
  EXPECT_EQ(text.out, "[api-1] bad \xff byte\n");
  CliResult json = RunCli({"logs", "api", "-o", "json"});
  EXPECT_EQ(json.code, 0);
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(now_ - absl::Minutes(1)));
  ts.set_nanos(static_cast<int32_t>(absl::ToUnixNanos(now_ - absl::Minutes(1)) % 1000000000));
  EXPECT_EQ(json.out, absl::StrCat("{\"timestamp\":\"", FormatLogTime(ts),
                                   "\",\"namespace\":\"default\",\"service\":\"api\","
                                   "\"instance\":\"api-1\",\"instanceId\":\"api-instance-0000000b\","
                                   "\"stream\":\"stderr\",\"line\":\"bad \xef\xbf\xbd byte\"}\n"));
}

TEST_F(LogsCommandTest, SinceUntilGrepAndTail) {
  Write("api-instance-0000000a", absl::Hours(2), 'o', "old error");
  Write("api-instance-0000000a", absl::Minutes(30), 'o', "middle info");
  Write("api-instance-0000000a", absl::Minutes(1), 'o', "new error");
  EXPECT_EQ(RunCli({"logs", "api-0", "--since", "10m"}).out, "new error\n");
  EXPECT_EQ(RunCli({"logs", "api-0", "--until", "10m"}).out, "old error\nmiddle info\n");
  EXPECT_EQ(RunCli({"logs", "api-0", "--since", "1h", "--until", "10m"}).out, "middle info\n");
  EXPECT_EQ(RunCli({"logs", "api-0", "--grep", "err"}).out, "old error\nnew error\n");
  EXPECT_EQ(RunCli({"logs", "api-0", "--tail", "0"}).out, "");
  const std::string since = absl::FormatTime(absl::RFC3339_full, now_ - absl::Minutes(45),
                                             absl::UTCTimeZone());
  EXPECT_EQ(RunCli({"logs", "api-0", "--since", since}).out, "middle info\nnew error\n");
}

TEST_F(LogsCommandTest, UsageAndTargetErrors) {
  CliResult order = RunCli({"logs", "api", "--since", "5m", "--until", "10m"});
  EXPECT_EQ(order.code, 2);
  EXPECT_EQ(order.err,
            "Error: invalid argument \"10m\" for \"--until\" flag: must be later than --since\n"
            "Hint: run 'rune logs --help' for usage\n");
  CliResult bad = RunCli({"logs", "api", "--since", "yesterday"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err,
            "Error: invalid argument \"yesterday\" for \"--since\" flag: invalid duration or RFC "
            "3339 time\nHint: run 'rune logs --help' for usage\n");
  CliResult missing = RunCli({"logs", "nope"});
  EXPECT_EQ(missing.code, 4);
  EXPECT_NE(missing.err.find("Error: service or instance \"nope\" not found in namespace "
                             "\"default\"\nHint: run 'rune get instances -n default'\n"),
            std::string::npos)
      << missing.err;
  EXPECT_EQ(RunCli({"logs", "service/api-0"}).code, 4);
}

TEST_F(LogsCommandTest, FollowPrintsNewLinesAndExits130OnInterrupt) {
  Write("api-instance-0000000a", absl::Minutes(1), 'o', "history");
  bool wrote = false;
  CliResult r = Follow(
      {"logs", "api", "-f"},
      [&](const std::string& out) {
        if (!wrote && out == "[api-0] history\n") {
          Write("api-instance-0000000b", absl::ZeroDuration(), 'o', "live");
          wrote = true;
        }
        return out == "[api-0] history\n[api-1] live\n";
      },
      [] { raise(SIGINT); });
  EXPECT_EQ(r.code, 130);
  EXPECT_EQ(r.out, "[api-0] history\n[api-1] live\n");
  EXPECT_EQ(r.err, "");
}

// Last: the stream registry is process-wide and refuses new streams once
// shut down.
TEST_F(LogsCommandTest, FollowEndsWithM46WhenTheServerShutsDown) {
  Write("api-instance-0000000a", absl::Minutes(1), 'o', "history");
  CliResult r = Follow(
      {"logs", "api", "-f"}, [](const std::string& out) { return !out.empty(); },
      [] { daemon::Streams().Shutdown(); });
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "[api-0] history\n");
  EXPECT_NE(r.err.find("Error: server is shutting down\n"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rune::cli
