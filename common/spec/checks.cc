#include "common/spec/checks.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/labels.h"

namespace rune::common::spec::internal {

bool IsEnvName(absl::string_view s) {
  if (s.empty() || absl::ascii_isdigit(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

bool IsDataKey(absl::string_view s) {
  if (s.empty() || s.size() > 253 || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

bool IsCleanPath(absl::string_view s) {
  if (s == "/") return true;
  if (s.empty() || s.back() == '/') return false;
  absl::string_view rest = s;
  if (rest.front() == '/') rest.remove_prefix(1);
  for (absl::string_view segment : absl::StrSplit(rest, '/')) {
    if (segment.empty() || segment == "." || segment == "..") return false;
  }
  return true;
}

bool IsHostName(absl::string_view s) { return IsDns1123Subdomain(s); }

bool IsIpAddress(absl::string_view s) {
  const std::string text(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool IsCidr(absl::string_view s) {
  const size_t slash = s.find('/');
  if (slash == absl::string_view::npos) return false;
  const std::string ip(s.substr(0, slash));
  absl::string_view bits = s.substr(slash + 1);
  int n;
  if (bits.empty() || bits.size() > 3 ||
      !std::all_of(bits.begin(), bits.end(), [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(bits, &n)) {
    return false;
  }
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) return n <= 32;
  if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) return n <= 128;
  return false;
}

bool ParsePortNumber(absl::string_view s, int* port) {
  if (s.empty() || s.size() > 5 || s[0] == '0') return false;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); })) return false;
  int n;
  if (!absl::SimpleAtoi(s, &n) || n < 1 || n > 65535) return false;
  *port = n;
  return true;
}

std::string RangeReason(int64_t lo, int64_t hi, int64_t v) {
  return absl::StrCat("must be between ", lo, " and ", hi, ", got ", v);
}

std::string MinReason(int64_t lo, int64_t v) { return absl::StrCat("must be >= ", lo, ", got ", v); }

std::string EnumReason(const std::vector<std::string>& choices, absl::string_view v) {
  return absl::StrCat("must be one of: ", absl::StrJoin(choices, ", "), "; got \"", v, "\"");
}

void Checker::Add(std::string path, std::string reason, std::string rule, std::string hint) {
  Violation v;
  v.path = std::move(path);
  v.reason = std::move(reason);
  v.rule = std::move(rule);
  v.hint = std::move(hint);
  out_->push_back(std::move(v));
}

void Checker::Warn(std::string path, std::string reason, std::string rule, std::string hint) {
  Add(std::move(path), std::move(reason), std::move(rule), std::move(hint));
  out_->back().warning = true;
}

void Checker::Name(const std::string& path, absl::string_view value, bool required) {
  if (value.empty()) {
    if (required) Required(path);
    return;
  }
  if (!IsDns1123Label(value)) Add(path, Dns1123Reason(value), "dns1123");
}

void Checker::Namespace(const std::string& path, absl::string_view value) {
  Name(path, value, false);
  if (value == "system") {
    Add(path, "namespace \"system\" is reserved", "reference",
        "the system namespace holds runed's own objects; use another namespace");
  }
}

void Checker::Labels(const std::string& path,
                     const google::protobuf::Map<std::string, std::string>& labels) {
  const std::map<std::string, std::string> sorted(labels.begin(), labels.end());
  for (const auto& [key, value] : sorted) {
    const std::string child = absl::StrCat(path, ".", key);
    if (!IsLabelKey(key)) {
      Add(child, absl::StrCat("invalid label key \"", key, "\""), "dns1123",
          "label keys are [prefix/]name: a DNS subdomain prefix and a name of at most 63 "
          "characters from [A-Za-z0-9-_.] starting and ending with a letter or digit");
    } else if (!IsLabelValue(value)) {
      Add(child, absl::StrCat("invalid label value \"", value, "\""), "dns1123",
          "label values are empty or at most 63 characters from [A-Za-z0-9-_.] starting and "
          "ending with a letter or digit");
    }
  }
}

void Checker::Range(const std::string& path, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) Add(path, RangeReason(lo, hi, v), "range");
}

void Checker::Min(const std::string& path, int64_t v, int64_t lo) {
  if (v < lo) Add(path, MinReason(lo, v), "range");
}

}  // namespace rune::common::spec::internal
