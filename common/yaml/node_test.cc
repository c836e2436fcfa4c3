#include "common/yaml/node.h"

#include "gtest/gtest.h"

namespace rune::common::yaml {
namespace {

TEST(ParseDocuments, KeepsMarksAndDuplicateKeys) {
  absl::StatusOr<std::vector<Document>> docs = ParseDocuments("a: 1\nb:\n  - x\n  - y\na: 2\n");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 1u);
  const Node& root = docs->front().root;
  ASSERT_TRUE(root.IsMapping());
  ASSERT_EQ(root.entries.size(), 3u);
  EXPECT_EQ(root.Find("a")->value, "2");
  const Node* b = root.Find("b");
  ASSERT_TRUE(b->IsSequence());
  EXPECT_EQ(b->items[1].mark.line, 4);
  EXPECT_EQ(b->items[1].mark.column, 5);
  EXPECT_EQ(root.entries[0].first.mark.line, 1);
  EXPECT_EQ(root.entries[0].first.mark.column, 1);
}

TEST(ParseDocuments, MultipleAndEmptyDocuments) {
  absl::StatusOr<std::vector<Document>> docs = ParseDocuments("---\na: 1\n---\n---\nb: 2\n");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_FALSE((*docs)[0].empty);
  EXPECT_TRUE((*docs)[1].empty);
  EXPECT_EQ((*docs)[2].root.Find("b")->value, "2");
}

TEST(ParseDocuments, ExpandsAliases) {
  absl::StatusOr<std::vector<Document>> docs = ParseDocuments("base: &b {x: 1}\nother: *b\n");
  ASSERT_TRUE(docs.ok());
  const Node* other = docs->front().root.Find("other");
  ASSERT_TRUE(other->IsMapping());
  EXPECT_EQ(other->Find("x")->value, "1");
  EXPECT_EQ(other->mark.line, 2);
}

TEST(ParseDocuments, SyntaxErrorHasAPosition) {
  Mark mark;
  absl::StatusOr<std::vector<Document>> docs = ParseDocuments("a: [1, 2\nb: 3\n", &mark);
  ASSERT_FALSE(docs.ok());
  EXPECT_GT(mark.line, 0);
  EXPECT_FALSE(docs.status().message().empty());
}

TEST(ParseDocuments, AliasBombIsAnErrorNotACrash) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? ", *" : "*") + prev;
    text += "]\n";
    prev = c;
  }
  EXPECT_FALSE(ParseDocuments(text).ok());
}

TEST(ParseDocuments, DeepNestingIsAnError) {
  EXPECT_FALSE(ParseDocuments(std::string(1000, '[') + std::string(1000, ']')).ok());
}

TEST(Node, KindNamesAndNull) {
  absl::StatusOr<std::vector<Document>> docs =
      ParseDocuments("a: ~\nb: 'x'\nc: 12\nd: true\ne: text\nf: {}\ng: []\n");
  ASSERT_TRUE(docs.ok());
  const Node& r = docs->front().root;
  EXPECT_TRUE(r.Find("a")->IsNull());
  EXPECT_EQ(r.Find("a")->KindName(), "null");
  EXPECT_EQ(r.Find("b")->KindName(), "a string");
  EXPECT_EQ(r.Find("c")->KindName(), "an integer");
  EXPECT_EQ(r.Find("d")->KindName(), "a boolean");
  EXPECT_EQ(r.Find("e")->KindName(), "a string");
  EXPECT_EQ(r.Find("f")->KindName(), "a mapping");
  EXPECT_EQ(r.Find("g")->KindName(), "a list");
}

}  // namespace
}  // namespace rune::common::yaml
