// `rune status [-A]` (SPEC §3.6.6): the services of a namespace (or of all
// namespaces), worst status first, over ServiceService.ListServices.
#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/document.h"
#include "common/spec/documents.h"
#include "common/status_macros.h"
#include "proto/service.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/output.h"

namespace rune::cli {
namespace {

// Failed, Degraded, Deleting, Stopping, Deploying, Pending, Running,
// Stopped; a phase runed has not set yet comes last.
int Severity(api::ServiceStatus::Phase phase) {
  switch (phase) {
    case api::ServiceStatus::FAILED:
      return 0;
    case api::ServiceStatus::DEGRADED:
      return 1;
    case api::ServiceStatus::DELETING:
      return 2;
    case api::ServiceStatus::STOPPING:
      return 3;
    case api::ServiceStatus::DEPLOYING:
      return 4;
    case api::ServiceStatus::PENDING:
      return 5;
    case api::ServiceStatus::RUNNING:
      return 6;
    case api::ServiceStatus::STOPPED:
      return 7;
    default:
      return 8;
  }
}

}  // namespace

absl::Status RunStatus(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  const bool all = inv.parsed.Bool("all-namespaces");
  api::ListServicesRequest request;
  request.set_namespace_(all ? "*" : ns);
  api::ListServicesResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::ListServices,
                                  "ServiceService.ListServices", request, &response));
  std::vector<const api::Service*> services;
  for (const api::Service& s : response.services()) services.push_back(&s);
  std::stable_sort(services.begin(), services.end(), [](const api::Service* a, const api::Service* b) {
    return std::make_tuple(Severity(a->status().phase()), a->spec().name(), a->spec().namespace_()) <
           std::make_tuple(Severity(b->status().phase()), b->spec().name(), b->spec().namespace_());
  });

  const std::string format = inv.parsed.String("output");
  if (format == "json" || format == "yaml") {
    common::Value list = common::Value::Array();
    for (const api::Service* s : services) {
      list.Push(common::Value::Object()
                    .Set("namespace", s->spec().namespace_())
                    .Set("name", s->spec().name())
                    .Set("status", common::spec::PhaseName(s->status().phase()))
                    .Set("ready", s->status().ready())
                    .Set("desired", s->status().desired()));
    }
    PrintDocument(inv,
                  common::Value::Object().Set("namespace", all ? "*" : ns).Set("services", std::move(list)),
                  format);
    return absl::OkStatus();
  }
  if (services.empty()) {
    if (all) {
      inv.err() << "No services found.\n";
    } else {
      inv.err() << "No services found in namespace \"" << ns << "\".\n";
    }
    return absl::OkStatus();
  }
  inv.out() << (all ? std::string("Services in all namespaces:")
                    : absl::StrCat("Services in ", ns, ":"))
            << "\n";
  std::vector<std::string> header = {"NAME", "STATUS", "SCALE"};
  if (all) header.insert(header.begin(), "NAMESPACE");
  Table table(header);
  for (const api::Service* s : services) {
    std::vector<std::string> row = {
        s->spec().name(), common::spec::PhaseName(s->status().phase()),
        absl::StrCat(s->status().ready(), "/", s->status().desired())};
    if (all) row.insert(row.begin(), s->spec().namespace_());
    table.Add(std::move(row));
  }
  table.Print(inv.out(), true);
  return absl::OkStatus();
}

}  // namespace rune::cli
