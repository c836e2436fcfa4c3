#include "common/proto_time.h"

#include "gtest/gtest.h"

namespace rune::common {
namespace {

TEST(ProtoTime, RoundTripsAndFormats) {
  const absl::Time t = absl::FromUnixSeconds(1777140000) + absl::Milliseconds(250);
  google::protobuf::Timestamp ts;
  ToTimestamp(t, &ts);
  EXPECT_EQ(ts.nanos(), 250000000);
  EXPECT_EQ(FromTimestamp(ts), t);
  EXPECT_EQ(FormatTimestamp(ts), "2026-04-25T18:00:00Z");
}

TEST(ProtoTime, AgeUsesTheLargestWholeUnit) {
  EXPECT_EQ(FormatAge(absl::Seconds(-3)), "0s");
  EXPECT_EQ(FormatAge(absl::Seconds(59)), "59s");
  EXPECT_EQ(FormatAge(absl::Seconds(61)), "1m");
  EXPECT_EQ(FormatAge(absl::Hours(5)), "5h");
  EXPECT_EQ(FormatAge(absl::Hours(49)), "2d");
  EXPECT_EQ(FormatAge(absl::Hours(24 * 400)), "400d");
}

}  // namespace
}  // namespace rune::common
