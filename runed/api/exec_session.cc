#include "runed/api/exec_session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "runed/api/call.h"
#include "runed/api/service_records.h"
#include "runed/api/streams.h"
#include "runed/api/targets.h"

namespace rune::daemon {

// ---------------------------------------------------------------------------
// ExecChannel

class ExecChannel::Reactor final : public ExecReactor {
 public:
  explicit Reactor(std::shared_ptr<ExecChannel> channel) : channel_(std::move(channel)) {}

  void OnReadDone(bool ok) override { channel_->OnReadDone(ok); }
  void OnWriteDone(bool ok) override { channel_->OnWriteDone(ok); }
  void OnCancel() override { channel_->OnCancel(); }
  void OnDone() override {
    channel_->OnDone();
    delete this;
  }

  api::ExecRequest request;  // target of the outstanding read

 private:
  std::shared_ptr<ExecChannel> channel_;
};

std::pair<std::shared_ptr<ExecChannel>, ExecReactor*> ExecChannel::Open(
    grpc::CallbackServerContext* ctx) {
  std::shared_ptr<ExecChannel> channel(new ExecChannel(ctx));
  auto* reactor = new Reactor(channel);
  absl::MutexLock lock(&channel->mu_);
  channel->reactor_ = reactor;
  channel->StartReadLocked();
  return {channel, reactor};
}

ExecChannel::ExecChannel(grpc::CallbackServerContext* ctx)
    : ctx_(ctx), wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ExecChannel::~ExecChannel() {
  if (wake_fd_ >= 0) close(wake_fd_);
}

void ExecChannel::Wake() {
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void ExecChannel::DrainWake() {
  uint64_t value;
  (void)!read(wake_fd_, &value, sizeof(value));
}

bool ExecChannel::HasInputLocked() const {
  return !requests_.empty() || reads_done_ || gone_ || shutting_down_;
}

void ExecChannel::AwaitInput() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](ExecChannel* c) ABSL_NO_THREAD_SAFETY_ANALYSIS { return c->HasInputLocked(); }, this));
}

std::optional<api::ExecRequest> ExecChannel::TakeRequest() {
  absl::MutexLock lock(&mu_);
  if (requests_.empty()) return std::nullopt;
  api::ExecRequest r = std::move(requests_.front());
  requests_.pop_front();
  StartReadLocked();
  return r;
}

bool ExecChannel::input_closed() {
  absl::MutexLock lock(&mu_);
  return reads_done_ && requests_.empty();
}

bool ExecChannel::gone() {
  absl::MutexLock lock(&mu_);
  return gone_;
}

bool ExecChannel::shutting_down() {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

void ExecChannel::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  Wake();
}

bool ExecChannel::CanSend() {
  absl::MutexLock lock(&mu_);
  return responses_.size() < kMaxQueuedResponses;
}

bool ExecChannel::Send(api::ExecResponse response) {
  absl::MutexLock lock(&mu_);
  if (gone_ || pending_finish_.has_value() || finished_) return false;
  responses_.push_back(std::move(response));
  WriteNextLocked();
  return true;
}

void ExecChannel::Finish(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (pending_finish_.has_value() || finished_) return;
  // ctx_ lives until the reactor is done, which needs this finish first.
  RequestFinishLocked(ToGrpcStatus(reactor_ != nullptr ? ctx_ : nullptr, status));
}

void ExecChannel::Finish(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  RequestFinishLocked(status);
}

void ExecChannel::RequestFinishLocked(const grpc::Status& status) {
  if (pending_finish_.has_value() || finished_) return;
  pending_finish_ = status;
  if (gone_) {
    // Nobody reads them; keep only the one a write owns.
    while (responses_.size() > (writing_ ? 1u : 0u)) responses_.pop_back();
  }
  WriteNextLocked();
}

void ExecChannel::StartReadLocked() {
  if (reactor_ == nullptr || reading_ || reads_done_ || finished_ ||
      pending_finish_.has_value() || requests_.size() >= kMaxQueuedRequests) {
    return;
  }
  reading_ = true;
  reactor_->StartRead(&reactor_->request);
}

void ExecChannel::WriteNextLocked() {
  if (reactor_ == nullptr || writing_ || finished_) return;
  if (!responses_.empty()) {
    writing_ = true;
    reactor_->StartWrite(&responses_.front());
    return;
  }
  if (pending_finish_.has_value()) FinishLocked(*pending_finish_);
}

void ExecChannel::FinishLocked(const grpc::Status& status) {
  if (reactor_ == nullptr || finished_) return;
  finished_ = true;
  reactor_->Finish(status);
}

void ExecChannel::OnReadDone(bool ok) {
  absl::MutexLock lock(&mu_);
  reading_ = false;
  if (!ok) {
    reads_done_ = true;
  } else {
    requests_.push_back(std::move(reactor_->request));
    reactor_->request.Clear();
    StartReadLocked();
  }
  Wake();
}

void ExecChannel::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) {
    gone_ = true;
    responses_.clear();
  } else if (!responses_.empty()) {
    responses_.pop_front();
  }
  Wake();
  if (!ok) {
    if (pending_finish_.has_value()) FinishLocked(*pending_finish_);
    return;
  }
  WriteNextLocked();
}

void ExecChannel::OnCancel() {
  absl::MutexLock lock(&mu_);
  gone_ = true;
  Wake();
}

void ExecChannel::OnDone() {
  absl::MutexLock lock(&mu_);
  reactor_ = nullptr;
  gone_ = true;
  Wake();
}

// ---------------------------------------------------------------------------
// Signals

namespace {

struct SignalEntry {
  int number;
  const char* name;
};

// The names a client may send (SPEC §5.12).
constexpr SignalEntry kClientSignals[] = {
    {SIGINT, "INT"},   {SIGTERM, "TERM"}, {SIGKILL, "KILL"}, {SIGHUP, "HUP"},
    {SIGQUIT, "QUIT"}, {SIGUSR1, "USR1"}, {SIGUSR2, "USR2"}, {SIGWINCH, "WINCH"},
};

constexpr SignalEntry kAllSignals[] = {
    {SIGHUP, "HUP"},     {SIGINT, "INT"},       {SIGQUIT, "QUIT"}, {SIGILL, "ILL"},
    {SIGTRAP, "TRAP"},   {SIGABRT, "ABRT"},     {SIGBUS, "BUS"},   {SIGFPE, "FPE"},
    {SIGKILL, "KILL"},   {SIGUSR1, "USR1"},     {SIGSEGV, "SEGV"}, {SIGUSR2, "USR2"},
    {SIGPIPE, "PIPE"},   {SIGALRM, "ALRM"},     {SIGTERM, "TERM"}, {SIGSTKFLT, "STKFLT"},
    {SIGCHLD, "CHLD"},   {SIGCONT, "CONT"},     {SIGSTOP, "STOP"}, {SIGTSTP, "TSTP"},
    {SIGTTIN, "TTIN"},   {SIGTTOU, "TTOU"},     {SIGURG, "URG"},   {SIGXCPU, "XCPU"},
    {SIGXFSZ, "XFSZ"},   {SIGVTALRM, "VTALRM"}, {SIGPROF, "PROF"}, {SIGWINCH, "WINCH"},
    {SIGIO, "IO"},       {SIGPWR, "PWR"},       {SIGSYS, "SYS"},
};

}  // namespace

int ExecSignalNumber(absl::string_view name) {
  for (const SignalEntry& s : kClientSignals) {
    if (name == s.name) return s.number;
  }
  return 0;
}

std::string SignalName(int signal_number) {
  for (const SignalEntry& s : kAllSignals) {
    if (s.number == signal_number) return s.name;
  }
  if (signal_number >= SIGRTMIN && signal_number <= SIGRTMAX) {
    return absl::StrCat("RTMIN+", signal_number - SIGRTMIN);
  }
  return "";
}

// ---------------------------------------------------------------------------
// The session thread

namespace {

constexpr size_t kMaxChunk = 32 * 1024;  // SPEC §5.12
// Client stdin held back while the command does not read it; reading from
// the client pauses beyond this.
constexpr size_t kMaxPendingStdin = 256 * 1024;
constexpr absl::Duration kHangupGrace = absl::Seconds(5);
// After the command exited: output still arriving (a PTY delivers late) is
// read until every stream closed, nothing came for kDrainIdle, or kDrainMax.
constexpr absl::Duration kDrainIdle = absl::Milliseconds(200);
constexpr absl::Duration kDrainMax = absl::Seconds(2);

struct Launched {
  std::unique_ptr<runner::ExecProcess> process;
  std::string instance_id;
  bool tty = false;
  int timeout_seconds = 0;
};

bool ValidEnvName(absl::string_view key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  for (char c : key) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<runner::ExecSpec> SpecOf(const api::ExecInit& init) {
  if (init.command().empty()) return absl::InvalidArgumentError("command must not be empty");
  if (init.timeout_seconds() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("timeout_seconds must not be negative, got ", init.timeout_seconds()));
  }
  runner::ExecSpec spec;
  spec.argv.assign(init.command().begin(), init.command().end());
  std::vector<std::pair<std::string, std::string>> env(init.env().begin(), init.env().end());
  std::sort(env.begin(), env.end());
  for (const auto& [key, value] : env) {
    if (!ValidEnvName(key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid environment variable name \"", key, "\": must match ^[A-Za-z_][A-Za-z0-9_]*$"));
    }
    spec.extra_env.push_back(absl::StrCat(key, "=", value));
  }
  spec.workdir = init.workdir();
  spec.tty = init.tty();
  if (init.terminal_size().rows() > 0 && init.terminal_size().cols() > 0) {
    spec.rows = static_cast<uint16_t>(std::min<uint32_t>(init.terminal_size().rows(), 0xffff));
    spec.cols = static_cast<uint16_t>(std::min<uint32_t>(init.terminal_size().cols(), 0xffff));
  }
  return spec;
}

// Everything before the command starts: the first message, RBAC on the
// target's kind, the target, the instance, the runner.
absl::StatusOr<Launched> Launch(grpc::CallbackServerContext& ctx, const ExecDeps& deps,
                                const std::optional<api::ExecRequest>& first) {
  if (!first.has_value() || !first->has_init()) {
    // Who may call at all is still decided first.
    RUNE_RETURN_IF_ERROR(
        deps.authz->Authorize(ctx, first.value_or(api::ExecRequest())).status());
    return absl::InvalidArgumentError("first message must be init");
  }
  const api::ExecInit& init = first->init();
  const std::string ns = EffectiveNamespace(init.namespace_());
  absl::StatusOr<Target> target = ResolveTarget(Reader::Of(deps.store), ns, init.target());
  std::optional<Target::Kind> typed;
  SplitTargetPrefix(init.target(), &typed);
  const char* resource = target.ok() ? target->resource()
                         : typed == Target::Kind::kInstance ? "instance"
                                                            : "service";
  RUNE_RETURN_IF_ERROR(deps.authz->AuthorizeAs(ctx, resource, "exec", ns).status());
  RUNE_ASSIGN_OR_RETURN(runner::ExecSpec spec, SpecOf(init));
  if (!target.ok()) return target.status();
  RUNE_ASSIGN_OR_RETURN(api::Instance instance, PickExecInstance(*target));
  if (deps.runner == nullptr) return absl::UnavailableError("process runner is not available");
  Launched launched;
  RUNE_ASSIGN_OR_RETURN(launched.process,
                        deps.runner->Exec(runner::InstanceKey{ns, instance.id()}, spec));
  launched.instance_id = instance.id();
  launched.tty = spec.tty;
  launched.timeout_seconds = init.timeout_seconds();
  return launched;
}

void SetNonBlocking(int fd) {
  if (fd < 0) return;
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int PollTimeoutMs(absl::Time now, absl::Time until) {
  if (until == absl::InfiniteFuture()) return -1;
  if (until <= now) return 0;
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(until - now, absl::Milliseconds(1))),
                        60 * 1000));
}

// Runs one started command to its end.
class CommandPump {
 public:
  CommandPump(ExecChannel* channel, Launched launched)
      : channel_(channel), launched_(std::move(launched)), process_(launched_.process.get()) {}

  void Run();

 private:
  // Applies one client message; an error ends the session.
  absl::Status Handle(const api::ExecRequest& request);
  void FlushStdin();
  // Reads what `fd` has; false once it is closed.
  bool ReadOutput(int fd, bool is_stderr);
  void Signal(int sig) { (void)process_->Signal(sig); }
  // SIGKILL, reap, then finish with `status`.
  void Abort(const absl::Status& status);
  void Deliver(const runner::ExitStatus& status);

  ExecChannel* channel_;
  Launched launched_;
  runner::ExecProcess* process_;

  std::string pending_stdin_;
  bool stdin_close_requested_ = false;
  bool stdin_closed_ = false;
  bool stdin_broken_ = false;
  bool stdout_open_ = true;
  bool stderr_open_ = true;
  bool exited_ = false;
  bool timed_out_ = false;
  bool hung_up_ = false;
  bool killed_ = false;
  absl::Time deadline_ = absl::InfiniteFuture();
  absl::Time kill_at_ = absl::InfiniteFuture();
  absl::Time exited_at_ = absl::InfiniteFuture();
  absl::Time last_output_ = absl::InfinitePast();
};

absl::Status CommandPump::Handle(const api::ExecRequest& request) {
  switch (request.message_case()) {
    case api::ExecRequest::kInit:
      return absl::InvalidArgumentError("init may be sent only once");
    case api::ExecRequest::kStdin:
      if (!stdin_close_requested_ && !stdin_broken_) pending_stdin_.append(request.stdin());
      return absl::OkStatus();
    case api::ExecRequest::kStdinClose:
      stdin_close_requested_ = true;
      return absl::OkStatus();
    case api::ExecRequest::kResize:
      if (launched_.tty && request.resize().rows() > 0 && request.resize().cols() > 0) {
        (void)process_->Resize(
            static_cast<uint16_t>(std::min<uint32_t>(request.resize().rows(), 0xffff)),
            static_cast<uint16_t>(std::min<uint32_t>(request.resize().cols(), 0xffff)));
      }
      return absl::OkStatus();
    case api::ExecRequest::kSignal: {
      const int sig = ExecSignalNumber(request.signal());
      if (sig == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown signal \"", request.signal(),
                         "\": must be one of INT, TERM, KILL, HUP, QUIT, USR1, USR2, WINCH"));
      }
      if (!exited_) Signal(sig);
      return absl::OkStatus();
    }
    case api::ExecRequest::MESSAGE_NOT_SET:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

void CommandPump::FlushStdin() {
  const int fd = process_->stdin_fd();
  if (fd < 0) {
    pending_stdin_.clear();
    stdin_broken_ = true;
  }
  while (!pending_stdin_.empty() && !stdin_broken_) {
    const ssize_t n = write(fd, pending_stdin_.data(), std::min<size_t>(pending_stdin_.size(), 65536));
    if (n > 0) {
      pending_stdin_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    // The command closed its stdin (EPIPE) or the terminal went away.
    stdin_broken_ = true;
    pending_stdin_.clear();
  }
  if (stdin_close_requested_ && pending_stdin_.empty() && !stdin_closed_) {
    stdin_closed_ = true;
    if (!stdin_broken_) process_->CloseStdin();
  }
}

bool CommandPump::ReadOutput(int fd, bool is_stderr) {
  char buffer[kMaxChunk];
  while (channel_->gone() || channel_->CanSend()) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      last_output_ = absl::Now();
      api::ExecResponse response;
      if (is_stderr) {
        response.set_stderr(buffer, static_cast<size_t>(n));
      } else {
        response.set_stdout(buffer, static_cast<size_t>(n));
      }
      channel_->Send(std::move(response));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;  // EOF, or EIO from a PTY whose other side is closed
  }
  return true;
}

void CommandPump::Abort(const absl::Status& status) {
  Signal(SIGKILL);
  process_->Wait();
  channel_->Finish(status);
}

void CommandPump::Deliver(const runner::ExitStatus& status) {
  if (channel_->shutting_down()) {
    channel_->Finish(ShuttingDownStatus());
    return;
  }
  if (status.start_failed) {
    channel_->Finish(absl::FailedPreconditionError(status.message));
    return;
  }
  api::ExecResponse response;
  api::ExecExit* exit = response.mutable_exit();
  if (status.signal > 0) {
    exit->set_code(128 + status.signal);
    exit->set_signaled(true);
    exit->set_signal(SignalName(status.signal));
    exit->set_signal_number(status.signal);
  } else {
    exit->set_code(status.exit_code);
  }
  exit->set_timed_out(timed_out_);
  channel_->Send(std::move(response));
  channel_->Finish(absl::OkStatus());
}

void CommandPump::Run() {
  SetNonBlocking(process_->stdin_fd());
  SetNonBlocking(process_->stdout_fd());
  SetNonBlocking(process_->stderr_fd());
  stdout_open_ = process_->stdout_fd() >= 0;
  stderr_open_ = !launched_.tty && process_->stderr_fd() >= 0;
  if (launched_.timeout_seconds > 0) deadline_ = absl::Now() + absl::Seconds(launched_.timeout_seconds);

  for (;;) {
    channel_->DrainWake();
    absl::Time now = absl::Now();
    if (channel_->shutting_down() && !killed_) {
      killed_ = true;
      Signal(SIGKILL);
    }
    if (channel_->gone() && !hung_up_) {
      // The client is gone: it gets nothing more; the command gets SIGHUP
      // and, if still alive after the grace, SIGKILL.
      hung_up_ = true;
      channel_->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client disconnected"));
      if (!exited_) Signal(SIGHUP);
      kill_at_ = now + kHangupGrace;
    }
    if (!exited_ && !killed_ && now >= kill_at_) {
      killed_ = true;
      Signal(SIGKILL);
    }
    if (!exited_ && !timed_out_ && now >= deadline_) {
      timed_out_ = true;
      Signal(SIGKILL);
    }
    while (pending_stdin_.size() < kMaxPendingStdin) {
      std::optional<api::ExecRequest> request = channel_->TakeRequest();
      if (!request.has_value()) break;
      if (absl::Status s = Handle(*request); !s.ok()) return Abort(s);
    }
    if (channel_->input_closed()) stdin_close_requested_ = true;
    FlushStdin();

    if (exited_) {
      const bool drained = (!stdout_open_ && !stderr_open_) || now >= exited_at_ + kDrainMax ||
                           now >= std::max(last_output_, exited_at_) + kDrainIdle;
      if (drained) break;
    }

    std::vector<pollfd> fds;
    fds.push_back({channel_->wake_fd(), POLLIN, 0});
    int pidfd_at = -1, out_at = -1, err_at = -1;
    if (!exited_) {
      pidfd_at = static_cast<int>(fds.size());
      fds.push_back({process_->pidfd(), POLLIN, 0});
    }
    const bool can_read = channel_->gone() || channel_->CanSend();
    if (!can_read) last_output_ = now;  // waiting for the client is not idleness
    if (stdout_open_ && can_read) {
      out_at = static_cast<int>(fds.size());
      fds.push_back({process_->stdout_fd(), POLLIN, 0});
    }
    if (stderr_open_ && can_read) {
      err_at = static_cast<int>(fds.size());
      fds.push_back({process_->stderr_fd(), POLLIN, 0});
    }
    if (!pending_stdin_.empty() && !stdin_broken_) {
      fds.push_back({process_->stdin_fd(), POLLOUT, 0});
    }
    absl::Time until = absl::InfiniteFuture();
    if (!exited_) {
      if (!timed_out_) until = std::min(until, deadline_);
      if (!killed_) until = std::min(until, kill_at_);
    } else {
      until = std::min(exited_at_ + kDrainMax, std::max(last_output_, exited_at_) + kDrainIdle);
    }
    const int ready = poll(fds.data(), fds.size(), PollTimeoutMs(now, until));
    if (ready < 0 && errno != EINTR) {
      // Nothing sane is left to wait on; end the command.
      return Abort(absl::InternalError(absl::StrCat("exec session: poll failed: ", strerror(errno))));
    }
    if (ready <= 0) continue;
    if (pidfd_at >= 0 && fds[pidfd_at].revents != 0) {
      exited_ = true;
      exited_at_ = absl::Now();
    }
    if (out_at >= 0 && fds[out_at].revents != 0) {
      stdout_open_ = ReadOutput(process_->stdout_fd(), false);
    }
    if (err_at >= 0 && fds[err_at].revents != 0) {
      stderr_open_ = ReadOutput(process_->stderr_fd(), true);
    }
  }
  const runner::ExitStatus status = process_->Wait();
  if (hung_up_) return;  // already finished for the departed client
  Deliver(status);
}

// Blocks SIGPIPE in this thread: a write to a command that closed its stdin
// fails with EPIPE instead of signalling the process.
void BlockSigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

void RunExecSession(const std::shared_ptr<ExecChannel>& channel, const ExecDeps& deps) {
  BlockSigpipe();
  std::weak_ptr<ExecChannel> weak = channel;
  const uint64_t stream_id = Streams().Add([weak] {
    if (auto c = weak.lock()) c->Shutdown();
  });
  if (stream_id == 0) {
    channel->Finish(ShuttingDownStatus());
    return;
  }
  channel->AwaitInput();
  absl::StatusOr<Launched> launched = absl::UnknownError("not started");
  if (channel->shutting_down()) {
    channel->Finish(ShuttingDownStatus());
  } else if (channel->gone()) {
    channel->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client disconnected"));
  } else {
    launched = Launch(*channel->ctx(), deps, channel->TakeRequest());
    if (!launched.ok()) channel->Finish(launched.status());
  }
  if (launched.ok()) {
    api::ExecResponse started;
    started.mutable_started()->set_instance_id(launched->instance_id);
    channel->Send(std::move(started));
    CommandPump(channel.get(), std::move(*launched)).Run();
  }
  Streams().Remove(stream_id);
}

}  // namespace rune::daemon
