#include "runed/api/local_exec_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace rune::daemon {

using runner::ExecProcess;
using runner::ExecSpec;
using runner::ExitStatus;
using runner::InstanceKey;

namespace {

class LocalProcess final : public ExecProcess {
 public:
  LocalProcess(pid_t pid, int pidfd, int in, int out, int err, bool tty)
      : pid_(pid), pidfd_(pidfd), in_(in), out_(out), err_(err), tty_(tty) {}
  ~LocalProcess() override {
    if (!reaped_) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (pidfd_ >= 0) close(pidfd_);
    if (tty_) {
      close(out_);  // the master, also stdin
    } else {
      for (int fd : {in_, out_, err_}) {
        if (fd >= 0) close(fd);
      }
    }
  }

  int stdin_fd() const override { return in_; }
  int stdout_fd() const override { return out_; }
  int stderr_fd() const override { return err_; }
  int pidfd() const override { return pidfd_; }

  void CloseStdin() override {
    if (tty_) {
      termios t;
      char eof = 4;
      if (tcgetattr(out_, &t) == 0) eof = static_cast<char>(t.c_cc[VEOF]);
      (void)!write(out_, &eof, 1);
      return;
    }
    if (in_ >= 0) close(in_);
    in_ = -1;
  }

  absl::Status Signal(int sig) override {
    // Right after fork() the child may not lead its group yet.
    if (kill(-pid_, sig) != 0 && kill(pid_, sig) != 0) return absl::InternalError("kill failed");
    return absl::OkStatus();
  }

  absl::Status Resize(uint16_t rows, uint16_t cols) override {
    winsize ws{};
    ws.ws_row = rows;
    ws.ws_col = cols;
    if (!tty_ || ioctl(out_, TIOCSWINSZ, &ws) != 0) return absl::InternalError("resize failed");
    return absl::OkStatus();
  }

  ExitStatus Wait() override {
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    ExitStatus e;
    if (WIFSIGNALED(status)) {
      e.signal = WTERMSIG(status);
    } else {
      e.exit_code = WEXITSTATUS(status);
    }
    e.finished_at = absl::Now();
    return e;
  }

 private:
  pid_t pid_;
  int pidfd_, in_, out_, err_;
  bool tty_;
  bool reaped_ = false;
};

}  // namespace

void LocalExecRunner::SetRunning(const std::string& id) {
  absl::MutexLock lock(&mu_);
  running_.insert(id);
}

std::vector<ExecSpec> LocalExecRunner::specs() {
  absl::MutexLock lock(&mu_);
  return specs_;
}

void LocalExecRunner::SetExitCallback(ExitCallback) {}

absl::StatusOr<runner::Started> LocalExecRunner::Start(const runner::StartSpec&) {
  return absl::UnimplementedError("LocalExecRunner runs exec commands only");
}

absl::Status LocalExecRunner::Stop(const InstanceKey&, absl::Duration) {
  return absl::UnimplementedError("LocalExecRunner runs exec commands only");
}

absl::Status LocalExecRunner::Kill(const InstanceKey&, int) {
  return absl::UnimplementedError("LocalExecRunner runs exec commands only");
}

absl::Status LocalExecRunner::Remove(const InstanceKey&) {
  return absl::UnimplementedError("LocalExecRunner runs exec commands only");
}

absl::StatusOr<std::vector<runner::Adopted>> LocalExecRunner::Adopt() {
  return std::vector<runner::Adopted>();
}

absl::StatusOr<std::unique_ptr<ExecProcess>> LocalExecRunner::Exec(const InstanceKey& key,
                                                                    const ExecSpec& spec) {
  {
    absl::MutexLock lock(&mu_);
    if (running_.count(key.id) == 0) {
      return absl::FailedPreconditionError(absl::StrCat("instance ", key.id, " is not running"));
    }
    specs_.push_back(spec);
  }
  // Everything the child needs is prepared before fork().
  std::vector<std::string> env = {"PATH=/usr/bin:/bin"};
  env.insert(env.end(), spec.extra_env.begin(), spec.extra_env.end());
  std::vector<char*> envp, argv;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string path = args[0];
  if (path.find('/') == std::string::npos) {
    for (const char* dir : {"/usr/bin/", "/bin/"}) {
      if (access((dir + args[0]).c_str(), X_OK) == 0) {
        path = dir + args[0];
        break;
      }
    }
  }
  const std::string workdir = spec.workdir;

  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  int master = -1, slave = -1;
  if (spec.tty) {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
      return absl::InternalError("posix_openpt failed");
    }
    winsize ws{};
    ws.ws_row = spec.rows;
    ws.ws_col = spec.cols;
    ioctl(master, TIOCSWINSZ, &ws);
    // Opened here so the terminal never lacks a slave side before the
    // child runs (the master would read EIO).
    slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) return absl::InternalError("cannot open the PTY slave");
  } else if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
             pipe2(err, O_CLOEXEC) != 0) {
    return absl::InternalError("pipe2 failed");
  }
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    setsid();
    if (spec.tty) {
      ioctl(slave, TIOCSCTTY, 0);
      dup2(slave, 0);
      dup2(slave, 1);
      dup2(slave, 2);
    } else {
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
    }
    if (!workdir.empty() && chdir(workdir.c_str()) != 0) _exit(126);
    execve(path.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (spec.tty) {
    close(slave);
    return std::unique_ptr<ExecProcess>(new LocalProcess(pid, pidfd, master, master, -1, true));
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  return std::unique_ptr<ExecProcess>(
      new LocalProcess(pid, pidfd, in[1], out[0], err[0], false));
}

}  // namespace rune::daemon
