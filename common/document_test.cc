#include "common/document.h"

#include <cmath>

#include "common/yaml/node.h"
#include "gtest/gtest.h"

namespace rune::common {
namespace {

Value Sample() {
  return Value::Object()
      .Set("name", "api")
      .Set("scale", 2)
      .Set("ok", true)
      .Set("none", Value::Null())
      .Set("tricky", Value::Array().Push("yes").Push("8080").Push("a: b").Push("").Push("-x"))
      .Set("nested", Value::Object().Set("k", "v"))
      .Set("items", Value::Array().Push(Value::Object().Set("a", 1).Set("b", "two")))
      .Set("empty", Value::Array());
}

TEST(Document, Json) {
  EXPECT_EQ(ToJson(Value::Object().Set("a", 1).Set("b", Value::Array().Push("x")), false),
            R"({"a":1,"b":["x"]})");
}

TEST(Document, DoublesInShortestRoundTripForm) {
  EXPECT_EQ(ToJson(Value::Object()
                       .Set("a", Value::Double(0.25))
                       .Set("b", Value::Double(2))
                       .Set("c", Value::Double(0.1))
                       .Set("d", Value::Double(1.0 / 3))
                       .Set("e", Value::Double(1e-7))
                       .Set("f", Value::Double(std::nan(""))),
                   false),
            R"({"a":0.25,"b":2,"c":0.1,"d":0.3333333333333333,"e":1e-07,"f":null})");
  EXPECT_EQ(ToYaml(Value::Object().Set("cpu", Value::Double(0.412))), "cpu: 0.412\n");
}

TEST(Document, YamlQuotesOnlyWhenNeeded) {
  EXPECT_EQ(ToYaml(Sample()),
            "name: api\n"
            "scale: 2\n"
            "ok: true\n"
            "none: null\n"
            "tricky:\n"
            "  - \"yes\"\n"
            "  - \"8080\"\n"
            "  - \"a: b\"\n"
            "  - \"\"\n"
            "  - \"-x\"\n"
            "nested:\n"
            "  k: v\n"
            "items:\n"
            "  - a: 1\n"
            "    b: two\n"
            "empty: []\n");
}

TEST(Document, YamlReadsBackAsTheSameStrings) {
  const std::string yaml = ToYaml(Sample());
  absl::StatusOr<std::vector<yaml::Document>> docs = yaml::ParseDocuments(yaml);
  ASSERT_TRUE(docs.ok()) << docs.status();
  const yaml::Node* tricky = docs->front().root.Find("tricky");
  ASSERT_NE(tricky, nullptr);
  EXPECT_EQ(tricky->items[0].value, "yes");
  EXPECT_EQ(tricky->items[0].KindName(), "a string");
  EXPECT_EQ(tricky->items[1].KindName(), "a string");
  EXPECT_EQ(tricky->items[2].value, "a: b");
}

}  // namespace
}  // namespace rune::common
