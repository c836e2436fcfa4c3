#include "common/labels.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace rune::common {
namespace {

bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.'; }

bool IsLabelName(absl::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!absl::ascii_isalnum(s.front()) || !absl::ascii_isalnum(s.back())) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

}  // namespace

bool IsDns1123Label(absl::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  const auto ok = [](char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); };
  if (!ok(s.front()) || !ok(s.back())) return false;
  for (char c : s) {
    if (!ok(c) && c != '-') return false;
  }
  return true;
}

std::string Dns1123Reason(absl::string_view value) {
  return absl::StrCat("invalid name \"", value,
                      "\": must consist of lowercase letters, digits and '-', start and end with "
                      "a letter or digit, and be at most 63 characters");
}

bool IsDns1123Subdomain(absl::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (absl::string_view part : absl::StrSplit(s, '.')) {
    if (!IsDns1123Label(part)) return false;
  }
  return true;
}

bool IsLabelKey(absl::string_view key) {
  const size_t slash = key.find('/');
  if (slash == absl::string_view::npos) return IsLabelName(key);
  return IsDns1123Subdomain(key.substr(0, slash)) && IsLabelName(key.substr(slash + 1));
}

bool IsLabelValue(absl::string_view value) { return value.empty() || IsLabelName(value); }

absl::StatusOr<Selector> ParseSelector(absl::string_view text) {
  Selector selector;
  if (absl::StripAsciiWhitespace(text).empty()) return selector;  // matches everything
  for (absl::string_view term : absl::StrSplit(text, ',')) {
    term = absl::StripAsciiWhitespace(term);
    if (term.empty()) return absl::InvalidArgumentError("empty requirement");
    Requirement req;
    size_t op_pos;
    if (absl::ConsumePrefix(&term, "!")) {
      req.op = Requirement::Op::kNotExists;
      req.key = std::string(absl::StripAsciiWhitespace(term));
    } else if ((op_pos = term.find("!=")) != absl::string_view::npos) {
      req.op = Requirement::Op::kNotEquals;
      req.key = std::string(absl::StripAsciiWhitespace(term.substr(0, op_pos)));
      req.value = std::string(absl::StripAsciiWhitespace(term.substr(op_pos + 2)));
    } else if ((op_pos = term.find("==")) != absl::string_view::npos) {
      req.op = Requirement::Op::kEquals;
      req.key = std::string(absl::StripAsciiWhitespace(term.substr(0, op_pos)));
      req.value = std::string(absl::StripAsciiWhitespace(term.substr(op_pos + 2)));
    } else if ((op_pos = term.find('=')) != absl::string_view::npos) {
      req.op = Requirement::Op::kEquals;
      req.key = std::string(absl::StripAsciiWhitespace(term.substr(0, op_pos)));
      req.value = std::string(absl::StripAsciiWhitespace(term.substr(op_pos + 1)));
    } else {
      req.op = Requirement::Op::kExists;
      req.key = std::string(term);
    }
    if (!IsLabelKey(req.key)) return absl::InvalidArgumentError(absl::StrCat("invalid key \"", req.key, "\""));
    if ((req.op == Requirement::Op::kEquals || req.op == Requirement::Op::kNotEquals) &&
        (req.value.find_first_of("=!") != std::string::npos || !IsLabelValue(req.value))) {
      return absl::InvalidArgumentError(absl::StrCat("invalid value \"", req.value, "\""));
    }
    selector.push_back(std::move(req));
  }
  return selector;
}

bool Matches(const Selector& selector, const std::map<std::string, std::string>& labels) {
  for (const Requirement& req : selector) {
    auto it = labels.find(req.key);
    switch (req.op) {
      case Requirement::Op::kEquals:
        if (it == labels.end() || it->second != req.value) return false;
        break;
      case Requirement::Op::kNotEquals:
        if (it != labels.end() && it->second == req.value) return false;
        break;
      case Requirement::Op::kExists:
        if (it == labels.end()) return false;
        break;
      case Requirement::Op::kNotExists:
        if (it != labels.end()) return false;
        break;
    }
  }
  return true;
}

}  // namespace rune::common
