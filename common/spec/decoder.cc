#include "common/spec/decoder.h"

namespace rune::common::spec::internal {

using yaml::Node;

namespace {

constexpr char kTagPrefix[] = "tag:yaml.org,2002:";


bool IsIntText(absl::string_view v) {
  absl::string_view s = v;
  if (absl::ConsumePrefix(&s, "0x")) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isxdigit(c); });
  }
  if (absl::ConsumePrefix(&s, "0o")) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '7'; });
  }
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

bool IsFloatText(absl::string_view v) {
  static constexpr absl::string_view kSpecial[] = {".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF",
                                                   "+.inf", "+.Inf", "+.INF", ".nan", ".NaN", ".NAN"};
  for (absl::string_view s : kSpecial) {
    if (v == s) return true;
  }
  absl::string_view s = v;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  size_t i = 0;
  size_t digits = 0;
  while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp = 0;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == s.size();
}

}  // namespace

ScalarKind Classify(const Node& n) {
  if (n.tag == "!" || n.tag == absl::StrCat(kTagPrefix, "str")) return ScalarKind::kString;
  if (n.style != yaml::ScalarStyle::kPlain) return ScalarKind::kString;
  if (n.IsNull()) return ScalarKind::kNull;
  if (n.value == "true" || n.value == "false") return ScalarKind::kBool;
  if (IsIntText(n.value)) return ScalarKind::kInt;
  if (IsFloatText(n.value)) return ScalarKind::kFloat;
  return ScalarKind::kString;
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

bool IsLegacyBool(const Node& n) {
  if (n.style != yaml::ScalarStyle::kPlain || !n.tag.empty()) return false;
  const std::string lower = absl::AsciiStrToLower(n.value);
  return lower == "yes" || lower == "no" || lower == "on" || lower == "off" || lower == "true" ||
         lower == "false";
}

yaml::Mark Decoded::MarkOf(const std::string& path) const {
  return NearestMark(marks, path);
}

std::string NodeKind(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kMapping:
      return "a mapping";
    case Node::Kind::kSequence:
      return "a list";
    case Node::Kind::kScalar:
      break;
  }
  switch (Classify(n)) {
    case ScalarKind::kNull:
      return "null";
    case ScalarKind::kBool:
      return "a boolean";
    case ScalarKind::kInt:
      return "an integer";
    case ScalarKind::kFloat:
      return "a float";
    case ScalarKind::kString:
      break;
  }
  return "a string";
}

bool IsCoreTag(absl::string_view tag) {
  if (tag == "!") return true;
  if (!absl::ConsumePrefix(&tag, kTagPrefix)) return false;
  return tag == "str" || tag == "int" || tag == "bool" || tag == "null" || tag == "float" ||
         tag == "map" || tag == "seq";
}

}  // namespace rune::common::spec::internal
