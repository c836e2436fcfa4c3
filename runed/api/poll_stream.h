// A server-streaming reactor fed by polling: a thread calls `poll` every
// `period` and sends what it returns, until `poll` says the stream is done,
// the client cancels, or runed shuts down (M46). Used where the answer
// combines several records (WatchScaling: the operation and the service's
// counts), which no single store watch delivers.
//
//   return new PollStream<api::WatchScalingResponse>(
//       [=](bool* done) -> absl::StatusOr<std::optional<api::WatchScalingResponse>> { … },
//       absl::Milliseconds(100));
#ifndef RUNE_RUNED_API_POLL_STREAM_H_
#define RUNE_RUNED_API_POLL_STREAM_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/support/server_callback.h"
#include "runed/api/call.h"
#include "runed/api/streams.h"

namespace rune::daemon {

template <typename Response>
class PollStream final : public grpc::ServerWriteReactor<Response> {
 public:
  // Returns the next message to send (nullopt: nothing new) and sets *done
  // once the stream should end with OK after that message. An error ends
  // the stream with that status.
  using Poll = std::function<absl::StatusOr<std::optional<Response>>(bool* done)>;

  explicit PollStream(const grpc::Status& status) { this->Finish(status); }

  PollStream(Poll poll, absl::Duration period) : state_(std::make_shared<State>()) {
    state_->reactor = this;
    std::weak_ptr<State> weak = state_;
    stream_id_ = Streams().Add([weak] {
      if (auto s = weak.lock()) s->End(ShuttingDownStatus());
    });
    if (stream_id_ == 0) {
      state_->End(ShuttingDownStatus());
      return;
    }
    std::shared_ptr<State> state = state_;
    thread_ = std::thread([state, poll = std::move(poll), period] {
      for (;;) {
        {
          absl::MutexLock lock(&state->mu);
          if (state->ended) return;
        }
        bool done = false;
        absl::StatusOr<std::optional<Response>> next = poll(&done);
        if (!next.ok()) {
          state->End(ToGrpcStatus(nullptr, next.status()));
          return;
        }
        if (next->has_value()) state->Send(std::move(**next));
        if (done) {
          state->End(grpc::Status::OK);
          return;
        }
        absl::MutexLock lock(&state->mu);
        state->mu.AwaitWithTimeout(absl::Condition(&state->ended), period);
      }
    });
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&state_->mu);
    state_->queue.pop_front();
    state_->writing = false;
    if (!ok) {
      state_->ended = true;
      state_->FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream closed"));
      return;
    }
    state_->PumpLocked();
  }
  void OnCancel() override { state_->End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")); }
  void OnDone() override {
    if (stream_id_ != 0) Streams().Remove(stream_id_);
    if (state_ != nullptr) {
      state_->End(grpc::Status::OK);
      if (thread_.joinable()) thread_.join();
    }
    delete this;
  }

 private:
  struct State {
    absl::Mutex mu;
    PollStream* reactor = nullptr;
    std::deque<Response> queue;
    bool writing = false;
    bool ended = false;
    bool finished = false;
    std::optional<grpc::Status> pending_finish;

    void Send(Response r) {
      absl::MutexLock lock(&mu);
      if (ended) return;
      queue.push_back(std::move(r));
      PumpLocked();
    }
    void End(const grpc::Status& status) {
      absl::MutexLock lock(&mu);
      ended = true;
      if (!pending_finish.has_value()) pending_finish = status;
      PumpLocked();
    }
    void PumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      if (writing || finished) return;
      if (!queue.empty()) {
        writing = true;
        reactor->StartWrite(&queue.front());
        return;
      }
      if (pending_finish.has_value()) FinishLocked(*pending_finish);
    }
    void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      if (finished) return;
      finished = true;
      reactor->Finish(status);
    }
  };

  std::shared_ptr<State> state_;
  std::thread thread_;
  uint64_t stream_id_ = 0;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_POLL_STREAM_H_
