#include "runed/api/log_service.h"

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "re2/re2.h"
#include "runed/api/call.h"
#include "runed/api/service_records.h"
#include "runed/api/streams.h"
#include "runed/api/targets.h"

namespace rune::daemon {
namespace {

constexpr size_t kBatchLines = 512;
constexpr size_t kBatchBytes = 1 << 20;
constexpr absl::Duration kPollPeriod = absl::Milliseconds(100);
// How often a follow of a service re-reads its instance records, in case an
// instance is not registered with the log store.
constexpr absl::Duration kRelistPeriod = absl::Seconds(1);

api::LogLine ToProto(logstore::LogLine&& line) {
  api::LogLine out;
  out.mutable_timestamp()->set_seconds(line.unix_nanos / 1000000000);
  out.mutable_timestamp()->set_nanos(static_cast<int32_t>(line.unix_nanos % 1000000000));
  out.set_namespace_(std::move(line.ns));
  out.set_service(std::move(line.service));
  out.set_instance_id(std::move(line.instance_id));
  out.set_instance_name(std::move(line.instance_name));
  out.set_stream(line.stream == logstore::LogStream::kStdout ? api::LogLine::STDOUT
                                                             : api::LogLine::STDERR);
  out.set_content(std::move(line.content));
  return out;
}

logstore::InstanceRef RefOf(const api::Instance& instance, const std::string& ns) {
  return logstore::InstanceRef{ns, instance.id(), instance.service(), instance.name()};
}

absl::Status ValidateRequest(const api::StreamLogsRequest& request) {
  if (request.has_tail() && request.tail() < -1) {
    return absl::InvalidArgumentError(absl::StrCat("tail must be >= -1, got ", request.tail()));
  }
  if (request.follow() && request.has_until()) {
    return absl::InvalidArgumentError("until is not valid with follow");
  }
  if (request.has_since() && request.has_until() &&
      common::FromTimestamp(request.until()) <= common::FromTimestamp(request.since())) {
    return absl::InvalidArgumentError("until must be later than since");
  }
  if (!request.grep().empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re(request.grep(), options);
    if (!re.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("invalid regular expression: ", re.error()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

// What the reactor and the stream's thread share. The thread is the only
// producer; writes go out one at a time from `queue`. While the thread still
// uses the call's context (authorization, error hints) the call is not
// finished, so the context outlives that use.
class LogServiceImpl::Stream {
 public:
  class Reactor;

  // Ends the call with `status` once the write in flight (and, with
  // `flush`, everything queued) is out.
  void End(const grpc::Status& status, bool flush) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    EndLocked(status, flush);
  }

  // Queues `response`, waiting while two messages are already pending.
  // False once the stream has ended.
  bool Send(api::StreamLogsResponse response) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Stream::RoomOrEnded));
    if (ended_) return false;
    queue_.push_back(std::move(response));
    PumpLocked();
    return true;
  }

  void SetupDone() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    in_setup_ = false;
    PumpLocked();
  }

  // Waits up to `timeout`; true once the stream has ended.
  bool WaitEnded(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&ended_), timeout);
    return ended_;
  }

 private:
  bool RoomOrEnded() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ended_ || queue_.size() < 2;
  }

  void EndLocked(const grpc::Status& status, bool flush) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ended_ = true;
    if (!pending_finish_.has_value()) pending_finish_ = status;
    if (!flush) {
      // The front message belongs to the write in flight.
      while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
    }
    PumpLocked();
  }

  void PumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_) = nullptr;  // null once the call is done
  std::deque<api::StreamLogsResponse> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool in_setup_ ABSL_GUARDED_BY(mu_) = true;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> pending_finish_ ABSL_GUARDED_BY(mu_);
};

class LogServiceImpl::Stream::Reactor final
    : public grpc::ServerWriteReactor<api::StreamLogsResponse> {
 public:
  explicit Reactor(std::shared_ptr<Stream> stream) : stream_(std::move(stream)) {
    {
      absl::MutexLock lock(&stream_->mu_);
      stream_->reactor_ = this;
    }
    std::weak_ptr<Stream> weak = stream_;
    stream_id_ = Streams().Add([weak] {
      if (auto s = weak.lock()) s->End(ShuttingDownStatus(), /*flush=*/false);
    });
    if (stream_id_ == 0) stream_->End(ShuttingDownStatus(), /*flush=*/false);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&stream_->mu_);
    stream_->writing_ = false;
    stream_->queue_.pop_front();
    if (!ok) {
      stream_->EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream closed"),
                         /*flush=*/false);
      return;
    }
    stream_->PumpLocked();
  }

  void OnCancel() override {
    stream_->End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"),
                 /*flush=*/false);
  }

  void OnDone() override {
    if (stream_id_ != 0) Streams().Remove(stream_id_);
    {
      absl::MutexLock lock(&stream_->mu_);
      stream_->reactor_ = nullptr;
      stream_->ended_ = true;
      stream_->queue_.clear();
    }
    delete this;
  }

 private:
  std::shared_ptr<Stream> stream_;
  uint64_t stream_id_ = 0;
};

void LogServiceImpl::Stream::PumpLocked() {
  if (reactor_ == nullptr || finished_ || writing_) return;
  if (!queue_.empty()) {
    writing_ = true;
    reactor_->StartWrite(&queue_.front());
    return;
  }
  if (pending_finish_.has_value() && !in_setup_) {
    finished_ = true;
    reactor_->Finish(*pending_finish_);
  }
}

namespace {

struct StreamDeps {
  store::Store* store;
  auth::Authorizer* authz;
  logstore::LogStore* logs;
};

// Authorization of verb `watch` in `ns`: a typed target needs its kind; a
// bare name first needs either kind (the caller re-checks the resolved one).
absl::Status AuthorizeWatch(auth::Authorizer* authz, grpc::ServerContextBase& ctx,
                            std::optional<Target::Kind> kind, const std::string& ns) {
  if (kind.has_value()) {
    return authz
        ->AuthorizeAs(ctx, *kind == Target::Kind::kService ? "service" : "instance", "watch", ns)
        .status();
  }
  absl::Status service = authz->AuthorizeAs(ctx, "service", "watch", ns).status();
  if (service.code() != absl::StatusCode::kPermissionDenied) return service;
  return authz->AuthorizeAs(ctx, "instance", "watch", ns).ok() ? absl::OkStatus() : service;
}

struct Prepared {
  std::unique_ptr<logstore::LogFollower> follower;
  std::optional<Target> target;
};

absl::StatusOr<Prepared> Prepare(const StreamDeps& deps, grpc::ServerContextBase& ctx,
                                 const api::StreamLogsRequest& request) {
  const std::string ns = EffectiveNamespace(request.namespace_());
  std::optional<Target::Kind> kind;
  SplitTargetPrefix(request.target(), &kind);
  RUNE_RETURN_IF_ERROR(AuthorizeWatch(deps.authz, ctx, kind, ns));
  RUNE_RETURN_IF_ERROR(ValidateRequest(request));
  RUNE_ASSIGN_OR_RETURN(Target target,
                        ResolveTarget(Reader::Of(deps.store), ns, request.target()));
  if (!kind.has_value()) {
    RUNE_RETURN_IF_ERROR(deps.authz->AuthorizeAs(ctx, target.resource(), "watch", ns).status());
  }
  logstore::LogSelection selection;
  selection.ns = target.ns;
  if (target.kind == Target::Kind::kService) selection.service = target.service;
  for (const api::Instance& instance : target.instances) {
    selection.instances.push_back(RefOf(instance, target.ns));
  }
  logstore::LogFilter filter;
  if (request.has_since()) filter.since = common::FromTimestamp(request.since());
  if (request.has_until()) filter.until = common::FromTimestamp(request.until());
  filter.grep = request.grep();
  filter.tail = request.has_tail() ? request.tail() : 100;
  Prepared prepared;
  RUNE_ASSIGN_OR_RETURN(prepared.follower, deps.logs->Follow(std::move(selection), filter));
  prepared.target = std::move(target);
  return prepared;
}

}  // namespace

namespace {

// Sends `lines` in batches; false once the stream has ended.
template <typename SendFn>
bool SendLines(std::vector<logstore::LogLine>& lines, SendFn send) {
  api::StreamLogsResponse batch;
  size_t bytes = 0;
  for (logstore::LogLine& line : lines) {
    bytes += line.content.size() + 64;
    *batch.add_lines() = ToProto(std::move(line));
    if (batch.lines_size() >= static_cast<int>(kBatchLines) || bytes >= kBatchBytes) {
      if (!send(std::move(batch))) return false;
      batch = api::StreamLogsResponse();
      bytes = 0;
    }
  }
  return batch.lines().empty() || send(std::move(batch));
}

}  // namespace

grpc::ServerWriteReactor<api::StreamLogsResponse>* LogServiceImpl::StreamLogs(
    grpc::CallbackServerContext* ctx, const api::StreamLogsRequest* request) {
  auto stream = std::make_shared<Stream>();
  auto* reactor = new Stream::Reactor(stream);
  auto done = std::make_shared<std::atomic<bool>>(false);
  const StreamDeps deps{store_, authz_, logs_};
  absl::MutexLock lock(&mu_);
  // Threads of ended streams have returned or are about to: join them here
  // so the list stays as long as the open streams.
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!it->done->load()) {
      ++it;
      continue;
    }
    it->thread.join();
    it = workers_.erase(it);
  }
  Worker worker;
  worker.stream = stream;
  worker.done = done;
  worker.thread = std::thread([stream, ctx, req = *request, deps, done] {
    auto send = [&stream](api::StreamLogsResponse r) { return stream->Send(std::move(r)); };
    absl::StatusOr<Prepared> prepared = Prepare(deps, *ctx, req);
    if (!prepared.ok()) {
      stream->End(ToGrpcStatus(ctx, prepared.status()), /*flush=*/false);
      stream->SetupDone();
      done->store(true);
      return;
    }
    stream->SetupDone();  // `ctx` must not be used after this point
    logstore::LogFollower& follower = *prepared->follower;
    const Target& target = *prepared->target;
    absl::StatusOr<std::vector<logstore::LogLine>> history = follower.History();
    if (!history.ok()) {
      stream->End(ToGrpcStatus(nullptr, history.status()), /*flush=*/false);
    } else if (SendLines(*history, send)) {
      if (!req.follow()) {
        stream->End(grpc::Status::OK, /*flush=*/true);
      } else if (history->empty()) {
        // A follow says at once that it is established (target resolved,
        // access granted), even before its first line: the REST gateway
        // answers its HTTP status on the first message.
        send(api::StreamLogsResponse());
      }
    }
    absl::Time next_relist = absl::Now() + kRelistPeriod;
    while (req.follow() && !stream->WaitEnded(kPollPeriod)) {
      if (target.kind == Target::Kind::kService && absl::Now() >= next_relist) {
        next_relist = absl::Now() + kRelistPeriod;
        absl::StatusOr<std::vector<api::Instance>> current =
            InstancesOf(Reader::Of(deps.store), target.ns, target.service);
        if (current.ok()) {
          for (const api::Instance& instance : *current) {
            follower.Include(RefOf(instance, target.ns));
          }
        }
      }
      absl::StatusOr<std::vector<logstore::LogLine>> lines = follower.Poll();
      if (!lines.ok()) {
        stream->End(ToGrpcStatus(nullptr, lines.status()), /*flush=*/false);
        break;
      }
      if (!SendLines(*lines, send)) break;
    }
    done->store(true);
  });
  workers_.push_back(std::move(worker));
  return reactor;
}

LogServiceImpl::~LogServiceImpl() {
  std::list<Worker> workers;
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (Worker& w : workers) w.stream->End(ShuttingDownStatus(), /*flush=*/false);
  for (Worker& w : workers) w.thread.join();
}

}  // namespace rune::daemon
