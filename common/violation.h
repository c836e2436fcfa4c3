// A validation problem (SPEC §4.9) and the server's M07 status built from a
// list of them.
//
//   std::vector<Violation> v = {{"namespace.name", "required"}};
//   return ValidationStatus(v);
//   // InvalidArgument "validation error: namespace.name: required"
#ifndef RUNE_COMMON_VIOLATION_H_
#define RUNE_COMMON_VIOLATION_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/yaml/node.h"

namespace rune::common {

struct Violation {
  std::string path;    // rooted at the kind: "policy.rules[0].verbs[2]"
  std::string reason;  // a §4.9 catalogue text
  yaml::Mark mark;     // where it was written, when a decoder knows
  // The `rune lint` rule (§3.6.11): "required", "range", "unknown-field", …
  // Empty is read as "type" by lint.
  std::string rule = {};
  // Warnings (roadmap fields, legacy spellings) never fail a write.
  bool warning = false;
  // Extra advice for lint's "hint:" line (e.g. the new name of a legacy key).
  std::string hint = {};
  // `rune lint --fix` can rewrite it.
  bool fixable = false;
};

// Where a field path was written: the mark of `path` in `marks`, else of its
// nearest ancestor ("a.b[2].c" → "a.b[2]" → "a.b" → "a"), else `fallback`.
inline yaml::Mark NearestMark(const std::map<std::string, yaml::Mark>& marks, std::string path,
                              yaml::Mark fallback = {}) {
  while (!path.empty()) {
    auto it = marks.find(path);
    if (it != marks.end()) return it->second;
    const size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  return fallback;
}

// InvalidArgument with one `validation error: <path>: <reason>` line per
// error (M07); warnings are left out. OK when there is no error.
inline absl::Status ValidationStatus(const std::vector<Violation>& violations) {
  std::string message;
  for (const Violation& v : violations) {
    if (v.warning) continue;
    if (!message.empty()) message += "\n";
    absl::StrAppend(&message, "validation error: ", v.path, ": ", v.reason);
  }
  if (message.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(message);
}

}  // namespace rune::common

#endif  // RUNE_COMMON_VIOLATION_H_
