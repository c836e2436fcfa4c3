// A validation problem (SPEC §4.9) and the server's M07 status built from a
// list of them.
//
//   std::vector<Violation> v = {{"namespace.name", "required"}};
//   return ValidationStatus(v);
//   // InvalidArgument "validation error: namespace.name: required"
#ifndef RUNE_COMMON_VIOLATION_H_
#define RUNE_COMMON_VIOLATION_H_

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
};

// InvalidArgument with one `validation error: <path>: <reason>` line per
// violation (M07); OK for an empty list.
inline absl::Status ValidationStatus(const std::vector<Violation>& violations) {
  if (violations.empty()) return absl::OkStatus();
  std::string message;
  for (const Violation& v : violations) {
    if (!message.empty()) message += "\n";
    absl::StrAppend(&message, "validation error: ", v.path, ": ", v.reason);
  }
  return absl::InvalidArgumentError(message);
}

}  // namespace rune::common

#endif  // RUNE_COMMON_VIOLATION_H_
