#include "runed/logstore/log_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace rune::daemon::logstore {
namespace {

constexpr size_t kMaxChunk = 64 * 1024;

absl::Status ErrnoError(absl::string_view what, const std::string& path, int error) {
  const std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

// Creates every missing directory of `dir` with mode 0750.
absl::Status MakeDirs(const std::string& dir) {
  if (dir.empty()) return absl::OkStatus();
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(dir, " is not a directory"));
  }
  const size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) RUNE_RETURN_IF_ERROR(MakeDirs(dir.substr(0, slash)));
  if (mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
    return ErrnoError("cannot create directory", dir, errno);
  }
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, const std::string& path, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Splits `content` into record payloads: one per line (a single trailing
// newline ends the last line rather than starting an empty one), each line cut
// into chunks of at most 64 KiB.
std::vector<absl::string_view> Payloads(absl::string_view content) {
  if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
  std::vector<absl::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t end = content.find('\n', start);
    absl::string_view line =
        content.substr(start, end == absl::string_view::npos ? absl::string_view::npos : end - start);
    do {
      out.push_back(line.substr(0, kMaxChunk));
      line.remove_prefix(std::min(line.size(), kMaxChunk));
    } while (!line.empty());
    if (end == absl::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

absl::Status ReadWholeFile(const std::string& path, std::string* out) {
  out->clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoError("cannot open", path, errno);
  }
  char buf[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return ErrnoError("cannot read", path, error);
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return absl::OkStatus();
}

}  // namespace

size_t ParseLogRecords(absl::string_view data, std::vector<LogRecord>* out) {
  size_t consumed = 0;
  while (consumed < data.size()) {
    const size_t end = data.find('\n', consumed);
    if (end == absl::string_view::npos) break;  // torn or still being written
    absl::string_view line = data.substr(consumed, end - consumed);
    consumed = end + 1;
    const size_t space = line.find(' ');
    if (space == absl::string_view::npos || line.size() < space + 3 || line[space + 2] != ' ') {
      continue;  // not a record: skip rather than fail the whole file
    }
    LogRecord record;
    if (!absl::SimpleAtoi(line.substr(0, space), &record.unix_nanos)) continue;
    const char stream = line[space + 1];
    if (stream == 'o') {
      record.stream = LogStream::kStdout;
    } else if (stream == 'e') {
      record.stream = LogStream::kStderr;
    } else {
      continue;
    }
    record.content = std::string(line.substr(space + 3));
    out->push_back(std::move(record));
  }
  return consumed;
}

absl::StatusOr<std::unique_ptr<LogWriter>> LogWriter::Open(const std::string& path,
                                                           int64_t max_bytes) {
  const size_t slash = path.find_last_of('/');
  if (slash != std::string::npos) RUNE_RETURN_IF_ERROR(MakeDirs(path.substr(0, slash)));
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return ErrnoError("cannot open", path, errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return ErrnoError("cannot stat", path, error);
  }
  // A writer killed mid-record leaves an unterminated line; end it so the next
  // record starts on a line of its own.
  int64_t size = st.st_size;
  char last = '\n';
  if (size > 0 && ::pread(fd, &last, 1, size - 1) == 1 && last != '\n') {
    absl::Status written = WriteAll(fd, path, "\n");
    if (!written.ok()) {
      ::close(fd);
      return written;
    }
    ++size;
  }
  return std::unique_ptr<LogWriter>(new LogWriter(path, max_bytes, fd, size));
}

LogWriter::LogWriter(std::string path, int64_t max_bytes, int fd, int64_t size)
    : path_(std::move(path)), max_bytes_(max_bytes), fd_(fd), size_(size) {}

LogWriter::~LogWriter() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status LogWriter::Append(absl::Time time, LogStream stream, absl::string_view content) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat("log file ", path_, " is closed"));
  const std::string head =
      absl::StrCat(absl::ToUnixNanos(time), stream == LogStream::kStdout ? " o " : " e ");
  for (absl::string_view payload : Payloads(content)) {
    std::string record = absl::StrCat(head, payload, "\n");
    const int64_t half = max_bytes_ / 2;
    if (max_bytes_ > 0 && size_ > 0 && size_ + static_cast<int64_t>(record.size()) > half) {
      RUNE_RETURN_IF_ERROR(Rotate());
    }
    // One write per record, so a reader never sees two records interleaved.
    RUNE_RETURN_IF_ERROR(WriteAll(fd_, path_, record));
    size_ += static_cast<int64_t>(record.size());
  }
  return absl::OkStatus();
}

absl::Status LogWriter::Rotate() {
  const std::string old = path_ + ".1";
  if (::rename(path_.c_str(), old.c_str()) != 0) return ErrnoError("cannot rotate", path_, errno);
  ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) return ErrnoError("cannot open", path_, errno);
  size_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LogRecord>> ReadLogFiles(const std::string& path) {
  std::vector<LogRecord> records;
  std::string data;
  RUNE_RETURN_IF_ERROR(ReadWholeFile(path + ".1", &data));
  ParseLogRecords(data, &records);
  RUNE_RETURN_IF_ERROR(ReadWholeFile(path, &data));
  ParseLogRecords(data, &records);
  return records;
}

}  // namespace rune::daemon::logstore
