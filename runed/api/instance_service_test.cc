// InstanceService over a real in-process gRPC server and memory store, with
// instance and service records written directly into the store (the
// orchestrator is their only writer in runed): lookups by ID and name (newest
// generation), M14, list filters and order, RBAC, watch, and the deletion hook.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/instance.grpc.pb.h"
#include "runed/api/test_server.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

std::string Hint(const grpc::ClientContext& ctx) {
  auto it = ctx.GetServerTrailingMetadata().find("x-rune-hint");
  if (it == ctx.GetServerTrailingMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

class InstanceServiceTest : public ::testing::Test {
 protected:
  InstanceServiceTest()
      : token_(server_.TokenFor("root")), stub_(api::InstanceService::NewStub(server_.channel())) {}

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + (token.empty() ? token_ : token));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  void PutService(const std::string& ns, const std::string& name,
                  std::map<std::string, std::string> labels = {}) {
    api::Service service;
    service.mutable_spec()->set_namespace_(ns);
    service.mutable_spec()->set_name(name);
    service.mutable_spec()->set_scale(1);
    for (auto& [k, v] : labels) (*service.mutable_spec()->mutable_labels())[k] = v;
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kService, ns, name, service.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  api::Instance PutInstance(const std::string& ns, const std::string& service, int ordinal,
                            int64_t generation, const std::string& hex,
                            api::Instance::State state = api::Instance::RUNNING) {
    api::Instance instance;
    instance.set_id(absl::StrCat(service, "-instance-", hex));
    instance.set_name(absl::StrCat(service, "-", ordinal));
    instance.set_namespace_(ns);
    instance.set_service(service);
    instance.set_generation(generation);
    instance.set_ordinal(ordinal);
    instance.set_runner(api::Instance::PROCESS);
    instance.set_node("local");
    instance.set_status(state);
    instance.mutable_created_at()->set_seconds(1800000000 + generation);
    EXPECT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn
                          .Put(store::kInstance, ns, instance.id(), instance.SerializeAsString())
                          .status();
                    })
                    .ok());
    return instance;
  }

  void DeleteRecord(const std::string& ns, const std::string& id) {
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Delete(store::kInstance, ns, id).status();
                    })
                    .ok());
  }

  grpc::Status Get(const std::string& ns, const std::string& id, api::Instance* out,
                   std::string* hint = nullptr) {
    api::GetInstanceRequest request;
    request.set_namespace_(ns);
    request.set_id(id);
    api::GetInstanceResponse response;
    auto ctx = Ctx();
    grpc::Status s = stub_->GetInstance(ctx.get(), request, &response);
    if (hint != nullptr) *hint = Hint(*ctx);
    *out = response.instance();
    return s;
  }

  std::vector<std::string> List(const std::string& ns, const std::string& service = "",
                                const std::string& selector = "",
                                grpc::Status* status = nullptr) {
    api::ListInstancesRequest request;
    request.set_namespace_(ns);
    request.set_service(service);
    request.set_selector(selector);
    api::ListInstancesResponse response;
    grpc::Status s = stub_->ListInstances(Ctx().get(), request, &response);
    if (status != nullptr) *status = s;
    else EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const api::Instance& i : response.instances()) ids.push_back(i.id());
    return ids;
  }

  TestServer server_;
  std::string token_;
  std::unique_ptr<api::InstanceService::Stub> stub_;
};

TEST_F(InstanceServiceTest, GetByIdOrByNameTheNewestGeneration) {
  PutService("default", "api");
  PutInstance("default", "api", 0, 1, "0000000a");
  PutInstance("default", "api", 0, 2, "0000000b");
  PutInstance("default", "api", 1, 1, "0000000c");
  api::Instance got;
  ASSERT_TRUE(Get("default", "api-instance-0000000a", &got).ok());
  EXPECT_EQ(got.name(), "api-0");
  EXPECT_EQ(got.generation(), 1);
  EXPECT_GT(got.resource_version(), 0u);
  ASSERT_TRUE(Get("", "api-0", &got).ok());  // "" = default
  EXPECT_EQ(got.id(), "api-instance-0000000b");
  ASSERT_TRUE(Get("default", "api-1", &got).ok());
  EXPECT_EQ(got.id(), "api-instance-0000000c");
}

TEST_F(InstanceServiceTest, MissingInstanceIsM14) {
  PutService("default", "api");
  PutInstance("default", "api", 0, 1, "0000000a");
  for (const char* id : {"nosuch", "api-7", "api-", "api-x", "api-instance-ffffffff"}) {
    api::Instance got;
    std::string hint;
    grpc::Status s = Get("default", id, &got, &hint);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << id;
    EXPECT_EQ(s.error_message(),
              absl::StrCat("instance \"", id, "\" not found in namespace \"default\""));
    EXPECT_EQ(hint, "run 'rune get instances -n default' to list instances");
  }
  // Another namespace does not see it.
  api::Instance got;
  EXPECT_EQ(Get("prod", "api-0", &got).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(InstanceServiceTest, ListFiltersByNamespaceServiceAndSelector) {
  PutService("default", "api", {{"tier", "web"}});
  PutService("default", "api-x", {{"tier", "db"}});
  PutService("prod", "api", {{"tier", "web"}});
  PutInstance("default", "api-x", 0, 1, "00000001");
  PutInstance("default", "api", 10, 1, "00000002");
  PutInstance("default", "api", 2, 1, "00000003");
  PutInstance("default", "api", 2, 3, "00000000");
  PutInstance("prod", "api", 0, 1, "00000004");

  // Namespace, service, name (byte order), generation.
  EXPECT_EQ(List("default"),
            (std::vector<std::string>{"api-instance-00000002", "api-instance-00000003",
                                      "api-instance-00000000", "api-x-instance-00000001"}));
  EXPECT_EQ(List("*").size(), 5u);
  EXPECT_EQ(List("*").back(), "api-instance-00000004");
  EXPECT_EQ(List("default", "api-x"), (std::vector<std::string>{"api-x-instance-00000001"}));
  EXPECT_EQ(List("*", "api").size(), 4u);
  EXPECT_EQ(List("default", "", "tier=db"), (std::vector<std::string>{"api-x-instance-00000001"}));
  EXPECT_EQ(List("*", "", "tier=web").size(), 4u);
  EXPECT_TRUE(List("default", "nosuch").empty());
  EXPECT_TRUE(List("nosuch").empty());

  grpc::Status bad;
  List("default", "", "a b", &bad);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(InstanceServiceTest, CallsAreAuthorized) {
  PutService("prod", "api");
  PutInstance("prod", "api", 0, 1, "0000000a");
  const std::string reader = server_.TokenWithRule("reader", "instance", {"get", "list"}, "prod");
  api::GetInstanceRequest get;
  get.set_namespace_("prod");
  get.set_id("api-0");
  api::GetInstanceResponse got;
  EXPECT_TRUE(stub_->GetInstance(Ctx(reader).get(), get, &got).ok());
  get.set_namespace_("default");
  EXPECT_EQ(stub_->GetInstance(Ctx(reader).get(), get, &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  api::ListInstancesRequest all;
  all.set_namespace_("*");
  api::ListInstancesResponse listed;
  EXPECT_EQ(stub_->ListInstances(Ctx(reader).get(), all, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  api::DeleteInstanceRequest del;
  del.set_namespace_("prod");
  del.set_id("api-0");
  api::DeleteInstanceResponse deleted;
  grpc::Status s = stub_->DeleteInstance(Ctx(reader).get(), del, &deleted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "access denied for resource: instance verb: delete");
}

TEST_F(InstanceServiceTest, DeleteAnswersUnimplementedUntilAHookIsSet) {
  PutService("default", "api");
  PutInstance("default", "api", 0, 1, "0000000a");
  api::DeleteInstanceRequest missing;
  missing.set_id("nosuch");
  api::DeleteInstanceResponse response;
  grpc::Status s = stub_->DeleteInstance(Ctx().get(), missing, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "instance \"nosuch\" not found in namespace \"default\"");

  api::DeleteInstanceRequest request;
  request.set_id("api-0");
  s = stub_->DeleteInstance(Ctx().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(s.error_message(),
            "InstanceService.DeleteInstance is not implemented yet (feature: orchestrator and "
            "process runner)");

  api::DeleteInstanceRequest seen;
  server_.instances()->SetDeleteInstance([&seen](const api::DeleteInstanceRequest& r) {
    seen = r;
    api::DeleteInstanceResponse out;
    out.set_namespace_("default");
    out.set_id("api-instance-0000000a");
    out.set_name("api-0");
    out.set_state(api::DeletionOperation::COMPLETED);
    return absl::StatusOr<api::DeleteInstanceResponse>(out);
  });
  ASSERT_TRUE(stub_->DeleteInstance(Ctx().get(), request, &response).ok());
  EXPECT_EQ(seen.id(), "api-0");
  EXPECT_EQ(response.id(), "api-instance-0000000a");

  server_.instances()->SetDeleteInstance([](const api::DeleteInstanceRequest&) {
    return absl::StatusOr<api::DeleteInstanceResponse>(absl::NotFoundError("gone"));
  });
  EXPECT_EQ(stub_->DeleteInstance(Ctx().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(InstanceServiceTest, WatchSendsSnapshotSyncedThenMatchingChanges) {
  PutService("default", "api");
  PutService("default", "db");
  PutInstance("default", "api", 0, 1, "0000000a");
  PutInstance("default", "db", 0, 1, "0000000b");
  api::WatchInstancesRequest request;
  request.set_namespace_("default");
  request.set_service("api");
  auto ctx = Ctx();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub_->WatchInstances(ctx.get(), request);
  api::WatchInstancesResponse event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), api::ADDED);
  EXPECT_EQ(event.instance().id(), "api-instance-0000000a");
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), api::SYNCED);

  PutInstance("default", "db", 1, 1, "0000000c");  // another service: filtered out
  PutInstance("default", "api", 0, 1, "0000000a", api::Instance::STOPPING);
  DeleteRecord("default", "api-instance-0000000a");
  PutInstance("default", "api", 0, 2, "0000000d");
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), api::MODIFIED);
  EXPECT_EQ(event.instance().status(), api::Instance::STOPPING);
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), api::DELETED);
  EXPECT_EQ(event.instance().id(), "api-instance-0000000a");
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), api::ADDED);
  EXPECT_EQ(event.instance().id(), "api-instance-0000000d");
  ctx->TryCancel();
  while (reader->Read(&event)) {
  }
  reader->Finish();
}

TEST_F(InstanceServiceTest, WatchSelectorUsesTheServiceLabels) {
  PutService("default", "api", {{"tier", "web"}});
  PutService("default", "db", {{"tier", "db"}});
  api::WatchInstancesRequest request;
  request.set_namespace_("*");
  request.set_selector("tier=web");
  auto ctx = Ctx();
  auto reader = stub_->WatchInstances(ctx.get(), request);
  api::WatchInstancesResponse event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), api::SYNCED);
  PutInstance("default", "db", 0, 1, "0000000b");
  PutInstance("default", "api", 0, 1, "0000000a");
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), api::ADDED);
  EXPECT_EQ(event.instance().id(), "api-instance-0000000a");
  ctx->TryCancel();
  while (reader->Read(&event)) {
  }
  reader->Finish();
}

}  // namespace
}  // namespace rune::daemon
