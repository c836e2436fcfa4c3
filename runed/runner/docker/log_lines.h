// The lines of `GET /containers/{id}/logs?timestamps=1` (SPEC §5.10, §5.11):
// each frame of the multiplexed stream is one message `<RFC 3339 time>
// <content>[\n]`. ParseLogFrame turns a frame into lines, LogClock picks the
// time a line is stored with, and ResumeFilter drops the lines a log file
// already holds when a follower resumes after a runed restart (or a dropped
// stream) with `since=`.
//
//   ResumeFilter resume = ResumeFilter::From(*ReadLogFiles(path));
//   std::string query = "follow=1&stdout=1&stderr=1&timestamps=1" + resume.SinceQuery();
//   … for every frame (stream, payload):
//   for (EngineLogLine& line : ParseLogFrame(stream, payload)) {
//     if (resume.Duplicate(line)) continue;
//     writer->Append(clock.Stamp(line.time, absl::Now()), line.stream, line.content);
//   }
#ifndef RUNE_RUNED_RUNNER_DOCKER_LOG_LINES_H_
#define RUNE_RUNED_RUNNER_DOCKER_LOG_LINES_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runed/logstore/log_file.h"

namespace rune::daemon::docker {

struct EngineLogLine {
  absl::Time time = absl::InfinitePast();  // the engine's timestamp
  logstore::LogStream stream = logstore::LogStream::kStdout;
  std::string content;  // without the newline
};

// The lines of one log frame (stream 1 = stdout, 2 = stderr): the message
// without its trailing newline, split at inner newlines (all with the
// frame's time). A frame without a parsable timestamp keeps its whole text
// with time InfinitePast (the clock then stamps it with the read time).
std::vector<EngineLogLine> ParseLogFrame(int stream, absl::string_view payload);

// The time a line is stored with. Engines that report whole seconds
// (podman) would give every line of a second the same time, so a line read
// within the second the engine reports keeps the read time; otherwise the
// engine's time. Stored times never go backwards within one follower.
class LogClock {
 public:
  explicit LogClock(absl::Time last = absl::InfinitePast()) : last_(last) {}
  absl::Time Stamp(absl::Time engine_time, absl::Time read_time);

 private:
  absl::Time last_;
};

// Drops the lines already stored when a follower resumes. The request
// starts one second before the second of the last stored line
// (SinceQuery); until a line newer than that last stored line arrives, a
// line is a duplicate when an identical (stream, content) is stored in that
// window (each stored line matches once).
class ResumeFilter {
 public:
  // No stored lines: nothing is dropped, the request has no `since`.
  ResumeFilter() = default;
  // From the records of the instance's log files, oldest first.
  static ResumeFilter From(const std::vector<logstore::LogRecord>& records);

  // `&since=<unix seconds>`, or "" when nothing is stored.
  std::string SinceQuery() const;
  // True when `line` is already stored (and must be dropped).
  bool Duplicate(const EngineLogLine& line);
  // The time of the last stored line (InfinitePast when none).
  absl::Time last() const { return last_; }

 private:
  absl::Time last_ = absl::InfinitePast();
  int64_t since_seconds_ = -1;
  bool active_ = false;
  std::multiset<std::pair<int, std::string>> window_;
};

}  // namespace rune::daemon::docker

#endif  // RUNE_RUNED_RUNNER_DOCKER_LOG_LINES_H_
