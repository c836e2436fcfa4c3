// runed's log: one line per event on stderr (SPEC §5.1).
//
//   text: ts=2026-04-25T18:32:14.123Z level=info msg="runed listening" grpc=[::]:7863
//   json: {"ts":"2026-04-25T18:32:14.123Z","level":"info","msg":"runed listening","grpc":"[::]:7863"}
//
//   Log().Info("runed listening", {{"grpc", address}});
#ifndef RUNE_RUNED_LOGGING_H_
#define RUNE_RUNED_LOGGING_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace rune::daemon {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Parses "debug", "info", "warn", "error"; false on anything else.
bool ParseLogLevel(absl::string_view text, LogLevel* level);

using LogFields = std::vector<std::pair<std::string, std::string>>;

class Logger {
 public:
  void Configure(LogLevel level, bool json);
  bool Enabled(LogLevel level) const;

  void Write(LogLevel level, absl::string_view message, const LogFields& fields);
  void Debug(absl::string_view message, const LogFields& fields = {}) {
    Write(LogLevel::kDebug, message, fields);
  }
  void Info(absl::string_view message, const LogFields& fields = {}) {
    Write(LogLevel::kInfo, message, fields);
  }
  void Warn(absl::string_view message, const LogFields& fields = {}) {
    Write(LogLevel::kWarn, message, fields);
  }
  void Error(absl::string_view message, const LogFields& fields = {}) {
    Write(LogLevel::kError, message, fields);
  }

 private:
  mutable absl::Mutex mu_;
  LogLevel level_ ABSL_GUARDED_BY(mu_) = LogLevel::kInfo;
  bool json_ ABSL_GUARDED_BY(mu_) = false;
};

// The process-wide logger.
Logger& Log();

}  // namespace rune::daemon

#endif  // RUNE_RUNED_LOGGING_H_
