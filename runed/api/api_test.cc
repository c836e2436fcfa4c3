// A real in-process gRPC server with runed's HealthService, the generic
// unimplemented service and the request-ID interceptor.
#include <memory>

#include "absl/strings/match.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/health.grpc.pb.h"
#include "proto/service.grpc.pb.h"
#include "re2/re2.h"
#include "runed/api/health_service.h"
#include "runed/api/request_id.h"
#include "runed/api/unimplemented.h"

namespace rune::daemon {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&health_);
    builder.RegisterCallbackGenericService(&unimplemented_);
    builder.experimental().SetInterceptorCreators(RequestIdInterceptors());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  static std::string Meta(const std::multimap<grpc::string_ref, grpc::string_ref>& md) {
    auto it = md.find(kRequestIdKey);
    return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
  }

  int port_ = 0;
  HealthService health_;
  UnimplementedService unimplemented_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ApiTest, GetVersionCarriesRequestIdInBothMetadata) {
  auto stub = api::HealthService::NewStub(channel_);
  grpc::ClientContext ctx;
  api::GetVersionResponse resp;
  grpc::Status s = stub->GetVersion(&ctx, api::GetVersionRequest(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.version(), "dev");
  EXPECT_TRUE(absl::StartsWith(resp.platform(), "linux/"));
  const std::string initial = Meta(ctx.GetServerInitialMetadata());
  EXPECT_TRUE(RE2::FullMatch(initial, "[0-9a-f]{16}")) << initial;
  EXPECT_EQ(Meta(ctx.GetServerTrailingMetadata()), initial);
}

TEST_F(ApiTest, RequestIdsDiffer) {
  auto stub = api::HealthService::NewStub(channel_);
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext ctx;
    api::GetVersionResponse resp;
    ASSERT_TRUE(stub->GetVersion(&ctx, api::GetVersionRequest(), &resp).ok());
    ids.insert(Meta(ctx.GetServerTrailingMetadata()));
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST_F(ApiTest, UnbuiltFeaturesAnswerUnimplementedNamingTheFeature) {
  auto stub = api::ServiceService::NewStub(channel_);
  grpc::ClientContext ctx;
  api::ScaleServiceResponse resp;
  grpc::Status s = stub->ScaleService(&ctx, api::ScaleServiceRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(s.error_message(),
            "ServiceService.ScaleService is not implemented yet (feature: orchestrator and process "
            "runner)");
  EXPECT_EQ(Meta(ctx.GetServerTrailingMetadata()).size(), 16u);
}

TEST_F(ApiTest, StreamingRpcsAreRefusedToo) {
  auto stub = api::ServiceService::NewStub(channel_);
  grpc::ClientContext ctx;
  auto reader = stub->WatchScaling(&ctx, api::WatchScalingRequest());
  api::WatchScalingResponse event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "WatchScaling is not implemented yet"));
}

TEST(UnimplementedStatus, UnknownMethod) {
  EXPECT_EQ(UnimplementedStatus("/other.Service/Foo").error_message(), "unknown method /other.Service/Foo");
}

}  // namespace
}  // namespace rune::daemon
