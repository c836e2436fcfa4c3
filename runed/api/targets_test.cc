#include "runed/api/targets.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

class TargetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::NewMemoryStore();
    AddService("default", "api");
    AddService("default", "web");
    AddService("prod", "api");
  }

  void AddService(const std::string& ns, const std::string& name) {
    api::Service service;
    service.mutable_metadata()->set_generation(1);
    ASSERT_TRUE(store_
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kService, ns, name, service.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  void AddInstance(const std::string& ns, const std::string& service, const std::string& hex,
                   int ordinal, int64_t generation, api::Instance::State state, bool ready,
                   int64_t created = 0) {
    api::Instance instance;
    instance.set_id(absl::StrCat(service, "-instance-", hex));
    instance.set_name(absl::StrCat(service, "-", ordinal));
    instance.set_namespace_(ns);
    instance.set_service(service);
    instance.set_generation(generation);
    instance.set_ordinal(ordinal);
    instance.set_status(state);
    instance.set_ready(ready);
    instance.mutable_created_at()->set_seconds(created);
    ASSERT_TRUE(store_
                    ->Update([&](store::WriteTxn& txn) {
                      return txn
                          .Put(store::kInstance, ns, instance.id(), instance.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  absl::StatusOr<Target> Resolve(const std::string& ns, const std::string& target) {
    return ResolveTarget(Reader::Of(store_.get()), ns, target);
  }

  std::unique_ptr<store::Store> store_;
};

TEST(SplitTargetPrefix, RecognisesEveryPrefix) {
  std::optional<Target::Kind> kind;
  EXPECT_EQ(SplitTargetPrefix("service/api", &kind), "api");
  EXPECT_EQ(kind, Target::Kind::kService);
  EXPECT_EQ(SplitTargetPrefix("svc/api", &kind), "api");
  EXPECT_EQ(kind, Target::Kind::kService);
  EXPECT_EQ(SplitTargetPrefix("instance/api-0", &kind), "api-0");
  EXPECT_EQ(kind, Target::Kind::kInstance);
  EXPECT_EQ(SplitTargetPrefix("inst/api-0", &kind), "api-0");
  EXPECT_EQ(kind, Target::Kind::kInstance);
  EXPECT_EQ(SplitTargetPrefix("services/api", &kind), "services/api");
  EXPECT_FALSE(kind.has_value());
}

TEST_F(TargetsTest, BareNamePrefersTheServiceAndSortsItsInstances) {
  AddInstance("default", "api", "0000000b", 1, 1, api::Instance::RUNNING, true);
  AddInstance("default", "api", "0000000a", 0, 1, api::Instance::RUNNING, true, 20);
  AddInstance("default", "api", "0000000c", 0, 2, api::Instance::PENDING, false, 10);
  AddInstance("default", "web", "0000000d", 0, 1, api::Instance::RUNNING, true);
  auto t = Resolve("", "api");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Target::Kind::kService);
  EXPECT_STREQ(t->resource(), "service");
  EXPECT_EQ(t->ns, "default");
  EXPECT_EQ(t->service, "api");
  ASSERT_EQ(t->instances.size(), 3u);
  EXPECT_EQ(t->instances[0].id(), "api-instance-0000000c");
  EXPECT_EQ(t->instances[1].id(), "api-instance-0000000a");
  EXPECT_EQ(t->instances[2].id(), "api-instance-0000000b");
}

TEST_F(TargetsTest, BareNameFallsBackToInstanceIdThenName) {
  AddInstance("default", "api", "0000000a", 0, 1, api::Instance::STOPPED, false);
  AddInstance("default", "api", "0000000b", 0, 3, api::Instance::RUNNING, true);
  AddInstance("default", "api", "0000000c", 0, 2, api::Instance::RUNNING, true);

  auto by_id = Resolve("default", "api-instance-0000000a");
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(by_id->kind, Target::Kind::kInstance);
  EXPECT_STREQ(by_id->resource(), "instance");
  EXPECT_EQ(by_id->service, "api");
  ASSERT_EQ(by_id->instances.size(), 1u);
  EXPECT_EQ(by_id->instances[0].id(), "api-instance-0000000a");

  auto by_name = Resolve("default", "api-0");  // newest generation wins
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  ASSERT_EQ(by_name->instances.size(), 1u);
  EXPECT_EQ(by_name->instances[0].id(), "api-instance-0000000b");

  auto typed = Resolve("default", "inst/api-0");
  ASSERT_TRUE(typed.ok()) << typed.status();
  EXPECT_EQ(typed->instances[0].id(), "api-instance-0000000b");
}

TEST_F(TargetsTest, NamespacesAreSeparate) {
  AddInstance("prod", "api", "0000000a", 0, 1, api::Instance::RUNNING, true);
  auto t = Resolve("default", "instance/api-instance-0000000a");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            "instance \"api-instance-0000000a\" not found in namespace \"default\"");
  auto p = Resolve("prod", "svc/api");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ns, "prod");
  EXPECT_EQ(p->instances.size(), 1u);
}

TEST_F(TargetsTest, NotFoundMessagesAndHints) {
  auto bare = Resolve("ns", "x");
  EXPECT_EQ(bare.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(bare.status().message(), "service or instance \"x\" not found in namespace \"ns\"");
  EXPECT_EQ(common::HintOf(bare.status()), "run 'rune get instances -n ns'");

  auto service = Resolve("ns", "service/x");
  EXPECT_EQ(service.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(service.status().message(), "service \"x\" not found in namespace \"ns\"");
  EXPECT_EQ(common::HintOf(service.status()), "run 'rune get services -n ns' to list services");

  auto instance = Resolve("ns", "instance/x");
  EXPECT_EQ(instance.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(instance.status().message(), "instance \"x\" not found in namespace \"ns\"");
  EXPECT_EQ(common::HintOf(instance.status()),
            "run 'rune get instances -n ns' to list instances");

  // A typed service target never falls back to instances, nor the reverse.
  AddInstance("default", "api", "0000000a", 0, 1, api::Instance::RUNNING, true);
  EXPECT_EQ(Resolve("default", "svc/api-0").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Resolve("default", "inst/web").status().code(), absl::StatusCode::kNotFound);

  EXPECT_EQ(Resolve("default", "service/").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TargetsTest, PickExecInstancePrefersReadyLowestOrdinal) {
  AddInstance("default", "api", "0000000a", 0, 1, api::Instance::RUNNING, false);
  AddInstance("default", "api", "0000000b", 1, 1, api::Instance::RUNNING, true);
  AddInstance("default", "api", "0000000c", 2, 1, api::Instance::RUNNING, true);
  auto t = Resolve("default", "api");
  ASSERT_TRUE(t.ok());
  auto pick = PickExecInstance(*t);
  ASSERT_TRUE(pick.ok());
  EXPECT_EQ(pick->id(), "api-instance-0000000b");
}

TEST_F(TargetsTest, PickExecInstanceFallsBackToAnyRunning) {
  AddInstance("default", "api", "0000000a", 0, 1, api::Instance::FAILED, false);
  AddInstance("default", "api", "0000000b", 1, 1, api::Instance::RUNNING, false);
  auto t = Resolve("default", "api");
  ASSERT_TRUE(t.ok());
  auto pick = PickExecInstance(*t);
  ASSERT_TRUE(pick.ok());
  EXPECT_EQ(pick->id(), "api-instance-0000000b");
}

TEST_F(TargetsTest, PickExecInstanceM21) {
  AddInstance("default", "api", "0000000a", 0, 1, api::Instance::STOPPED, false);
  auto service = Resolve("default", "api");
  ASSERT_TRUE(service.ok());
  auto none = PickExecInstance(*service);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(none.status().message(), "service \"default/api\" has no running instances");
  EXPECT_EQ(common::HintOf(none.status()), "check 'rune get instances -n default'");

  auto web = Resolve("default", "web");  // no instances at all
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(PickExecInstance(*web).status().message(),
            "service \"default/web\" has no running instances");

  auto instance = Resolve("default", "api-instance-0000000a");
  ASSERT_TRUE(instance.ok());
  auto stopped = PickExecInstance(*instance);
  EXPECT_EQ(stopped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(stopped.status().message(),
            "instance \"default/api-instance-0000000a\" is not running (status: Stopped)");
  EXPECT_EQ(common::HintOf(stopped.status()), "check 'rune get instances -n default'");
}

}  // namespace
}  // namespace rune::daemon
