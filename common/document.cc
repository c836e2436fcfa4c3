#include "common/document.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/json_writer.h"

namespace rune::common {
namespace {

void WriteJson(const Value& v, JsonWriter* w) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      w->Null();
      return;
    case Value::Kind::kBool:
      w->Bool(v.boolean());
      return;
    case Value::Kind::kInt:
      w->Int(v.integer());
      return;
    case Value::Kind::kDouble:
      w->Raw(FormatDouble(v.number()));
      return;
    case Value::Kind::kString:
      w->String(v.string());
      return;
    case Value::Kind::kArray:
      w->BeginArray();
      for (const Value& item : v.items()) WriteJson(item, w);
      w->EndArray();
      return;
    case Value::Kind::kObject:
      w->BeginObject();
      for (const auto& [key, member] : v.members()) {
        w->Key(key);
        WriteJson(member, w);
      }
      w->EndObject();
      return;
  }
}

std::string Scalar(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return v.boolean() ? "true" : "false";
    case Value::Kind::kInt:
      return absl::StrCat(v.integer());
    case Value::Kind::kDouble:
      return FormatDouble(v.number());
    case Value::Kind::kString: {
      if (!YamlNeedsQuotes(v.string())) return v.string();
      std::string out;
      AppendJsonString(v.string(), &out);  // JSON escapes are valid YAML double-quoted escapes.
      return out;
    }
    case Value::Kind::kArray:
      return "[]";
    case Value::Kind::kObject:
      return "{}";
  }
  return "";
}

bool IsEmptyContainer(const Value& v) {
  return (v.kind() == Value::Kind::kArray && v.items().empty()) ||
         (v.kind() == Value::Kind::kObject && v.members().empty());
}

bool IsBlock(const Value& v) {
  return (v.kind() == Value::Kind::kArray || v.kind() == Value::Kind::kObject) &&
         !IsEmptyContainer(v);
}

void WriteYaml(const Value& v, int indent, std::string* out);

// Writes the members of an object; the first line continues the current one
// when `inline_first` (after "- ").
void WriteMembers(const Value& v, int indent, bool inline_first, std::string* out) {
  bool first = true;
  for (const auto& [key, member] : v.members()) {
    if (!(first && inline_first)) out->append(indent, ' ');
    first = false;
    Value key_value(key);
    absl::StrAppend(out, Scalar(key_value), ":");
    if (IsBlock(member)) {
      out->push_back('\n');
      WriteYaml(member, indent + 2, out);
    } else {
      absl::StrAppend(out, " ", Scalar(member), "\n");
    }
  }
}

void WriteYaml(const Value& v, int indent, std::string* out) {
  if (v.kind() == Value::Kind::kObject && !v.members().empty()) {
    WriteMembers(v, indent, false, out);
    return;
  }
  if (v.kind() == Value::Kind::kArray && !v.items().empty()) {
    for (const Value& item : v.items()) {
      out->append(indent, ' ');
      out->append("- ");
      if (item.kind() == Value::Kind::kObject && !item.members().empty()) {
        WriteMembers(item, indent + 2, true, out);
      } else if (IsBlock(item)) {
        out->push_back('\n');
        WriteYaml(item, indent + 2, out);
      } else {
        absl::StrAppend(out, Scalar(item), "\n");
      }
    }
    return;
  }
  out->append(indent, ' ');
  absl::StrAppend(out, Scalar(v), "\n");
}

}  // namespace

Value& Value::Set(std::string key, Value value) {
  members_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Value& Value::Push(Value value) {
  items_.push_back(std::move(value));
  return *this;
}

std::string FormatDouble(double d) {
  if (!std::isfinite(d)) return "null";
  std::string s;
  for (int precision = 15; precision <= 17; ++precision) {
    s = absl::StrFormat("%.*g", precision, d);
    if (std::strtod(s.c_str(), nullptr) == d) break;
  }
  return s;
}

std::string ToJson(const Value& value, bool indented) {
  JsonWriter w(indented ? JsonWriter::kIndented : JsonWriter::kCompact);
  WriteJson(value, &w);
  return w.Take();
}

std::string ToYaml(const Value& value) {
  std::string out;
  WriteYaml(value, 0, &out);
  return out;
}

bool YamlNeedsQuotes(absl::string_view s) {
  if (s.empty()) return true;
  static constexpr absl::string_view kSpecialWords[] = {
      "null", "Null", "NULL", "~",   "true", "True", "TRUE", "false", "False", "FALSE",
      "yes",  "Yes",  "YES",  "no",  "No",   "NO",   "on",   "On",    "ON",    "off",
      "Off",  "OFF",  "y",    "Y",   "n",    "N",    ".inf", ".Inf",  ".INF",  "-.inf",
      "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", "<<"};
  for (absl::string_view word : kSpecialWords) {
    if (s == word) return true;
  }
  // Anything that starts like a number could resolve to one.
  const char c0 = s[0];
  if (absl::ascii_isdigit(c0) || ((c0 == '-' || c0 == '+' || c0 == '.') && s.size() > 1 &&
                                  (absl::ascii_isdigit(s[1]) || s[1] == '.'))) {
    return true;
  }
  if (absl::string_view("-?:,[]{}#&*!|>'\"%@`").find(c0) != absl::string_view::npos) return true;
  if (absl::ascii_isspace(c0) || absl::ascii_isspace(s.back())) return true;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    // C1 controls (U+0080–U+009F, NEL among them), U+2028/U+2029 and
    // U+FFFE/U+FFFF: not printable or line breaks for a YAML reader.
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
    if (c == 0xE2 && s.substr(i + 1, 2) == "\x80\xa8") return true;
    if (c == 0xE2 && s.substr(i + 1, 2) == "\x80\xa9") return true;
    if (c == 0xEF && (s.substr(i + 1, 2) == "\xbf\xbe" || s.substr(i + 1, 2) == "\xbf\xbf")) {
      return true;
    }
    if (s[i] == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return true;
    if (s[i] == '#' && i > 0 && s[i - 1] == ' ') return true;
  }
  return false;
}

}  // namespace rune::common
