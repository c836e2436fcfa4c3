#include "testing/fake_runed/fake_runed.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "proto/health.grpc.pb.h"
#include "proto/log.grpc.pb.h"

namespace rune::testing {
namespace {

TEST(FakeRuned, ScriptedStatusAndMetadata) {
  absl::StatusOr<std::unique_ptr<FakeRuned>> fake = FakeRuned::Start(R"(
- method: HealthService.GetVersion
  code: PermissionDenied
  message: "access denied for resource: node verb: get"
  request_id: 0123456789abcdef
  hint: ask someone
)");
  ASSERT_TRUE(fake.ok()) << fake.status();
  auto stub = api::HealthService::NewStub(
      grpc::CreateChannel((*fake)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  api::GetVersionResponse resp;
  grpc::Status s = stub->GetVersion(&ctx, api::GetVersionRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "access denied for resource: node verb: get");
  auto md = ctx.GetServerTrailingMetadata();
  EXPECT_EQ(std::string(md.find("x-rune-request-id")->second.data(), 16), "0123456789abcdef");
  EXPECT_EQ(md.find("x-rune-hint")->second, "ask someone");
}

TEST(FakeRuned, ScriptedResponse) {
  absl::StatusOr<std::unique_ptr<FakeRuned>> fake = FakeRuned::Start(R"(
- method: HealthService.GetVersion
  response: 'version: "v9.9.9" commit: "deadbeef"'
)");
  ASSERT_TRUE(fake.ok()) << fake.status();
  auto stub = api::HealthService::NewStub(
      grpc::CreateChannel((*fake)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  api::GetVersionResponse resp;
  ASSERT_TRUE(stub->GetVersion(&ctx, api::GetVersionRequest(), &resp).ok());
  EXPECT_EQ(resp.version(), "v9.9.9");
  EXPECT_EQ(resp.commit(), "deadbeef");
}

TEST(FakeRuned, ScriptedStreamThenStatus) {
  absl::StatusOr<std::unique_ptr<FakeRuned>> fake = FakeRuned::Start(R"(
- method: LogService.StreamLogs
  stream:
    - 'lines { content: "one" }'
    - 'lines { content: "two" }'
  code: Unavailable
  message: "server is shutting down"
)");
  ASSERT_TRUE(fake.ok()) << fake.status();
  auto stub = api::LogService::NewStub(
      grpc::CreateChannel((*fake)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto reader = stub->StreamLogs(&ctx, api::StreamLogsRequest());
  api::StreamLogsResponse r;
  std::vector<std::string> lines;
  while (reader->Read(&r)) lines.push_back(r.lines(0).content());
  grpc::Status s = reader->Finish();
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "server is shutting down");
}

TEST(ParseScript, RejectsMistakes) {
  EXPECT_FALSE(ParseScript("- method: HealthService.GetVersion\n  stream: ['version: \"x\"']\n").ok());
  EXPECT_FALSE(ParseScript("- method: HealthService.Nope\n").ok());
  EXPECT_FALSE(ParseScript("- method: HealthService.GetVersion\n  code: Bogus\n").ok());
  EXPECT_FALSE(ParseScript("- method: HealthService.GetVersion\n  colour: red\n").ok());
  EXPECT_FALSE(ParseScript("- method: HealthService.GetVersion\n  response: 'nope: 1'\n").ok());
}

}  // namespace
}  // namespace rune::testing
