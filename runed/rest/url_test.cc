// Percent-decoding of REST paths and query strings.
#include "runed/rest/url.h"

#include "gtest/gtest.h"

namespace rune::daemon {
namespace {

TEST(PercentDecode, EscapesAndPlus) {
  EXPECT_EQ(*PercentDecode("app%3Dweb%2cTier%3dDB", false), "app=web,Tier=DB");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("a+b%2B", true), "a b+");
  EXPECT_EQ(*PercentDecode("", true), "");
  for (const char* bad : {"%", "%4", "%zz", "a%g1"}) {
    absl::StatusOr<std::string> d = PercentDecode(bad, true);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(PercentDecode("%zz", false).status().message(), "invalid percent-encoding in \"%zz\"");
}

TEST(PathSegments, SplitsThenDecodes) {
  EXPECT_EQ(*PathSegments("/"), std::vector<std::string>{});
  EXPECT_EQ(*PathSegments("/v1/namespaces/a%2Fb"),
            (std::vector<std::string>{"v1", "namespaces", "a/b"}));
  EXPECT_EQ(*PathSegments("/v1//x/"), (std::vector<std::string>{"v1", "", "x", ""}));
  EXPECT_FALSE(PathSegments("v1").ok());
  EXPECT_FALSE(PathSegments("/v1/%").ok());
}

TEST(ParseQuery, NamesValuesAndErrors) {
  QueryParams q = *ParseQuery("tail=10&follow&&grep=a+b%26c&since=");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q["tail"], std::optional<std::string>("10"));
  EXPECT_EQ(q["follow"], std::nullopt);
  EXPECT_EQ(q["grep"], std::optional<std::string>("a b&c"));
  EXPECT_EQ(q["since"], std::optional<std::string>(""));
  EXPECT_TRUE(ParseQuery("")->empty());
  EXPECT_EQ(ParseQuery("a=1&a=2").status().message(),
            "query parameter \"a\" is given more than once");
  EXPECT_FALSE(ParseQuery("a=%x1").ok());
  EXPECT_FALSE(ParseQuery("%=1").ok());
}

}  // namespace
}  // namespace rune::daemon
