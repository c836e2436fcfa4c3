#include "runed/api/call.h"

#include <deque>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "runed/api/request_id.h"

namespace rune::daemon {
namespace {

// A fixed pool of threads that live as long as the process.
class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    for (int i = 0; i < threads; ++i) std::thread([this] { Loop(); }).detach();
  }
  void Schedule(std::function<void()> task) {
    absl::MutexLock lock(&mu_);
    tasks_.push_back(std::move(task));
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> task;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](std::deque<std::function<void()>>* q) { return !q->empty(); }, &tasks_));
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
};

WorkerPool& Workers() {
  static WorkerPool* const kPool = new WorkerPool(8);
  return *kPool;
}

// google.rpc.Status details with one BadRequest field violation per
// `validation error: <path>: <reason>` line.
std::string BadRequestDetails(const absl::Status& status) {
  google::rpc::BadRequest bad_request;
  for (absl::string_view line : absl::StrSplit(status.message(), '\n')) {
    if (!absl::ConsumePrefix(&line, "validation error: ")) continue;
    const size_t sep = line.find(": ");
    if (sep == absl::string_view::npos) continue;
    google::rpc::BadRequest::FieldViolation* v = bad_request.add_field_violations();
    v->set_field(std::string(line.substr(0, sep)));
    v->set_description(std::string(line.substr(sep + 2)));
  }
  if (bad_request.field_violations().empty()) return "";
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  details.add_details()->PackFrom(bad_request);
  return details.SerializeAsString();
}

}  // namespace

grpc::Status ToGrpcStatus(grpc::ServerContextBase* ctx, const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (std::optional<std::string> hint = common::HintOf(status);
      ctx != nullptr && hint.has_value() && !hint->empty()) {
    ctx->AddTrailingMetadata(kHintKey, *hint);
  }
  const grpc::StatusCode code = static_cast<grpc::StatusCode>(status.code());
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    std::string details = BadRequestDetails(status);
    if (!details.empty()) return grpc::Status(code, std::string(status.message()), details);
  }
  return grpc::Status(code, std::string(status.message()));
}

grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx,
                                   std::function<absl::Status()> body) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Workers().Schedule([ctx, reactor, body = std::move(body)] {
    reactor->Finish(ToGrpcStatus(ctx, body()));
  });
  return reactor;
}

}  // namespace rune::daemon
