// The backend conformance tests of SPEC §5.7: every case runs against every
// Store implementation (LMDB in TEST_TMPDIR, memory).

#include <stdlib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runed/store/store.h"

namespace rune::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr uint64_t kDefaultMaxSize = uint64_t{64} << 20;

struct Backend {
  std::string name;
  std::function<std::unique_ptr<Store>(const std::string& dir, uint64_t max_size)> open;
};

void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

std::unique_ptr<Store> OpenLmdb(const std::string& dir, uint64_t max_size) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenLmdbStore(dir, max_size);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

std::unique_ptr<Store> OpenMemory(const std::string&, uint64_t max_size) {
  return NewMemoryStore(max_size);
}

absl::StatusOr<uint64_t> PutOne(Store& store, absl::string_view kind, absl::string_view ns,
                                absl::string_view name, absl::string_view value,
                                uint64_t expected_version = kAnyVersion) {
  uint64_t version = 0;
  absl::Status status = store.Update([&](WriteTxn& txn) -> absl::Status {
    absl::StatusOr<uint64_t> put = txn.Put(kind, ns, name, value, expected_version);
    if (!put.ok()) return put.status();
    version = *put;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return version;
}

absl::StatusOr<bool> DeleteOne(Store& store, absl::string_view kind, absl::string_view ns,
                               absl::string_view name, uint64_t expected_version = kAnyVersion) {
  bool deleted = false;
  absl::Status status = store.Update([&](WriteTxn& txn) -> absl::Status {
    absl::StatusOr<bool> result = txn.Delete(kind, ns, name, expected_version);
    if (!result.ok()) return result.status();
    deleted = *result;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return deleted;
}

// "<ns>/<name>" of each record.
std::vector<std::string> Keys(const absl::StatusOr<std::vector<Record>>& records) {
  EXPECT_TRUE(records.ok()) << records.status();
  std::vector<std::string> keys;
  if (!records.ok()) return keys;
  for (const Record& record : *records) keys.push_back(absl::StrCat(record.ns, "/", record.name));
  return keys;
}

// "<TYPE> <ns>/<name>=<value>@<version>" for each buffered event, until none.
std::vector<std::string> Drain(Watch& watch) {
  std::vector<std::string> events;
  for (;;) {
    absl::StatusOr<std::optional<Event>> next = watch.TryNext();
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok() || !next->has_value()) return events;
    const Event& event = **next;
    const char* type = event.type == Event::Type::kAdded      ? "ADDED"
                       : event.type == Event::Type::kModified ? "MODIFIED"
                                                              : "DELETED";
    events.push_back(absl::StrCat(type, " ", event.record.ns, "/", event.record.name, "=",
                                  event.record.value, "@", event.record.resource_version));
  }
}

class StoreConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_ = Open(kDefaultMaxSize);
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> Open(uint64_t max_size) {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/",
                                         absl::StrReplaceAll(test, {{"/", "_"}}), "_", max_size);
    return GetParam().open(dir, max_size);
  }

  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformanceTest, PutsGetsAndDeletes) {
  EXPECT_THAT(store_->Get(kService, "prod", "api")->has_value(), false);
  absl::StatusOr<uint64_t> v1 = PutOne(*store_, kService, "prod", "api", std::string("a\0\xff", 3));
  ASSERT_TRUE(v1.ok()) << v1.status();

  absl::StatusOr<std::optional<Record>> got = store_->Get(kService, "prod", "api");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->kind, kService);
  EXPECT_EQ((*got)->ns, "prod");
  EXPECT_EQ((*got)->name, "api");
  EXPECT_EQ((*got)->value, std::string("a\0\xff", 3));
  EXPECT_EQ((*got)->resource_version, *v1);

  absl::StatusOr<uint64_t> v2 = PutOne(*store_, kService, "prod", "api", "second");
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_GT(*v2, *v1);
  EXPECT_EQ((*store_->Get(kService, "prod", "api"))->value, "second");
  EXPECT_EQ((*store_->Get(kService, "prod", "api"))->resource_version, *v2);
  // Same name, other kind or namespace: another record.
  EXPECT_FALSE(store_->Get(kInstance, "prod", "api")->has_value());
  EXPECT_FALSE(store_->Get(kService, "production", "api")->has_value());

  EXPECT_EQ(DeleteOne(*store_, kService, "prod", "api").value(), true);
  EXPECT_FALSE(store_->Get(kService, "prod", "api")->has_value());
  EXPECT_EQ(DeleteOne(*store_, kService, "prod", "api").value(), false);
}

TEST_P(StoreConformanceTest, ListsOneNamespaceExactly) {
  for (const char* key : {"prod/b", "production/a", "prod/a", "pro/c"}) {
    const std::string k = key;
    const size_t slash = k.find('/');
    ASSERT_TRUE(PutOne(*store_, kService, k.substr(0, slash), k.substr(slash + 1), "v").ok());
  }
  ASSERT_TRUE(PutOne(*store_, kInstance, "prod", "x", "v").ok());

  EXPECT_THAT(Keys(store_->List(kService, "prod")), ElementsAre("prod/a", "prod/b"));
  EXPECT_THAT(Keys(store_->List(kService, "production")), ElementsAre("production/a"));
  EXPECT_THAT(Keys(store_->List(kService, "pro")), ElementsAre("pro/c"));
  EXPECT_THAT(Keys(store_->List(kService, "pr")), IsEmpty());
  EXPECT_THAT(Keys(store_->List(kInstance, "prod")), ElementsAre("prod/x"));
}

TEST_P(StoreConformanceTest, ListsEveryNamespace) {
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "api", "1").ok());
  ASSERT_TRUE(PutOne(*store_, kService, "production", "api", "2").ok());
  ASSERT_TRUE(PutOne(*store_, kService, "dev", "web", "3").ok());
  ASSERT_TRUE(PutOne(*store_, kServiceHistory, "prod", "api/0000000001", "4").ok());
  ASSERT_TRUE(PutOne(*store_, kServiceHistory, "dev", "api/0000000001", "5").ok());

  absl::StatusOr<std::vector<Record>> all = store_->List(kService, "");
  EXPECT_THAT(Keys(all), ElementsAre("dev/web", "prod/api", "production/api"));
  ASSERT_TRUE(all.ok() && all->size() == 3);
  EXPECT_EQ((*all)[2].value, "2");
  EXPECT_EQ((*all)[2].kind, kService);
  EXPECT_THAT(Keys(store_->List(kService, "", "a")), ElementsAre("prod/api", "production/api"));
  // Names with '/' come back whole, namespaces exactly.
  EXPECT_THAT(Keys(store_->List(kServiceHistory, "")),
              ElementsAre("dev/api/0000000001", "prod/api/0000000001"));
}

TEST_P(StoreConformanceTest, ListsByNamePrefix) {
  for (const char* name :
       {"api/0000000002", "api/0000000001", "apiv2/0000000001", "web/0000000001"}) {
    ASSERT_TRUE(PutOne(*store_, kServiceHistory, "prod", name, name).ok());
  }
  ASSERT_TRUE(PutOne(*store_, kServiceHistory, "production", "api/0000000001", "x").ok());

  absl::StatusOr<std::vector<Record>> history = store_->List(kServiceHistory, "prod", "api/");
  EXPECT_THAT(Keys(history), ElementsAre("prod/api/0000000001", "prod/api/0000000002"));
  ASSERT_TRUE(history.ok() && history->size() == 2);
  EXPECT_EQ((*history)[1].name, "api/0000000002");
  EXPECT_EQ((*history)[1].value, "api/0000000002");
  EXPECT_THAT(Keys(store_->List(kServiceHistory, "prod", "api")),
              ElementsAre("prod/api/0000000001", "prod/api/0000000002", "prod/apiv2/0000000001"));
  EXPECT_THAT(Keys(store_->List(kServiceHistory, "prod", "zzz")), IsEmpty());
}

TEST_P(StoreConformanceTest, RevisionIsMonotonicAndSharedByOneTransaction) {
  EXPECT_EQ(store_->Revision(), 0u);
  uint64_t a = 0, b = 0;
  ASSERT_TRUE(store_
                  ->Update([&](WriteTxn& txn) -> absl::Status {
                    a = txn.Put(kService, "prod", "a", "1").value();
                    b = txn.Put(kConfigmap, "dev", "b", "2").value();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(a, b);
  EXPECT_EQ(store_->Revision(), a);
  EXPECT_EQ((*store_->Get(kService, "prod", "a"))->resource_version, a);
  EXPECT_EQ((*store_->Get(kConfigmap, "dev", "b"))->resource_version, a);

  absl::StatusOr<uint64_t> c = PutOne(*store_, kService, "prod", "c", "3");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, a + 1);
  ASSERT_TRUE(DeleteOne(*store_, kService, "prod", "a").value());
  EXPECT_EQ(store_->Revision(), a + 2);
  // Untouched records keep their version.
  EXPECT_EQ((*store_->Get(kConfigmap, "dev", "b"))->resource_version, a);

  uint64_t listed_at = 0;
  EXPECT_THAT(Keys(store_->List(kService, "prod", "", &listed_at)), ElementsAre("prod/c"));
  EXPECT_EQ(listed_at, a + 2);

  // The revision record is readable but reserved.
  absl::StatusOr<std::optional<Record>> meta = store_->Get(kMeta, kSystemNamespace, "revision");
  ASSERT_TRUE(meta.ok() && meta->has_value());
  EXPECT_EQ((*meta)->resource_version, a + 2);
  EXPECT_EQ(PutOne(*store_, kMeta, kSystemNamespace, "revision", "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DeleteOne(*store_, kMeta, kSystemNamespace, "revision").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Revision(), a + 2);
}

TEST_P(StoreConformanceTest, ChecksExpectedVersions) {
  const absl::Status conflict =
      absl::AbortedError("service \"prod/api\" was modified concurrently");
  absl::StatusOr<uint64_t> v1 = PutOne(*store_, kService, "prod", "api", "1", 0);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(PutOne(*store_, kService, "prod", "api", "again", 0).status(), conflict);
  EXPECT_EQ(PutOne(*store_, kService, "prod", "api", "stale", *v1 + 7).status(), conflict);

  absl::StatusOr<uint64_t> v2 = PutOne(*store_, kService, "prod", "api", "2", *v1);
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(PutOne(*store_, kService, "prod", "api", "stale", *v1).status(), conflict);
  EXPECT_EQ((*store_->Get(kService, "prod", "api"))->value, "2");

  EXPECT_EQ(DeleteOne(*store_, kService, "prod", "api", *v1).status(), conflict);
  EXPECT_EQ(DeleteOne(*store_, kService, "prod", "api", 0).status(), conflict);
  EXPECT_TRUE(store_->Get(kService, "prod", "api")->has_value());
  EXPECT_EQ(DeleteOne(*store_, kService, "prod", "api", *v2).value(), true);
  // Missing record: version 0 matches, anything else does not.
  EXPECT_EQ(DeleteOne(*store_, kService, "prod", "api", 0).value(), false);
  EXPECT_EQ(DeleteOne(*store_, kService, "prod", "api", *v2).status(), conflict);
  EXPECT_EQ(PutOne(*store_, kService, "prod", "api", "3", *v2).status(), conflict);
}

TEST_P(StoreConformanceTest, FailedFunctionWritesNothing) {
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "kept", "old").ok());
  const uint64_t revision = store_->Revision();
  std::unique_ptr<Watch> watch = store_->Subscribe(kService, "");

  absl::Status status = store_->Update([](WriteTxn& txn) -> absl::Status {
    EXPECT_TRUE(txn.Put(kService, "prod", "a", "1").ok());
    EXPECT_TRUE(txn.Put(kService, "prod", "kept", "new").ok());
    EXPECT_TRUE(txn.Delete(kService, "prod", "kept").ok());
    EXPECT_TRUE(txn.Put(kSecret, "prod", "b", "2").ok());
    return absl::InternalError("boom");
  });
  EXPECT_EQ(status, absl::InternalError("boom"));

  EXPECT_FALSE(store_->Get(kService, "prod", "a")->has_value());
  EXPECT_FALSE(store_->Get(kSecret, "prod", "b")->has_value());
  EXPECT_EQ((*store_->Get(kService, "prod", "kept"))->value, "old");
  EXPECT_EQ(store_->Revision(), revision);
  EXPECT_THAT(Drain(*watch), IsEmpty());
}

TEST_P(StoreConformanceTest, TransactionWithoutChangesCommitsNothing) {
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "a", "1").ok());
  const uint64_t revision = store_->Revision();
  std::unique_ptr<Watch> watch = store_->Subscribe(kService, "");
  ASSERT_TRUE(store_
                  ->Update([](WriteTxn& txn) -> absl::Status {
                    EXPECT_TRUE(txn.Get(kService, "prod", "a").value().has_value());
                    EXPECT_EQ(txn.Delete(kService, "prod", "missing").value(), false);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(store_->Revision(), revision);
  EXPECT_THAT(Drain(*watch), IsEmpty());
  uint64_t listed_at = 0;
  ASSERT_TRUE(store_->List(kService, "prod", "", &listed_at).ok());
  EXPECT_EQ(listed_at, revision);
}

TEST_P(StoreConformanceTest, TransactionReadsItsOwnWritesOthersDoNot) {
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "gone", "x").ok());
  ASSERT_TRUE(store_
                  ->Update([&](WriteTxn& txn) -> absl::Status {
                    const uint64_t v = txn.Put(kService, "prod", "a", "1").value();
                    absl::StatusOr<std::optional<Record>> got = txn.Get(kService, "prod", "a");
                    EXPECT_TRUE(got.ok() && got->has_value());
                    if (got.ok() && got->has_value()) {
                      EXPECT_EQ((*got)->value, "1");
                      EXPECT_EQ((*got)->resource_version, v);
                    }
                    EXPECT_TRUE(txn.Delete(kService, "prod", "gone").value());
                    EXPECT_FALSE(txn.Get(kService, "prod", "gone").value().has_value());
                    EXPECT_THAT(Keys(txn.List(kService, "prod")), ElementsAre("prod/a"));
                    // Readers outside the transaction still see the last commit.
                    EXPECT_FALSE(store_->Get(kService, "prod", "a").value().has_value());
                    EXPECT_THAT(Keys(store_->List(kService, "")), ElementsAre("prod/gone"));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_THAT(Keys(store_->List(kService, "")), ElementsAre("prod/a"));
}

TEST_P(StoreConformanceTest, WatchDeliversCommitsInOrderFilteredByNamespace) {
  std::unique_ptr<Watch> all = store_->Subscribe(kService, "");
  std::unique_ptr<Watch> prod = store_->Subscribe(kService, "prod");
  std::unique_ptr<Watch> instances = store_->Subscribe(kInstance, "prod");

  const uint64_t v1 = PutOne(*store_, kService, "prod", "a", "1").value();
  const uint64_t v2 = PutOne(*store_, kService, "production", "b", "2").value();
  const uint64_t v3 = PutOne(*store_, kService, "prod", "a", "3").value();
  uint64_t v4 = 0;
  ASSERT_TRUE(store_
                  ->Update([&](WriteTxn& txn) -> absl::Status {
                    EXPECT_TRUE(txn.Delete(kService, "prod", "a").value());
                    v4 = txn.Put(kConfigmap, "prod", "c", "4").value();
                    return absl::OkStatus();
                  })
                  .ok());

  EXPECT_THAT(
      Drain(*all),
      ElementsAre(absl::StrCat("ADDED prod/a=1@", v1), absl::StrCat("ADDED production/b=2@", v2),
                  absl::StrCat("MODIFIED prod/a=3@", v3), absl::StrCat("DELETED prod/a=3@", v4)));
  EXPECT_THAT(Drain(*prod), ElementsAre(absl::StrCat("ADDED prod/a=1@", v1),
                                        absl::StrCat("MODIFIED prod/a=3@", v3),
                                        absl::StrCat("DELETED prod/a=3@", v4)));
  EXPECT_THAT(Drain(*instances), IsEmpty());

  // A subscriber only sees commits after it subscribed; Next() returns
  // buffered events without waiting.
  std::unique_ptr<Watch> late = store_->Subscribe(kService, "");
  const uint64_t v5 = PutOne(*store_, kService, "dev", "d", "5").value();
  absl::StatusOr<std::optional<Event>> next = late->Next(absl::InfiniteDuration());
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->type, Event::Type::kAdded);
  EXPECT_EQ((*next)->record.kind, kService);
  EXPECT_EQ((*next)->record.name, "d");
  EXPECT_EQ((*next)->record.resource_version, v5);
  EXPECT_THAT(Drain(*late), IsEmpty());
}

TEST_P(StoreConformanceTest, WatchThatFallsBehindEndsAborted) {
  std::unique_ptr<Watch> drained = store_->Subscribe(kService, "prod");
  std::unique_ptr<Watch> behind = store_->Subscribe(kService, "prod");
  std::atomic<int> notified{0};
  behind->SetNotify([&] { ++notified; });
  // Exactly the buffer size in one transaction still fits.
  ASSERT_TRUE(store_
                  ->Update([](WriteTxn& txn) -> absl::Status {
                    for (int i = 0; i < 1024; ++i) {
                      absl::StatusOr<uint64_t> put =
                          txn.Put(kService, "prod", absl::StrFormat("s%04d", i), "v");
                      if (!put.ok()) return put.status();
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(Drain(*drained).size(), 1024u);
  EXPECT_EQ(notified.load(), 1);

  ASSERT_TRUE(PutOne(*store_, kService, "prod", "one-more", "v").ok());
  EXPECT_EQ(Drain(*drained).size(), 1u);
  EXPECT_EQ(notified.load(), 2);  // the end of a watch is notified too
  const absl::Status fell_behind = absl::AbortedError("watch fell behind; restart the watch");
  EXPECT_EQ(behind->TryNext().status(), fell_behind);
  EXPECT_EQ(behind->Next(absl::InfiniteDuration()).status(), fell_behind);

  // The ended watch receives nothing more.
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "later", "v").ok());
  EXPECT_EQ(behind->TryNext().status(), fell_behind);
  EXPECT_EQ(notified.load(), 2);
}

TEST_P(StoreConformanceTest, CancelEndsWatch) {
  std::unique_ptr<Watch> watch = store_->Subscribe(kService, "");
  std::unique_ptr<Watch> blocked = store_->Subscribe(kService, "");
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "a", "1").ok());
  watch->Cancel();
  EXPECT_EQ(watch->TryNext().status().code(), absl::StatusCode::kCancelled);
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "b", "2").ok());
  EXPECT_EQ(watch->Next(absl::InfiniteDuration()).status().code(), absl::StatusCode::kCancelled);

  // A Next() blocked in another thread returns Cancelled.
  EXPECT_EQ(Drain(*blocked).size(), 2u);
  absl::StatusOr<std::optional<Event>> result;
  std::thread waiter([&] { result = blocked->Next(absl::InfiniteDuration()); });
  blocked->Cancel();
  waiter.join();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
}

TEST_P(StoreConformanceTest, NextTimesOutWithoutEvents) {
  std::unique_ptr<Watch> watch = store_->Subscribe(kService, "");
  ASSERT_TRUE(PutOne(*store_, kInstance, "prod", "a", "1").ok());
  absl::StatusOr<std::optional<Event>> next = watch->Next(absl::Milliseconds(1));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_FALSE(next->has_value());
}

TEST_P(StoreConformanceTest, NotifyRunsWithoutLocks) {
  std::unique_ptr<Watch> watch = store_->Subscribe(kService, "prod");
  std::vector<std::string> seen;
  int calls = 0;
  watch->SetNotify([&] {
    ++calls;
    // Reading the watch and writing the store from the callback must not
    // deadlock: no store lock is held while it runs.
    for (const std::string& event : Drain(*watch)) seen.push_back(event);
    EXPECT_TRUE(store_->Get(kService, "prod", "a").ok());
    EXPECT_TRUE(PutOne(*store_, kInstance, "prod", absl::StrCat("from-notify-", calls), "x").ok());
  });
  const uint64_t v1 = PutOne(*store_, kService, "prod", "a", "1").value();
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(PutOne(*store_, kService, "dev", "a", "other namespace").ok());
  ASSERT_TRUE(PutOne(*store_, kInstance, "prod", "a", "other kind").ok());
  EXPECT_EQ(calls, 1);
  const uint64_t v2 = PutOne(*store_, kService, "prod", "a", "2").value();
  EXPECT_EQ(calls, 2);
  EXPECT_THAT(seen, ElementsAre(absl::StrCat("ADDED prod/a=1@", v1),
                                absl::StrCat("MODIFIED prod/a=2@", v2)));
  EXPECT_THAT(Keys(store_->List(kInstance, "prod", "from-notify-")),
              ElementsAre("prod/from-notify-1", "prod/from-notify-2"));

  // Replaced and cleared callbacks are not called again.
  int replaced_calls = 0;
  watch->SetNotify([&] { ++replaced_calls; });
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "b", "3").ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(replaced_calls, 1);
  watch->Cancel();
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "c", "4").ok());
  EXPECT_EQ(replaced_calls, 1);
}

TEST_P(StoreConformanceTest, ClosingStoreCancelsWatches) {
  std::unique_ptr<Watch> watch = store_->Subscribe(kService, "");
  int calls = 0;
  watch->SetNotify([&] { ++calls; });
  ASSERT_TRUE(PutOne(*store_, kService, "prod", "a", "1").ok());
  store_.reset();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(watch->TryNext().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(watch->Next(absl::InfiniteDuration()).status().code(), absl::StatusCode::kCancelled);
}

TEST_P(StoreConformanceTest, FullStoreIsResourceExhaustedAndWritesNothing) {
  constexpr uint64_t kMaxSize = 1 << 20;
  std::unique_ptr<Store> store = Open(kMaxSize);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(PutOne(*store, kService, "prod", "seed", "small").ok());
  const uint64_t revision = store->Revision();
  std::unique_ptr<Watch> watch = store->Subscribe(kService, "");
  const absl::Status full = absl::ResourceExhaustedError("store is full (store.max_size=1048576)");
  const std::string big(600 << 10, 'x');

  // Two writes that fit alone but not together: neither lands.
  EXPECT_EQ(store->Update([&](WriteTxn& txn) -> absl::Status {
    absl::StatusOr<uint64_t> first = txn.Put(kService, "prod", "big1", big);
    if (!first.ok()) return first.status();
    absl::Status second = txn.Put(kService, "prod", "big2", big).status();
    EXPECT_EQ(second, full);
    return second;
  }),
            full);
  // A function that ignores the failed write still gets the error.
  EXPECT_EQ(store->Update([&](WriteTxn& txn) -> absl::Status {
    EXPECT_TRUE(txn.Put(kService, "prod", "small", "fits").ok());
    txn.Put(kService, "prod", "huge", std::string(2 << 20, 'y')).IgnoreError();
    return absl::OkStatus();
  }),
            full);

  EXPECT_THAT(Keys(store->List(kService, "")), ElementsAre("prod/seed"));
  EXPECT_EQ(store->Revision(), revision);
  EXPECT_THAT(Drain(*watch), IsEmpty());

  // Still usable.
  absl::StatusOr<uint64_t> after = PutOne(*store, kService, "prod", "after", big);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, revision + 1);
  EXPECT_EQ((*store->Get(kService, "prod", "after"))->value, big);
  EXPECT_EQ(Drain(*watch).size(), 1u);
}

TEST_P(StoreConformanceTest, RejectsMalformedKeys) {
  const auto code = [&](absl::string_view kind, absl::string_view ns, absl::string_view name) {
    return PutOne(*store_, kind, ns, name, "v").status().code();
  };
  EXPECT_EQ(code("", "prod", "a"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("ser/vice", "prod", "a"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(kService, "", "a"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(kService, "pr/od", "a"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(kService, "prod", ""), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(kService, "prod", std::string(600, 'n')), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->List(kService, "pr/od").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Revision(), 0u);
  EXPECT_THAT(Keys(store_->List(kService, "prod", std::string(600, 'n'))), IsEmpty());
  EXPECT_TRUE(PutOne(*store_, kService, "prod", std::string(400, 'n'), "v").ok());
}

TEST_P(StoreConformanceTest, ConcurrentWritersLoseNoIncrement) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::unique_ptr<Watch> watch = store_->Subscribe(kMeta, "");
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        for (;;) {
          absl::StatusOr<std::optional<Record>> current = store_->Get(kMeta, "system", "counter");
          ASSERT_TRUE(current.ok()) << current.status();
          int value = 0;
          uint64_t version = 0;
          if (current->has_value()) {
            ASSERT_TRUE(absl::SimpleAtoi((*current)->value, &value));
            version = (*current)->resource_version;
          }
          absl::StatusOr<uint64_t> put =
              PutOne(*store_, kMeta, "system", "counter", absl::StrCat(value + 1), version);
          if (put.ok()) break;
          ASSERT_EQ(put.status(),
                    absl::AbortedError("meta \"system/counter\" was modified concurrently"));
          ++conflicts;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  constexpr int kTotal = kThreads * kIncrements;
  absl::StatusOr<std::optional<Record>> counter = store_->Get(kMeta, "system", "counter");
  ASSERT_TRUE(counter.ok() && counter->has_value());
  EXPECT_EQ((*counter)->value, absl::StrCat(kTotal));
  EXPECT_EQ(store_->Revision(), static_cast<uint64_t>(kTotal));
  // Watchers saw every commit, in commit order.
  std::vector<std::string> expected;
  for (int i = 1; i <= kTotal; ++i) {
    expected.push_back(absl::StrCat(i == 1 ? "ADDED" : "MODIFIED", " system/counter=", i, "@", i));
  }
  EXPECT_EQ(Drain(*watch), expected);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest,
                         ::testing::Values(Backend{"lmdb", OpenLmdb},
                                           Backend{"memory", OpenMemory}),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace rune::store
