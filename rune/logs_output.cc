#include "rune/logs_output.h"

#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/json_writer.h"
#include "common/proto_time.h"

namespace rune::cli {

absl::StatusOr<absl::Time> ParseLogTime(absl::string_view value, absl::Time now) {
  if (absl::StatusOr<absl::Duration> d = common::ParseDuration(value); d.ok()) return now - *d;
  absl::Time t;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, std::string(value), &t, &error)) return t;
  return absl::InvalidArgumentError("invalid duration or RFC 3339 time");
}

std::string FormatLogTime(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", common::FromTimestamp(ts),
                          absl::UTCTimeZone());
}

std::string FormatLogLine(const api::LogLine& line, const LineFormat& format) {
  if (format.json) {
    common::JsonWriter w(common::JsonWriter::kCompact);
    w.BeginObject();
    w.Key("timestamp");
    w.String(FormatLogTime(line.timestamp()));
    w.Key("namespace");
    w.String(line.namespace_());
    w.Key("service");
    w.String(line.service());
    w.Key("instance");
    w.String(line.instance_name());
    w.Key("instanceId");
    w.String(line.instance_id());
    w.Key("stream");
    w.String(line.stream() == api::LogLine::STDERR ? "stderr" : "stdout");
    w.Key("line");
    w.String(line.content());
    w.EndObject();
    return absl::StrCat(w.Take(), "\n");
  }
  std::string out;
  if (format.timestamps) absl::StrAppend(&out, FormatLogTime(line.timestamp()), " ");
  if (format.prefix) absl::StrAppend(&out, "[", line.instance_name(), "] ");
  absl::StrAppend(&out, line.content(), "\n");
  return out;
}

}  // namespace rune::cli
