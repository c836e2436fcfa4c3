#include "runed/api/node_usage.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace rune::daemon {
namespace {

constexpr char kStat[] =
    "cpu  100 10 50 800 40 0 0 0 0 0\n"
    "cpu0 50 5 25 400 20 0 0 0 0 0\n"
    "cpu1 50 5 25 400 20 0 0 0 0 0\n"
    "intr 12345\n"
    "ctxt 999\n";

TEST(ParseProcStat, SumsTheAggregateLineAndCountsCpus) {
  absl::StatusOr<CpuTimes> t = ParseProcStat(kStat);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->total, 1000u);
  EXPECT_EQ(t->busy, 160u);  // all but idle 800 and iowait 40
  EXPECT_EQ(t->cpus, 2);
  EXPECT_FALSE(ParseProcStat("intr 1\n").ok());
  EXPECT_FALSE(ParseProcStat("cpu 1 x 3 4\n").ok());
}

TEST(ParseMeminfo, UsedIsTotalMinusAvailable) {
  absl::StatusOr<std::pair<int64_t, int64_t>> m = ParseMeminfo(
      "MemTotal:       16384000 kB\nMemFree:         1000 kB\nMemAvailable:    12288000 kB\n");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->first, int64_t{16384000} * 1024);
  EXPECT_EQ(m->second, int64_t{4096000} * 1024);
  EXPECT_FALSE(ParseMeminfo("MemTotal: 10 kB\n").ok());
}

TEST(CoresBetween, ShareOfBusyTimeTimesCpus) {
  CpuTimes a{100, 1000, 4};
  CpuTimes b{600, 2000, 4};
  EXPECT_DOUBLE_EQ(CoresBetween(a, b), 2.0);
  EXPECT_DOUBLE_EQ(CoresBetween(b, b), 0.0);
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(NodeSampler, MeasuresOverAWindowThenSinceThePreviousSample) {
  const std::string dir = testing::TempDir();
  Write(dir + "/stat", "cpu 100 0 0 900 0 0 0 0\ncpu0 1\ncpu1 1\n");
  Write(dir + "/meminfo", "MemTotal: 1000 kB\nMemAvailable: 250 kB\n");
  absl::Time now = absl::FromUnixSeconds(1000);
  int sleeps = 0;
  NodeSampler sampler(
      dir, [&] { return now; },
      [&](absl::Duration d) {
        ++sleeps;
        EXPECT_EQ(d, absl::Milliseconds(250));
        // Half of the window busy on two CPUs: one core.
        Write(dir + "/stat", "cpu 150 0 0 950 0 0 0 0\ncpu0 1\ncpu1 1\n");
        now += d;
      });
  absl::StatusOr<NodeUsage> u = sampler.Sample();
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(sleeps, 1);
  EXPECT_DOUBLE_EQ(u->cpu_cores, 1.0);
  EXPECT_EQ(u->cpu_count, 2);
  EXPECT_EQ(u->memory_total_bytes, 1024000);
  EXPECT_EQ(u->memory_bytes, 768000);

  // A second later: the delta since the previous sample, no waiting.
  now += absl::Seconds(1);
  Write(dir + "/stat", "cpu 150 0 0 1050 0 0 0 0\ncpu0 1\ncpu1 1\n");
  u = sampler.Sample();
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(sleeps, 1);
  EXPECT_DOUBLE_EQ(u->cpu_cores, 0.0);

  // Too soon after the previous one: a fresh window again.
  u = sampler.Sample();
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(sleeps, 2);
}

TEST(NodeSampler, UnreadableProcIsAnError) {
  NodeSampler sampler("/nonexistent-proc");
  absl::StatusOr<NodeUsage> u = sampler.Sample();
  EXPECT_EQ(u.status().code(), absl::StatusCode::kInternal);
}

TEST(NodeSampler, ReadsTheRealProc) {
  NodeSampler sampler;
  absl::StatusOr<NodeUsage> u = sampler.Sample();
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_GT(u->cpu_count, 0);
  EXPECT_GE(u->cpu_cores, 0.0);
  EXPECT_LE(u->cpu_cores, u->cpu_count + 0.001);
  EXPECT_GT(u->memory_total_bytes, 0);
  EXPECT_GT(u->memory_bytes, 0);
  EXPECT_LE(u->memory_bytes, u->memory_total_bytes);
}

}  // namespace
}  // namespace rune::daemon
