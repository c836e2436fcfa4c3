// `rune get namespaces [-w]`, `rune create namespace`, `rune delete namespace`
// (SPEC §3.6.2, §3.6.3, §3.6.13) over NamespaceService.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "common/spec/documents.h"
#include "common/status_macros.h"
#include "proto/namespace.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/deletion_ops.h"
#include "rune/get_command.h"
#include "rune/output.h"
#include "rune/resource_output.h"
#include "rune/watch.h"

namespace rune::cli {
namespace {

const ResourceKind& NamespacesKind() {
  static const ResourceKind* kind = new ResourceKind{
      "namespace", "namespaces", {"LABELS", "AGE"}, /*namespaced=*/false, /*labels_column=*/true};
  return *kind;
}

Listed ListNamespace(const api::Namespace& ns, absl::Time now) {
  Listed item;
  item.name = ns.name();
  item.labels = {ns.labels().begin(), ns.labels().end()};
  item.resource_version = ns.metadata().resource_version();
  item.cells = {LabelsCell(item.labels),
                common::FormatAge(now - common::FromTimestamp(ns.metadata().created_at()))};
  item.document = common::spec::NamespaceDocument(ns);
  return item;
}

absl::Status WatchNamespaces(Invocation& inv, Connection& conn,
                             api::NamespaceService::Stub* stub) {
  api::WatchNamespacesRequest request;
  request.set_selector(inv.parsed.String("selector"));
  if (inv.parsed.args.size() > 1) request.set_name(inv.parsed.args[1]);
  return RunWatch(inv, conn, NamespacesKind(), "NamespaceService.WatchNamespaces",
                  [&](grpc::ClientContext* ctx, const WatchSink& sink) {
                    auto reader = stub->WatchNamespaces(ctx, request);
                    api::WatchNamespacesResponse event;
                    while (reader->Read(&event)) {
                      sink(event.type(), ListNamespace(event.namespace_(), absl::Now()));
                    }
                    return reader->Finish();
                  });
}

}  // namespace

absl::Status GetNamespaces(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::NamespaceService::NewStub(conn->channel());
  if (inv.parsed.Bool("watch")) return WatchNamespaces(inv, *conn, stub.get());
  std::vector<Listed> list;
  const bool named = inv.parsed.args.size() > 1;
  if (named) {
    api::GetNamespaceRequest request;
    request.set_name(inv.parsed.args[1]);
    api::GetNamespaceResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::NamespaceService::Stub::GetNamespace,
                                    "NamespaceService.GetNamespace", request, &response));
    list.push_back(ListNamespace(response.namespace_(), absl::Now()));
  } else {
    api::ListNamespacesRequest request;
    request.set_selector(inv.parsed.String("selector"));
    api::ListNamespacesResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::NamespaceService::Stub::ListNamespaces,
                                    "NamespaceService.ListNamespaces", request, &response));
    const absl::Time now = absl::Now();
    for (const api::Namespace& ns : response.namespaces()) list.push_back(ListNamespace(ns, now));
  }
  PrintListing(inv, NamespacesKind(), std::move(list), named, "");
  return absl::OkStatus();
}

absl::Status RunCreateNamespace(Invocation& inv) {
  api::CreateNamespaceRequest request;
  request.mutable_namespace_()->set_name(inv.parsed.args[0]);
  request.mutable_namespace_()->set_description(inv.parsed.String("description"));
  for (const std::string& kv : inv.parsed.Strings("label")) {
    const size_t eq = kv.find('=');
    (*request.mutable_namespace_()->mutable_labels())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::NamespaceService::NewStub(conn->channel());
  api::CreateNamespaceResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::NamespaceService::Stub::CreateNamespace,
                                  "NamespaceService.CreateNamespace", request, &response));
  inv.out() << "namespace/" << response.namespace_().name() << " created\n";
  return absl::OkStatus();
}

absl::Status RunDeleteNamespace(Invocation& inv) {
  const std::string& name = inv.parsed.args[0];
  api::DeleteNamespaceRequest request;
  request.set_name(name);
  request.set_force(inv.parsed.Bool("force"));
  request.set_dry_run(inv.parsed.Bool("dry-run"));
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::NamespaceService::NewStub(conn->channel());
  api::DeleteNamespaceResponse response;
  absl::Status s = conn->Call(stub.get(), &api::NamespaceService::Stub::DeleteNamespace,
                              "NamespaceService.DeleteNamespace", request, &response);
  if (!s.ok()) return IgnoreNotFound(inv, s, "namespace", "", name);
  DeleteOutcome outcome;
  outcome.kind = "namespace";
  outcome.name = name;
  outcome.dry_run = response.dry_run();
  outcome.blocked_by.assign(response.blocked_by().begin(), response.blocked_by().end());
  if (!response.dry_run()) {
    outcome.state = DeletionStateName(response.state());
    if (outcome.state.empty()) outcome.state = "completed";
    outcome.result = "deleted";
  }
  PrintDeleteOutcome(inv, outcome);
  return absl::OkStatus();
}

}  // namespace rune::cli
