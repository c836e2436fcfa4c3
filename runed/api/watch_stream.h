// A server-streaming reactor for Watch* RPCs: the initial snapshot (ADDED
// events, then SYNCED), then committed store changes newer than the
// snapshot, converted and filtered per call. Ends with Aborted when the
// subscriber falls behind, Unavailable (M46) at shutdown, and stops on client
// cancellation.
//
//   auto* stream = new WatchStream<api::WatchNamespacesResponse>(
//       std::move(watch), std::move(snapshot), revision,
//       [](const store::Event& e) -> std::optional<api::WatchNamespacesResponse> { … });
//   return stream;  // from the CallbackService method
#ifndef RUNE_RUNED_API_WATCH_STREAM_H_
#define RUNE_RUNED_API_WATCH_STREAM_H_

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "runed/api/call.h"
#include "runed/api/streams.h"
#include "runed/store/store.h"

namespace rune::daemon {

template <typename Response>
class WatchStream final : public grpc::ServerWriteReactor<Response> {
 public:
  using Convert = std::function<std::optional<Response>(const store::Event&)>;

  // A stream that only reports `status` (e.g. an authorization failure).
  explicit WatchStream(const grpc::Status& status) : state_(std::make_shared<State>()) {
    state_->reactor = nullptr;
    this->Finish(status);
  }

  WatchStream(std::unique_ptr<store::Watch> watch, std::vector<Response> snapshot,
              uint64_t revision, Convert convert)
      : state_(std::make_shared<State>()) {
    state_->reactor = this;
    state_->watch = std::move(watch);
    state_->revision = revision;
    state_->convert = std::move(convert);
    for (Response& r : snapshot) state_->queue.push_back(std::move(r));
    std::weak_ptr<State> weak = state_;
    stream_id_ = Streams().Add([weak] {
      if (auto s = weak.lock()) s->End(ShuttingDownStatus());
    });
    if (stream_id_ == 0) {
      state_->End(ShuttingDownStatus());
      return;
    }
    state_->watch->SetNotify([weak] {
      if (auto s = weak.lock()) s->Pump();
    });
    state_->Pump();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&state_->mu);
    state_->writing = false;
    if (!ok) {
      state_->FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream closed"));
      return;
    }
    if (!state_->queue.empty()) state_->queue.pop_front();
    state_->WriteNextLocked();
  }

  void OnCancel() override {
    state_->End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
  }

  void OnDone() override {
    if (stream_id_ != 0) Streams().Remove(stream_id_);
    {
      absl::MutexLock lock(&state_->mu);
      state_->reactor = nullptr;
    }
    if (state_->watch != nullptr) state_->watch->Cancel();
    delete this;
  }

 private:
  struct State {
    absl::Mutex mu;
    WatchStream* reactor = nullptr;  // null once the call is done
    std::unique_ptr<store::Watch> watch;
    uint64_t revision = 0;
    Convert convert;
    std::deque<Response> queue;  // front = being written when `writing`
    bool writing = false;
    bool finished = false;
    std::optional<grpc::Status> pending_finish;  // finish after the queue drains

    void End(const grpc::Status& status) {
      absl::MutexLock lock(&mu);
      if (writing) {
        // The front message is owned by the write in flight.
        while (queue.size() > 1) queue.pop_back();
        pending_finish = status;
        return;
      }
      queue.clear();
      FinishLocked(status);
    }

    void Pump() {
      absl::MutexLock lock(&mu);
      if (reactor == nullptr || finished) return;
      for (;;) {
        absl::StatusOr<std::optional<store::Event>> next = watch->TryNext();
        if (!next.ok()) {
          pending_finish = ToGrpcStatus(nullptr, next.status());
          break;
        }
        if (!next->has_value()) break;
        if ((*next)->record.resource_version <= revision) continue;
        std::optional<Response> r = convert(**next);
        if (r.has_value()) queue.push_back(std::move(*r));
      }
      WriteNextLocked();
    }

    void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      if (reactor == nullptr || finished || writing) return;
      if (!queue.empty()) {
        writing = true;
        reactor->StartWrite(&queue.front());
        return;
      }
      if (pending_finish.has_value()) FinishLocked(*pending_finish);
    }

    void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      if (reactor == nullptr || finished) return;
      finished = true;
      reactor->Finish(status);
    }
  };

  std::shared_ptr<State> state_;
  uint64_t stream_id_ = 0;
};

// How a Watch* call reads its objects: decode a record, keep it or not,
// where it goes in a response, and (optionally) the snapshot order when the
// store's key order is not the listing order.
template <typename Response, typename Object>
struct WatchSource {
  std::function<absl::StatusOr<Object>(const store::Record&)> parse;
  std::function<bool(const Object&)> matches;
  std::function<Object*(Response&)> field;
  std::function<bool(const Object&, const Object&)> order;
};

// Opens a Watch* stream over the records of `kind` in `ns` ("" = all): the
// matching objects as ADDED, then SYNCED, then every committed change. It
// subscribes before listing, so nothing falls between snapshot and changes.
template <typename Response, typename Object>
grpc::ServerWriteReactor<Response>* OpenWatch(grpc::CallbackServerContext* ctx,
                                              store::Store* store, absl::string_view kind,
                                              absl::string_view ns,
                                              WatchSource<Response, Object> source) {
  using Stream = WatchStream<Response>;
  std::unique_ptr<store::Watch> watch = store->Subscribe(kind, ns);
  uint64_t revision = 0;
  absl::StatusOr<std::vector<store::Record>> records = store->List(kind, ns, "", &revision);
  if (!records.ok()) return new Stream(ToGrpcStatus(ctx, records.status()));
  std::vector<Object> objects;
  for (const store::Record& r : *records) {
    absl::StatusOr<Object> object = source.parse(r);
    if (!object.ok()) return new Stream(ToGrpcStatus(ctx, object.status()));
    if (source.matches(*object)) objects.push_back(*std::move(object));
  }
  if (source.order) std::sort(objects.begin(), objects.end(), source.order);
  std::vector<Response> snapshot;
  for (Object& object : objects) {
    Response event;
    event.set_type(api::ADDED);
    *source.field(event) = std::move(object);
    snapshot.push_back(std::move(event));
  }
  Response synced;
  synced.set_type(api::SYNCED);
  snapshot.push_back(std::move(synced));
  return new Stream(std::move(watch), std::move(snapshot), revision,
                    [source](const store::Event& e) -> std::optional<Response> {
                      absl::StatusOr<Object> object = source.parse(e.record);
                      if (!object.ok() || !source.matches(*object)) return std::nullopt;
                      Response event;
                      event.set_type(e.type == store::Event::Type::kAdded ? api::ADDED
                                     : e.type == store::Event::Type::kModified
                                         ? api::MODIFIED
                                         : api::DELETED);
                      *source.field(event) = *std::move(object);
                      return event;
                    });
}

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_WATCH_STREAM_H_

