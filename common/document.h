// A small document model for command output: build a Value once, print it as
// JSON (SPEC §3.5: two-space indent, keys in insertion order) or YAML (block
// style, strings quoted only when a YAML reader would take them for something
// else).
//
//   Value doc = Value::Object();
//   doc.Set("client", Value::Object().Set("version", "v0.1.0"));
//   std::string json = ToJson(doc, /*indented=*/true);
//   std::string yaml = ToYaml(doc);     // "client:\n  version: v0.1.0\n"
#ifndef RUNE_COMMON_DOCUMENT_H_
#define RUNE_COMMON_DOCUMENT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace rune::common {

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kString, kArray, kObject, kDouble };

  Value() = default;
  Value(const char* s) : kind_(Kind::kString), string_(s) {}  // NOLINT: implicit on purpose
  Value(std::string s) : kind_(Kind::kString), string_(std::move(s)) {}  // NOLINT
  Value(absl::string_view s) : kind_(Kind::kString), string_(s) {}  // NOLINT
  Value(int64_t i) : kind_(Kind::kInt), int_(i) {}  // NOLINT
  Value(int i) : kind_(Kind::kInt), int_(i) {}  // NOLINT
  Value(bool b) : kind_(Kind::kBool), bool_(b) {}  // NOLINT

  static Value Null() { return Value(); }
  // A floating-point number, written in its shortest round-trip form
  // (0.25, 1e-07); NaN and infinities are written as null.
  static Value Double(double d) {
    Value v;
    v.kind_ = Kind::kDouble;
    v.double_ = d;
    return v;
  }
  static Value Object() {
    Value v;
    v.kind_ = Kind::kObject;
    return v;
  }
  static Value Array() {
    Value v;
    v.kind_ = Kind::kArray;
    return v;
  }

  // Appends a member (objects) and returns *this for chaining.
  Value& Set(std::string key, Value value);
  // Appends an element (arrays).
  Value& Push(Value value);

  Kind kind() const { return kind_; }
  bool boolean() const { return bool_; }
  int64_t integer() const { return int_; }
  double number() const { return double_; }
  const std::string& string() const { return string_; }
  const std::vector<Value>& items() const { return items_; }
  const std::vector<std::pair<std::string, Value>>& members() const { return members_; }

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

// JSON; `indented` uses two spaces and ends with '\n', compact is one line
// without a trailing newline.
std::string ToJson(const Value& value, bool indented);

// `d` in the shortest form that reads back as the same double; "null" for
// NaN and infinities.
std::string FormatDouble(double d);

// YAML block style, ending with '\n'.
std::string ToYaml(const Value& value);

// True when `s` must be quoted to read back as the same string in YAML.
bool YamlNeedsQuotes(absl::string_view s);

}  // namespace rune::common

#endif  // RUNE_COMMON_DOCUMENT_H_
