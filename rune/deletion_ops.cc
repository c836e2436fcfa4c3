#include "rune/deletion_ops.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/duration.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "rune/commands.h"
#include "rune/interrupt.h"
#include "rune/output.h"

namespace rune::cli {
namespace {

constexpr struct {
  api::DeletionOperation::State state;
  const char* name;
} kStates[] = {
    {api::DeletionOperation::PENDING, "pending"},
    {api::DeletionOperation::DELETING_INSTANCES, "deleting-instances"},
    {api::DeletionOperation::RUNNING_FINALIZERS, "running-finalizers"},
    {api::DeletionOperation::COMPLETED, "completed"},
    {api::DeletionOperation::FAILED, "failed"},
};

constexpr absl::Duration kPollInterval = absl::Milliseconds(250);

std::string FinalizerStateName(api::DeletionFinalizer::State state) {
  switch (state) {
    case api::DeletionFinalizer::PENDING:
      return "pending";
    case api::DeletionFinalizer::RUNNING:
      return "running";
    case api::DeletionFinalizer::COMPLETED:
      return "completed";
    case api::DeletionFinalizer::FAILED:
      return "failed";
    default:
      return "";
  }
}

bool Finished(const api::DeletionOperation& op) {
  return op.state() == api::DeletionOperation::COMPLETED ||
         op.state() == api::DeletionOperation::FAILED;
}

common::Value OperationDoc(const api::DeletionOperation& op) {
  common::Value doc = common::Value::Object();
  doc.Set("id", op.id());
  doc.Set("namespace", op.namespace_());
  doc.Set("service", op.service());
  doc.Set("state", DeletionStateName(op.state()));
  doc.Set("startedAt", common::FormatTimestamp(op.started_at()));
  if (op.has_finished_at()) doc.Set("finishedAt", common::FormatTimestamp(op.finished_at()));
  doc.Set("instances", common::Value::Object()
                           .Set("total", op.instances_total())
                           .Set("deleted", op.instances_deleted())
                           .Set("failed", op.instances_failed()));
  common::Value finalizers = common::Value::Array();
  for (const api::DeletionFinalizer& f : op.finalizers()) {
    common::Value fd = common::Value::Object();
    fd.Set("name", f.name());
    fd.Set("state", FinalizerStateName(f.state()));
    fd.Set("attempts", f.attempts());
    if (!f.message().empty()) fd.Set("message", f.message());
    finalizers.Push(std::move(fd));
  }
  doc.Set("finalizers", std::move(finalizers));
  if (!op.failure().empty()) doc.Set("failure", op.failure());
  return doc;
}

}  // namespace

std::string DeletionStateName(api::DeletionOperation::State state) {
  for (const auto& s : kStates) {
    if (s.state == state) return s.name;
  }
  return "";
}

api::DeletionOperation::State DeletionStateFromName(const std::string& name) {
  for (const auto& s : kStates) {
    if (s.name == name) return s.state;
  }
  return api::DeletionOperation::STATE_UNSPECIFIED;
}

absl::StatusOr<api::DeletionOperation> WaitForDeletion(Invocation& inv, Connection& conn,
                                                       api::ServiceService::Stub* stub,
                                                       api::DeletionOperation op) {
  const absl::Duration timeout = inv.parsed.Duration("timeout");
  const absl::Time deadline = absl::Now() + timeout;
  if (!Finished(op)) {
    InterruptScope interrupt;
    while (!Finished(op)) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        return common::WithHint(
            common::WaitTimeoutError(absl::StrCat(
                "timed out after ", common::FormatDuration(timeout), " waiting for deletion of service \"",
                op.namespace_(), "/", op.service(), "\" (operation ", op.id(), ": ",
                DeletionStateName(op.state()), ")")),
            absl::StrCat("increase --timeout or inspect with 'rune get services ", op.service(), "'"));
      }
      if (interrupt.SleepFor(std::min(left, kPollInterval))) return common::InterruptedError();
      api::GetDeletionStatusRequest request;
      request.set_namespace_(op.namespace_());
      request.set_operation_id(op.id());
      api::GetDeletionStatusResponse response;
      RUNE_RETURN_IF_ERROR(conn.Call(stub, &api::ServiceService::Stub::GetDeletionStatus,
                                     "ServiceService.GetDeletionStatus", request, &response));
      op = response.operation();
    }
  }
  if (op.state() == api::DeletionOperation::FAILED) {
    return common::WithHint(
        absl::UnknownError(absl::StrCat("deletion of service \"", op.namespace_(), "/", op.service(),
                                        "\" failed (operation ", op.id(), "): ", op.failure())),
        absl::StrCat("inspect it with 'rune delete status ", op.id(), " -n ", op.namespace_(), "'"));
  }
  return op;
}

absl::Status RunDeleteList(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  api::ListDeletionOperationsRequest request;
  request.set_namespace_(inv.parsed.Bool("all-namespaces") ? "*" : conn->settings().namespace_name);
  request.set_state(DeletionStateFromName(inv.parsed.String("status")));
  api::ListDeletionOperationsResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::ListDeletionOperations,
                                  "ServiceService.ListDeletionOperations", request, &response));
  std::vector<api::DeletionOperation> ops(response.operations().begin(), response.operations().end());
  std::stable_sort(ops.begin(), ops.end(), [](const api::DeletionOperation& a, const api::DeletionOperation& b) {
    const absl::Time ta = common::FromTimestamp(a.started_at());
    const absl::Time tb = common::FromTimestamp(b.started_at());
    if (ta != tb) return ta > tb;
    return a.id() > b.id();
  });
  const std::string format = inv.parsed.String("output");
  if (format != "table") {
    common::Value list = common::Value::Array();
    for (const api::DeletionOperation& op : ops) list.Push(OperationDoc(op));
    PrintDocument(inv, common::Value::Object().Set("operations", std::move(list)), format);
    return absl::OkStatus();
  }
  if (ops.empty()) {
    inv.err() << "No deletion operations found.\n";
    return absl::OkStatus();
  }
  Table table({"ID", "NAMESPACE", "SERVICE", "STATE", "PROGRESS", "AGE"});
  const absl::Time now = absl::Now();
  for (const api::DeletionOperation& op : ops) {
    table.Add({op.id(), op.namespace_(), op.service(), DeletionStateName(op.state()),
               absl::StrCat(op.instances_deleted(), "/", op.instances_total()),
               common::FormatAge(now - common::FromTimestamp(op.started_at()))});
  }
  table.Print(inv.out(), /*headers=*/true);
  return absl::OkStatus();
}

absl::Status RunDeleteStatus(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  api::GetDeletionStatusRequest request;
  request.set_namespace_(conn->settings().namespace_name);
  request.set_operation_id(inv.parsed.args[0]);
  api::GetDeletionStatusResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::GetDeletionStatus,
                                  "ServiceService.GetDeletionStatus", request, &response));
  const api::DeletionOperation& op = response.operation();
  const std::string format = inv.parsed.String("output");
  if (format != "text") {
    PrintDocument(inv, common::Value::Object().Set("operation", OperationDoc(op)), format);
    return absl::OkStatus();
  }
  std::vector<std::string> finalizers;
  for (const api::DeletionFinalizer& f : op.finalizers()) {
    finalizers.push_back(absl::StrCat(f.name(), "=", FinalizerStateName(f.state())));
  }
  auto line = [&inv](const char* key, const std::string& value) {
    std::string padded = key;
    padded.resize(std::max<size_t>(padded.size() + 1, 12), ' ');
    inv.out() << padded << (value.empty() ? "-" : value) << "\n";
  };
  line("Operation:", op.id());
  line("Service:", absl::StrCat(op.namespace_(), "/", op.service()));
  line("State:", DeletionStateName(op.state()));
  line("Started:", common::FormatTimestamp(op.started_at()));
  line("Finished:", op.has_finished_at() ? common::FormatTimestamp(op.finished_at()) : "");
  line("Instances:", absl::StrCat(op.instances_deleted(), "/", op.instances_total(), " deleted, ",
                                  op.instances_failed(), " failed"));
  line("Finalizers:", absl::StrJoin(finalizers, ", "));
  line("Failure:", op.failure());
  return absl::OkStatus();
}

}  // namespace rune::cli
