// `rune get instances [name] [-w]` and `rune delete instance <id-or-name>`
// (SPEC §3.6.2, §3.6.3) over InstanceService.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/duration.h"
#include "common/proto_time.h"
#include "common/spec/documents.h"
#include "common/status_macros.h"
#include "proto/instance.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/deletion_ops.h"
#include "rune/get_command.h"
#include "rune/resource_output.h"
#include "rune/watch.h"

namespace rune::cli {
namespace {

const ResourceKind& InstancesKind() {
  static const ResourceKind* kind = new ResourceKind{
      "instance", "instances", {"ID", "SERVICE", "STATUS", "READY", "RESTARTS", "NODE", "AGE"}};
  return *kind;
}

Listed ListInstance(const api::Instance& instance, absl::Time now) {
  Listed item;
  item.namespace_name = instance.namespace_();
  item.name = instance.name();
  item.id = instance.id();
  // Namespace, service, name, generation (SPEC §3.6.2).
  item.order = {instance.service(), instance.name(),
                absl::StrCat(absl::Dec(instance.generation(), absl::kZeroPad20)), instance.id()};
  item.resource_version = instance.resource_version();
  item.cells = {
      instance.id(),
      instance.service(),
      common::spec::InstanceStateName(instance.status()),
      instance.ready() ? "true" : "false",
      absl::StrCat(instance.restarts()),
      instance.node(),
      instance.has_created_at()
          ? common::FormatAge(now - common::FromTimestamp(instance.created_at()))
          : "",
  };
  item.document = common::spec::InstanceDocument(instance);
  return item;
}

absl::Status WatchInstances(Invocation& inv, Connection& conn, api::InstanceService::Stub* stub,
                            const std::string& namespace_name) {
  api::WatchInstancesRequest request;
  request.set_namespace_(namespace_name);
  request.set_service(inv.parsed.String("service"));
  request.set_selector(inv.parsed.String("selector"));
  // A named watch follows the instances of that name or ID.
  const std::string only = inv.parsed.args.size() > 1 ? inv.parsed.args[1] : "";
  return RunWatch(inv, conn, InstancesKind(), "InstanceService.WatchInstances",
                  [&](grpc::ClientContext* ctx, const WatchSink& sink) {
                    auto reader = stub->WatchInstances(ctx, request);
                    api::WatchInstancesResponse event;
                    while (reader->Read(&event)) {
                      const api::Instance& i = event.instance();
                      if (event.type() != api::SYNCED && !only.empty() && i.id() != only &&
                          i.name() != only) {
                        continue;
                      }
                      sink(event.type(), ListInstance(i, absl::Now()));
                    }
                    return reader->Finish();
                  });
}

}  // namespace

absl::Status GetInstances(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::InstanceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  const bool all = inv.parsed.Bool("all-namespaces");
  if (inv.parsed.Bool("watch")) return WatchInstances(inv, *conn, stub.get(), all ? "*" : ns);
  const bool named = inv.parsed.args.size() > 1;
  std::vector<Listed> items;
  if (named) {
    api::GetInstanceRequest request;
    request.set_namespace_(ns);
    request.set_id(inv.parsed.args[1]);
    api::GetInstanceResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::InstanceService::Stub::GetInstance,
                                    "InstanceService.GetInstance", request, &response));
    items.push_back(ListInstance(response.instance(), absl::Now()));
  } else {
    api::ListInstancesRequest request;
    request.set_namespace_(all ? "*" : ns);
    request.set_service(inv.parsed.String("service"));
    request.set_selector(inv.parsed.String("selector"));
    api::ListInstancesResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::InstanceService::Stub::ListInstances,
                                    "InstanceService.ListInstances", request, &response));
    const absl::Time now = absl::Now();
    for (const api::Instance& i : response.instances()) items.push_back(ListInstance(i, now));
  }
  PrintListing(inv, InstancesKind(), std::move(items), named, ns);
  return absl::OkStatus();
}

absl::Status RunDeleteInstance(Invocation& inv) {
  const std::string& target = inv.parsed.args[0];
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::InstanceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  api::DeleteInstanceRequest request;
  request.set_namespace_(ns);
  request.set_id(target);
  request.set_dry_run(inv.parsed.Bool("dry-run"));
  api::DeleteInstanceResponse response;
  absl::Status s = conn->Call(stub.get(), &api::InstanceService::Stub::DeleteInstance,
                              "InstanceService.DeleteInstance", request, &response);
  if (!s.ok()) return IgnoreNotFound(inv, s, "instance", ns, target);

  DeleteOutcome outcome;
  outcome.kind = "instance";
  outcome.namespace_name = response.namespace_().empty() ? ns : response.namespace_();
  outcome.name = response.id().empty() ? target : response.id();
  outcome.dry_run = response.dry_run();
  outcome.blocked_by.assign(response.blocked_by().begin(), response.blocked_by().end());
  if (!response.dry_run()) {
    outcome.state = DeletionStateName(response.state());
    outcome.result = "deleted";
  }
  PrintDeleteOutcome(inv, outcome);
  return absl::OkStatus();
}

}  // namespace rune::cli
