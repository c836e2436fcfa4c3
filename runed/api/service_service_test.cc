// ServiceService over a real in-process gRPC server and memory store:
// generations and history, M07/M08/M10/M14/M15/M22/M23, deletion operations,
// list/watch, dependency graph and dependents, reference warnings, and the
// forced namespace delete going through deletion operations.
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "proto/namespace.grpc.pb.h"
#include "proto/service.grpc.pb.h"
#include "runed/api/test_server.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

using api::Dependency;
using api::DependencyNode;
using api::DeletionOperation;

api::ServiceSpec Spec(const std::string& ns, const std::string& name, int scale = 1) {
  api::ServiceSpec spec;
  spec.set_namespace_(ns);
  spec.set_name(name);
  spec.set_image("nginx:1.25");
  spec.set_scale(scale);
  return spec;
}

Dependency* DependOn(api::ServiceSpec* spec, const std::string& ns, const std::string& name,
                     bool optional = false) {
  Dependency* dep = spec->add_dependencies();
  dep->set_kind(Dependency::SERVICE);
  dep->set_namespace_(ns);
  dep->set_name(name);
  dep->set_optional(optional);
  return dep;
}

std::string Hint(const grpc::ClientContext& ctx) {
  auto it = ctx.GetServerTrailingMetadata().find("x-rune-hint");
  if (it == ctx.GetServerTrailingMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

class ServiceServiceTest : public ::testing::Test {
 protected:
  explicit ServiceServiceTest(TestServerOptions options = {})
      : server_(options),
        token_(server_.TokenFor("root")),
        stub_(api::ServiceService::NewStub(server_.channel())),
        namespaces_(api::NamespaceService::NewStub(server_.channel())) {}

  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token_);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  grpc::Status TryApply(const api::ServiceSpec& spec, api::ApplyServiceResponse* response,
                        bool force = false, const std::string& tag = "",
                        std::string* hint = nullptr) {
    api::ApplyServiceRequest request;
    *request.mutable_spec() = spec;
    request.set_force(force);
    request.set_tag(tag);
    auto ctx = Ctx();
    grpc::Status s = stub_->ApplyService(ctx.get(), request, response);
    if (hint != nullptr) *hint = Hint(*ctx);
    return s;
  }

  api::ApplyServiceResponse Apply(const api::ServiceSpec& spec, bool force = false,
                                  const std::string& tag = "") {
    api::ApplyServiceResponse response;
    grpc::Status s = TryApply(spec, &response, force, tag);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  void CreateNamespace(const std::string& name) {
    api::ApplyNamespaceRequest request;
    request.mutable_namespace_()->set_name(name);
    api::ApplyNamespaceResponse response;
    ASSERT_TRUE(namespaces_->ApplyNamespace(Ctx().get(), request, &response).ok());
  }

  grpc::Status Delete(const std::string& ns, const std::string& name, bool force, bool dry_run,
                      api::DeleteServiceResponse* response, std::string* hint = nullptr) {
    api::DeleteServiceRequest request;
    request.set_namespace_(ns);
    request.set_name(name);
    request.set_force(force);
    request.set_dry_run(dry_run);
    auto ctx = Ctx();
    grpc::Status s = stub_->DeleteService(ctx.get(), request, response);
    if (hint != nullptr) *hint = Hint(*ctx);
    return s;
  }

  api::GetServiceHistoryResponse History(const std::string& ns, const std::string& name) {
    api::GetServiceHistoryRequest request;
    request.set_namespace_(ns);
    request.set_name(name);
    api::GetServiceHistoryResponse response;
    grpc::Status s = stub_->GetServiceHistory(Ctx().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  size_t StoredHistory(const std::string& ns) {
    return server_.store()->List(store::kServiceHistory, ns)->size();
  }

  api::GetDependencyGraphResponse Graph(const std::string& ns, const std::string& name,
                                        bool transitive) {
    api::GetDependencyGraphRequest request;
    request.set_namespace_(ns);
    request.set_name(name);
    request.set_transitive(transitive);
    api::GetDependencyGraphResponse response;
    grpc::Status s = stub_->GetDependencyGraph(Ctx().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  void PutRecord(const char* kind, const std::string& ns, const std::string& name,
                 const std::string& value) {
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(kind, ns, name, value).status();
                    })
                    .ok());
  }

  TestServer server_;
  std::string token_;
  std::unique_ptr<api::ServiceService::Stub> stub_;
  std::unique_ptr<api::NamespaceService::Stub> namespaces_;
};

std::string Nodes(const api::GetDependencyGraphResponse& g) {
  std::vector<std::string> out;
  for (const DependencyNode& n : g.nodes()) {
    out.push_back(absl::StrCat(n.id(), "=", DependencyNode::State_Name(n.state())));
  }
  return absl::StrJoin(out, " ");
}

std::string Edges(const api::GetDependencyGraphResponse& g) {
  std::vector<std::string> out;
  for (const api::DependencyEdge& e : g.edges()) {
    out.push_back(absl::StrCat(e.from(), "->", e.to(), ":", Dependency::ReadyWhen_Name(e.ready_when()),
                               e.optional() ? ",optional" : "", e.satisfied() ? ",ok" : ",no"));
  }
  return absl::StrJoin(out, " ");
}

TEST_F(ServiceServiceTest, GenerationStartsAtOneAndMovesOnlyOnRealChange) {
  api::ApplyServiceResponse created = Apply(Spec("", "api"));
  EXPECT_EQ(created.action(), api::CREATED);
  const api::Service& first = created.service();
  EXPECT_EQ(first.spec().namespace_(), "default");
  EXPECT_EQ(first.metadata().generation(), 1);
  EXPECT_EQ(first.metadata().id().size(), 36u);
  EXPECT_GT(first.metadata().resource_version(), 0u);
  EXPECT_EQ(first.status().desired(), 1);
  EXPECT_EQ(first.status().phase(), api::ServiceStatus::PENDING);
  EXPECT_EQ(first.status().observed_generation(), 0);
  EXPECT_EQ(StoredHistory("default"), 1u);

  const uint64_t revision = server_.store()->Revision();
  api::ApplyServiceResponse same = Apply(Spec("default", "api"));
  EXPECT_EQ(same.action(), api::UNCHANGED);
  EXPECT_EQ(same.service().metadata().generation(), 1);
  EXPECT_EQ(same.service().metadata().resource_version(), first.metadata().resource_version());
  EXPECT_EQ(server_.store()->Revision(), revision);  // nothing written at all
  EXPECT_EQ(StoredHistory("default"), 1u);

  server_.now() += absl::Seconds(5);
  api::ServiceSpec changed = Spec("default", "api");
  changed.set_image("nginx:1.26");
  api::ApplyServiceResponse updated = Apply(changed);
  EXPECT_EQ(updated.action(), api::UPDATED);
  EXPECT_EQ(updated.service().metadata().generation(), 2);
  EXPECT_EQ(updated.service().metadata().id(), first.metadata().id());
  EXPECT_EQ(updated.service().metadata().created_at().seconds(),
            first.metadata().created_at().seconds());
  EXPECT_EQ(updated.service().metadata().updated_at().seconds(),
            first.metadata().created_at().seconds() + 5);
  EXPECT_EQ(StoredHistory("default"), 2u);

  // Labels are part of the spec; scale 0 is STOPPED.
  changed.mutable_labels()->insert({"tier", "web"});
  changed.set_scale(0);
  api::ApplyServiceResponse labelled = Apply(changed);
  EXPECT_EQ(labelled.service().metadata().generation(), 3);
  EXPECT_EQ(labelled.service().metadata().labels().at("tier"), "web");
  EXPECT_EQ(labelled.service().status().phase(), api::ServiceStatus::STOPPED);
  EXPECT_EQ(labelled.service().status().desired(), 0);
}

TEST_F(ServiceServiceTest, ForceBumpsTheGenerationAndTagsAreKeptInHistory) {
  Apply(Spec("default", "api"), false, "v1");
  api::ApplyServiceResponse forced = Apply(Spec("default", "api"), true, "v1-again");
  EXPECT_EQ(forced.action(), api::UPDATED);
  EXPECT_EQ(forced.service().metadata().generation(), 2);
  EXPECT_EQ(forced.service().metadata().tag(), "v1-again");

  api::GetServiceHistoryResponse history = History("", "api");
  EXPECT_EQ(history.current_generation(), 2);
  ASSERT_EQ(history.entries_size(), 2);
  EXPECT_EQ(history.entries(0).generation(), 2);
  EXPECT_TRUE(history.entries(0).current());
  EXPECT_EQ(history.entries(0).tag(), "v1-again");
  EXPECT_EQ(history.entries(1).generation(), 1);
  EXPECT_FALSE(history.entries(1).current());
  EXPECT_EQ(history.entries(1).tag(), "v1");
  EXPECT_EQ(history.entries(1).spec().image(), "nginx:1.25");
  EXPECT_EQ(history.entries(1).created_at().seconds(), absl::ToUnixSeconds(server_.now()));
}

class HistoryLimitTest : public ServiceServiceTest {
 protected:
  HistoryLimitTest() : ServiceServiceTest(TestServerOptions{3}) {}
};

TEST_F(HistoryLimitTest, HistoryKeepsTheNewestGenerations) {
  for (int i = 1; i <= 5; ++i) {
    api::ServiceSpec spec = Spec("default", "api");
    spec.set_image(absl::StrCat("nginx:1.", i));
    EXPECT_EQ(Apply(spec).service().metadata().generation(), i);
  }
  Apply(Spec("default", "other"));
  api::GetServiceHistoryResponse history = History("default", "api");
  ASSERT_EQ(history.entries_size(), 3);
  EXPECT_EQ(history.entries(0).generation(), 5);
  EXPECT_EQ(history.entries(1).generation(), 4);
  EXPECT_EQ(history.entries(2).generation(), 3);
  EXPECT_EQ(history.entries(2).spec().image(), "nginx:1.3");
  EXPECT_EQ(StoredHistory("default"), 4u);  // 3 of api, 1 of other
}

class MaxScaleTest : public ServiceServiceTest {
 protected:
  MaxScaleTest() : ServiceServiceTest(TestServerOptions{10, 5}) {}
};

TEST_F(MaxScaleTest, ScaleIsLimitedByTheRunefile) {
  api::ApplyServiceResponse response;
  grpc::Status s = TryApply(Spec("default", "api", 6), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "validation error: service.scale: must be between 0 and 5, got 6");
  EXPECT_TRUE(TryApply(Spec("default", "api", 5), &response).ok());
}

TestServerOptions RunnersDisabled() {
  TestServerOptions options;
  options.docker_enabled = false;
  options.process_enabled = false;
  return options;
}

class RunnersDisabledTest : public ServiceServiceTest {
 protected:
  RunnersDisabledTest() : ServiceServiceTest(RunnersDisabled()) {}
};

TEST_F(RunnersDisabledTest, ServicesOfADisabledRunnerAreRefusedWithM22) {
  api::ApplyServiceResponse response;
  std::string hint = "unset";
  grpc::Status s = TryApply(Spec("default", "api"), &response, false, "", &hint);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "docker runner is disabled on this server");
  EXPECT_EQ(hint, "");
  api::ServiceSpec process = Spec("default", "worker");
  process.clear_image();
  process.mutable_process()->set_command("/bin/sleep");
  s = TryApply(process, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "process runner is disabled on this server");
  EXPECT_EQ(server_.store()->List(store::kService, "default")->size(), 0u);
}

TEST_F(ServiceServiceTest, ConcurrentAppliesAreSerialised) {
  constexpr int kWriters = 8;
  std::vector<api::ApplyServiceResponse> results(kWriters);
  std::vector<grpc::Status> statuses(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      api::ServiceSpec spec = Spec("default", "api");
      spec.set_image(absl::StrCat("nginx:1.", i));
      statuses[i] = TryApply(spec, &results[i]);
    });
  }
  for (std::thread& t : threads) t.join();
  int created = 0;
  std::set<int64_t> generations;
  for (int i = 0; i < kWriters; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    if (results[i].action() == api::CREATED) ++created;
    generations.insert(results[i].service().metadata().generation());
  }
  // Every write saw the one before it: one creation, distinct generations.
  EXPECT_EQ(created, 1);
  EXPECT_EQ(generations.size(), static_cast<size_t>(kWriters));
  EXPECT_EQ(*generations.rbegin(), kWriters);
  EXPECT_EQ(History("default", "api").entries_size(), kWriters);
}

TEST_F(ServiceServiceTest, SystemNamespaceIsClosedToServices) {
  api::ApplyServiceResponse response;
  grpc::Status s = TryApply(Spec("system", "api"), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "validation error: service.namespace: namespace \"system\" is reserved");
}

TEST_F(ServiceServiceTest, MissingNamespaceIsM15WithTheCreateNamespaceHint) {
  api::ApplyServiceResponse response;
  std::string hint;
  grpc::Status s = TryApply(Spec("prod", "api"), &response, false, "", &hint);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "namespace \"prod\" not found");
  EXPECT_EQ(hint, "create it with 'rune create namespace prod' or pass --create-namespace");
  EXPECT_TRUE(server_.store()->List(store::kService, "")->empty());
}

TEST_F(ServiceServiceTest, InvalidSpecIsM07) {
  api::ServiceSpec spec = Spec("default", "api");
  spec.set_scale(2000);
  api::ApplyServiceResponse response;
  grpc::Status s = TryApply(spec, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "validation error: service.scale: must be between 0 and 1000, got 2000");
  spec = Spec("default", "Bad_Name");
  spec.clear_image();
  s = TryApply(spec, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("validation error: service.name: invalid name \"Bad_Name\""),
            std::string::npos)
      << s.error_message();
  EXPECT_NE(s.error_message().find("\nvalidation error: "), std::string::npos)
      << s.error_message();
  EXPECT_TRUE(server_.store()->List(store::kService, "")->empty());
}

TEST_F(ServiceServiceTest, CyclesAcrossNamespacesAreM08FromTheDeclaringService) {
  CreateNamespace("prod");
  api::ServiceSpec a = Spec("default", "a");
  DependOn(&a, "prod", "b");
  Apply(a);  // prod/b does not exist yet: fine
  api::ServiceSpec b = Spec("prod", "b");
  DependOn(&b, "default", "a", /*optional=*/true);  // optional edges count too
  api::ApplyServiceResponse response;
  grpc::Status s = TryApply(b, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "validation error: service.dependencies: dependency cycle detected: prod/b -> "
            "default/a -> prod/b");
  EXPECT_FALSE(server_.store()->Get(store::kService, "prod", "b")->has_value());

  // Three services: c closes a -> b -> c.
  api::ServiceSpec x = Spec("default", "x");
  DependOn(&x, "default", "y");
  Apply(x);
  api::ServiceSpec y = Spec("default", "y");
  DependOn(&y, "prod", "z");
  Apply(y);
  api::ServiceSpec z = Spec("prod", "z");
  DependOn(&z, "default", "x");
  s = TryApply(z, &response);
  EXPECT_EQ(s.error_message(),
            "validation error: service.dependencies: dependency cycle detected: prod/z -> "
            "default/x -> default/y -> prod/z");
  // An update of an existing service is checked the same way, and the stored
  // one stays as it was.
  api::ServiceSpec z2 = Spec("prod", "z");
  Apply(z2);
  DependOn(&z2, "default", "x");
  s = TryApply(z2, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  api::Service stored;
  ASSERT_TRUE(stored.ParseFromString(
      server_.store()->Get(store::kService, "prod", "z")->value().value));
  EXPECT_EQ(stored.spec().dependencies_size(), 0);
  EXPECT_EQ(stored.metadata().generation(), 1);
}

TEST_F(ServiceServiceTest, DeleteWithRequiredDependentsIsM10UnlessForced) {
  CreateNamespace("prod");
  Apply(Spec("default", "db"));
  api::ServiceSpec api_spec = Spec("default", "api");
  DependOn(&api_spec, "", "db");
  Apply(api_spec);
  api::ServiceSpec worker = Spec("prod", "worker");
  DependOn(&worker, "default", "db");
  Apply(worker);
  api::ServiceSpec cache = Spec("default", "cache");
  DependOn(&cache, "default", "db", /*optional=*/true);
  Apply(cache);

  api::DeleteServiceResponse response;
  std::string hint;
  grpc::Status s = Delete("default", "db", false, false, &response, &hint);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "service \"default/db\" has dependents: default/api, prod/worker");
  EXPECT_EQ(hint, "list them with 'rune deps dependents db -n default' or re-run with --force");

  // Dry run: reports, changes nothing.
  const uint64_t revision = server_.store()->Revision();
  api::DeleteServiceResponse dry;
  ASSERT_TRUE(Delete("", "db", false, true, &dry).ok());
  EXPECT_TRUE(dry.dry_run());
  EXPECT_FALSE(dry.has_operation());
  ASSERT_EQ(dry.blocked_by_size(), 1);
  EXPECT_EQ(dry.blocked_by(0), "service \"default/db\" has dependents: default/api, prod/worker");
  EXPECT_EQ(server_.store()->Revision(), revision);

  // A dry run that would succeed has nothing in blocked_by.
  api::DeleteServiceResponse dry_forced;
  ASSERT_TRUE(Delete("default", "db", true, true, &dry_forced).ok());
  EXPECT_EQ(dry_forced.blocked_by_size(), 0);
  EXPECT_TRUE(server_.store()->Get(store::kService, "default", "db")->has_value());

  api::DeleteServiceResponse forced;
  ASSERT_TRUE(Delete("default", "db", true, false, &forced).ok());
  EXPECT_EQ(forced.operation().state(), DeletionOperation::COMPLETED);
  EXPECT_FALSE(server_.store()->Get(store::kService, "default", "db")->has_value());
  EXPECT_TRUE(server_.store()->List(store::kServiceHistory, "default", "db/")->empty());
  EXPECT_FALSE(server_.store()->List(store::kServiceHistory, "default", "api/")->empty());
}

TEST_F(ServiceServiceTest, OptionalDependentsDoNotBlockDeletion) {
  Apply(Spec("default", "db"));
  api::ServiceSpec cache = Spec("default", "cache");
  DependOn(&cache, "default", "db", /*optional=*/true);
  Apply(cache);
  api::DeleteServiceResponse response;
  grpc::Status s = Delete("default", "db", false, false, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.namespace_(), "default");
  EXPECT_EQ(response.name(), "db");
  EXPECT_FALSE(response.dry_run());
  EXPECT_EQ(response.operation().state(), DeletionOperation::COMPLETED);
}

TEST_F(ServiceServiceTest, DeletionOperationsAreRecordedListedAndExpire) {
  CreateNamespace("prod");
  Apply(Spec("default", "api"));
  Apply(Spec("prod", "db"));
  const int64_t t0 = absl::ToUnixSeconds(server_.now());
  api::DeleteServiceResponse first;
  ASSERT_TRUE(Delete("default", "api", false, false, &first).ok());
  const DeletionOperation& op = first.operation();
  EXPECT_EQ(op.id(), absl::StrCat("delete-default-api-", t0));
  EXPECT_EQ(op.namespace_(), "default");
  EXPECT_EQ(op.service(), "api");
  EXPECT_EQ(op.state(), DeletionOperation::COMPLETED);
  EXPECT_EQ(op.started_at().seconds(), t0);
  EXPECT_EQ(op.finished_at().seconds(), t0);
  EXPECT_EQ(op.instances_total(), 0);
  ASSERT_EQ(op.finalizers_size(), 2);
  EXPECT_EQ(op.finalizers(0).name(), "instance-cleanup");
  EXPECT_EQ(op.finalizers(0).state(), api::DeletionFinalizer::COMPLETED);
  EXPECT_EQ(op.finalizers(1).name(), "service-deregister");
  EXPECT_EQ(op.finalizers(1).state(), api::DeletionFinalizer::COMPLETED);
  EXPECT_EQ(op.finalizers(1).attempts(), 1);

  server_.now() += absl::Hours(1);
  api::DeleteServiceResponse second;
  ASSERT_TRUE(Delete("prod", "db", false, false, &second).ok());

  api::GetDeletionStatusRequest status;
  status.set_operation_id(op.id());
  api::GetDeletionStatusResponse got;
  ASSERT_TRUE(stub_->GetDeletionStatus(Ctx().get(), status, &got).ok());
  EXPECT_EQ(got.operation().id(), op.id());
  EXPECT_EQ(got.operation().state(), DeletionOperation::COMPLETED);

  status.set_operation_id("delete-default-nope-1");
  auto ctx = Ctx();
  grpc::Status s = stub_->GetDeletionStatus(ctx.get(), status, &got);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(),
            "deletion operation \"delete-default-nope-1\" not found in namespace \"default\"");
  EXPECT_EQ(Hint(*ctx), "run 'rune delete list -n default'");

  api::ListDeletionOperationsRequest list;
  list.set_namespace_("*");
  api::ListDeletionOperationsResponse all;
  ASSERT_TRUE(stub_->ListDeletionOperations(Ctx().get(), list, &all).ok());
  ASSERT_EQ(all.operations_size(), 2);
  EXPECT_EQ(all.operations(0).id(), second.operation().id());  // newest first
  EXPECT_EQ(all.operations(1).id(), op.id());
  list.set_namespace_("");
  api::ListDeletionOperationsResponse defaults;
  ASSERT_TRUE(stub_->ListDeletionOperations(Ctx().get(), list, &defaults).ok());
  ASSERT_EQ(defaults.operations_size(), 1);
  list.set_namespace_("*");
  list.set_state(DeletionOperation::FAILED);
  api::ListDeletionOperationsResponse failed;
  ASSERT_TRUE(stub_->ListDeletionOperations(Ctx().get(), list, &failed).ok());
  EXPECT_EQ(failed.operations_size(), 0);

  // Kept 24 h after completion: the first one goes, the second stays.
  server_.now() += absl::Hours(23) + absl::Seconds(1);
  list.clear_state();
  api::ListDeletionOperationsResponse later;
  ASSERT_TRUE(stub_->ListDeletionOperations(Ctx().get(), list, &later).ok());
  ASSERT_EQ(later.operations_size(), 1);
  EXPECT_EQ(later.operations(0).id(), second.operation().id());
  status.set_operation_id(op.id());
  EXPECT_EQ(stub_->GetDeletionStatus(Ctx().get(), status, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // The next deletion prunes the expired record from the store.
  Apply(Spec("default", "tmp"));
  api::DeleteServiceResponse third;
  ASSERT_TRUE(Delete("default", "tmp", false, false, &third).ok());
  EXPECT_FALSE(server_.store()->Get(store::kDeletionOp, "default", op.id())->has_value());
  EXPECT_TRUE(
      server_.store()->Get(store::kDeletionOp, "prod", second.operation().id())->has_value());
}

TEST_F(ServiceServiceTest, ARunningDeletionIsM23) {
  Apply(Spec("default", "api"));
  DeletionOperation running;
  running.set_id("delete-default-api-1799999990");
  running.set_namespace_("default");
  running.set_service("api");
  running.set_state(DeletionOperation::DELETING_INSTANCES);
  PutRecord(store::kDeletionOp, "default", running.id(), running.SerializeAsString());
  api::DeleteServiceResponse response;
  std::string hint;
  grpc::Status s = Delete("default", "api", true, false, &response, &hint);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "deletion of service \"default/api\" is already in progress (operation "
            "delete-default-api-1799999990)");
  EXPECT_EQ(hint, "follow it with 'rune delete status delete-default-api-1799999990 -n default'");
  api::DeleteServiceResponse dry;
  ASSERT_TRUE(Delete("default", "api", false, true, &dry).ok());
  ASSERT_EQ(dry.blocked_by_size(), 1);
  EXPECT_EQ(dry.blocked_by(0), s.error_message());
  // A failed operation does not block a new attempt.
  running.set_state(DeletionOperation::FAILED);
  PutRecord(store::kDeletionOp, "default", running.id(), running.SerializeAsString());
  EXPECT_TRUE(Delete("default", "api", false, false, &response).ok());
}

TEST_F(ServiceServiceTest, MissingServiceIsM14) {
  api::GetServiceRequest request;
  request.set_namespace_("default");
  request.set_name("nope");
  api::GetServiceResponse response;
  auto ctx = Ctx();
  grpc::Status s = stub_->GetService(ctx.get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "service \"nope\" not found in namespace \"default\"");
  EXPECT_EQ(Hint(*ctx), "run 'rune get services -n default' to list services");

  std::string hint;
  api::DeleteServiceResponse deleted;
  s = Delete("", "nope", false, true, &deleted, &hint);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "service \"nope\" not found in namespace \"default\"");
  EXPECT_EQ(hint, "run 'rune get services -n default' to list services");

  api::GetDependencyGraphRequest graph;
  graph.set_name("nope");
  api::GetDependencyGraphResponse g;
  EXPECT_EQ(stub_->GetDependencyGraph(Ctx().get(), graph, &g).error_code(),
            grpc::StatusCode::NOT_FOUND);
  api::GetServiceHistoryRequest history;
  history.set_name("nope");
  api::GetServiceHistoryResponse h;
  EXPECT_EQ(stub_->GetServiceHistory(Ctx().get(), history, &h).error_code(),
            grpc::StatusCode::NOT_FOUND);

  Apply(Spec("default", "api"));
  request.set_name("api");
  ASSERT_TRUE(stub_->GetService(Ctx().get(), request, &response).ok());
  EXPECT_EQ(response.service().spec().name(), "api");
  EXPECT_EQ(response.service().metadata().generation(), 1);
}

TEST_F(ServiceServiceTest, ListFiltersByNamespaceAndSelector) {
  CreateNamespace("prod");
  api::ServiceSpec web = Spec("default", "web");
  (*web.mutable_labels())["tier"] = "web";
  Apply(web);
  Apply(Spec("default", "db"));
  api::ServiceSpec prod_web = Spec("prod", "web");
  (*prod_web.mutable_labels())["tier"] = "web";
  Apply(prod_web);

  auto names = [&](const std::string& ns, const std::string& selector) {
    api::ListServicesRequest request;
    request.set_namespace_(ns);
    request.set_selector(selector);
    api::ListServicesResponse response;
    grpc::Status s = stub_->ListServices(Ctx().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> out;
    for (const api::Service& svc : response.services()) {
      out.push_back(absl::StrCat(svc.spec().namespace_(), "/", svc.spec().name()));
    }
    return absl::StrJoin(out, " ");
  };
  EXPECT_EQ(names("", ""), "default/db default/web");
  EXPECT_EQ(names("prod", ""), "prod/web");
  EXPECT_EQ(names("*", ""), "default/db default/web prod/web");
  EXPECT_EQ(names("*", "tier=web"), "default/web prod/web");
  EXPECT_EQ(names("*", "!tier"), "default/db");
  EXPECT_EQ(names("staging", ""), "");

  api::ListServicesRequest bad;
  bad.set_selector("tier=web,=x");
  api::ListServicesResponse response;
  grpc::Status s = stub_->ListServices(Ctx().get(), bad, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("invalid label selector: ", 0), 0u) << s.error_message();
}

TEST_F(ServiceServiceTest, WatchSendsSnapshotSyncedThenChanges) {
  CreateNamespace("prod");
  Apply(Spec("default", "api"));
  Apply(Spec("prod", "other"));
  auto ctx = Ctx();
  api::WatchServicesRequest request;
  request.set_namespace_("default");
  auto reader = stub_->WatchServices(ctx.get(), request);
  std::vector<std::string> seen;
  api::WatchServicesResponse event;
  while (reader->Read(&event)) {
    seen.push_back(absl::StrCat(api::WatchEventType_Name(event.type()), " ",
                                event.service().spec().name()));
    if (event.type() == api::SYNCED) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED api", "SYNCED "}));

  Apply(Spec("prod", "ignored"));  // other namespace
  Apply(Spec("default", "db"));
  api::ServiceSpec changed = Spec("default", "db");
  changed.set_scale(2);
  Apply(changed);
  api::DeleteServiceResponse deleted;
  ASSERT_TRUE(Delete("default", "db", false, false, &deleted).ok());
  seen.clear();
  while (seen.size() < 4 && reader->Read(&event)) {
    seen.push_back(absl::StrCat(api::WatchEventType_Name(event.type()), " ",
                                event.service().spec().name(), " gen ",
                                event.service().metadata().generation(), " ",
                                api::ServiceStatus::Phase_Name(event.service().status().phase())));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED db gen 1 PENDING", "MODIFIED db gen 2 PENDING",
                                            "MODIFIED db gen 2 DELETING",
                                            "DELETED db gen 2 DELETING"}));
  ctx->TryCancel();
  reader->Finish();
}

TEST_F(ServiceServiceTest, WatchAllNamespacesByName) {
  CreateNamespace("prod");
  auto ctx = Ctx();
  api::WatchServicesRequest request;
  request.set_namespace_("*");
  request.set_name("api");
  auto reader = stub_->WatchServices(ctx.get(), request);
  api::WatchServicesResponse event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), api::SYNCED);
  Apply(Spec("default", "other"));
  Apply(Spec("prod", "api"));
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.type(), api::ADDED);
  EXPECT_EQ(event.service().spec().namespace_(), "prod");
  EXPECT_EQ(event.service().spec().name(), "api");
  ctx->TryCancel();
  reader->Finish();
}

TEST_F(ServiceServiceTest, DependencyGraphStatesEdgesAndCycles) {
  CreateNamespace("prod");
  Apply(Spec("prod", "db", /*scale=*/0));
  api::ServiceSpec api_spec = Spec("default", "api");
  DependOn(&api_spec, "prod", "db");
  Dependency* creds = api_spec.add_dependencies();
  creds->set_kind(Dependency::SECRET);
  creds->set_name("creds");
  Dependency* cfg = api_spec.add_dependencies();
  cfg->set_kind(Dependency::CONFIGMAP);
  cfg->set_name("cfg");
  Dependency* cache = DependOn(&api_spec, "default", "cache", /*optional=*/true);
  cache->set_ready_when(Dependency::HEALTHY);
  cache->set_timeout_seconds(30);
  Apply(api_spec);
  PutRecord(store::kConfigmap, "default", "cfg", "x");
  api::ServiceSpec web = Spec("default", "web");
  DependOn(&web, "default", "api");
  Apply(web);

  api::GetDependencyGraphResponse direct = Graph("default", "web", false);
  EXPECT_EQ(direct.root(), "service/default/web");
  EXPECT_EQ(Nodes(direct), "service/default/web=PENDING service/default/api=PENDING");
  EXPECT_EQ(Edges(direct), "service/default/web->service/default/api:RUNNING,no");

  api::GetDependencyGraphResponse full = Graph("default", "web", true);
  EXPECT_EQ(Nodes(full),
            "service/default/web=PENDING service/default/api=PENDING service/prod/db=STOPPED "
            "secret/default/creds=MISSING configmap/default/cfg=PRESENT "
            "service/default/cache=MISSING");
  EXPECT_EQ(Edges(full),
            "service/default/web->service/default/api:RUNNING,no "
            "service/default/api->service/prod/db:RUNNING,no "
            "service/default/api->secret/default/creds:READY_WHEN_UNSPECIFIED,no "
            "service/default/api->configmap/default/cfg:READY_WHEN_UNSPECIFIED,ok "
            "service/default/api->service/default/cache:HEALTHY,optional,no");
  EXPECT_EQ(full.edges(4).timeout_seconds(), 30);
  EXPECT_EQ(full.nodes(2).kind(), Dependency::SERVICE);
  EXPECT_EQ(full.nodes(2).namespace_(), "prod");
  EXPECT_EQ(full.nodes(2).name(), "db");

  // A running instance of db satisfies `running`.
  api::Instance instance;
  instance.set_id("db-instance-0123abcd");
  instance.set_name("db-0");
  instance.set_namespace_("prod");
  instance.set_service("db");
  instance.set_status(api::Instance::RUNNING);
  PutRecord(store::kInstance, "prod", instance.id(), instance.SerializeAsString());
  api::GetDependencyGraphResponse running = Graph("default", "api", false);
  EXPECT_EQ(running.nodes(1).id(), "service/prod/db");
  EXPECT_EQ(running.nodes(1).state(), DependencyNode::RUNNING);
  EXPECT_TRUE(running.edges(0).satisfied());

  // A cycle written behind the API's back still ends: db -> web is an edge
  // back to a listed node.
  api::Service db;
  ASSERT_TRUE(db.ParseFromString(server_.store()->Get(store::kService, "prod", "db")->value().value));
  DependOn(db.mutable_spec(), "default", "web");
  PutRecord(store::kService, "prod", "db", db.SerializeAsString());
  api::GetDependencyGraphResponse cyclic = Graph("default", "web", true);
  EXPECT_EQ(cyclic.nodes_size(), 6);
  EXPECT_EQ(cyclic.edges(cyclic.edges_size() - 1).from(), "service/prod/db");
  EXPECT_EQ(cyclic.edges(cyclic.edges_size() - 1).to(), "service/default/web");
}

TEST_F(ServiceServiceTest, DependentsAcrossNamespacesSorted) {
  CreateNamespace("prod");
  CreateNamespace("dev");
  Apply(Spec("default", "db"));
  api::ServiceSpec z = Spec("default", "zeta");
  DependOn(&z, "", "db");
  Apply(z);
  api::ServiceSpec p = Spec("prod", "api");
  DependOn(&p, "default", "db", /*optional=*/true);
  Apply(p);
  api::ServiceSpec d = Spec("dev", "api");
  DependOn(&d, "default", "db");
  Apply(d);
  api::ServiceSpec unrelated = Spec("prod", "db");
  Apply(unrelated);
  api::ServiceSpec other = Spec("prod", "x");
  DependOn(&other, "", "db");  // prod/db, not default/db
  Apply(other);

  api::ListDependentsRequest request;
  request.set_name("db");
  api::ListDependentsResponse response;
  ASSERT_TRUE(stub_->ListDependents(Ctx().get(), request, &response).ok());
  std::vector<std::string> got;
  for (const api::Dependent& dep : response.dependents()) {
    got.push_back(absl::StrCat(dep.namespace_(), "/", dep.name(), dep.optional() ? "?" : ""));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"default/zeta", "dev/api", "prod/api?"}));
}

TEST_F(ServiceServiceTest, MissingSecretsAndConfigmapsAreWarnings) {
  api::ServiceSpec spec = Spec("default", "api");
  spec.add_env_from()->set_secret_ref("db");
  api::ConfigMount* mount = spec.add_config_mounts();
  mount->set_name("cfg");
  mount->set_mount_path("/etc/app");
  (*spec.mutable_env())["TOKEN"] = "{{ secret:tokens/api }}";
  Dependency* optional = spec.add_dependencies();
  optional->set_kind(Dependency::SECRET);
  optional->set_name("maybe");
  optional->set_optional(true);
  api::ApplyServiceResponse response = Apply(spec);
  EXPECT_EQ(response.action(), api::CREATED);
  std::vector<std::string> warnings(response.warnings().begin(), response.warnings().end());
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "service/default/api: secret \"tokens\" does not exist yet",
                          "service/default/api: secret \"db\" does not exist yet",
                          "service/default/api: configmap \"cfg\" does not exist yet"}))
      << absl::StrJoin(warnings, "\n");
  PutRecord(store::kSecret, "default", "db", "x");
  PutRecord(store::kSecret, "default", "tokens", "x");
  PutRecord(store::kConfigmap, "default", "cfg", "x");
  response = Apply(spec);
  EXPECT_EQ(response.action(), api::UNCHANGED);
  EXPECT_EQ(response.warnings_size(), 0);
}

TEST_F(ServiceServiceTest, ForcedNamespaceDeleteRunsDeletionOperations) {
  CreateNamespace("prod");
  Apply(Spec("prod", "api"));
  api::ServiceSpec changed = Spec("prod", "api");
  changed.set_scale(3);
  Apply(changed);
  Apply(Spec("prod", "db"));
  PutRecord(store::kSecret, "prod", "creds", "x");

  api::DeleteNamespaceRequest request;
  request.set_name("prod");
  api::DeleteNamespaceResponse response;
  grpc::Status s = namespaces_->DeleteNamespace(Ctx().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "namespace \"prod\" is not empty: 2 services, 1 secrets, 0 configmaps");

  request.set_force(true);
  ASSERT_TRUE(namespaces_->DeleteNamespace(Ctx().get(), request, &response).ok());
  EXPECT_EQ(response.state(), DeletionOperation::COMPLETED);
  ASSERT_EQ(response.operations_size(), 2);
  const int64_t now = absl::ToUnixSeconds(server_.now());
  EXPECT_EQ(response.operations(0).id(), absl::StrCat("delete-prod-api-", now));
  EXPECT_EQ(response.operations(1).id(), absl::StrCat("delete-prod-db-", now));
  EXPECT_EQ(response.operations(1).state(), DeletionOperation::COMPLETED);
  EXPECT_TRUE(server_.store()->List(store::kService, "prod")->empty());
  EXPECT_TRUE(server_.store()->List(store::kServiceHistory, "prod")->empty());
  EXPECT_TRUE(server_.store()->List(store::kSecret, "prod")->empty());

  api::ListDeletionOperationsRequest list;
  list.set_namespace_("prod");
  api::ListDeletionOperationsResponse ops;
  ASSERT_TRUE(stub_->ListDeletionOperations(Ctx().get(), list, &ops).ok());
  EXPECT_EQ(ops.operations_size(), 2);
}

TEST_F(ServiceServiceTest, ScaleRecordsAnOperationAndStopRemembersTheScale) {
  Apply(Spec("default", "api", 2));
  api::ScaleServiceRequest scale;
  scale.set_name("api");
  scale.set_scale(5);
  api::ScaleServiceResponse scaled;
  ASSERT_TRUE(stub_->ScaleService(Ctx().get(), scale, &scaled).ok());
  EXPECT_EQ(scaled.previous(), 2);
  EXPECT_FALSE(scaled.unchanged());
  EXPECT_EQ(scaled.operation().to(), 5);
  EXPECT_EQ(scaled.operation().state(), api::ScalingOperation::IN_PROGRESS);
  api::GetServiceRequest get;
  get.set_name("api");
  api::GetServiceResponse got;
  ASSERT_TRUE(stub_->GetService(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.service().spec().scale(), 5);
  EXPECT_EQ(got.service().metadata().generation(), 1);  // scaling is not a new generation
  EXPECT_EQ(got.service().status().phase(), api::ServiceStatus::DEPLOYING);

  ASSERT_TRUE(stub_->ScaleService(Ctx().get(), scale, &scaled).ok());
  EXPECT_TRUE(scaled.unchanged());

  api::StopServiceRequest stop;
  stop.set_name("api");
  api::StopServiceResponse stopped;
  ASSERT_TRUE(stub_->StopService(Ctx().get(), stop, &stopped).ok());
  EXPECT_EQ(stopped.previous(), 5);
  ASSERT_TRUE(stub_->GetService(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.service().spec().scale(), 0);
  EXPECT_EQ(got.service().metadata().last_non_zero_scale(), 5);
  EXPECT_EQ(got.service().status().phase(), api::ServiceStatus::STOPPING);
}

TEST_F(ServiceServiceTest, RollbackWritesANewGenerationKeepingTheScale) {
  Apply(Spec("default", "api", 1));
  api::RollbackServiceRequest rollback;
  rollback.set_name("api");
  api::RollbackServiceResponse rolled;
  grpc::Status s = stub_->RollbackService(Ctx().get(), rollback, &rolled);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "service \"default/api\" has no previous generation to roll back to");  // M24

  api::ServiceSpec changed = Spec("default", "api", 3);
  (*changed.mutable_env())["MODE"] = "new";
  Apply(changed);
  ASSERT_TRUE(stub_->RollbackService(Ctx().get(), rollback, &rolled).ok());
  EXPECT_EQ(rolled.rolled_back_to(), 1);
  EXPECT_EQ(rolled.service().metadata().generation(), 3);
  EXPECT_EQ(rolled.service().spec().scale(), 3);
  EXPECT_TRUE(rolled.service().spec().env().empty());

  rollback.set_to_generation(99);
  s = stub_->RollbackService(Ctx().get(), rollback, &rolled);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "generation 99 of service \"default/api\" not found");  // M17
}

}  // namespace
}  // namespace rune::daemon
