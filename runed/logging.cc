#include "runed/logging.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/json_writer.h"

namespace rune::daemon {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// Text values are quoted when they hold spaces, quotes, '=' or nothing.
std::string TextValue(absl::string_view v) {
  bool quote = v.empty();
  for (char c : v) quote = quote || c == ' ' || c == '"' || c == '=' || c < 0x20;
  if (!quote) return std::string(v);
  std::string out;
  common::AppendJsonString(v, &out);
  return out;
}

}  // namespace

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

void Logger::Configure(LogLevel level, bool json) {
  absl::MutexLock lock(&mu_);
  level_ = level;
  json_ = json;
}

bool Logger::Enabled(LogLevel level) const {
  absl::MutexLock lock(&mu_);
  return level >= level_;
}

void Logger::Write(LogLevel level, absl::string_view message, const LogFields& fields) {
  absl::MutexLock lock(&mu_);
  if (level < level_) return;
  const std::string ts =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line;
  if (json_) {
    common::JsonWriter w(common::JsonWriter::kCompact);
    w.BeginObject();
    w.Key("ts");
    w.String(ts);
    w.Key("level");
    w.String(LevelName(level));
    w.Key("msg");
    w.String(message);
    for (const auto& [k, v] : fields) {
      w.Key(k);
      w.String(v);
    }
    w.EndObject();
    line = w.Take();
  } else {
    std::string quoted;
    common::AppendJsonString(message, &quoted);
    line = absl::StrCat("ts=", ts, " level=", LevelName(level), " msg=", quoted);
    for (const auto& [k, v] : fields) absl::StrAppend(&line, " ", k, "=", TextValue(v));
  }
  line.push_back('\n');
  // One write(2) per line keeps lines whole when several threads log.
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
}

Logger& Log() {
  static Logger* const kLogger = new Logger();
  return *kLogger;
}

}  // namespace rune::daemon
