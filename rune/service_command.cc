// `rune get services [-w]` and `rune delete [service] <name>` (SPEC §3.6.2,
// §3.6.3) over ServiceService.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "common/spec/documents.h"
#include "common/status_macros.h"
#include "proto/service.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/deletion_ops.h"
#include "rune/get_command.h"
#include "rune/resource_output.h"
#include "rune/watch.h"

namespace rune::cli {
namespace {

const ResourceKind& ServicesKind() {
  static const ResourceKind* kind = new ResourceKind{
      "service", "services", {"TYPE", "STATUS", "INSTANCES", "EXTERNAL", "GENERATION", "AGE"}};
  return *kind;
}

// `<expose.host or localhost>:<hostPort>`; hostPort defaults to the exposed
// port, given as a number or as the name of one of `ports`.
std::string ExternalCell(const api::ServiceSpec& spec) {
  if (!spec.has_expose()) return "-";
  const api::Expose& expose = spec.expose();
  const std::string host = expose.host().empty() ? "localhost" : expose.host();
  std::string port;
  if (expose.has_host_port()) {
    port = absl::StrCat(expose.host_port());
  } else {
    int number = 0;
    if (absl::SimpleAtoi(expose.port(), &number)) {
      port = absl::StrCat(number);
    } else {
      port = expose.port();
      for (const api::ServicePort& p : spec.ports()) {
        if (p.name() == expose.port()) port = absl::StrCat(p.port());
      }
    }
  }
  return absl::StrCat(host, ":", port);
}

Listed ListService(const api::Service& service, absl::Time now) {
  const api::ServiceSpec& spec = service.spec();
  Listed item;
  item.namespace_name = spec.namespace_();
  item.name = spec.name();
  item.labels = {spec.labels().begin(), spec.labels().end()};
  item.resource_version = service.metadata().resource_version();
  item.cells = {
      spec.has_process() ? "process" : "container",
      common::spec::PhaseName(service.status().phase()),
      absl::StrCat(service.status().ready(), "/", service.status().desired()),
      ExternalCell(spec),
      absl::StrCat(service.metadata().generation()),
      common::FormatAge(now - common::FromTimestamp(service.metadata().created_at())),
  };
  item.document = common::spec::ServiceDocument(service);
  return item;
}

absl::Status WatchServices(Invocation& inv, Connection& conn, api::ServiceService::Stub* stub,
                           const std::string& namespace_name) {
  api::WatchServicesRequest request;
  request.set_namespace_(namespace_name);
  request.set_selector(inv.parsed.String("selector"));
  if (inv.parsed.args.size() > 1) request.set_name(inv.parsed.args[1]);
  return RunWatch(inv, conn, ServicesKind(), "ServiceService.WatchServices",
                  [&](grpc::ClientContext* ctx, const WatchSink& sink) {
                    auto reader = stub->WatchServices(ctx, request);
                    api::WatchServicesResponse event;
                    while (reader->Read(&event)) {
                      sink(event.type(), ListService(event.service(), absl::Now()));
                    }
                    return reader->Finish();
                  });
}

}  // namespace

absl::Status GetServices(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  const bool all = inv.parsed.Bool("all-namespaces");
  if (inv.parsed.Bool("watch")) return WatchServices(inv, *conn, stub.get(), all ? "*" : ns);
  const bool named = inv.parsed.args.size() > 1;
  std::vector<Listed> items;
  if (named) {
    api::GetServiceRequest request;
    request.set_namespace_(ns);
    request.set_name(inv.parsed.args[1]);
    api::GetServiceResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::GetService,
                                    "ServiceService.GetService", request, &response));
    items.push_back(ListService(response.service(), absl::Now()));
  } else {
    api::ListServicesRequest request;
    request.set_namespace_(all ? "*" : ns);
    request.set_selector(inv.parsed.String("selector"));
    api::ListServicesResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::ListServices,
                                    "ServiceService.ListServices", request, &response));
    const absl::Time now = absl::Now();
    for (const api::Service& s : response.services()) items.push_back(ListService(s, now));
  }
  PrintListing(inv, ServicesKind(), std::move(items), named, ns);
  return absl::OkStatus();
}

absl::Status RunDeleteService(Invocation& inv) {
  const std::string& name = inv.parsed.args[0];
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  api::DeleteServiceRequest request;
  request.set_namespace_(ns);
  request.set_name(name);
  request.set_force(inv.parsed.Bool("force"));
  request.set_dry_run(inv.parsed.Bool("dry-run"));
  api::DeleteServiceResponse response;
  absl::Status s = conn->Call(stub.get(), &api::ServiceService::Stub::DeleteService,
                              "ServiceService.DeleteService", request, &response);
  if (!s.ok()) return IgnoreNotFound(inv, s, "service", ns, name);

  DeleteOutcome outcome;
  outcome.kind = "service";
  outcome.namespace_name = ns;
  outcome.name = name;
  outcome.dry_run = response.dry_run();
  outcome.blocked_by.assign(response.blocked_by().begin(), response.blocked_by().end());
  if (!response.dry_run()) {
    api::DeletionOperation op = response.operation();
    const bool wait = inv.parsed.Bool("wait") && !inv.parsed.Bool("no-wait");
    if (wait) {
      RUNE_ASSIGN_OR_RETURN(op, WaitForDeletion(inv, *conn, stub.get(), op));
    }
    outcome.operation = op.id();
    outcome.state = DeletionStateName(op.state());
    outcome.result = wait ? "deleted" : absl::StrCat("deletion started (operation ", op.id(), ")");
  }
  PrintDeleteOutcome(inv, outcome);
  return absl::OkStatus();
}

}  // namespace rune::cli
