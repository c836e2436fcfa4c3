#include "runed/logstore/log_store.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "runed/logstore/log_file.h"

namespace rune::daemon::logstore {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string templ = std::string(dir != nullptr ? dir : "/tmp") + "/logstoreXXXXXX";
  if (mkdtemp(templ.data()) == nullptr) std::abort();
  return templ;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

absl::Time T(int64_t n) { return absl::FromUnixNanos(n); }

std::vector<std::string> Render(const std::vector<LogLine>& lines) {
  std::vector<std::string> out;
  for (const LogLine& l : lines) {
    out.push_back(absl::StrCat(l.unix_nanos, " ", l.instance_name, " ",
                               l.stream == LogStream::kStdout ? "o" : "e", " ", l.content));
  }
  return out;
}

class LogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    store_ = std::make_unique<LogStore>(dir_, 1 << 20, absl::Hours(1));
  }

  std::unique_ptr<LogWriter> Writer(const std::string& ns, const std::string& id,
                                    int64_t max_bytes = 1 << 20) {
    auto w = LogWriter::Open(store_->PathOf(ns, id), max_bytes);
    EXPECT_TRUE(w.ok()) << w.status();
    return std::move(*w);
  }

  LogSelection Service(const std::string& service) { return LogSelection{"default", service, {}}; }

  std::vector<std::string> QueryAll(const LogSelection& selection, LogFilter filter = {}) {
    auto lines = store_->Query(selection, filter);
    EXPECT_TRUE(lines.ok()) << lines.status();
    return lines.ok() ? Render(*lines) : std::vector<std::string>{};
  }

  std::string dir_;
  std::unique_ptr<LogStore> store_;
};

TEST_F(LogStoreTest, PathLayout) {
  EXPECT_EQ(store_->PathOf("prod", "api-instance-0000000a"),
            dir_ + "/logs/prod/api-instance-0000000a.log");
  EXPECT_EQ(store_->max_bytes_per_instance(), 1 << 20);
}

TEST_F(LogStoreTest, MergesInstancesByTimeThenNameThenArrival) {
  ASSERT_TRUE(store_->RegisterInstance("default", "api-instance-b", "api", "api-1").ok());
  ASSERT_TRUE(store_->RegisterInstance("default", "api-instance-a", "api", "api-0").ok());
  ASSERT_TRUE(store_->RegisterInstance("default", "web-instance-c", "web", "web-0").ok());
  auto b = Writer("default", "api-instance-b");
  auto a = Writer("default", "api-instance-a");
  auto c = Writer("default", "web-instance-c");
  ASSERT_TRUE(b->Append(T(10), LogStream::kStdout, "b10").ok());
  ASSERT_TRUE(b->Append(T(20), LogStream::kStdout, "b20 first").ok());
  ASSERT_TRUE(b->Append(T(20), LogStream::kStdout, "b20 second").ok());
  ASSERT_TRUE(a->Append(T(20), LogStream::kStderr, "a20").ok());
  ASSERT_TRUE(a->Append(T(5), LogStream::kStdout, "a5").ok());
  ASSERT_TRUE(c->Append(T(1), LogStream::kStdout, "other service").ok());

  EXPECT_EQ(QueryAll(Service("api")),
            (std::vector<std::string>{"5 api-0 o a5", "10 api-1 o b10", "20 api-0 e a20",
                                      "20 api-1 o b20 first", "20 api-1 o b20 second"}));
  EXPECT_EQ(QueryAll(Service("web")), (std::vector<std::string>{"1 web-0 o other service"}));
  EXPECT_TRUE(QueryAll(Service("nothing")).empty());
  EXPECT_TRUE(QueryAll(LogSelection{"prod", "api", {}}).empty());

  // One instance only.
  LogSelection one{"default", "", {{"default", "api-instance-b", "api", "api-1"}}};
  EXPECT_EQ(QueryAll(one).size(), 3u);
}

TEST_F(LogStoreTest, FiltersAndTail) {
  ASSERT_TRUE(store_->RegisterInstance("default", "api-instance-a", "api", "api-0").ok());
  auto w = Writer("default", "api-instance-a");
  for (int i = 1; i <= 6; ++i) {
    ASSERT_TRUE(w->Append(T(i * 100), LogStream::kStdout, absl::StrCat(i % 2 ? "odd " : "even ", i)).ok());
  }
  LogFilter f;
  f.since = T(200);
  f.until = T(500);
  EXPECT_EQ(QueryAll(Service("api"), f),
            (std::vector<std::string>{"200 api-0 o even 2", "300 api-0 o odd 3",
                                      "400 api-0 o even 4"}));
  LogFilter g;
  g.grep = "^ev.n";
  g.tail = 2;
  EXPECT_EQ(QueryAll(Service("api"), g),
            (std::vector<std::string>{"400 api-0 o even 4", "600 api-0 o even 6"}));
  LogFilter none;
  none.tail = 0;
  EXPECT_TRUE(QueryAll(Service("api"), none).empty());
  LogFilter big;
  big.tail = 1000;
  EXPECT_EQ(QueryAll(Service("api"), big).size(), 6u);

  LogFilter bad;
  bad.grep = "(";
  auto q = store_->Query(Service("api"), bad);
  EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(q.status().message(), "invalid regular expression: missing ): (");
}

TEST_F(LogStoreTest, UnregisteredInstancesCanBeNamedExplicitly) {
  auto w = Writer("default", "api-instance-a");
  ASSERT_TRUE(w->Append(T(1), LogStream::kStdout, "hi").ok());
  EXPECT_TRUE(QueryAll(Service("api")).empty());
  LogSelection s{"default", "api", {{"default", "api-instance-a", "api", "api-0"}}};
  EXPECT_EQ(QueryAll(s), (std::vector<std::string>{"1 api-0 o hi"}));
}

TEST_F(LogStoreTest, IndexSurvivesRestartAndRetentionPrunes) {
  ASSERT_TRUE(store_->RegisterInstance("default", "api-instance-a", "api", "api-0").ok());
  ASSERT_TRUE(store_->RegisterInstance("default", "api-instance-b", "api", "api-1").ok());
  auto a = Writer("default", "api-instance-a", 64);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(a->Append(T(i), LogStream::kStdout, "xxxxxxxxxx").ok());
  ASSERT_TRUE(Exists(store_->PathOf("default", "api-instance-a") + ".1"));
  auto b = Writer("default", "api-instance-b");
  ASSERT_TRUE(b->Append(T(9), LogStream::kStdout, "b").ok());
  a.reset();
  ASSERT_TRUE(store_->MarkDeleted("default", "api-instance-a", T(0) + absl::Hours(10)).ok());

  // A new store (runed restarted) still maps the deleted instance's logs.
  store_ = std::make_unique<LogStore>(dir_, 1 << 20, absl::Hours(1));
  EXPECT_EQ(QueryAll(Service("api")).back(), "9 api-1 o b");
  EXPECT_EQ(QueryAll(Service("api")).front(), "2 api-0 o xxxxxxxxxx");

  ASSERT_TRUE(store_->Prune(T(0) + absl::Hours(10) + absl::Minutes(59)).ok());
  EXPECT_TRUE(Exists(store_->PathOf("default", "api-instance-a")));
  ASSERT_TRUE(store_->Prune(T(0) + absl::Hours(11)).ok());
  EXPECT_FALSE(Exists(store_->PathOf("default", "api-instance-a")));
  EXPECT_FALSE(Exists(store_->PathOf("default", "api-instance-a") + ".1"));
  EXPECT_FALSE(Exists(dir_ + "/logs/default/api-instance-a.info"));
  EXPECT_TRUE(Exists(store_->PathOf("default", "api-instance-b")));
  EXPECT_EQ(QueryAll(Service("api")), (std::vector<std::string>{"9 api-1 o b"}));

  // Re-registering clears a deleted mark.
  ASSERT_TRUE(store_->MarkDeleted("default", "api-instance-b", T(0)).ok());
  ASSERT_TRUE(store_->RegisterInstance("default", "api-instance-b", "api", "api-1").ok());
  ASSERT_TRUE(store_->Prune(T(0) + absl::Hours(100)).ok());
  EXPECT_TRUE(Exists(store_->PathOf("default", "api-instance-b")));

  // The namespace directory goes with its last instance.
  ASSERT_TRUE(store_->MarkDeleted("default", "api-instance-b", T(0)).ok());
  ASSERT_TRUE(store_->Prune(T(0) + absl::Hours(100)).ok());
  EXPECT_FALSE(Exists(dir_ + "/logs/default"));
}

TEST_F(LogStoreTest, FollowerDeliversNewLinesAcrossRotationAndNewInstances) {
  ASSERT_TRUE(store_->RegisterInstance("default", "api-instance-a", "api", "api-0").ok());
  auto a = Writer("default", "api-instance-a", 100);  // rotates every 4 records
  ASSERT_TRUE(a->Append(T(1), LogStream::kStdout, "line1").ok());
  auto follower = store_->Follow(Service("api"), LogFilter{});
  ASSERT_TRUE(follower.ok());
  auto history = (*follower)->History();
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(Render(*history), (std::vector<std::string>{"1 api-0 o line1"}));
  auto nothing = (*follower)->Poll();
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());

  std::vector<std::string> seen;
  for (int i = 2; i <= 9; ++i) {
    ASSERT_TRUE(a->Append(T(i), LogStream::kStdout, absl::StrCat("line", i)).ok());
    if (i % 3 == 0) {  // poll between some rotations, not all
      auto got = (*follower)->Poll();
      ASSERT_TRUE(got.ok()) << got.status();
      for (auto& s : Render(*got)) seen.push_back(s);
    }
  }
  auto rest = (*follower)->Poll();
  ASSERT_TRUE(rest.ok());
  for (auto& s : Render(*rest)) seen.push_back(s);
  std::vector<std::string> expected;
  for (int i = 2; i <= 9; ++i) expected.push_back(absl::StrCat(i, " api-0 o line", i));
  EXPECT_EQ(seen, expected);

  // A new instance of the service joins and wakes a waiting follower.
  std::thread registrar([this] {
    absl::SleepFor(absl::Milliseconds(50));
    auto w = Writer("default", "api-instance-z");
    ASSERT_TRUE(w->Append(T(3), LogStream::kStderr, "new one").ok());
    ASSERT_TRUE(store_->RegisterInstance("default", "api-instance-z", "api", "api-1").ok());
  });
  const absl::Time start = absl::Now();
  (*follower)->Wait(absl::Seconds(20));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  registrar.join();
  auto joined = (*follower)->Poll();
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(Render(*joined), (std::vector<std::string>{"3 api-1 e new one"}));
}

TEST_F(LogStoreTest, FollowerCompletesAPartialLineLater) {
  ASSERT_TRUE(store_->RegisterInstance("default", "api-instance-a", "api", "api-0").ok());
  const std::string path = store_->PathOf("default", "api-instance-a");
  auto w = Writer("default", "api-instance-a");
  ASSERT_TRUE(w->Append(T(1), LogStream::kStdout, "whole").ok());
  w.reset();
  FILE* f = fopen(path.c_str(), "a");
  fputs("2 o hal", f);
  fflush(f);
  auto follower = store_->Follow(Service("api"), LogFilter{});
  ASSERT_TRUE(follower.ok());
  EXPECT_EQ((*follower)->History()->size(), 1u);
  fputs("f\n", f);
  fclose(f);
  EXPECT_EQ(Render(*(*follower)->Poll()), (std::vector<std::string>{"2 api-0 o half"}));
}

TEST_F(LogStoreTest, WaitTimesOutWithoutRegistrations) {
  auto follower = store_->Follow(Service("api"), LogFilter{});
  ASSERT_TRUE(follower.ok());
  ASSERT_TRUE((*follower)->History().ok());
  const absl::Time start = absl::Now();
  (*follower)->Wait(absl::Milliseconds(100));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(90));
}

}  // namespace
}  // namespace rune::daemon::logstore
