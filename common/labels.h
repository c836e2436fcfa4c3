// Labels and label selectors (SPEC §4.2 `labels`, §3.6.2 `--selector`).
//
//   absl::StatusOr<Selector> s = ParseSelector("tier=web,!canary");
//   bool match = Matches(*s, {{"tier", "web"}});   // true
#ifndef RUNE_COMMON_LABELS_H_
#define RUNE_COMMON_LABELS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::common {

// DNS-1123 label: ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$, 1–63 characters.
bool IsDns1123Label(absl::string_view s);
// The SPEC §4.9 reason for a value that is not a DNS-1123 label:
// `invalid name "<v>": must consist of lowercase letters, …`.
std::string Dns1123Reason(absl::string_view value);
// DNS-1123 subdomain: dot-separated labels, at most 253 characters.
bool IsDns1123Subdomain(absl::string_view s);

// `[prefix/]name` with a DNS-1123 subdomain prefix and a name of at most 63
// characters from [A-Za-z0-9-_.], alphanumeric at both ends.
bool IsLabelKey(absl::string_view key);
// Empty, or the name charset above.
bool IsLabelValue(absl::string_view value);

struct Requirement {
  enum class Op { kEquals, kNotEquals, kExists, kNotExists };
  std::string key;
  Op op = Op::kExists;
  std::string value;
};

using Selector = std::vector<Requirement>;

// Parses `k=v`, `k==v`, `k!=v`, `k`, `!k` terms joined by commas (AND); an
// empty text is the empty selector, which matches everything.
// InvalidArgument with the reason ("invalid key \"K\"", …) when malformed.
absl::StatusOr<Selector> ParseSelector(absl::string_view text);

bool Matches(const Selector& selector, const std::map<std::string, std::string>& labels);

}  // namespace rune::common

#endif  // RUNE_COMMON_LABELS_H_
