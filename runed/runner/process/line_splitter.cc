#include "runed/runner/process/line_splitter.h"

namespace rune::daemon::runner::process {

void LineSplitter::Feed(absl::string_view data, const Sink& sink) {
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    const bool terminated = nl != absl::string_view::npos;
    absl::string_view piece = terminated ? data.substr(0, nl) : data;
    data.remove_prefix(terminated ? nl + 1 : data.size());
    // Chunk only while more than max_line_ bytes are pending, so a chunk is
    // never followed by an empty line when the newline comes next.
    while (partial_.size() + piece.size() > max_line_) {
      const size_t take = max_line_ - partial_.size();
      if (partial_.empty()) {
        sink(piece.substr(0, take));
      } else {
        partial_.append(piece.data(), take);
        sink(partial_);
        partial_.clear();
      }
      piece.remove_prefix(take);
    }
    if (!terminated) {
      partial_.append(piece.data(), piece.size());
    } else if (partial_.empty()) {
      sink(piece);
    } else {
      partial_.append(piece.data(), piece.size());
      sink(partial_);
      partial_.clear();
    }
  }
}

void LineSplitter::Flush(const Sink& sink) {
  if (partial_.empty()) return;
  sink(partial_);
  partial_.clear();
}

}  // namespace rune::daemon::runner::process
