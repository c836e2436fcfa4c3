// NamespaceService over a real in-process server and memory store.
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/namespace.grpc.pb.h"
#include "runed/api/streams.h"
#include "runed/api/test_server.h"

namespace rune::daemon {
namespace {

class NamespaceServiceTest : public ::testing::Test {
 protected:
  NamespaceServiceTest()
      : token_(server_.TokenFor("root")), stub_(api::NamespaceService::NewStub(server_.channel())) {}

  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token_);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  api::ApplyAction Apply(const std::string& name, const std::string& description) {
    api::ApplyNamespaceRequest request;
    request.mutable_namespace_()->set_name(name);
    request.mutable_namespace_()->set_description(description);
    api::ApplyNamespaceResponse response;
    grpc::Status s = stub_->ApplyNamespace(Ctx().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.action();
  }

  grpc::Status Delete(const std::string& name, bool force, bool dry_run,
                      api::DeleteNamespaceResponse* response) {
    api::DeleteNamespaceRequest request;
    request.set_name(name);
    request.set_force(force);
    request.set_dry_run(dry_run);
    return stub_->DeleteNamespace(Ctx().get(), request, response);
  }

  TestServer server_;
  std::string token_;
  std::unique_ptr<api::NamespaceService::Stub> stub_;
};

TEST_F(NamespaceServiceTest, ApplyIsIdempotentAndCreateIsStrict) {
  EXPECT_EQ(Apply("prod", "Production"), api::CREATED);
  EXPECT_EQ(Apply("prod", "Production"), api::UNCHANGED);
  EXPECT_EQ(Apply("prod", "Prod"), api::UPDATED);
  EXPECT_EQ(Apply("default", "Mine"), api::UPDATED);  // default may be updated, not created
  api::CreateNamespaceRequest create;
  create.mutable_namespace_()->set_name("prod");
  api::CreateNamespaceResponse created;
  grpc::Status s = stub_->CreateNamespace(Ctx().get(), create, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  create.mutable_namespace_()->set_name("default");
  EXPECT_EQ(stub_->CreateNamespace(Ctx().get(), create, &created).error_message(),
            "namespace \"default\" is reserved");
  api::ApplyNamespaceRequest system;
  system.mutable_namespace_()->set_name("system");
  api::ApplyNamespaceResponse applied;
  EXPECT_EQ(stub_->ApplyNamespace(Ctx().get(), system, &applied).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(NamespaceServiceTest, NonEmptyNamespaceNeedsForce) {
  Apply("prod", "");
  ASSERT_TRUE(server_.store()
                  ->Update([](store::WriteTxn& txn) {
                    return txn.Put(store::kSecret, "prod", "db", "x").status();
                  })
                  .ok());
  api::DeleteNamespaceResponse response;
  grpc::Status s = Delete("prod", false, false, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "namespace \"prod\" is not empty: 0 services, 1 secrets, 0 configmaps");
  ASSERT_TRUE(Delete("prod", false, true, &response).ok());
  ASSERT_EQ(response.blocked_by_size(), 1);
  EXPECT_EQ(response.blocked_by(0), s.error_message());
  ASSERT_TRUE(Delete("prod", true, false, &response).ok());
  EXPECT_EQ(response.state(), api::DeletionOperation::COMPLETED);
  EXPECT_FALSE(server_.store()->Get(store::kSecret, "prod", "db")->has_value());
  EXPECT_EQ(Delete("prod", false, false, &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(NamespaceServiceTest, WatchSendsSnapshotSyncedThenChanges) {
  auto ctx = Ctx();
  api::WatchNamespacesRequest request;
  std::unique_ptr<grpc::ClientReader<api::WatchNamespacesResponse>> reader =
      stub_->WatchNamespaces(ctx.get(), request);
  std::vector<std::string> seen;
  api::WatchNamespacesResponse event;
  while (reader->Read(&event)) {
    seen.push_back(absl::StrCat(api::WatchEventType_Name(event.type()), " ",
                                event.namespace_().name()));
    if (event.type() == api::SYNCED) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED default", "ADDED system", "SYNCED "}));
  Apply("prod", "");
  Apply("prod", "changed");
  api::DeleteNamespaceResponse deleted;
  ASSERT_TRUE(Delete("prod", false, false, &deleted).ok());
  seen.clear();
  while (seen.size() < 3 && reader->Read(&event)) {
    seen.push_back(absl::StrCat(api::WatchEventType_Name(event.type()), " ",
                                event.namespace_().name(), " ", event.namespace_().description()));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED prod ", "MODIFIED prod changed",
                                            "DELETED prod changed"}));
  ctx->TryCancel();
  reader->Finish();
}

TEST(StreamRegistry, ShutdownEndsRegisteredStreamsAndRefusesNewOnes) {
  StreamRegistry registry;
  int ended = 0;
  const uint64_t a = registry.Add([&] { ++ended; });
  const uint64_t b = registry.Add([&] { ++ended; });
  registry.Remove(b);
  EXPECT_NE(a, 0u);
  registry.Shutdown();
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(registry.Add([&] { ++ended; }), 0u);
  EXPECT_EQ(ShuttingDownStatus().error_message(), "server is shutting down");
}

}  // namespace
}  // namespace rune::daemon
