// LogService over a real in-process gRPC server: service and instance
// records written into the memory store, log files written with LogWriter
// the way the supervisors write them. History (merge, tail, filters,
// batching), follow (new lines, new instances, cancel), target errors with
// hints, request validation, RBAC on the target's kind, and shutdown (M46).
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/log.grpc.pb.h"
#include "runed/api/streams.h"
#include "runed/api/test_server.h"
#include "runed/logstore/log_file.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

using logstore::LogStream;
using logstore::LogWriter;

std::string Hint(const grpc::ClientContext& ctx) {
  auto it = ctx.GetServerTrailingMetadata().find("x-rune-hint");
  if (it == ctx.GetServerTrailingMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

absl::Time T(int64_t seconds) { return absl::FromUnixSeconds(1800000000 + seconds); }

struct Result {
  grpc::Status status;
  std::vector<std::string> lines;  // "<seconds> <instance> <o|e> <content>"
  int messages = 0;
};

class LogServiceTest : public ::testing::Test {
 protected:
  LogServiceTest()
      : token_(server_.TokenFor("root")), stub_(api::LogService::NewStub(server_.channel())) {}

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + (token.empty() ? token_ : token));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return ctx;
  }

  void PutService(const std::string& ns, const std::string& name) {
    api::Service service;
    service.mutable_spec()->set_namespace_(ns);
    service.mutable_spec()->set_name(name);
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kService, ns, name, service.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  // Writes the instance record and registers it with the log store, as the
  // orchestrator does; returns a writer on its log file.
  std::unique_ptr<LogWriter> PutInstance(const std::string& ns, const std::string& service,
                                         int ordinal, const std::string& hex,
                                         bool register_logs = true) {
    api::Instance instance;
    instance.set_id(absl::StrCat(service, "-instance-", hex));
    instance.set_name(absl::StrCat(service, "-", ordinal));
    instance.set_namespace_(ns);
    instance.set_service(service);
    instance.set_generation(1);
    instance.set_ordinal(ordinal);
    instance.set_status(api::Instance::RUNNING);
    EXPECT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn
                          .Put(store::kInstance, ns, instance.id(), instance.SerializeAsString())
                          .status();
                    })
                    .ok());
    if (register_logs) {
      EXPECT_TRUE(
          server_.logs()->RegisterInstance(ns, instance.id(), service, instance.name()).ok());
    }
    auto writer = LogWriter::Open(server_.logs()->PathOf(ns, instance.id()), 1 << 20);
    EXPECT_TRUE(writer.ok()) << writer.status();
    return std::move(*writer);
  }

  static void Add(Result* r, const api::StreamLogsResponse& response) {
    ++r->messages;
    for (const api::LogLine& l : response.lines()) {
      r->lines.push_back(absl::StrCat(l.timestamp().seconds() - 1800000000, " ",
                                      l.instance_name(), " ",
                                      l.stream() == api::LogLine::STDOUT ? "o" : "e", " ",
                                      l.content()));
    }
  }

  Result Stream(const api::StreamLogsRequest& request, const std::string& token = "",
                std::string* hint = nullptr) {
    auto ctx = Ctx(token);
    auto reader = stub_->StreamLogs(ctx.get(), request);
    Result r;
    api::StreamLogsResponse response;
    while (reader->Read(&response)) Add(&r, response);
    r.status = reader->Finish();
    if (hint != nullptr) *hint = Hint(*ctx);
    return r;
  }

  static api::StreamLogsRequest Request(const std::string& target, const std::string& ns = "") {
    api::StreamLogsRequest request;
    request.set_namespace_(ns);
    request.set_target(target);
    return request;
  }

  TestServer server_;
  std::string token_;
  std::unique_ptr<api::LogService::Stub> stub_;
};

TEST_F(LogServiceTest, ServiceHistoryMergedWithDefaultTail) {
  PutService("default", "api");
  auto a = PutInstance("default", "api", 0, "0000000a");
  auto b = PutInstance("default", "api", 1, "0000000b");
  for (int i = 0; i < 80; ++i) {
    ASSERT_TRUE(a->Append(T(2 * i), LogStream::kStdout, absl::StrCat("a", i)).ok());
    ASSERT_TRUE(b->Append(T(2 * i + 1), LogStream::kStderr, absl::StrCat("b", i)).ok());
  }
  ASSERT_TRUE(b->Append(T(158), LogStream::kStdout, "tie").ok());  // same time as a79

  Result all = Stream(Request("api"));
  ASSERT_TRUE(all.status.ok()) << all.status.error_message();
  ASSERT_EQ(all.lines.size(), 100u);  // unset tail = 100
  EXPECT_EQ(all.lines.front(), "61 api-1 e b30");
  EXPECT_EQ(all.lines[97], "158 api-0 o a79");
  EXPECT_EQ(all.lines[98], "158 api-1 o tie");
  EXPECT_EQ(all.lines[99], "159 api-1 e b79");

  api::StreamLogsRequest every = Request("svc/api");
  every.set_tail(-1);
  EXPECT_EQ(Stream(every).lines.size(), 161u);
  every.set_tail(0);
  Result none = Stream(every);
  EXPECT_TRUE(none.status.ok());
  EXPECT_TRUE(none.lines.empty());

  // An instance target has only its own lines.
  api::StreamLogsRequest one = Request("instance/api-1");
  one.set_tail(3);
  EXPECT_EQ(Stream(one).lines,
            (std::vector<std::string>{"157 api-1 e b78", "158 api-1 o tie", "159 api-1 e b79"}));
  EXPECT_EQ(Stream(Request("api-instance-0000000a")).lines.size(), 80u);
}

TEST_F(LogServiceTest, SinceUntilGrepAndBatches) {
  PutService("prod", "web");
  auto w = PutInstance("prod", "web", 0, "0000000c");
  for (int i = 0; i < 1200; ++i) {
    ASSERT_TRUE(w->Append(T(i), LogStream::kStdout, absl::StrCat(i % 3 ? "info " : "ERROR ", i)).ok());
  }
  api::StreamLogsRequest request = Request("web", "prod");
  request.set_tail(-1);
  Result all = Stream(request);
  ASSERT_EQ(all.lines.size(), 1200u);
  EXPECT_GE(all.messages, 3);  // sent in batches

  request.mutable_since()->set_seconds(1800000000 + 10);
  request.mutable_until()->set_seconds(1800000000 + 20);
  request.set_grep("^ERR");
  EXPECT_EQ(Stream(request).lines,
            (std::vector<std::string>{"12 web-0 o ERROR 12", "15 web-0 o ERROR 15",
                                      "18 web-0 o ERROR 18"}));
}

TEST_F(LogServiceTest, TargetErrorsCarryHints) {
  PutService("default", "api");
  std::string hint;
  Result bare = Stream(Request("nope", "ns"), "", &hint);
  EXPECT_EQ(bare.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(bare.status.error_message(), "service or instance \"nope\" not found in namespace \"ns\"");
  EXPECT_EQ(hint, "run 'rune get instances -n ns'");

  Result service = Stream(Request("service/nope"), "", &hint);
  EXPECT_EQ(service.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(service.status.error_message(), "service \"nope\" not found in namespace \"default\"");
  EXPECT_EQ(hint, "run 'rune get services -n default' to list services");

  Result instance = Stream(Request("inst/api"), "", &hint);
  EXPECT_EQ(instance.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(instance.status.error_message(), "instance \"api\" not found in namespace \"default\"");
  EXPECT_EQ(hint, "run 'rune get instances -n default' to list instances");
}

TEST_F(LogServiceTest, InvalidRequests) {
  PutService("default", "api");
  api::StreamLogsRequest grep = Request("api");
  grep.set_grep("a(b");
  Result r = Stream(grep);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.status.error_message(), "invalid regular expression: missing ): a(b");

  api::StreamLogsRequest until = Request("api");
  until.set_follow(true);
  until.mutable_until()->set_seconds(1);
  r = Stream(until);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.status.error_message(), "until is not valid with follow");

  api::StreamLogsRequest order = Request("api");
  order.mutable_since()->set_seconds(10);
  order.mutable_until()->set_seconds(10);
  EXPECT_EQ(Stream(order).status.error_message(), "until must be later than since");

  api::StreamLogsRequest tail = Request("api");
  tail.set_tail(-2);
  EXPECT_EQ(Stream(tail).status.error_message(), "tail must be >= -1, got -2");
}

TEST_F(LogServiceTest, RbacFollowsTheTargetKind) {
  PutService("default", "api");
  auto a = PutInstance("default", "api", 0, "0000000a");
  ASSERT_TRUE(a->Append(T(1), LogStream::kStdout, "x").ok());
  const std::string instances_only =
      server_.TokenWithRule("inst-watcher", "instance", {"watch"}, "default");
  Result service = Stream(Request("api"), instances_only);
  EXPECT_EQ(service.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(service.status.error_message(), "access denied for resource: service verb: watch");
  EXPECT_TRUE(Stream(Request("api-0"), instances_only).status.ok());
  EXPECT_TRUE(Stream(Request("inst/api-0"), instances_only).status.ok());

  const std::string services_only =
      server_.TokenWithRule("svc-watcher", "service", {"watch"}, "default");
  EXPECT_TRUE(Stream(Request("api"), services_only).status.ok());
  Result inst = Stream(Request("api-0"), services_only);
  EXPECT_EQ(inst.status.error_message(), "access denied for resource: instance verb: watch");
  EXPECT_EQ(Stream(Request("api", "other"), services_only).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Stream(Request("api"), "not-a-token").status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(LogServiceTest, FollowDeliversNewLinesAndNewInstancesUntilCancelled) {
  PutService("default", "api");
  auto a = PutInstance("default", "api", 0, "0000000a");
  ASSERT_TRUE(a->Append(T(1), LogStream::kStdout, "before").ok());

  auto ctx = Ctx();
  api::StreamLogsRequest request = Request("api");
  request.set_follow(true);
  auto reader = stub_->StreamLogs(ctx.get(), request);
  Result r;
  api::StreamLogsResponse response;
  ASSERT_TRUE(reader->Read(&response));
  Add(&r, response);
  EXPECT_EQ(r.lines, (std::vector<std::string>{"1 api-0 o before"}));

  ASSERT_TRUE(a->Append(T(2), LogStream::kStderr, "after").ok());
  ASSERT_TRUE(reader->Read(&response));
  Add(&r, response);
  EXPECT_EQ(r.lines.back(), "2 api-0 e after");

  // A registered new instance joins at once; one the log store never heard
  // of joins through the instance records.
  auto b = PutInstance("default", "api", 1, "0000000b");
  ASSERT_TRUE(b->Append(T(3), LogStream::kStdout, "new instance").ok());
  ASSERT_TRUE(reader->Read(&response));
  Add(&r, response);
  EXPECT_EQ(r.lines.back(), "3 api-1 o new instance");
  auto c = PutInstance("default", "api", 2, "0000000c", /*register_logs=*/false);
  ASSERT_TRUE(c->Append(T(4), LogStream::kStdout, "unregistered").ok());
  ASSERT_TRUE(reader->Read(&response));
  Add(&r, response);
  EXPECT_EQ(r.lines.back(), "4 api-2 o unregistered");

  ctx->TryCancel();
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(LogServiceTest, FollowWithoutHistoryStartsEmpty) {
  PutService("default", "api");
  auto a = PutInstance("default", "api", 0, "0000000a");
  ASSERT_TRUE(a->Append(T(1), LogStream::kStdout, "old").ok());
  auto ctx = Ctx();
  api::StreamLogsRequest request = Request("api");
  request.set_follow(true);
  request.set_tail(0);
  auto reader = stub_->StreamLogs(ctx.get(), request);
  std::thread writer([&a] {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(a->Append(T(5), LogStream::kStdout, "fresh").ok());
  });
  api::StreamLogsResponse response;
  ASSERT_TRUE(reader->Read(&response));  // established: one empty message
  EXPECT_EQ(response.lines_size(), 0);
  ASSERT_TRUE(reader->Read(&response));
  writer.join();
  ASSERT_EQ(response.lines_size(), 1);
  EXPECT_EQ(response.lines(0).content(), "fresh");
  EXPECT_EQ(response.lines(0).namespace_(), "default");
  EXPECT_EQ(response.lines(0).service(), "api");
  EXPECT_EQ(response.lines(0).instance_id(), "api-instance-0000000a");
  ctx->TryCancel();
  while (reader->Read(&response)) {
  }
  reader->Finish();
}

// Last: the stream registry is process-wide and refuses new streams after
// Shutdown().
TEST_F(LogServiceTest, ShutdownEndsFollowsWithM46) {
  PutService("default", "api");
  auto a = PutInstance("default", "api", 0, "0000000a");
  ASSERT_TRUE(a->Append(T(1), LogStream::kStdout, "x").ok());
  auto ctx = Ctx();
  api::StreamLogsRequest request = Request("api");
  request.set_follow(true);
  auto reader = stub_->StreamLogs(ctx.get(), request);
  api::StreamLogsResponse response;
  ASSERT_TRUE(reader->Read(&response));
  Streams().Shutdown();
  while (reader->Read(&response)) {
  }
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "server is shutting down");
}

}  // namespace
}  // namespace rune::daemon
