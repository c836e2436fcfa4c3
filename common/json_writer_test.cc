#include "common/json_writer.h"

#include "gtest/gtest.h"

namespace rune::common {
namespace {

TEST(JsonWriter, CompactKeepsKeyOrderAndEscapes) {
  JsonWriter w(JsonWriter::kCompact);
  w.BeginObject();
  w.Key("b");
  w.String("x\"y\n\\");
  w.Key("a");
  w.Null();
  w.Key("list");
  w.BeginArray();
  w.Int(-3);
  w.Bool(true);
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.Take(), R"({"b":"x\"y\n\\","a":null,"list":[-3,true]})");
}

TEST(JsonWriter, IndentedUsesTwoSpacesAndTrailingNewline) {
  JsonWriter w(JsonWriter::kIndented);
  w.BeginObject();
  w.Key("k");
  w.BeginArray();
  w.String("v");
  w.EndArray();
  w.Key("empty");
  w.BeginObject();
  w.EndObject();
  w.EndObject();
  EXPECT_EQ(w.Take(), "{\n  \"k\": [\n    \"v\"\n  ],\n  \"empty\": {}\n}\n");
}

TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacter) {
  std::string out;
  AppendJsonString(std::string("ok\xff\xc3\xa9", 5), &out);
  EXPECT_EQ(out, "\"ok\xEF\xBF\xBD\xC3\xA9\"");
  out.clear();
  AppendJsonString(std::string("\x01", 1), &out);
  EXPECT_EQ(out, "\"\\u0001\"");
}

TEST(JsonWriter, EscapesWhatYamlReadersReject) {
  std::string out;
  AppendJsonString("a\x7f" "b\xc2\x85" "c\xe2\x80\xa8" "d\xef\xbf\xbf" "e\xc3\xa9", &out);
  EXPECT_EQ(out, "\"a\\u007fb\\u0085c\\u2028d\\uffffe\xc3\xa9\"");
}

}  // namespace
}  // namespace rune::common
