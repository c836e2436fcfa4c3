#include "runed/runner/process/exec_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "runed/runner/process/instance_files.h"
#include "runed/runner/process/launch.h"

namespace rune::daemon::runner::process {
namespace {

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

class ProcessExec : public ExecProcess {
 public:
  ProcessExec(pid_t pid, int pidfd, int in, int out, int err, bool tty)
      : pid_(pid), pidfd_(pidfd), in_(in), out_(out), err_(err), tty_(tty) {}

  ~ProcessExec() override {
    {
      absl::MutexLock lock(&mu_);
      if (!reaped_) {
        ::kill(-pid_, SIGKILL);
        ReapLocked();
      }
    }
    for (int fd : {pidfd_, tty_ ? -1 : in_, out_, err_}) {
      if (fd >= 0) ::close(fd);
    }
  }

  int stdin_fd() const override { return tty_ ? out_ : in_; }
  int stdout_fd() const override { return out_; }
  int stderr_fd() const override { return err_; }
  int pidfd() const override { return pidfd_; }

  void CloseStdin() override {
    if (tty_) {
      termios t{};
      char eof = 0x04;
      if (::tcgetattr(out_, &t) == 0 && t.c_cc[VEOF] != 0) eof = static_cast<char>(t.c_cc[VEOF]);
      ssize_t unused = ::write(out_, &eof, 1);
      (void)unused;
      return;
    }
    if (in_ >= 0) {
      ::close(in_);
      in_ = -1;
    }
  }

  absl::Status Signal(int sig) override {
    absl::MutexLock lock(&mu_);
    // Until it is reaped, the command's zombie keeps its process group id.
    if (reaped_) return absl::FailedPreconditionError("the command has exited");
    if (::kill(-pid_, sig) != 0 && errno != ESRCH) {
      return absl::InternalError(absl::StrCat("kill: ", ErrnoText(errno)));
    }
    return absl::OkStatus();
  }

  absl::Status Resize(uint16_t rows, uint16_t cols) override {
    if (!tty_) return absl::FailedPreconditionError("the command has no terminal");
    winsize ws{};
    ws.ws_row = rows;
    ws.ws_col = cols;
    if (::ioctl(out_, TIOCSWINSZ, &ws) != 0) {
      return absl::InternalError(absl::StrCat("resize: ", ErrnoText(errno)));
    }
    return absl::OkStatus();
  }

  ExitStatus Wait() override {
    // Wait without reaping, so that Signal never hits a reused group id.
    siginfo_t si{};
    int rc;
    do {
      rc = pidfd_ >= 0 ? ::waitid(static_cast<idtype_t>(P_PIDFD), pidfd_, &si, WEXITED | WNOWAIT)
                       : ::waitid(P_PID, pid_, &si, WEXITED | WNOWAIT);
    } while (rc != 0 && errno == EINTR);
    absl::MutexLock lock(&mu_);
    if (!reaped_) ReapLocked();
    return status_;
  }

 private:
  void ReapLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    siginfo_t si{};
    while (::waitid(P_PID, pid_, &si, WEXITED) != 0 && errno == EINTR) {
    }
    status_ = ToExitStatus(ExitRecordOf(si.si_code, si.si_status, absl::Now()));
    reaped_ = true;
  }

  const pid_t pid_;
  const int pidfd_;
  int in_;
  const int out_;
  const int err_;
  const bool tty_;
  absl::Mutex mu_;
  bool reaped_ ABSL_GUARDED_BY(mu_) = false;
  ExitStatus status_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::vector<std::string>> InstanceEnvironment(pid_t pid,
                                                             const std::vector<std::string>& extra) {
  // Empty while the instance is inside execve (its new image has no
  // environment yet); it always has at least PATH otherwise.
  absl::StatusOr<std::string> raw = ReadWholeFile(absl::StrCat("/proc/", pid, "/environ"));
  for (int i = 0; i < 100 && raw.ok() && raw->empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    raw = ReadWholeFile(absl::StrCat("/proc/", pid, "/environ"));
  }
  if (!raw.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("failed to start process: read the instance environment: ", raw.status().message()));
  }
  std::vector<std::string> env;
  absl::flat_hash_map<std::string, size_t> index;
  auto set = [&](absl::string_view entry) {
    const std::string key(entry.substr(0, entry.find('=')));
    auto it = index.find(key);
    if (it != index.end()) {
      env[it->second] = std::string(entry);
    } else {
      index.emplace(key, env.size());
      env.emplace_back(entry);
    }
  };
  for (absl::string_view e : absl::StrSplit(*raw, '\0', absl::SkipEmpty())) set(e);
  for (const std::string& e : extra) set(e);
  return env;
}

// An open /proc/<pid>/ns/mnt, or -1 when it is runed's own namespace (no
// setns needed, so exec also works when runed is not root).
absl::StatusOr<int> MountNamespace(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/ns/mnt");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("failed to start process: open ", path, ": ", ErrnoText(errno)));
  }
  struct stat theirs, ours;
  if (::fstat(fd, &theirs) == 0 && ::stat("/proc/self/ns/mnt", &ours) == 0 &&
      theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ExecProcess>> StartExec(const LaunchInfo& info, pid_t instance_pid,
                                                       const ExecSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("exec needs a command");
  absl::StatusOr<std::vector<std::string>> env = InstanceEnvironment(instance_pid, spec.extra_env);
  if (!env.ok()) return env.status();
  absl::StatusOr<int> ns = MountNamespace(instance_pid);
  if (!ns.ok()) return ns.status();

  LaunchParams params;
  params.info = &info;
  params.env = std::move(*env);
  params.argv = spec.argv;
  params.workdir = spec.workdir;
  params.join_mount_ns_fd = *ns;
  params.search_path = true;

  // Parent ends first, child ends second.
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  int master = -1, slave = -1;
  auto close_all = [](std::initializer_list<int> fds) {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  };
  if (spec.tty) {
    master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[128];
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0 ||
        ::ptsname_r(master, name, sizeof name) != 0 ||
        (slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
      const int e = errno;
      close_all({master, *ns});
      return absl::InternalError(absl::StrCat("open a terminal: ", ErrnoText(e)));
    }
    winsize ws{};
    ws.ws_row = spec.rows;
    ws.ws_col = spec.cols;
    ::ioctl(master, TIOCSWINSZ, &ws);
    params.stdio = {slave, slave, slave, true};
  } else {
    int a[2], b[2], c[2];
    if (::pipe2(a, O_CLOEXEC) != 0) return absl::InternalError("pipe");
    if (::pipe2(b, O_CLOEXEC) != 0) {
      close_all({a[0], a[1], *ns});
      return absl::InternalError("pipe");
    }
    if (::pipe2(c, O_CLOEXEC) != 0) {
      close_all({a[0], a[1], b[0], b[1], *ns});
      return absl::InternalError("pipe");
    }
    in[0] = a[1], in[1] = a[0];
    out[0] = b[0], out[1] = b[1];
    err[0] = c[0], err[1] = c[1];
    params.stdio = {in[1], out[1], err[1], false};
  }
  absl::StatusOr<Launched> launched = Launch(params);
  close_all({*ns, slave, in[1], out[1], err[1]});
  if (!launched.ok()) {
    close_all({master, in[0], out[0], err[0]});
    return launched.status();
  }
  if (spec.tty) {
    return std::unique_ptr<ExecProcess>(
        new ProcessExec(launched->pid, launched->pidfd, master, master, -1, true));
  }
  return std::unique_ptr<ExecProcess>(
      new ProcessExec(launched->pid, launched->pidfd, in[0], out[0], err[0], false));
}

}  // namespace rune::daemon::runner::process
