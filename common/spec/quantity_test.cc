#include "common/spec/quantity.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace rune::common::spec {
namespace {

TEST(Quantity, Cpu) {
  EXPECT_EQ(*ParseCpuMillis("500m"), 500);
  EXPECT_EQ(*ParseCpuMillis("0.5"), 500);
  EXPECT_EQ(*ParseCpuMillis("2"), 2000);
  EXPECT_EQ(*ParseCpuMillis("1.25"), 1250);
  EXPECT_EQ(*ParseCpuMillis("1024"), 1024000);
  EXPECT_EQ(*ParseCpuMillis("1m"), 1);
  for (const char* bad : {"", "0", "0m", "0.0", "-1", "1025", "1024001m", "0.0001", "1.5m", "m",
                          "1.", ".", "abc", "1e3", "2 ", "500M"}) {
    absl::StatusOr<int64_t> r = ParseCpuMillis(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), absl::StrCat("invalid quantity \"", bad, "\""));
  }
}

TEST(Quantity, Memory) {
  EXPECT_EQ(*ParseMemoryBytes("512Mi"), 512LL << 20);
  EXPECT_EQ(*ParseMemoryBytes("1G"), 1000000000);
  EXPECT_EQ(*ParseMemoryBytes("1k"), 1000);
  EXPECT_EQ(*ParseMemoryBytes("1K"), 1000);
  EXPECT_EQ(*ParseMemoryBytes("1Ki"), 1024);
  EXPECT_EQ(*ParseMemoryBytes("1.5Gi"), 3LL << 29);
  EXPECT_EQ(*ParseMemoryBytes("4096"), 4096);
  EXPECT_EQ(*ParseMemoryBytes("7Ei"), 7LL << 60);
  EXPECT_EQ(*ParseMemoryBytes("9E"), 9000000000000000000LL);
  for (const char* bad : {"", "0", "0Mi", "-1Mi", "1mi", "1KI", "1m", "8Ei", "10E", "Mi", "1 Mi",
                          "1.Mi", "abc", "1e6"}) {
    EXPECT_FALSE(ParseMemoryBytes(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace rune::common::spec
