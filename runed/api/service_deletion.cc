#include "runed/api/service_deletion.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace rune::daemon {
namespace {

using api::DeletionFinalizer;
using api::DeletionOperation;

absl::Status PutOperation(store::WriteTxn& txn, const DeletionOperation& op) {
  return txn.Put(store::kDeletionOp, op.namespace_(), op.id(), op.SerializeAsString()).status();
}

// Removes finished operations past their retention, in every namespace.
absl::Status PruneExpired(store::WriteTxn& txn, absl::Time now) {
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records, txn.List(store::kDeletionOp, ""));
  for (const store::Record& r : records) {
    RUNE_ASSIGN_OR_RETURN(DeletionOperation op, ParseDeletionOp(r));
    if (IsExpired(op, now)) RUNE_RETURN_IF_ERROR(txn.Delete(r.kind, r.ns, r.name).status());
  }
  return absl::OkStatus();
}

// instance-cleanup: removes the instance records of the service (their
// runner objects are gone once they are stopped).
absl::Status CleanupInstances(store::WriteTxn& txn, DeletionOperation* op) {
  RUNE_ASSIGN_OR_RETURN(std::vector<api::Instance> instances,
                        InstancesOf(Reader::Of(txn), op->namespace_(), op->service()));
  for (const api::Instance& instance : instances) {
    RUNE_RETURN_IF_ERROR(txn.Delete(store::kInstance, op->namespace_(), instance.id()).status());
    op->set_instances_deleted(op->instances_deleted() + 1);
  }
  return absl::OkStatus();
}

// service-deregister: removes the service, its history and its scaling
// operations.
absl::Status Deregister(store::WriteTxn& txn, DeletionOperation* op) {
  const std::string& ns = op->namespace_();
  const std::string& name = op->service();
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> history,
                        txn.List(store::kServiceHistory, ns, HistoryPrefix(name)));
  for (const store::Record& r : history) {
    RUNE_RETURN_IF_ERROR(txn.Delete(r.kind, r.ns, r.name).status());
  }
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> scaling, txn.List(store::kScalingOp, ns));
  for (const store::Record& r : scaling) {
    api::ScalingOperation scale;
    if (!scale.ParseFromString(r.value)) {
      return absl::DataLossError(absl::StrCat("corrupt scaling operation record \"", r.ns, "/",
                                              r.name, "\""));
    }
    if (scale.service() == name) RUNE_RETURN_IF_ERROR(txn.Delete(r.kind, r.ns, r.name).status());
  }
  return txn.Delete(store::kService, ns, name).status();
}

struct Finalizer {
  const char* name;
  absl::Status (*run)(store::WriteTxn& txn, DeletionOperation* op);
};

// In execution order.
constexpr Finalizer kFinalizers[] = {
    {kInstanceCleanup, &CleanupInstances},
    {kServiceDeregister, &Deregister},
};

}  // namespace

std::string DeletionOperationId(absl::string_view ns, absl::string_view service, absl::Time now) {
  return absl::StrCat("delete-", ns, "-", service, "-", absl::ToUnixSeconds(now));
}

bool IsActive(const DeletionOperation& op) {
  return op.state() != DeletionOperation::COMPLETED && op.state() != DeletionOperation::FAILED;
}

bool IsExpired(const DeletionOperation& op, absl::Time now) {
  return !IsActive(op) && op.has_finished_at() &&
         common::FromTimestamp(op.finished_at()) + kDeletionRetention < now;
}

absl::StatusOr<std::optional<DeletionOperation>> FindActiveDeletion(const Reader& reader,
                                                                    absl::string_view ns,
                                                                    absl::string_view name) {
  RUNE_ASSIGN_OR_RETURN(
      std::vector<store::Record> records,
      reader.List(store::kDeletionOp, ns, absl::StrCat("delete-", ns, "-", name, "-")));
  for (const store::Record& r : records) {
    RUNE_ASSIGN_OR_RETURN(DeletionOperation op, ParseDeletionOp(r));
    if (op.service() == name && IsActive(op)) return std::optional<DeletionOperation>(op);
  }
  return std::optional<DeletionOperation>();
}

absl::Status DeletionInProgress(const DeletionOperation& op) {
  return common::WithHint(
      absl::FailedPreconditionError(absl::StrCat("deletion of service \"", op.namespace_(), "/",
                                                 op.service(), "\" is already in progress (operation ",
                                                 op.id(), ")")),
      absl::StrCat("follow it with 'rune delete status ", op.id(), " -n ", op.namespace_(), "'"));
}

absl::StatusOr<DeletionOperation> StartDeletion(store::WriteTxn& txn, absl::string_view ns,
                                                absl::string_view name, absl::Time now) {
  const Reader reader = Reader::Of(txn);
  RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> service, FindService(reader, ns, name));
  if (!service.has_value()) return ServiceNotFound(ns, name);
  RUNE_ASSIGN_OR_RETURN(std::optional<DeletionOperation> active,
                        FindActiveDeletion(reader, ns, name));
  if (active.has_value()) return DeletionInProgress(*active);
  RUNE_RETURN_IF_ERROR(PruneExpired(txn, now));

  DeletionOperation op;
  op.set_id(DeletionOperationId(ns, name, now));
  op.set_namespace_(std::string(ns));
  op.set_service(std::string(name));
  op.set_state(DeletionOperation::PENDING);
  common::ToTimestamp(now, op.mutable_started_at());
  for (const Finalizer& f : kFinalizers) {
    DeletionFinalizer* finalizer = op.add_finalizers();
    finalizer->set_name(f.name);
    finalizer->set_state(DeletionFinalizer::PENDING);
  }
  RUNE_RETURN_IF_ERROR(PutOperation(txn, op));

  const uint64_t version = service->metadata().resource_version();
  service->mutable_metadata()->clear_resource_version();
  service->mutable_status()->set_phase(api::ServiceStatus::DELETING);
  RUNE_RETURN_IF_ERROR(
      txn.Put(store::kService, ns, name, service->SerializeAsString(), version).status());
  return op;
}

absl::Status RunDeletion(store::WriteTxn& txn, DeletionOperation* op, absl::Time now) {
  if (!IsActive(*op)) return absl::OkStatus();
  // Instances to stop. Nothing runs them yet, so none is left running and
  // instance-cleanup removes their records.
  RUNE_ASSIGN_OR_RETURN(std::vector<api::Instance> instances,
                        InstancesOf(Reader::Of(txn), op->namespace_(), op->service()));
  op->set_state(DeletionOperation::DELETING_INSTANCES);
  op->set_instances_total(static_cast<int32_t>(instances.size()));

  op->set_state(DeletionOperation::RUNNING_FINALIZERS);
  for (int i = 0; i < op->finalizers_size(); ++i) {
    DeletionFinalizer* finalizer = op->mutable_finalizers(i);
    if (finalizer->state() == DeletionFinalizer::COMPLETED) continue;
    const Finalizer* f = nullptr;
    for (const Finalizer& candidate : kFinalizers) {
      if (finalizer->name() == candidate.name) f = &candidate;
    }
    absl::Status done =
        f == nullptr ? absl::InternalError(absl::StrCat("unknown finalizer ", finalizer->name()))
                     : f->run(txn, op);
    finalizer->set_attempts(finalizer->attempts() + 1);
    if (!done.ok()) {
      finalizer->set_state(DeletionFinalizer::FAILED);
      finalizer->set_message(std::string(done.message()));
      op->set_state(DeletionOperation::FAILED);
      op->set_failure(absl::StrCat(finalizer->name(), ": ", done.message()));
      common::ToTimestamp(now, op->mutable_finished_at());
      return PutOperation(txn, *op);
    }
    finalizer->set_state(DeletionFinalizer::COMPLETED);
  }
  op->set_state(DeletionOperation::COMPLETED);
  common::ToTimestamp(now, op->mutable_finished_at());
  return PutOperation(txn, *op);
}

absl::StatusOr<DeletionOperation> DeleteServiceNow(store::WriteTxn& txn, absl::string_view ns,
                                                   absl::string_view name, absl::Time now) {
  RUNE_ASSIGN_OR_RETURN(DeletionOperation op, StartDeletion(txn, ns, name, now));
  RUNE_RETURN_IF_ERROR(RunDeletion(txn, &op, now));
  return op;
}

}  // namespace rune::daemon
