// One instance's log file (SPEC §5.11): `<data_dir>/logs/<ns>/<id>.log`,
// one record per line `<unix nanos> <o|e> <bytes>\n`, rotated to `.log.1`
// when it reaches half of `logs.max_bytes_per_instance` (so the pair never
// holds more than the limit). The per-instance supervisor writes it; runed
// reads it.
//
//   RUNE_ASSIGN_OR_RETURN(std::unique_ptr<LogWriter> w, LogWriter::Open(path, 10 << 20));
//   RUNE_RETURN_IF_ERROR(w->Append(absl::Now(), LogStream::kStdout, "hello"));
//   RUNE_ASSIGN_OR_RETURN(std::vector<LogRecord> lines, ReadLogFiles(path));  // .log.1 then .log
#ifndef RUNE_RUNED_LOGSTORE_LOG_FILE_H_
#define RUNE_RUNED_LOGSTORE_LOG_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rune::daemon::logstore {

enum class LogStream { kStdout, kStderr };

struct LogRecord {
  int64_t unix_nanos = 0;
  LogStream stream = LogStream::kStdout;
  std::string content;  // without the trailing newline
};

// Appends records to a log file, rotating it. Content containing '\n' is
// stored as several records; content over 64 KiB is split into chunks.
class LogWriter {
 public:
  // Opens (creating 0640, parent directories 0750) `path` for appending.
  static absl::StatusOr<std::unique_ptr<LogWriter>> Open(const std::string& path,
                                                         int64_t max_bytes);
  ~LogWriter();
  absl::Status Append(absl::Time time, LogStream stream, absl::string_view content);

 private:
  LogWriter(std::string path, int64_t max_bytes, int fd, int64_t size);
  absl::Status Rotate();
  std::string path_;
  int64_t max_bytes_;
  int fd_;
  int64_t size_;
};

// Every record of `path.1` then `path` (missing files are empty). A torn
// last line (writer killed mid-write) is skipped.
absl::StatusOr<std::vector<LogRecord>> ReadLogFiles(const std::string& path);

// Appends the complete records at the start of `data` to `out` and returns
// the number of bytes they span; an unterminated tail is left unconsumed (it
// may still be being written). Malformed lines are skipped.
size_t ParseLogRecords(absl::string_view data, std::vector<LogRecord>* out);

}  // namespace rune::daemon::logstore

#endif  // RUNE_RUNED_LOGSTORE_LOG_FILE_H_
