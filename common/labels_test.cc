#include "common/labels.h"

#include "gtest/gtest.h"

namespace rune::common {
namespace {

TEST(Names, Dns1123) {
  EXPECT_TRUE(IsDns1123Label("api"));
  EXPECT_TRUE(IsDns1123Label("a-1"));
  EXPECT_FALSE(IsDns1123Label("-a"));
  EXPECT_FALSE(IsDns1123Label("A"));
  EXPECT_FALSE(IsDns1123Label(std::string(64, 'a')));
  EXPECT_TRUE(IsDns1123Subdomain("rune.io"));
  EXPECT_FALSE(IsDns1123Subdomain("rune..io"));
}

TEST(Labels, KeysAndValues) {
  EXPECT_TRUE(IsLabelKey("tier"));
  EXPECT_TRUE(IsLabelKey("rune.io/release"));
  EXPECT_FALSE(IsLabelKey("Rune.io/x"));
  EXPECT_FALSE(IsLabelKey("-x"));
  EXPECT_TRUE(IsLabelValue(""));
  EXPECT_TRUE(IsLabelValue("v1.2_3"));
  EXPECT_FALSE(IsLabelValue("a b"));
}

TEST(Selector, ParsesAllForms) {
  absl::StatusOr<Selector> s = ParseSelector("a=1,b==2,c!=3,d,!e");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 5u);
  EXPECT_EQ((*s)[2].op, Requirement::Op::kNotEquals);
  EXPECT_EQ((*s)[4].op, Requirement::Op::kNotExists);
  EXPECT_TRUE(Matches(*s, {{"a", "1"}, {"b", "2"}, {"c", "4"}, {"d", ""}}));
  EXPECT_FALSE(Matches(*s, {{"a", "1"}, {"b", "2"}, {"d", ""}, {"e", "x"}}));
}

TEST(Selector, ReportsWhy) {
  EXPECT_EQ(ParseSelector("a=1,,b").status().message(), "empty requirement");
  EXPECT_EQ(ParseSelector("a b=1").status().message(), "invalid key \"a b\"");
  EXPECT_TRUE(ParseSelector("")->empty());
  EXPECT_EQ(ParseSelector("a,,b").status().message(), "empty requirement");
  EXPECT_EQ(ParseSelector("a=b c").status().message(), "invalid value \"b c\"");
}

}  // namespace
}  // namespace rune::common
