// ServiceService RPCs that change what runs (SPEC §3.6.4, §3.6.5, §3.6.14,
// §5.8.6): scale, stop, restart, rollback and the WatchScaling stream. They
// record the request (scale, scaling operation, new generation) and leave the
// instances to the orchestrator; the stored status says "not done" before the
// call returns, so a waiting client never sees a stale "ready".
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/spec/validate.h"
#include "common/status_macros.h"
#include "common/violation.h"
#include "runed/api/call.h"
#include "runed/api/poll_stream.h"
#include "runed/api/service_records.h"
#include "runed/api/service_service.h"
#include "runed/orchestrator/scaling.h"

namespace rune::daemon {
namespace {

using api::ScalingOperation;
using api::ServiceStatus;

// Writes `service` back with its phase set for the pending change.
absl::Status PutPending(store::WriteTxn& txn, api::Service service, absl::Time now) {
  const uint64_t version = service.metadata().resource_version();
  service.mutable_metadata()->clear_resource_version();
  ServiceStatus* status = service.mutable_status();
  status->set_desired(service.spec().scale());
  status->set_phase(service.spec().scale() == 0 ? ServiceStatus::STOPPING
                                                : ServiceStatus::DEPLOYING);
  common::ToTimestamp(now, status->mutable_last_scale_at());
  return txn
      .Put(store::kService, service.spec().namespace_(), service.spec().name(),
           service.SerializeAsString(), version)
      .status();
}

// Cancels the in-progress operation of the service (a newer one supersedes it).
absl::Status CancelActive(store::WriteTxn& txn, absl::string_view ns, absl::string_view name,
                          absl::Time now) {
  RUNE_ASSIGN_OR_RETURN(std::optional<ScalingOperation> active,
                        FindActiveScaling(Reader::Of(txn), ns, name));
  if (!active.has_value()) return absl::OkStatus();
  active->set_state(ScalingOperation::CANCELLED);
  active->set_message("superseded by a newer scaling request");
  common::ToTimestamp(now, active->mutable_finished_at());
  return PutScalingOperation(txn, *active);
}

}  // namespace

absl::Status ServiceServiceImpl::Scale(const api::ScaleServiceRequest& request,
                                       api::ScaleServiceResponse* response) {
  const std::string ns = EffectiveNamespace(request.namespace_());
  const absl::Time now = options_.clock();
  const bool gradual = request.mode() == ScalingOperation::GRADUAL;
  if (gradual && request.has_interval() && request.interval().seconds() < 1) {
    return absl::InvalidArgumentError("validation error: interval: must be at least 1s");
  }
  return store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    response->Clear();
    RUNE_ASSIGN_OR_RETURN(api::Service service,
                          GetExistingService(Reader::Of(txn), ns, request.name()));
    const int from = service.spec().scale();
    response->set_previous(from);
    api::ServiceSpec changed = service.spec();
    changed.set_scale(request.scale());
    std::vector<common::Violation> violations =
        common::spec::ValidateService(changed, options_.limits);
    // Only the scale changed: report only what it breaks.
    violations.erase(std::remove_if(violations.begin(), violations.end(),
                                    [](const common::Violation& v) {
                                      return v.path.find("scale") == std::string::npos;
                                    }),
                     violations.end());
    RUNE_RETURN_IF_ERROR(common::ValidationStatus(violations));
    RUNE_RETURN_IF_ERROR(CancelActive(txn, ns, request.name(), now));
    if (from == request.scale()) {
      response->set_unchanged(true);
      return absl::OkStatus();
    }
    ScalingOperation op;
    op.set_id(ScalingOperationId(ns, request.name(), now));
    op.set_namespace_(ns);
    op.set_service(request.name());
    op.set_from(from);
    op.set_to(request.scale());
    op.set_mode(gradual ? ScalingOperation::GRADUAL : ScalingOperation::IMMEDIATE);
    op.set_step(gradual ? std::max(1, request.step()) : 0);
    if (gradual) {
      op.mutable_interval()->set_seconds(request.has_interval() ? request.interval().seconds()
                                                                : 30);
    }
    op.set_rollback_on_fail(!request.has_rollback_on_fail() || request.rollback_on_fail());
    op.set_state(ScalingOperation::IN_PROGRESS);
    common::ToTimestamp(now, op.mutable_started_at());
    RUNE_RETURN_IF_ERROR(PutScalingOperation(txn, op));
    int first = request.scale();
    if (gradual) {
      first = request.scale() > from ? std::min(request.scale(), from + op.step())
                                     : std::max(request.scale(), from - op.step());
    }
    service.mutable_spec()->set_scale(first);
    if (request.scale() == 0 && from > 0) {
      service.mutable_metadata()->set_last_non_zero_scale(from);
    }
    *response->mutable_operation() = op;
    return PutPending(txn, std::move(service), now);
  });
}

absl::Status ServiceServiceImpl::Stop(const api::StopServiceRequest& request,
                                      api::StopServiceResponse* response) {
  api::ScaleServiceRequest scale;
  scale.set_namespace_(request.namespace_());
  scale.set_name(request.name());
  scale.set_scale(0);
  api::ScaleServiceResponse scaled;
  RUNE_RETURN_IF_ERROR(Scale(scale, &scaled));
  response->set_previous(scaled.previous());
  response->set_unchanged(scaled.unchanged());
  if (scaled.has_operation()) *response->mutable_operation() = scaled.operation();
  return absl::OkStatus();
}

absl::Status ServiceServiceImpl::Restart(const api::RestartServiceRequest& request,
                                         api::RestartServiceResponse* response) {
  const std::string ns = EffectiveNamespace(request.namespace_());
  RUNE_ASSIGN_OR_RETURN(api::Service service,
                        GetExistingService(Reader::Of(store_), ns, request.name()));
  if (!options_.restart) {
    return absl::UnavailableError("restart needs the orchestrator, which is not running");
  }
  RUNE_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                        options_.restart(ns, request.name(), request.rolling()));
  response->set_instances(service.spec().scale());
  response->set_rolling(request.rolling() && !service.spec().has_expose());
  for (std::string& id : ids) response->add_replaced_instance_ids(std::move(id));
  return absl::OkStatus();
}

absl::Status ServiceServiceImpl::Rollback(const api::RollbackServiceRequest& request,
                                          api::RollbackServiceResponse* response) {
  const std::string ns = EffectiveNamespace(request.namespace_());
  const std::string& name = request.name();
  const Reader reader = Reader::Of(store_);
  RUNE_ASSIGN_OR_RETURN(api::Service service, GetExistingService(reader, ns, name));
  const int64_t current = service.metadata().generation();
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records,
                        reader.List(store::kServiceHistory, ns, HistoryPrefix(name)));
  std::optional<api::ServiceHistoryEntry> target;
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    RUNE_ASSIGN_OR_RETURN(api::ServiceHistoryEntry entry, ParseHistory(*it));
    if (request.to_generation() > 0 ? entry.generation() == request.to_generation()
                                    : entry.generation() < current) {
      target = std::move(entry);
      break;
    }
  }
  if (!target.has_value()) {
    if (request.to_generation() > 0) {
      return common::WithHint(
          absl::NotFoundError(absl::StrCat("generation ", request.to_generation(),
                                           " of service \"", ns, "/", name, "\" not found")),
          absl::StrCat("list generations with 'rune rollback ", name, " --list -n ", ns, "'"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "service \"", ns, "/", name, "\" has no previous generation to roll back to"));
  }
  api::ApplyServiceRequest apply;
  *apply.mutable_spec() = target->spec();
  apply.mutable_spec()->set_scale(service.spec().scale());
  apply.set_tag(target->tag());
  api::ApplyServiceResponse applied;
  RUNE_RETURN_IF_ERROR(Apply(apply, &applied));
  response->set_rolled_back_to(target->generation());
  response->set_unchanged(applied.action() == api::UNCHANGED);
  *response->mutable_service() = std::move(*applied.mutable_service());
  return absl::OkStatus();
}

grpc::ServerWriteReactor<api::WatchScalingResponse>* ServiceServiceImpl::WatchScaling(
    grpc::CallbackServerContext* ctx, const api::WatchScalingRequest* request) {
  using Stream = PollStream<api::WatchScalingResponse>;
  absl::Status allowed = authz_->Authorize(*ctx, *request).status();
  if (!allowed.ok()) return new Stream(ToGrpcStatus(ctx, allowed));
  const std::string ns = EffectiveNamespace(request->namespace_());
  const std::string id = request->operation_id();
  store::Store* store = store_;
  absl::StatusOr<std::optional<store::Record>> first = store->Get(store::kScalingOp, ns, id);
  if (!first.ok()) return new Stream(ToGrpcStatus(ctx, first.status()));
  if (!first->has_value()) {
    return new Stream(ToGrpcStatus(
        ctx, absl::NotFoundError(absl::StrCat("scaling operation \"", id,
                                              "\" not found in namespace \"", ns, "\""))));
  }
  auto last = std::make_shared<std::string>();
  return new Stream(
      [store, ns, id, last](bool* done) -> absl::StatusOr<std::optional<api::WatchScalingResponse>> {
        RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                              store->Get(store::kScalingOp, ns, id));
        if (!record.has_value()) {
          return absl::NotFoundError(absl::StrCat("scaling operation \"", id, "\" was removed"));
        }
        api::WatchScalingResponse update;
        if (!update.mutable_operation()->ParseFromString(record->value)) {
          return absl::DataLossError(absl::StrCat("corrupt scaling operation record \"", id, "\""));
        }
        RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> service,
                              FindService(Reader::Of(store), ns, update.operation().service()));
        if (service.has_value()) {
          update.set_current(service->spec().scale());
          update.set_ready(service->status().ready());
          update.set_running(service->status().running());
        }
        *done = update.operation().state() != ScalingOperation::IN_PROGRESS;
        std::string bytes = update.SerializeAsString();
        if (bytes == *last && !*done) return std::optional<api::WatchScalingResponse>();
        *last = std::move(bytes);
        return std::optional<api::WatchScalingResponse>(std::move(update));
      },
      absl::Milliseconds(100));
}

}  // namespace rune::daemon
