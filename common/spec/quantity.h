// Resource quantities of `resources.cpu` / `resources.memory` (SPEC §4.8).
//
//   ParseCpuMillis("500m");    // 500
//   ParseCpuMillis("1.5");     // 1500
//   ParseMemoryBytes("512Mi"); // 536870912
//   ParseMemoryBytes("1G");    // 1000000000
//
// Both return InvalidArgument(`invalid quantity "<v>"`) for anything else,
// including zero, negative and out-of-range values.
#ifndef RUNE_COMMON_SPEC_QUANTITY_H_
#define RUNE_COMMON_SPEC_QUANTITY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::common::spec {

// `<int>m` (millicores) or decimal cores with at most three decimals; > 0 and
// at most 1024 cores.
absl::StatusOr<int64_t> ParseCpuMillis(absl::string_view text);

// `<number><unit>`: units "", k/K, M, G, T, P, E (powers of 1000) and Ki, Mi,
// Gi, Ti, Pi, Ei (powers of 1024), case-sensitive; the number may have a
// fraction (rounded down to whole bytes); > 0 and below 2^63.
absl::StatusOr<int64_t> ParseMemoryBytes(absl::string_view text);

}  // namespace rune::common::spec

#endif  // RUNE_COMMON_SPEC_QUANTITY_H_
