// `rune scale <service> <replicas>` (SPEC §3.6.4): immediate scaling waits
// for the service to settle at the new scale; gradual scaling follows the
// operation (WatchScaling) and fails with M49 when a step fails.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "proto/service.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/service_wait.h"

namespace rune::cli {
namespace {

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
}

absl::Duration GetDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// `service/<ns>/<name> ready (<b>/<b> instances)`, or `… stopped` at 0.
std::string Completion(const std::string& ref, int ready, int target) {
  if (target == 0) return absl::StrCat(ref, " stopped");
  return absl::StrCat(ref, " ready (", ready, "/", target, " instances)");
}

// The end of a gradual operation: the completion line, or M49 (exit 1) for
// a failed or rolled back operation.
absl::Status GradualOutcome(Invocation& inv, const std::string& ns, const std::string& name,
                            const std::string& ref, const api::WatchScalingResponse& last,
                            int ready_when_failed) {
  const api::ScalingOperation& op = last.operation();
  const std::string service = absl::StrCat("service \"", ns, "/", name, "\"");
  switch (op.state()) {
    case api::ScalingOperation::COMPLETED:
      inv.out() << Completion(ref, last.ready(), op.to()) << "\n";
      return absl::OkStatus();
    case api::ScalingOperation::ROLLED_BACK:
      return absl::UnknownError(absl::StrCat("scaling of ", service, " failed at ",
                                             ready_when_failed, "/", op.to(), "; rolled back to ",
                                             op.from(), ": ", op.message()));
    case api::ScalingOperation::FAILED:
      return absl::UnknownError(absl::StrCat("scaling of ", service, " failed at ",
                                             ready_when_failed, "/", op.to(), "; left at ",
                                             last.current(), ": ", op.message()));
    default:
      // CANCELLED: a newer scale request took over.
      return common::WithHint(
          absl::AbortedError(absl::StrCat("scaling of ", service, " to ", op.to(),
                                          " was superseded by a newer scale request")),
          absl::StrCat("check the current scale with 'rune get services ", name, " -n ", ns, "'"));
  }
}

}  // namespace

absl::Status RunScale(Invocation& inv) {
  const auto& p = inv.parsed;
  const std::string& name = p.args[0];
  int scale = 0;
  // The command table already checked the value (0–1000).
  if (!absl::SimpleAtoi(p.args[1], &scale)) return absl::InternalError("unchecked replicas");
  const bool gradual = p.String("mode") == "gradual";
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  api::ScaleServiceRequest request;
  request.set_namespace_(ns);
  request.set_name(name);
  request.set_scale(scale);
  request.set_mode(gradual ? api::ScalingOperation::GRADUAL : api::ScalingOperation::IMMEDIATE);
  if (gradual) {
    request.set_step(static_cast<int32_t>(p.Int("step")));
    SetDuration(p.Duration("interval"), request.mutable_interval());
    request.set_rollback_on_fail(p.Bool("rollback-on-fail"));
  }
  api::ScaleServiceResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::ScaleService,
                                  "ServiceService.ScaleService", request, &response));
  const std::string ref = absl::StrCat("service/", ns, "/", name);
  if (response.unchanged()) {
    inv.out() << ref << " already at scale " << scale << "\n";
    return absl::OkStatus();
  }
  const api::ScalingOperation& op = response.operation();
  if (gradual) {
    const int step = op.step() > 0 ? op.step() : static_cast<int>(p.Int("step"));
    const absl::Duration interval =
        op.has_interval() ? GetDuration(op.interval()) : p.Duration("interval");
    inv.out() << ref << " scaling from " << response.previous() << " to " << scale
              << " (gradual: step " << step << " every " << common::FormatDuration(interval)
              << ")\n";
  } else {
    inv.out() << ref << " scaled from " << response.previous() << " to " << scale << "\n";
  }
  inv.out().flush();
  if (p.Bool("no-wait") || !p.Bool("wait")) return absl::OkStatus();
  const absl::Duration timeout = p.Duration("timeout");

  if (gradual) {
    int shown_ready = -1;
    int ready_when_failed = 0;
    RUNE_ASSIGN_OR_RETURN(
        api::WatchScalingResponse last,
        WaitForScaling(*conn, ns, name, op, timeout, [&](const api::WatchScalingResponse& u) {
          if (u.operation().state() == api::ScalingOperation::IN_PROGRESS) {
            ready_when_failed = u.ready();
          }
          if (u.ready() != shown_ready) {
            shown_ready = u.ready();
            PrintReadyProgress(inv, u.ready(), u.operation().to());
          }
        }));
    if (last.operation().state() == api::ScalingOperation::COMPLETED ||
        ready_when_failed == 0) {
      ready_when_failed = last.ready();
    }
    return GradualOutcome(inv, ns, name, ref, last, ready_when_failed);
  }

  std::vector<ServiceWait> waits = {{ns, name, WaitGoal::kScale}};
  WaitCallbacks callbacks;
  callbacks.on_progress = [&](const ServiceWait& w) { PrintReadyProgress(inv, w.ready, w.target); };
  callbacks.on_done = [&](const ServiceWait& w) {
    inv.out() << Completion(ref, w.ready, w.target) << "\n";
  };
  return WaitForServices(inv, *conn, timeout, &waits, callbacks);
}

}  // namespace rune::cli
