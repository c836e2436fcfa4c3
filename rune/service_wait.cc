#include "rune/service_wait.h"

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "proto/instance.grpc.pb.h"
#include "rune/interrupt.h"
#include "rune/watch.h"

namespace rune::cli {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(200);
constexpr absl::Duration kFirstBackoff = absl::Seconds(1);
constexpr absl::Duration kMaxBackoff = absl::Seconds(30);

bool Settled(const api::Service& service) {
  const api::ServiceStatus& st = service.status();
  if (service.spec().scale() == 0) return st.phase() == api::ServiceStatus::STOPPED;
  return st.phase() == api::ServiceStatus::RUNNING && st.ready() == st.desired() &&
         st.observed_generation() == service.metadata().generation();
}

class Poller {
 public:
  explicit Poller(Connection& conn)
      : conn_(conn),
        services_(api::ServiceService::NewStub(conn.channel())),
        instances_(api::InstanceService::NewStub(conn.channel())) {}

  // Reads the state of `w` and updates its counts and `done`.
  absl::Status Poll(ServiceWait* w) {
    api::GetServiceRequest request;
    request.set_namespace_(w->ns);
    request.set_name(w->name);
    api::GetServiceResponse response;
    RUNE_RETURN_IF_ERROR(conn_.Call(services_.get(), &api::ServiceService::Stub::GetService,
                                    "ServiceService.GetService", request, &response));
    w->service = std::move(*response.mutable_service());
    const api::ServiceStatus& status = w->service.status();
    switch (w->goal) {
      case WaitGoal::kReady:
      case WaitGoal::kScale:
        w->ready = status.ready();
        w->target = w->service.spec().scale();
        w->done = Settled(w->service);
        return absl::OkStatus();
      case WaitGoal::kStop:
        w->ready = status.ready();
        w->target = 0;
        w->done = status.phase() == api::ServiceStatus::STOPPED;
        return absl::OkStatus();
      case WaitGoal::kRestart: {
        RUNE_ASSIGN_OR_RETURN(std::vector<api::Instance> instances, Instances(*w));
        const std::set<std::string> replaced(w->replaced_instance_ids.begin(),
                                             w->replaced_instance_ids.end());
        bool old_left = false;
        int ready = 0;
        for (const api::Instance& i : instances) {
          if (replaced.count(i.id()) > 0) {
            old_left = true;
          } else if (i.ready()) {
            ++ready;
          }
        }
        w->ready = ready;
        w->target = w->instances;
        w->done = !old_left && ready >= w->instances;
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  // The goal's timeout error (M27–M30) for `w`, which is still waiting.
  absl::Status Timeout(const ServiceWait& w, absl::Duration timeout) {
    std::string message = absl::StrCat("timed out after ", common::FormatDuration(timeout),
                                       " waiting for service \"", w.ns, "/", w.name, "\" to ");
    const std::string counts = absl::StrCat(" (", w.ready, "/", w.target, " instances ready");
    switch (w.goal) {
      case WaitGoal::kReady: {
        absl::StrAppend(&message, "become ready", counts);
        const std::string& last_error = w.service.status().message();
        if (!last_error.empty()) absl::StrAppend(&message, "; last error: ", last_error);
        absl::StrAppend(&message, ")");
        break;
      }
      case WaitGoal::kScale:
        absl::StrAppend(&message, "reach scale ", w.target, counts, ")");
        break;
      case WaitGoal::kRestart:
        absl::StrAppend(&message, "restart", counts, ")");
        break;
      case WaitGoal::kStop: {
        // Instances still recorded, whatever their state; the service's own
        // count when they cannot be listed.
        absl::StatusOr<std::vector<api::Instance>> left = Instances(w);
        const size_t remaining =
            left.ok() ? left->size() : static_cast<size_t>(w.service.status().running());
        absl::StrAppend(&message, "stop (", remaining, " instances remaining)");
        break;
      }
    }
    return common::WithHint(common::WaitTimeoutError(message), WaitTimeoutHint(w.name));
  }

 private:
  absl::StatusOr<std::vector<api::Instance>> Instances(const ServiceWait& w) {
    api::ListInstancesRequest request;
    request.set_namespace_(w.ns);
    request.set_service(w.name);
    api::ListInstancesResponse response;
    RUNE_RETURN_IF_ERROR(conn_.Call(instances_.get(), &api::InstanceService::Stub::ListInstances,
                                    "InstanceService.ListInstances", request, &response));
    return std::vector<api::Instance>(response.instances().begin(), response.instances().end());
  }

  Connection& conn_;
  std::unique_ptr<api::ServiceService::Stub> services_;
  std::unique_ptr<api::InstanceService::Stub> instances_;
};

bool Ended(api::ScalingOperation::State state) {
  return state == api::ScalingOperation::COMPLETED || state == api::ScalingOperation::FAILED ||
         state == api::ScalingOperation::ROLLED_BACK || state == api::ScalingOperation::CANCELLED;
}


}  // namespace

bool ShowProgress(const Invocation& inv) {
  return inv.streams().stderr_tty && !inv.json_errors();
}

void PrintReadyProgress(Invocation& inv, int ready, int target) {
  if (!ShowProgress(inv)) return;
  inv.err() << ready << "/" << target << " instances ready\n";
  inv.err().flush();
}

std::string WaitTimeoutHint(const std::string& name) {
  return absl::StrCat("increase --timeout or inspect with 'rune get services ", name, "'");
}

absl::Status WaitForServices(Invocation& inv, Connection& conn, absl::Duration timeout,
                             std::vector<ServiceWait>* waits, const WaitCallbacks& callbacks) {
  const absl::Time deadline = absl::Now() + timeout;
  Poller poller(conn);
  InterruptScope interrupt;
  std::vector<std::pair<int, int>> reported(waits->size(), {-1, -1});
  for (;;) {
    bool all_done = true;
    for (size_t i = 0; i < waits->size(); ++i) {
      ServiceWait& w = (*waits)[i];
      if (w.done) continue;
      RUNE_RETURN_IF_ERROR(poller.Poll(&w));
      if (interrupt.interrupted()) return common::InterruptedError();
      if (w.done) {
        if (callbacks.on_done) callbacks.on_done(w);
        continue;
      }
      all_done = false;
      if (reported[i] != std::make_pair(w.ready, w.target)) {
        reported[i] = {w.ready, w.target};
        if (callbacks.on_progress) callbacks.on_progress(w);
      }
    }
    if (all_done) return absl::OkStatus();
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      for (const ServiceWait& w : *waits) {
        if (!w.done) return poller.Timeout(w, timeout);
      }
    }
    if (interrupt.SleepFor(std::min(left, kPollInterval))) return common::InterruptedError();
  }
}

absl::StatusOr<api::WatchScalingResponse> WaitForScaling(
    Connection& conn, const std::string& ns, const std::string& name,
    const api::ScalingOperation& op, absl::Duration timeout,
    const std::function<void(const api::WatchScalingResponse&)>& on_update) {
  const absl::Time deadline = absl::Now() + timeout;
  auto stub = api::ServiceService::NewStub(conn.channel());
  api::WatchScalingRequest request;
  request.set_namespace_(ns);
  request.set_operation_id(op.id());
  api::WatchScalingResponse last;
  *last.mutable_operation() = op;
  last.set_current(op.from());
  const auto timed_out = [&] {
    return common::WithHint(
        common::WaitTimeoutError(absl::StrCat(
            "timed out after ", common::FormatDuration(timeout), " waiting for service \"", ns,
            "/", name, "\" to reach scale ", op.to(), " (", last.ready(), "/", op.to(),
            " instances ready)")),
        WaitTimeoutHint(name));
  };
  InterruptScope interrupt;
  absl::Duration backoff = kFirstBackoff;
  while (!Ended(last.operation().state())) {
    if (absl::Now() >= deadline) return timed_out();
    grpc::ClientContext ctx;
    conn.PrepareStream(&ctx);
    ctx.set_deadline(absl::ToChronoTime(deadline));
    interrupt.OnInterrupt([&ctx] { ctx.TryCancel(); });
    const absl::Time start = absl::Now();
    std::unique_ptr<grpc::ClientReader<api::WatchScalingResponse>> reader =
        stub->WatchScaling(&ctx, request);
    api::WatchScalingResponse update;
    bool received = false;
    while (reader->Read(&update)) {
      received = true;
      last = update;
      if (on_update) on_update(last);
    }
    const grpc::Status status = reader->Finish();
    interrupt.OnInterrupt(nullptr);
    if (interrupt.interrupted()) return common::InterruptedError();
    if (Ended(last.operation().state())) break;
    if (absl::Now() >= deadline) return timed_out();
    if (!StreamReopens(status.error_code())) {
      RUNE_RETURN_IF_ERROR(conn.Finish("ServiceService.WatchScaling", ctx, status, start));
    }
    if (received) backoff = kFirstBackoff;
    if (interrupt.SleepFor(std::min(backoff, deadline - absl::Now()))) {
      return common::InterruptedError();
    }
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  return last;
}

}  // namespace rune::cli
