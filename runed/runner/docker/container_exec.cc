#include "runed/runner/docker/container_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace rune::daemon::docker {
namespace {

using google::protobuf::Value;

constexpr absl::Duration kExitWait = absl::Seconds(5);

std::string ErrnoText(int err) { return absl::AsciiStrToLower(std::strerror(err)); }

void BlockSigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Writes everything; false once the other side is gone.
bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) {
      const ssize_t w = ::write(fd, data.data(), data.size());
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      data.remove_prefix(static_cast<size_t>(w));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void Notify(int eventfd) {
  const uint64_t one = 1;
  (void)!::write(eventfd, &one, sizeof one);
}

class ContainerExec final : public runner::ExecProcess {
 public:
  ContainerExec(EngineClient* engine, std::string exec_id, bool tty, HijackedStream stream)
      : engine_(engine), exec_id_(std::move(exec_id)), tty_(tty), stream_(std::move(stream)) {}

  ~ContainerExec() override {
    // Unblock the pumps: readers of our pipes are gone, the connection is cut.
    CloseFd(out_r_);
    CloseFd(err_r_);
    if (stream_.fd() >= 0) ::shutdown(stream_.fd(), SHUT_RDWR);
    if (stop_fd_ >= 0) Notify(stop_fd_);
    if (output_.joinable()) output_.join();
    if (input_.joinable()) input_.join();
    for (int* fd : {&in_r_, &in_w_, &out_w_, &err_w_, &user_fd_, &pump_fd_, &done_fd_, &stop_fd_}) {
      CloseFd(*fd);
    }
  }

  absl::Status Init() {
    done_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (done_fd_ < 0 || stop_fd_ < 0) return Errno("eventfd");
    if (tty_) {
      int pair[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return Errno("socketpair");
      user_fd_ = pair[0];
      pump_fd_ = pair[1];
    } else {
      int in[2], out[2], err[2];
      if (::pipe2(in, O_CLOEXEC) != 0) return Errno("pipe");
      in_r_ = in[0];
      in_w_ = in[1];
      if (::pipe2(out, O_CLOEXEC) != 0) return Errno("pipe");
      out_r_ = out[0];
      out_w_ = out[1];
      if (::pipe2(err, O_CLOEXEC) != 0) return Errno("pipe");
      err_r_ = err[0];
      err_w_ = err[1];
    }
    std::string early = stream_.TakeBuffered();
    output_ = std::thread([this, early = std::move(early)] { PumpOutput(early); });
    input_ = std::thread([this] { PumpInput(); });
    return absl::OkStatus();
  }

  int stdin_fd() const override {
    absl::MutexLock lock(&mu_);
    return tty_ ? user_fd_ : in_w_;
  }
  int stdout_fd() const override { return tty_ ? user_fd_ : out_r_; }
  int stderr_fd() const override { return tty_ ? -1 : err_r_; }
  int pidfd() const override { return done_fd_; }

  void CloseStdin() override {
    if (tty_) {
      // The terminal's EOF character (VEOF, ^D) ends the command's input.
      (void)WriteAll(user_fd_, "\x04");
      return;
    }
    absl::MutexLock lock(&mu_);
    CloseFd(in_w_);
  }

  absl::Status Signal(int sig) override {
    absl::StatusOr<int64_t> pid = Pid();
    if (!pid.ok()) return pid.status();
    if (::kill(static_cast<pid_t>(*pid), sig) != 0 && errno != ESRCH) {
      return absl::InternalError(absl::StrCat("kill ", *pid, ": ", ErrnoText(errno)));
    }
    return absl::OkStatus();
  }

  absl::Status Resize(uint16_t rows, uint16_t cols) override {
    return ResizeExec(engine_, exec_id_, rows, cols);
  }

  runner::ExitStatus Wait() override {
    if (output_.joinable()) output_.join();
    Notify(stop_fd_);
    if (input_.joinable()) input_.join();
    absl::MutexLock lock(&mu_);
    if (waited_) return exit_;
    waited_ = true;
    exit_.finished_at = absl::Now();
    // The stream may end a moment before the engine records the exit.
    const absl::Time until = absl::Now() + kExitWait;
    for (;;) {
      absl::StatusOr<EngineResponse> r = engine_->Call("GET", absl::StrCat("/exec/", exec_id_, "/json"));
      if (r.ok() && r->status == 200 && !BoolField(r->json, "Running")) {
        exit_.exit_code = static_cast<int>(std::lround(NumberField(r->json, "ExitCode")));
        exit_.message = absl::StrCat("exit code ", exit_.exit_code);
        return exit_;
      }
      if (absl::Now() >= until || !r.ok() || r->status != 200) {
        exit_.exit_code = -1;
        exit_.message = !r.ok()                ? std::string(r.status().message())
                        : r->status != 200     ? r->message
                                               : "the engine still reports the command running";
        exit_.message = absl::StrCat("cannot read the exit code: ", exit_.message);
        return exit_;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  }

  static absl::Status ResizeExec(EngineClient* engine, const std::string& exec_id, uint16_t rows,
                                 uint16_t cols) {
    absl::StatusOr<EngineResponse> r = engine->Call(
        "POST", absl::StrCat("/exec/", exec_id, "/resize?h=", rows, "&w=", cols));
    if (!r.ok()) return r.status();
    if (r->status >= 400) return absl::FailedPreconditionError(r->message);
    return absl::OkStatus();
  }

 private:
  static absl::Status Errno(absl::string_view what) {
    return absl::InternalError(absl::StrCat("exec: ", what, ": ", ErrnoText(errno)));
  }

  absl::StatusOr<int64_t> Pid() {
    {
      absl::MutexLock lock(&mu_);
      if (pid_ > 0) return pid_;
    }
    absl::StatusOr<EngineResponse> r = engine_->Call("GET", absl::StrCat("/exec/", exec_id_, "/json"));
    if (!r.ok()) return r.status();
    if (r->status != 200) return absl::FailedPreconditionError(r->message);
    const int64_t pid = static_cast<int64_t>(NumberField(r->json, "Pid"));
    if (pid <= 0) return absl::FailedPreconditionError("the exec command has no process");
    absl::MutexLock lock(&mu_);
    pid_ = pid;
    return pid;
  }

  void PumpOutput(const std::string& early) {
    BlockSigpipe();
    bool out_open = true, err_open = true;
    FrameDemuxer demux;
    auto deliver = [&](absl::string_view data) {
      if (tty_) {
        if (out_open) out_open = WriteAll(pump_fd_, data);
        return;
      }
      demux.Feed(data, [&](int stream, absl::string_view payload) {
        if (stream == 2) {
          if (err_open) err_open = WriteAll(err_w_, payload);
        } else if (stream == 1 || stream == 0) {
          if (out_open) out_open = WriteAll(out_w_, payload);
        }
      });
    };
    if (!early.empty()) deliver(early);
    char buffer[32 * 1024];
    for (;;) {
      const ssize_t n = ::read(stream_.fd(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      deliver(absl::string_view(buffer, static_cast<size_t>(n)));
    }
    if (tty_) {
      ::shutdown(pump_fd_, SHUT_WR);
    } else {
      CloseFd(out_w_);
      CloseFd(err_w_);
    }
    Notify(stop_fd_);
    Notify(done_fd_);
  }

  void PumpInput() {
    BlockSigpipe();
    const int source = tty_ ? pump_fd_ : in_r_;
    char buffer[32 * 1024];
    for (;;) {
      pollfd fds[2] = {{source, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents != 0) return;
      const ssize_t n = ::read(source, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        // The caller closed the command's stdin.
        stream_.CloseWrite();
        return;
      }
      if (!WriteAll(stream_.fd(), absl::string_view(buffer, static_cast<size_t>(n)))) return;
    }
  }

  EngineClient* const engine_;
  const std::string exec_id_;
  const bool tty_;
  HijackedStream stream_;
  int in_r_ = -1, in_w_ = -1, out_r_ = -1, out_w_ = -1, err_r_ = -1, err_w_ = -1;
  int user_fd_ = -1, pump_fd_ = -1;
  int done_fd_ = -1, stop_fd_ = -1;
  std::thread output_;
  std::thread input_;
  mutable absl::Mutex mu_;
  int64_t pid_ ABSL_GUARDED_BY(mu_) = 0;
  bool waited_ ABSL_GUARDED_BY(mu_) = false;
  runner::ExitStatus exit_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<runner::ExecProcess>> StartContainerExec(
    EngineClient* engine, const std::string& container_id, const runner::ExecSpec& spec) {
  Value create;
  At(create, "AttachStdin") = Bool(true);
  At(create, "AttachStdout") = Bool(true);
  At(create, "AttachStderr") = Bool(true);
  At(create, "Tty") = Bool(spec.tty);
  At(create, "Cmd") = List(spec.argv);
  if (!spec.extra_env.empty()) At(create, "Env") = List(spec.extra_env);
  if (!spec.workdir.empty()) At(create, "WorkingDir") = Str(spec.workdir);
  absl::StatusOr<EngineResponse> created =
      engine->Call("POST", absl::StrCat("/containers/", container_id, "/exec"), &create);
  if (!created.ok()) return created.status();
  if (created->status == 404 || created->status == 409) {
    return absl::NotFoundError(created->message);
  }
  if (created->status >= 400) return absl::FailedPreconditionError(created->message);
  const std::string exec_id = StringField(created->json, "Id");
  if (exec_id.empty()) return absl::InternalError("the engine created an exec without an ID");

  Value start;
  At(start, "Detach") = Bool(false);
  At(start, "Tty") = Bool(spec.tty);
  if (spec.tty) {
    Value size;
    size.mutable_list_value()->add_values()->set_number_value(spec.rows);
    size.mutable_list_value()->add_values()->set_number_value(spec.cols);
    At(start, "ConsoleSize") = std::move(size);
  }
  absl::StatusOr<HijackedStream> stream = engine->Hijack(absl::StrCat("/exec/", exec_id, "/start"), start);
  if (!stream.ok()) return stream.status();
  auto process = std::make_unique<ContainerExec>(engine, exec_id, spec.tty, *std::move(stream));
  if (absl::Status s = process->Init(); !s.ok()) return s;
  if (spec.tty) (void)ContainerExec::ResizeExec(engine, exec_id, spec.rows, spec.cols);
  return std::unique_ptr<runner::ExecProcess>(std::move(process));
}

}  // namespace rune::daemon::docker
