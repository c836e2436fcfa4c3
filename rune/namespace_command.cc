// `rune get namespaces`, `rune create namespace`, `rune delete namespace`
// (SPEC §3.6.2, §3.6.3, §3.6.13) over NamespaceService.
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "proto/namespace.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/get_command.h"
#include "rune/output.h"

namespace rune::cli {
namespace {

std::map<std::string, std::string> LabelsOf(const api::Namespace& ns) {
  return {ns.labels().begin(), ns.labels().end()};
}

common::Value NamespaceDoc(const api::Namespace& ns) {
  common::Value doc = common::Value::Object();
  doc.Set("name", ns.name());
  if (!ns.description().empty()) doc.Set("description", ns.description());
  if (!ns.labels().empty()) doc.Set("labels", LabelsDoc(LabelsOf(ns)));
  common::Value meta = common::Value::Object();
  meta.Set("createdAt", common::FormatTimestamp(ns.metadata().created_at()));
  meta.Set("updatedAt", common::FormatTimestamp(ns.metadata().updated_at()));
  doc.Set("metadata", std::move(meta));
  return doc;
}

void PrintNamespaces(Invocation& inv, const std::vector<api::Namespace>& list, bool named) {
  const std::string format = inv.parsed.String("output");
  if (format != "table") {
    common::Value doc = common::Value::Object();
    if (named) {
      doc.Set("namespace", NamespaceDoc(list.front()));
    } else {
      common::Value items = common::Value::Array();
      for (const api::Namespace& ns : list) items.Push(NamespaceDoc(ns));
      doc.Set("namespaces", std::move(items));
    }
    PrintDocument(inv, doc, format);
    return;
  }
  if (list.empty()) {
    inv.err() << "No namespaces found.\n";
    return;
  }
  Table table({"NAME", "LABELS", "AGE"});
  const absl::Time now = absl::Now();
  for (const api::Namespace& ns : list) {
    table.Add({ns.name(), LabelsCell(LabelsOf(ns)),
               common::FormatAge(now - common::FromTimestamp(ns.metadata().created_at()))});
  }
  table.Print(inv.out(), !inv.parsed.Bool("no-headers"));
}

// The result document of `delete -o json|yaml`.
common::Value DeleteResultDoc(const api::DeleteNamespaceResponse& r) {
  common::Value doc = common::Value::Object();
  doc.Set("kind", "namespace");
  doc.Set("name", r.name());
  if (!r.dry_run()) doc.Set("state", "completed");
  doc.Set("dryRun", r.dry_run());
  if (!r.blocked_by().empty()) {
    common::Value blocked = common::Value::Array();
    for (const std::string& b : r.blocked_by()) blocked.Push(b);
    doc.Set("blockedBy", std::move(blocked));
  }
  return doc;
}

}  // namespace

absl::Status GetNamespaces(Invocation& inv) {
  if (inv.parsed.Bool("watch")) return common::NotImplementedError("get namespaces --watch");
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::NamespaceService::NewStub(conn->channel());
  std::vector<api::Namespace> list;
  const bool named = inv.parsed.args.size() > 1;
  if (named) {
    api::GetNamespaceRequest request;
    request.set_name(inv.parsed.args[1]);
    api::GetNamespaceResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::NamespaceService::Stub::GetNamespace,
                                    "NamespaceService.GetNamespace", request, &response));
    list.push_back(response.namespace_());
  } else {
    api::ListNamespacesRequest request;
    request.set_selector(inv.parsed.String("selector"));
    api::ListNamespacesResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::NamespaceService::Stub::ListNamespaces,
                                    "NamespaceService.ListNamespaces", request, &response));
    list.assign(response.namespaces().begin(), response.namespaces().end());
  }
  PrintNamespaces(inv, list, named);
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
  if (s.code() == absl::StatusCode::kNotFound && inv.parsed.Bool("ignore-not-found")) {
    if (!inv.json_errors()) inv.err() << "namespace \"" << name << "\" not found (ignored)\n";
    return absl::OkStatus();
  }
  RUNE_RETURN_IF_ERROR(s);
  const std::string format = inv.parsed.String("output");
  if (format != "text") {
    PrintDocument(inv, DeleteResultDoc(response), format);
    return absl::OkStatus();
  }
  if (response.dry_run()) {
    inv.out() << "namespace/" << name << " would be deleted\n";
    for (const std::string& b : response.blocked_by()) inv.out() << "  blocked by: " << b << "\n";
    return absl::OkStatus();
  }
  inv.out() << "namespace/" << name << " deleted\n";
  return absl::OkStatus();
}

}  // namespace rune::cli
