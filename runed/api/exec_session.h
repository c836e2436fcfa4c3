// One exec session (SPEC §5.12). ExecChannel sits between the gRPC bidi
// reactor and the session thread: bounded queues of client and server
// messages, one outstanding read and one outstanding write at a time, and a
// finish that waits for the queued writes. RunExecSession is the session
// thread: first message, authorization, target resolution, Runner::Exec, then
// a poll() loop over the command's descriptors and its pidfd.
//
//   auto [channel, reactor] = ExecChannel::Open(ctx);
//   std::thread([channel, deps] { RunExecSession(channel, deps); }).detach();
//   return reactor;   // from ExecService::Exec
#ifndef RUNE_RUNED_API_EXEC_SESSION_H_
#define RUNE_RUNED_API_EXEC_SESSION_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "proto/exec.pb.h"
#include "runed/auth/authorizer.h"
#include "runed/runner/runner.h"
#include "runed/store/store.h"

namespace rune::daemon {

using ExecReactor = grpc::ServerBidiReactor<api::ExecRequest, api::ExecResponse>;

class ExecChannel {
 public:
  // Reactor queue limits.
  static constexpr size_t kMaxQueuedRequests = 8;
  static constexpr size_t kMaxQueuedResponses = 16;

  // A channel and the reactor to return from the service method; the reactor
  // has started reading.
  static std::pair<std::shared_ptr<ExecChannel>, ExecReactor*> Open(
      grpc::CallbackServerContext* ctx);

  ~ExecChannel();
  ExecChannel(const ExecChannel&) = delete;
  ExecChannel& operator=(const ExecChannel&) = delete;

  // The call's context; valid until Finish() is requested.
  grpc::CallbackServerContext* ctx() const { return ctx_; }

  // Readable (eventfd) whenever something below changed; DrainWake() resets.
  int wake_fd() const { return wake_fd_; }
  void DrainWake();

  // Blocks until a client message is queued, the client half-closed, the
  // client went away or runed is shutting down.
  void AwaitInput() ABSL_LOCKS_EXCLUDED(mu_);
  // The next client message, if one is queued.
  std::optional<api::ExecRequest> TakeRequest() ABSL_LOCKS_EXCLUDED(mu_);
  // The client half-closed and every message was taken.
  bool input_closed() ABSL_LOCKS_EXCLUDED(mu_);
  // The client cancelled the call or stopped taking messages.
  bool gone() ABSL_LOCKS_EXCLUDED(mu_);
  // runed is shutting down (StreamRegistry).
  bool shutting_down() ABSL_LOCKS_EXCLUDED(mu_);
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

  // Room for another response.
  bool CanSend() ABSL_LOCKS_EXCLUDED(mu_);
  // Queues a response; false (dropped) once the client is gone or the
  // finish was requested.
  bool Send(api::ExecResponse response) ABSL_LOCKS_EXCLUDED(mu_);
  // Ends the call with `status` after the queued responses (dropped when the
  // client is gone). Only the first call counts.
  void Finish(const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);
  void Finish(const grpc::Status& status) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  class Reactor;

  explicit ExecChannel(grpc::CallbackServerContext* ctx);

  void OnReadDone(bool ok) ABSL_LOCKS_EXCLUDED(mu_);
  void OnWriteDone(bool ok) ABSL_LOCKS_EXCLUDED(mu_);
  void OnCancel() ABSL_LOCKS_EXCLUDED(mu_);
  void OnDone() ABSL_LOCKS_EXCLUDED(mu_);

  void Wake();
  void StartReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RequestFinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasInputLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  grpc::CallbackServerContext* const ctx_;
  const int wake_fd_;
  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_) = nullptr;  // null once the call is done
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<api::ExecRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::deque<api::ExecResponse> responses_ ABSL_GUARDED_BY(mu_);  // front in flight when writing_
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> pending_finish_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool gone_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

// What a session needs from runed; `runner` may be null.
struct ExecDeps {
  store::Store* store = nullptr;
  auth::Authorizer* authz = nullptr;
  runner::Runner* runner = nullptr;
};

// The session thread's body; returns once the command is reaped (or never
// started) and the finish is requested.
void RunExecSession(const std::shared_ptr<ExecChannel>& channel, const ExecDeps& deps);

// `INT` → SIGINT for the names a client may send (INT TERM KILL HUP QUIT USR1
// USR2 WINCH); 0 for any other name.
int ExecSignalNumber(absl::string_view name);

// `KILL` for SIGKILL: the signal's name without `SIG` ("" when unknown).
std::string SignalName(int signal_number);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_EXEC_SESSION_H_
