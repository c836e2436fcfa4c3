#include "runed/runner/docker/log_lines.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runed/runner/docker/container_state.h"

namespace rune::daemon::docker {
namespace {

int StreamKey(logstore::LogStream s) { return s == logstore::LogStream::kStderr ? 2 : 1; }

}  // namespace

std::vector<EngineLogLine> ParseLogFrame(int stream, absl::string_view payload) {
  std::vector<EngineLogLine> lines;
  if (!payload.empty() && payload.back() == '\n') payload.remove_suffix(1);
  absl::Time time = absl::InfinitePast();
  const size_t space = payload.find(' ');
  if (space != absl::string_view::npos) {
    const absl::Time parsed = ParseEngineTime(payload.substr(0, space));
    if (parsed != absl::InfinitePast()) {
      time = parsed;
      payload.remove_prefix(space + 1);
    }
  } else {
    // A message with no content at all is just its timestamp.
    const absl::Time parsed = ParseEngineTime(payload);
    if (parsed != absl::InfinitePast()) {
      time = parsed;
      payload = absl::string_view();
    }
  }
  const logstore::LogStream kind =
      stream == 2 ? logstore::LogStream::kStderr : logstore::LogStream::kStdout;
  if (payload.empty()) {
    lines.push_back({time, kind, std::string()});
    return lines;
  }
  for (absl::string_view part : absl::StrSplit(payload, '\n')) {
    lines.push_back({time, kind, std::string(part)});
  }
  return lines;
}

absl::Time LogClock::Stamp(absl::Time engine_time, absl::Time read_time) {
  absl::Time t = engine_time;
  if (engine_time == absl::InfinitePast()) {
    t = read_time;
  } else if (absl::ToUnixNanos(engine_time) % 1000000000 == 0 && read_time >= engine_time &&
             read_time < engine_time + absl::Seconds(1)) {
    t = read_time;
  }
  if (last_ != absl::InfinitePast() && t < last_) t = last_;
  last_ = t;
  return t;
}

ResumeFilter ResumeFilter::From(const std::vector<logstore::LogRecord>& records) {
  ResumeFilter f;
  if (records.empty()) return f;
  int64_t last = records.front().unix_nanos;
  for (const logstore::LogRecord& r : records) last = std::max(last, r.unix_nanos);
  f.last_ = absl::FromUnixNanos(last);
  f.since_seconds_ = std::max<int64_t>(0, last / 1000000000 - 1);
  f.active_ = true;
  const int64_t window_start = f.since_seconds_ * 1000000000;
  for (const logstore::LogRecord& r : records) {
    if (r.unix_nanos >= window_start) f.window_.emplace(StreamKey(r.stream), r.content);
  }
  return f;
}

std::string ResumeFilter::SinceQuery() const {
  if (since_seconds_ < 0) return "";
  return absl::StrCat("&since=", since_seconds_);
}

bool ResumeFilter::Duplicate(const EngineLogLine& line) {
  if (!active_) return false;
  if (line.time != absl::InfinitePast() && line.time > last_) {
    active_ = false;
    window_.clear();
    return false;
  }
  auto it = window_.find({StreamKey(line.stream), line.content});
  if (it == window_.end()) return false;
  window_.erase(it);
  return true;
}

}  // namespace rune::daemon::docker
