// Splits a byte stream (a process's stdout or stderr pipe) into log lines
// (SPEC §5.9): lines end at '\n' (not included), a line longer than
// `max_line` bytes is emitted in chunks of that size, and Flush emits the
// unterminated rest when the stream ends.
//
//   LineSplitter split;
//   split.Feed("a\nb", [](absl::string_view line) { /* "a" */ });
//   split.Flush([](absl::string_view line) { /* "b" */ });
#ifndef RUNE_RUNED_RUNNER_PROCESS_LINE_SPLITTER_H_
#define RUNE_RUNED_RUNNER_PROCESS_LINE_SPLITTER_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/strings/string_view.h"

namespace rune::daemon::runner::process {

class LineSplitter {
 public:
  using Sink = std::function<void(absl::string_view line)>;

  explicit LineSplitter(size_t max_line = 64 * 1024) : max_line_(max_line) {}

  // Emits every line completed by `data`.
  void Feed(absl::string_view data, const Sink& sink);
  // Emits the buffered partial line, if any.
  void Flush(const Sink& sink);

 private:
  size_t max_line_;
  std::string partial_;
};

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_LINE_SPLITTER_H_
