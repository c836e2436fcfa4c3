#include "runed/runner/process/instance_files.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "runed/runner/process/launch.h"

namespace rune::daemon::runner::process {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path, int err) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", ErrnoText(err)));
}

}  // namespace

std::string InstanceDir(absl::string_view data_dir, const InstanceKey& key) {
  return absl::StrCat(data_dir, "/instances/", key.ns, "/", key.id);
}

std::string InstanceLogPath(absl::string_view data_dir, const InstanceKey& key) {
  return absl::StrCat(data_dir, "/logs/", key.ns, "/", key.id, ".log");
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view content) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid(), ".", counter++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("create", tmp, errno);
  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return ErrnoError("write", tmp, e);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return ErrnoError("write", path, e);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
    return ErrnoError("open", path, errno);
  }
  std::string out;
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return ErrnoError("read", path, e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::StatusOr<pid_t> ReadPidFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid) || pid <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a pid"));
  }
  return static_cast<pid_t>(pid);
}

absl::StatusOr<ExitRecord> ReadExitRecord(const std::string& instance_dir) {
  absl::StatusOr<std::string> bytes = ReadWholeFile(absl::StrCat(instance_dir, "/", kStatusFile));
  if (!bytes.ok()) return bytes.status();
  ExitRecord record;
  if (!record.ParseFromString(*bytes)) {
    return absl::InternalError(absl::StrCat(instance_dir, "/", kStatusFile, ": unreadable"));
  }
  return record;
}

ExitRecord ExitRecordOf(int code, int status, absl::Time finished_at) {
  ExitRecord r;
  if (code == CLD_EXITED) {
    r.set_exit_code(status);
    r.set_message(absl::StrCat("exit code ", status));
  } else {
    r.set_signal(status);
    r.set_message(absl::StrCat("killed by signal SIG", SignalName(status)));
  }
  r.set_finished_at_unix_nanos(absl::ToUnixNanos(finished_at));
  return r;
}

ExitStatus ToExitStatus(const ExitRecord& record) {
  ExitStatus s;
  s.start_failed = record.start_failed();
  s.exit_code = record.exit_code();
  s.signal = record.signal();
  s.message = record.message();
  s.finished_at = absl::FromUnixNanos(record.finished_at_unix_nanos());
  return s;
}

std::string SignalName(int sig) {
  switch (sig) {
    case SIGHUP: return "HUP";
    case SIGINT: return "INT";
    case SIGQUIT: return "QUIT";
    case SIGILL: return "ILL";
    case SIGTRAP: return "TRAP";
    case SIGABRT: return "ABRT";
    case SIGBUS: return "BUS";
    case SIGFPE: return "FPE";
    case SIGKILL: return "KILL";
    case SIGUSR1: return "USR1";
    case SIGSEGV: return "SEGV";
    case SIGUSR2: return "USR2";
    case SIGPIPE: return "PIPE";
    case SIGALRM: return "ALRM";
    case SIGTERM: return "TERM";
    case SIGSTKFLT: return "STKFLT";
    case SIGCHLD: return "CHLD";
    case SIGCONT: return "CONT";
    case SIGSTOP: return "STOP";
    case SIGTSTP: return "TSTP";
    case SIGTTIN: return "TTIN";
    case SIGTTOU: return "TTOU";
    case SIGURG: return "URG";
    case SIGXCPU: return "XCPU";
    case SIGXFSZ: return "XFSZ";
    case SIGVTALRM: return "VTALRM";
    case SIGPROF: return "PROF";
    case SIGWINCH: return "WINCH";
    case SIGIO: return "IO";
    case SIGPWR: return "PWR";
    case SIGSYS: return "SYS";
    default: return absl::StrCat(sig);
  }
}

bool IsSupervisorOf(pid_t pid, const InstanceKey& key) {
  absl::StatusOr<std::string> cmdline = ReadWholeFile(absl::StrCat("/proc/", pid, "/cmdline"));
  if (!cmdline.ok()) return false;
  std::vector<absl::string_view> args = absl::StrSplit(*cmdline, '\0');
  return args.size() >= 3 && args[1] == kSuperviseArg &&
         args[2] == absl::StrCat(key.ns, "/", key.id);
}

absl::Status RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return absl::InternalError(absl::StrCat("remove ", path, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace rune::daemon::runner::process
