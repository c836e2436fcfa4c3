#include "common/duration.h"

#include "gtest/gtest.h"

namespace rune::common {
namespace {

TEST(ParseDuration, AcceptsTheGrammar) {
  EXPECT_EQ(*ParseDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDuration("30s"), absl::Seconds(30));
  EXPECT_EQ(*ParseDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDuration("1.5h"), absl::Minutes(90));
  EXPECT_EQ(*ParseDuration("30d"), absl::Hours(720));
  EXPECT_EQ(*ParseDuration("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDuration("2us3ns"), absl::Nanoseconds(2003));
}

TEST(ParseDuration, RejectsEverythingElse) {
  for (const char* bad : {"", "5", "-5s", "+5s", "5x", "s", "1.s", ".5s", "1h 30m", "0s5", "5m-"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
    EXPECT_EQ(ParseDuration(bad).status().message(), "invalid duration") << bad;
  }
  EXPECT_FALSE(ParseDuration("99999999999999999999h").ok());
}

TEST(FormatDuration, AbseilForm) {
  EXPECT_EQ(rune::common::FormatDuration(absl::Minutes(5)), "5m");
  EXPECT_EQ(rune::common::FormatDuration(absl::Minutes(90)), "1h30m");
  EXPECT_EQ(rune::common::FormatDuration(absl::Milliseconds(1500)), "1.5s");
  EXPECT_EQ(rune::common::FormatDuration(absl::Milliseconds(500)), "500ms");
}

}  // namespace
}  // namespace rune::common
