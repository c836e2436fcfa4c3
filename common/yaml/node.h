// YAML documents as a tree that remembers where every node came from.
//
// Built on libyaml's event parser. Mappings keep every entry in order,
// duplicate keys included (cast files concatenate them, SPEC §4.1); aliases
// are expanded into copies, with a limit on the total size so a "billion
// laughs" document is an error instead of an out-of-memory kill.
//
//   Mark error_at;
//   absl::StatusOr<std::vector<Document>> docs = ParseDocuments(text, &error_at);
//   if (!docs.ok()) { /* docs.status().message() is the problem; error_at where */ }
//   for (const Node& entry_key_value : ...)
#ifndef RUNE_COMMON_YAML_NODE_H_
#define RUNE_COMMON_YAML_NODE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::common::yaml {

// 1-based position in the source text; line 0 means unknown.
struct Mark {
  int line = 0;
  int column = 0;
};

enum class ScalarStyle { kPlain, kSingleQuoted, kDoubleQuoted, kLiteral, kFolded };

class Node {
 public:
  enum class Kind { kScalar, kSequence, kMapping };

  Kind kind = Kind::kScalar;
  // Explicit tag as written after resolution of handles ("tag:yaml.org,2002:str"),
  // or empty when the node has none.
  std::string tag;
  std::string value;  // scalars only
  ScalarStyle style = ScalarStyle::kPlain;
  Mark mark;
  std::vector<Node> items;                     // sequences
  std::vector<std::pair<Node, Node>> entries;  // mappings, in order

  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMapping() const { return kind == Kind::kMapping; }
  // A plain untagged scalar spelled "", "~", "null", "Null" or "NULL".
  bool IsNull() const;
  // The value of the last entry whose key is the scalar `key`, or nullptr.
  const Node* Find(absl::string_view key) const;
  // "a string", "a mapping", "a list", "an integer", "a boolean", "null".
  std::string KindName() const;
};

struct Document {
  Node root;
  bool empty = false;  // "---" with nothing after it, or an empty stream part
};

// Parses every document of `text`. On failure returns InvalidArgument with
// libyaml's description of the problem and, if `error_mark` is non-null,
// stores where it happened.
absl::StatusOr<std::vector<Document>> ParseDocuments(absl::string_view text,
                                                     Mark* error_mark = nullptr);

}  // namespace rune::common::yaml

#endif  // RUNE_COMMON_YAML_NODE_H_
