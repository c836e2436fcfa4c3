#include "runed/orchestrator/scaling.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace rune::daemon {
namespace {

using api::ScalingOperation;

bool Live(const api::Instance& i) {
  return i.status() == api::Instance::STARTING || i.status() == api::Instance::RUNNING ||
         i.status() == api::Instance::UNHEALTHY || i.status() == api::Instance::STOPPING;
}

absl::Duration StepDeadline(const ScalingOperation& op) {
  const absl::Duration interval =
      op.has_interval() ? absl::Seconds(op.interval().seconds()) : absl::Seconds(30);
  return std::max(2 * interval, absl::Seconds(60));
}

}  // namespace

std::string ScalingOperationId(absl::string_view ns, absl::string_view service, absl::Time now) {
  return absl::StrCat("scale-", ns, "-", service, "-", absl::ToUnixNanos(now));
}

absl::StatusOr<std::optional<ScalingOperation>> FindActiveScaling(const Reader& reader,
                                                                  absl::string_view ns,
                                                                  absl::string_view name) {
  RUNE_ASSIGN_OR_RETURN(
      std::vector<store::Record> records,
      reader.List(store::kScalingOp, ns, absl::StrCat("scale-", ns, "-", name, "-")));
  for (const store::Record& r : records) {
    ScalingOperation op;
    if (!op.ParseFromString(r.value)) {
      return absl::DataLossError(
          absl::StrCat("corrupt scaling operation record \"", r.ns, "/", r.name, "\""));
    }
    if (op.service() == name && op.state() == ScalingOperation::IN_PROGRESS) return op;
  }
  return std::optional<ScalingOperation>();
}

absl::Status PutScalingOperation(store::WriteTxn& txn, const ScalingOperation& op) {
  return txn.Put(store::kScalingOp, op.namespace_(), op.id(), op.SerializeAsString()).status();
}

int ReadyInstances(const std::vector<api::Instance>& instances, int scale) {
  int ready = 0;
  for (const api::Instance& i : instances) {
    if (i.status() == api::Instance::RUNNING && i.ready() && i.ordinal() < scale) ++ready;
  }
  return ready;
}

absl::StatusOr<bool> ScalingTracker::Advance(store::Store* store, const api::Service& service,
                                             const std::vector<api::Instance>& instances,
                                             absl::Time now,
                                             const std::function<void(absl::Time)>& wake) {
  const std::string& ns = service.spec().namespace_();
  const std::string& name = service.spec().name();
  RUNE_ASSIGN_OR_RETURN(std::optional<ScalingOperation> active,
                        FindActiveScaling(Reader::Of(store), ns, name));
  if (!active.has_value()) return false;
  ScalingOperation op = *active;
  const int current = service.spec().scale();
  const int ready = ReadyInstances(instances, current);
  bool live = false;
  for (const api::Instance& i : instances) live = live || Live(i);
  const bool at_target = current == op.to() && (op.to() == 0 ? !live : ready == op.to());

  std::optional<int> next_scale;
  if (at_target) {
    op.set_state(ScalingOperation::COMPLETED);
  } else if (op.mode() == ScalingOperation::GRADUAL) {
    Step step;
    {
      absl::MutexLock lock(&mu_);
      Step& s = steps_[op.id()];
      if (s.scale != current) {
        s.scale = current;
        s.started = now;
        s.ready_at = absl::InfinitePast();
      }
      const bool step_done = current == 0 ? !live : ready >= current;
      if (step_done && s.ready_at == absl::InfinitePast()) s.ready_at = now;
      step = s;
    }
    const absl::Duration interval =
        op.has_interval() ? absl::Seconds(op.interval().seconds()) : absl::Seconds(30);
    if (step.ready_at != absl::InfinitePast()) {
      if (current == op.to()) {
        op.set_state(ScalingOperation::COMPLETED);
      } else if (now >= step.ready_at + interval) {
        const int step_size = std::max(1, op.step());
        next_scale = op.to() > current ? std::min(op.to(), current + step_size)
                                       : std::max(op.to(), current - step_size);
      } else {
        wake(step.ready_at + interval);
        return false;
      }
    } else if (now - step.started >= StepDeadline(op)) {
      const std::string reason = absl::StrCat("step to ", current, " not ready after ",
                                              common::FormatDuration(StepDeadline(op)));
      op.set_message(reason);
      if (op.rollback_on_fail()) {
        op.set_state(ScalingOperation::ROLLED_BACK);
        next_scale = op.from();
      } else {
        op.set_state(ScalingOperation::FAILED);
      }
    } else {
      wake(step.started + StepDeadline(op));
      return false;
    }
  } else {
    return false;  // immediate: the reconcile moves the instances
  }
  if (op.state() != ScalingOperation::IN_PROGRESS) {
    common::ToTimestamp(now, op.mutable_finished_at());
    absl::MutexLock lock(&mu_);
    steps_.erase(op.id());
  }
  RUNE_RETURN_IF_ERROR(store->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_RETURN_IF_ERROR(PutScalingOperation(txn, op));
    if (!next_scale.has_value()) return absl::OkStatus();
    RUNE_ASSIGN_OR_RETURN(api::Service fresh, GetExistingService(Reader::Of(txn), ns, name));
    const uint64_t version = fresh.metadata().resource_version();
    fresh.mutable_metadata()->clear_resource_version();
    fresh.mutable_spec()->set_scale(*next_scale);
    fresh.mutable_status()->set_desired(*next_scale);
    common::ToTimestamp(now, fresh.mutable_status()->mutable_last_scale_at());
    return txn.Put(store::kService, ns, name, fresh.SerializeAsString(), version).status();
  }));
  return next_scale.has_value();
}

}  // namespace rune::daemon
