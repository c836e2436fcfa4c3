// The duration grammar of SPEC §1.5.
//
// Input: "0", or one or more <number><unit> groups with units ns us ms s m h d
// (d = 24h); decimals allowed ("1.5h", "1h30m", "30d"); no sign, no bare
// numbers other than "0". Output: absl::FormatDuration's form ("5m", "1h30m",
// "1.5s", "500ms").
//
//   absl::StatusOr<absl::Duration> d = ParseDuration("1h30m");  // 90 minutes
//   std::string s = FormatDuration(absl::Seconds(90));          // "1m30s"
#ifndef RUNE_COMMON_DURATION_H_
#define RUNE_COMMON_DURATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rune::common {

// Parses `text`; InvalidArgument("invalid duration") when it does not follow
// the grammar or overflows.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

// Formats `d` like absl::FormatDuration ("0s" for zero).
std::string FormatDuration(absl::Duration d);

}  // namespace rune::common

#endif  // RUNE_COMMON_DURATION_H_
