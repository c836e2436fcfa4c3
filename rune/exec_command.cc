// `rune exec` (SPEC §3.6.8, §2.7): runs a command in an instance over the
// ExecService bidi stream. The main thread reads the session and writes the
// remote output byte for byte; one thread forwards stdin until EOF (then
// stdin_close), one turns local signals into signal/resize messages and
// bounds the time until the command starts by --request-timeout. The exit
// code is the remote command's.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/duration.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "proto/exec.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/exec_terminal.h"

namespace rune::cli {
namespace {

constexpr size_t kStdinChunk = 32 * 1024;
// A second SIGINT within this window detaches (SPEC §2.7).
constexpr absl::Duration kDetachWindow = absl::Seconds(2);
// How long the stdin and signal threads get to notice the end of the session.
constexpr absl::Duration kWriterGrace = absl::Seconds(1);

const char* ForwardedName(int sig) {
  switch (sig) {
    case SIGINT: return "INT";
    case SIGTERM: return "TERM";
    case SIGHUP: return "HUP";
    case SIGQUIT: return "QUIT";
    default: return nullptr;
  }
}

class ExecClient {
 public:
  ExecClient(Invocation& inv, Connection& conn, bool tty)
      : inv_(inv),
        conn_(conn),
        tty_(tty),
        signals_({SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH}) {
    if (pipe2(stdin_stop_, O_CLOEXEC) != 0) stdin_stop_[0] = stdin_stop_[1] = -1;
  }
  ~ExecClient() {
    for (int fd : stdin_stop_) {
      if (fd >= 0) close(fd);
    }
  }

  // Runs the session to its end; the status carries the exit code.
  absl::Status Run(const api::ExecRequest& init, absl::Duration timeout);

 private:
  bool Send(const api::ExecRequest& request) ABSL_LOCKS_EXCLUDED(write_mu_);
  void ForwardStdin();
  void HandleSignals();
  bool started() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return started_;
  }
  void Detach() ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      detached_ = true;
    }
    ctx_.TryCancel();
  }

  Invocation& inv_;
  Connection& conn_;
  const bool tty_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<api::ExecRequest, api::ExecResponse>> stream_;
  SignalPipe signals_;
  int stdin_stop_[2] = {-1, -1};
  std::atomic<bool> closing_{false};
  absl::Mutex write_mu_;  // one outstanding Write
  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool detached_ ABSL_GUARDED_BY(mu_) = false;
  bool start_timed_out_ ABSL_GUARDED_BY(mu_) = false;
  bool stdin_done_ ABSL_GUARDED_BY(mu_) = false;
  bool signals_done_ ABSL_GUARDED_BY(mu_) = false;
};

bool ExecClient::Send(const api::ExecRequest& request) {
  absl::MutexLock lock(&write_mu_);
  if (closing_) return false;
  return stream_->Write(request);
}

void ExecClient::ForwardStdin() {
  char buffer[kStdinChunk];
  if (&inv_.in() == &std::cin) {
    // The process's own stdin: poll so that the end of the session can stop
    // a read that would otherwise wait for a key press.
    for (;;) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {stdin_stop_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents != 0) return;
      const ssize_t n = read(STDIN_FILENO, buffer, sizeof(buffer));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      api::ExecRequest request;
      request.set_stdin(buffer, static_cast<size_t>(n));
      if (!Send(request)) return;
    }
  } else {
    std::istream& in = inv_.in();
    while (!closing_) {
      in.read(buffer, sizeof(buffer));
      const std::streamsize n = in.gcount();
      if (n > 0) {
        api::ExecRequest request;
        request.set_stdin(buffer, static_cast<size_t>(n));
        if (!Send(request)) return;
      }
      if (!in) break;
    }
  }
  api::ExecRequest close;
  close.set_stdin_close(true);
  Send(close);
}

void ExecClient::HandleSignals() {
  const absl::Time start_deadline = absl::Now() + inv_.parsed.Duration("request-timeout");
  bool start_wait_over = false;
  absl::Time last_interrupt = absl::InfinitePast();
  for (;;) {
    absl::Duration wait = absl::InfiniteDuration();
    if (!start_wait_over && !started()) wait = std::max(start_deadline - absl::Now(), absl::ZeroDuration());
    const int sig = signals_.Next(wait);
    if (sig < 0) return;
    if (sig == 0) {
      start_wait_over = true;
      absl::MutexLock lock(&mu_);
      if (!started_) {
        start_timed_out_ = true;
        ctx_.TryCancel();
      }
      continue;
    }
    if (sig == SIGWINCH) {
      const TerminalSize size = CurrentTerminalSize();
      if (tty_ && started() && size.rows > 0) {
        api::ExecRequest resize;
        resize.mutable_resize()->set_rows(size.rows);
        resize.mutable_resize()->set_cols(size.cols);
        Send(resize);
      }
      continue;
    }
    const char* name = ForwardedName(sig);
    if (name == nullptr) continue;
    if (!started()) {
      // Nothing runs yet: an interrupt just ends the attempt.
      Detach();
      continue;
    }
    if (sig == SIGINT) {
      const absl::Time now = absl::Now();
      if (now - last_interrupt < kDetachWindow) {
        Detach();
        continue;
      }
      last_interrupt = now;
    }
    api::ExecRequest signal;
    signal.set_signal(name);
    Send(signal);
  }
}

absl::Status ExecClient::Run(const api::ExecRequest& init, absl::Duration timeout) {
  conn_.PrepareStream(&ctx_);
  std::unique_ptr<api::ExecService::Stub> stub = api::ExecService::NewStub(conn_.channel());
  const absl::Time start = absl::Now();
  stream_ = stub->Exec(&ctx_);
  std::thread signal_thread([this] {
    HandleSignals();
    absl::MutexLock done(&mu_);
    signals_done_ = true;
  });
  std::thread stdin_thread;
  std::optional<RawTerminal> raw;
  std::optional<api::ExecExit> exit;
  Send(init);

  api::ExecResponse response;
  while (stream_->Read(&response)) {
    switch (response.message_case()) {
      case api::ExecResponse::kStarted: {
        absl::MutexLock lock(&mu_);
        if (started_) break;
        started_ = true;
        if (tty_ && inv_.streams().stdin_tty && &inv_.in() == &std::cin) raw.emplace(STDIN_FILENO);
        stdin_thread = std::thread([this] {
          ForwardStdin();
          absl::MutexLock done(&mu_);
          stdin_done_ = true;
        });
        break;
      }
      case api::ExecResponse::kStdout:
        inv_.out().write(response.stdout().data(),
                         static_cast<std::streamsize>(response.stdout().size()));
        inv_.out().flush();
        break;
      case api::ExecResponse::kStderr:
        inv_.err().write(response.stderr().data(),
                         static_cast<std::streamsize>(response.stderr().size()));
        inv_.err().flush();
        break;
      case api::ExecResponse::kExit:
        exit = response.exit();
        break;
      default:
        break;
    }
  }
  // The session is over: stop the writers, then collect the status. A
  // cancel would replace the status, so it only unblocks a writer that a
  // finished call did not release — and after `exit` the status is OK.
  closing_ = true;
  if (stdin_stop_[1] >= 0) (void)!write(stdin_stop_[1], "x", 1);
  signals_.Stop();
  {
    absl::MutexLock lock(&mu_);
    const bool stdin_running = stdin_thread.joinable();
    auto writers_done = [this, stdin_running]() {
      mu_.AssertReaderHeld();
      return signals_done_ && (!stdin_running || stdin_done_);
    };
    if (exit.has_value() ||
        !mu_.AwaitWithTimeout(absl::Condition(&writers_done), kWriterGrace)) {
      ctx_.TryCancel();
    }
  }
  if (stdin_thread.joinable()) stdin_thread.join();
  signal_thread.join();
  grpc::Status status = stream_->Finish();
  if (exit.has_value()) status = grpc::Status::OK;
  raw.reset();

  bool detached, start_timed_out, was_started;
  {
    absl::MutexLock lock(&mu_);
    detached = detached_;
    start_timed_out = start_timed_out_;
    was_started = started_;
  }
  if (detached && !exit.has_value()) return common::StreamInterruptedError();
  if (start_timed_out && !was_started) {
    if (conn_.channel()->GetState(false) != GRPC_CHANNEL_READY) {
      return common::ConnectError(conn_.settings().address, "connection timed out");
    }
    return common::ClientDeadlineError(
        absl::StrCat("request timed out after ",
                     common::FormatDuration(inv_.parsed.Duration("request-timeout"))));
  }
  RUNE_RETURN_IF_ERROR(conn_.Finish("ExecService.Exec", ctx_, status, start));
  if (!exit.has_value()) {
    return absl::UnknownError("the exec session ended without the command's exit status");
  }
  if (exit->timed_out()) {
    return common::ExecTimeoutError(
        absl::StrCat("command timed out after ", common::FormatDuration(timeout)));
  }
  if (exit->code() == 0) return absl::OkStatus();
  return common::RemoteExitError(exit->code());
}

}  // namespace

absl::Status RunExec(Invocation& inv) {
  const common::cli::ParsedCommand& p = inv.parsed;
  const bool tty = p.Bool("tty") ||
                   (!p.Bool("no-tty") && inv.streams().stdin_tty && inv.streams().stdout_tty);
  const absl::Duration timeout = p.Duration("timeout");
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));

  api::ExecRequest request;
  api::ExecInit* init = request.mutable_init();
  init->set_namespace_(conn->settings().namespace_name);
  init->set_target(p.args[0]);
  for (size_t i = 1; i < p.args.size(); ++i) init->add_command(p.args[i]);
  for (const std::string& kv : p.Strings("env")) {
    const size_t eq = kv.find('=');
    (*init->mutable_env())[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  init->set_workdir(p.String("workdir"));
  init->set_tty(tty);
  if (timeout > absl::ZeroDuration()) {
    const int64_t seconds = absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1)));
    init->set_timeout_seconds(static_cast<int32_t>(std::min<int64_t>(seconds, INT32_MAX)));
  }
  if (tty) {
    TerminalSize size = CurrentTerminalSize();
    if (size.rows == 0) size = TerminalSize{24, 80};
    init->mutable_terminal_size()->set_rows(size.rows);
    init->mutable_terminal_size()->set_cols(size.cols);
  }
  ExecClient client(inv, *conn, tty);
  return client.Run(request, timeout);
}

}  // namespace rune::cli
