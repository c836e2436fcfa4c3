// Pieces of `rune logs` (SPEC §3.6.7) that do not talk to runed: reading the
// --since/--until values and rendering one log line as text or NDJSON.
//
//   RUNE_ASSIGN_OR_RETURN(absl::Time since, ParseLogTime("10m", absl::Now()));
//   LineFormat format;
//   format.timestamps = true;
//   format.prefix = true;
//   std::cout << FormatLogLine(line, format);   // "2026-04-25T18:32:14.123Z [api-0] hello\n"
#ifndef RUNE_RUNE_LOGS_OUTPUT_H_
#define RUNE_RUNE_LOGS_OUTPUT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/log.pb.h"

namespace rune::cli {

// A duration (the instant `now` minus it) or an RFC 3339 time.
// InvalidArgument `invalid duration or RFC 3339 time` otherwise.
absl::StatusOr<absl::Time> ParseLogTime(absl::string_view value, absl::Time now);

// RFC 3339 in UTC with milliseconds: 2026-04-25T18:32:14.123Z.
std::string FormatLogTime(const google::protobuf::Timestamp& ts);

struct LineFormat {
  bool json = false;        // one compact JSON object per line
  bool timestamps = false;  // text: `<time> ` first
  bool prefix = false;      // text: `[<instance-name>] ` before the content
};

// The line with its trailing '\n'. Text keeps the content's bytes as they
// are; JSON replaces invalid UTF-8 with U+FFFD.
std::string FormatLogLine(const api::LogLine& line, const LineFormat& format);

}  // namespace rune::cli

#endif  // RUNE_RUNE_LOGS_OUTPUT_H_
