// A small JSON writer for output we produce (never for parsing input).
//
// Keys keep insertion order, which lets callers follow the schema order of
// SPEC §3.5. Two styles: compact (one line) and indented with two spaces.
//
//   JsonWriter w(JsonWriter::kCompact);
//   w.BeginObject();
//   w.Key("code"); w.String("NotFound");
//   w.Key("hint"); w.Null();
//   w.EndObject();
//   std::string out = w.Take();   // {"code":"NotFound","hint":null}
#ifndef RUNE_COMMON_JSON_WRITER_H_
#define RUNE_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace rune::common {

// Appends `s` to `out` as a JSON string literal (quotes included). Invalid
// UTF-8 bytes become U+FFFD; DEL, C1 controls, U+2028/U+2029 and
// U+FFFE/U+FFFF are written as \u escapes, so the literal also reads back
// as the same string in YAML.
void AppendJsonString(absl::string_view s, std::string* out);

class JsonWriter {
 public:
  enum Style { kCompact, kIndented };
  explicit JsonWriter(Style style) : style_(style) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(absl::string_view key);
  void String(absl::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  void Bool(bool value);
  void Null();
  // Inserts an already-encoded JSON value.
  void Raw(absl::string_view json);

  // The document so far; kIndented output ends with '\n'.
  std::string Take();

 private:
  void BeforeValue();
  void Newline();

  Style style_;
  std::string out_;
  // One entry per open container: number of elements written so far.
  std::vector<int> counts_;
  bool after_key_ = false;
};

}  // namespace rune::common

#endif  // RUNE_COMMON_JSON_WRITER_H_
