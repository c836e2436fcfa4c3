// Conversions between absl::Time and google.protobuf.Timestamp, and the AGE
// cell of tables (SPEC §1.5: 42s, 5m, 3h, 12d).
//
//   ToTimestamp(absl::Now(), meta->mutable_created_at());
//   std::string age = FormatAge(absl::Now() - FromTimestamp(meta.created_at()));
#ifndef RUNE_COMMON_PROTO_TIME_H_
#define RUNE_COMMON_PROTO_TIME_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace rune::common {

void ToTimestamp(absl::Time t, google::protobuf::Timestamp* out);
absl::Time FromTimestamp(const google::protobuf::Timestamp& ts);

// RFC 3339 in UTC with seconds ("2026-04-25T18:00:00Z").
std::string FormatTimestamp(const google::protobuf::Timestamp& ts);

// Floor of the elapsed time in its largest unit: "0s"…"59s", "1m"…"59m",
// "1h"…"23h", then days.
// Negative ages (clock skew) print as "0s".
std::string FormatAge(absl::Duration age);

}  // namespace rune::common

#endif  // RUNE_COMMON_PROTO_TIME_H_
