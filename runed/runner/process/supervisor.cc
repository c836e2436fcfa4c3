#include "runed/runner/process/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "runed/logstore/log_file.h"
#include "runed/runner/process/instance_files.h"
#include "runed/runner/process/launch.h"
#include "runed/runner/process/launch.pb.h"
#include "runed/runner/process/line_splitter.h"

namespace rune::daemon::runner::process {
namespace {

using logstore::LogStream;
using logstore::LogWriter;

// How long output is still collected after the process ended (descendants
// that left its process group may hold the pipes open).
constexpr absl::Duration kDrainTime = absl::Seconds(2);

bool ReadToEnd(int fd, std::string* out) {
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // runed went away: nobody waits for the answer
    off += static_cast<size_t>(n);
  }
}

// The reply is the only thing written to stdout; runed reads to EOF.
void Reply(const SuperviseReply& reply) {
  WriteAll(STDOUT_FILENO, reply.SerializeAsString());
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDOUT_FILENO);
    ::close(devnull);
  }
}

void RemoveCgroup(const std::string& dir) {
  if (dir.empty()) return;
  const int kill_fd = ::open(absl::StrCat(dir, "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
  if (kill_fd >= 0) {
    ssize_t unused = ::write(kill_fd, "1", 1);
    (void)unused;
    ::close(kill_fd);
  }
  for (int i = 0; i < 50; ++i) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    ::usleep(20000);
  }
}

class Supervisor {
 public:
  explicit Supervisor(SuperviseRequest request)
      : req_(std::move(request)), dir_(req_.instance_dir()) {}

  int Run() {
    if (absl::Status s = WriteFileAtomically(absl::StrCat(dir_, "/", kSupervisorPidFile),
                                             absl::StrCat(::getpid(), "\n"));
        !s.ok()) {
      return StartFailed(absl::StrCat("failed to start process: ", s.message()));
    }
    absl::StatusOr<std::unique_ptr<LogWriter>> writer =
        LogWriter::Open(req_.log_path(), req_.log_max_bytes());
    if (!writer.ok()) {
      return StartFailed(absl::StrCat("failed to start process: ", writer.status().message()));
    }
    log_ = std::move(*writer);

    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      return StartFailed(absl::StrCat("failed to start process: pipe: ", ErrnoText(errno)));
    }
    LaunchParams params;
    params.info = &req_.launch();
    params.env.assign(req_.env().begin(), req_.env().end());
    params.mounts.assign(req_.mounts().begin(), req_.mounts().end());
    params.stdio.out = out[1];
    params.stdio.err = err[1];
    absl::StatusOr<Launched> launched = Launch(params);
    ::close(out[1]);
    ::close(err[1]);
    // Plaintext values are not needed any more.
    params.env.clear();
    params.mounts.clear();
    req_.clear_env();
    req_.clear_mounts();
    if (!launched.ok()) return StartFailed(std::string(launched.status().message()));
    pid_ = launched->pid;
    pidfd_ = launched->pidfd;

    const absl::Time started_at = absl::Now();
    LaunchInfo info = req_.launch();
    info.set_pid(pid_);
    info.set_started_at_unix_nanos(absl::ToUnixNanos(started_at));
    // Best effort: without these files exec and adoption degrade, the
    // service itself still runs.
    (void)WriteFileAtomically(absl::StrCat(dir_, "/", kLaunchFile), info.SerializeAsString());
    (void)WriteFileAtomically(absl::StrCat(dir_, "/", kPidFile), absl::StrCat(pid_, "\n"));
    SuperviseReply reply;
    reply.set_pid(pid_);
    reply.set_started_at_unix_nanos(absl::ToUnixNanos(started_at));
    reply.set_supervisor_pid(::getpid());
    Reply(reply);

    Pump(out[0], err[0]);
    RemoveCgroup(req_.launch().cgroup());
    (void)WriteFileAtomically(absl::StrCat(dir_, "/", kStatusFile), exit_.SerializeAsString());
    return 0;
  }

 private:
  struct Stream {
    int fd;
    LogStream kind;
    LineSplitter split;
  };

  int StartFailed(const std::string& message) {
    ExitRecord record;
    record.set_start_failed(true);
    record.set_message(message);
    record.set_finished_at_unix_nanos(absl::ToUnixNanos(absl::Now()));
    (void)WriteFileAtomically(absl::StrCat(dir_, "/", kStatusFile), record.SerializeAsString());
    SuperviseReply reply;
    reply.set_error(message);
    reply.set_supervisor_pid(::getpid());
    Reply(reply);
    return 0;
  }

  void Append(absl::Time now, LogStream kind, absl::string_view line) {
    // A full disk must not stop the service: lines that cannot be stored are dropped.
    (void)log_->Append(now, kind, line);
  }

  // Returns false at end of stream.
  bool ReadStream(Stream* s) {
    char buf[65536];
    const ssize_t n = ::read(s->fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    const absl::Time now = absl::Now();
    auto sink = [&](absl::string_view line) { Append(now, s->kind, line); };
    if (n <= 0) {
      s->split.Flush(sink);
      ::close(s->fd);
      s->fd = -1;
      return false;
    }
    s->split.Feed(absl::string_view(buf, static_cast<size_t>(n)), sink);
    return true;
  }

  // True once the process has exited (it stays a zombie until Reap).
  bool Exited() {
    siginfo_t si{};
    if (::waitid(P_PID, pid_, &si, WEXITED | WNOHANG | WNOWAIT) != 0) return errno == ECHILD;
    return si.si_pid == pid_;
  }

  void Reap() {
    // The rest of the process group ends with its leader; the leader's
    // zombie keeps the group id from being reused until it is reaped.
    ::kill(-pid_, SIGKILL);
    siginfo_t si{};
    while (::waitid(P_PID, pid_, &si, WEXITED) != 0 && errno == EINTR) {
    }
    exit_ = ExitRecordOf(si.si_code, si.si_status, absl::Now());
  }

  void Pump(int out_fd, int err_fd) {
    Stream streams[2] = {{out_fd, LogStream::kStdout, LineSplitter()},
                         {err_fd, LogStream::kStderr, LineSplitter()}};
    bool exited = false;
    absl::Time deadline = absl::InfiniteFuture();
    while (true) {
      pollfd fds[3];
      int n = 0;
      int stream_of[3] = {-1, -1, -1};
      for (int i = 0; i < 2; ++i) {
        if (streams[i].fd < 0) continue;
        fds[n] = {streams[i].fd, POLLIN, 0};
        stream_of[n++] = i;
      }
      const int pidfd_slot = !exited && pidfd_ >= 0 ? n : -1;
      if (pidfd_slot >= 0) fds[n++] = {pidfd_, POLLIN, 0};
      if (exited && (n == 0 || absl::Now() >= deadline)) break;
      int timeout = -1;
      if (exited) {
        timeout = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now())) + 1;
      } else if (pidfd_ < 0) {
        timeout = 200;  // no pidfd: look for the exit now and then
      }
      const int ready = ::poll(fds, static_cast<nfds_t>(n), timeout);
      if (ready < 0 && errno != EINTR) break;
      for (int i = 0; i < n && ready > 0; ++i) {
        if (stream_of[i] >= 0 && fds[i].revents != 0) ReadStream(&streams[stream_of[i]]);
      }
      if (!exited && ((pidfd_slot >= 0 && fds[pidfd_slot].revents != 0) ||
                      (pidfd_ < 0 && Exited()))) {
        // Read what is already in the pipes before the group is killed.
        Reap();
        exited = true;
        deadline = absl::Now() + kDrainTime;
      }
    }
    for (Stream& s : streams) {
      if (s.fd < 0) continue;
      s.split.Flush([&](absl::string_view line) { Append(absl::Now(), s.kind, line); });
      ::close(s.fd);
    }
    if (!exited) Reap();
  }

  SuperviseRequest req_;
  std::string dir_;
  std::unique_ptr<LogWriter> log_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  ExitRecord exit_;
};

}  // namespace

int SuperviseMain(int argc, char** argv) {
  if (argc < 3 || std::strcmp(argv[1], kSuperviseArg) != 0) return 2;
  // Only SIGKILL ends a supervisor: a signal sent to runed's whole group or
  // cgroup must not lose the instance's output and status.
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) {
    ::signal(sig, SIG_IGN);
  }
  // Detach: the supervisor is a grandchild of runed, so runed never parents it.
  const pid_t pid = ::fork();
  if (pid < 0) return 1;
  if (pid > 0) _exit(0);
  ::setsid();
  if (::chdir("/") != 0) return 1;

  std::string bytes;
  SuperviseRequest request;
  // Only runed starts supervisors; anything else gets an answer and no files.
  if (!ReadToEnd(STDIN_FILENO, &bytes) || !request.ParseFromString(bytes) ||
      request.instance_dir().empty() || request.log_path().empty() ||
      request.launch().argv_size() == 0 ||
      absl::StrCat(request.ns(), "/", request.id()) != argv[2]) {
    SuperviseReply reply;
    reply.set_error("failed to start process: unreadable supervisor request");
    Reply(reply);
    return 1;
  }
  bytes.assign(bytes.size(), '\0');
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::close(devnull);
  }
  Supervisor supervisor(std::move(request));
  return supervisor.Run();
}

}  // namespace rune::daemon::runner::process
