// `rune health [service|svc|instance|inst|node] [name]` (SPEC §3.6.9) over
// HealthService.GetHealth: a summary table, the --checks blocks, or the
// response as proto JSON/YAML.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "proto/health.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/health_view.h"
#include "rune/output.h"
#include "rune/proto_document.h"

namespace rune::cli {
namespace {

using Kind = api::GetHealthRequest::Kind;

// The request the arguments ask for: none or `node` = the node; one name =
// a service, else an instance (decided by runed); a kind word and a name.
api::GetHealthRequest RequestOf(const std::vector<std::string>& args) {
  api::GetHealthRequest request;
  if (args.empty() || (args.size() == 1 && args[0] == "node")) {
    request.set_kind(api::GetHealthRequest::NODE);
    return request;
  }
  if (args.size() == 1) {
    request.set_name(args[0]);
    return request;
  }
  const std::string& kind = args[0];
  if (kind == "service" || kind == "svc") {
    request.set_kind(api::GetHealthRequest::SERVICE);
  } else if (kind == "instance" || kind == "inst") {
    request.set_kind(api::GetHealthRequest::INSTANCE);
  } else {
    request.set_kind(api::GetHealthRequest::NODE);
  }
  request.set_name(args[1]);
  return request;
}

void PrintChecks(Invocation& inv, const api::GetHealthResponse& response) {
  std::vector<const api::InstanceHealth*> instances;
  if (response.has_service()) {
    for (const api::InstanceHealth& i : response.service().instances()) instances.push_back(&i);
  } else if (response.has_instance()) {
    instances.push_back(&response.instance());
  }
  for (const api::InstanceHealth* i : instances) inv.out() << "\n" << ChecksBlock(*i);
}

}  // namespace

absl::Status RunHealth(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::HealthService::NewStub(conn->channel());
  api::GetHealthRequest request = RequestOf(inv.parsed.args);
  request.set_namespace_(conn->settings().namespace_name);
  request.set_include_checks(inv.parsed.Bool("checks"));
  api::GetHealthResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::HealthService::Stub::GetHealth,
                                  "HealthService.GetHealth", request, &response));
  const std::string format = inv.parsed.String("output");
  if (format == "json" || format == "yaml") {
    PrintDocument(inv, ProtoDocument(response), format);
    return absl::OkStatus();
  }
  const absl::Time now = absl::Now();
  if (response.has_service()) {
    ServiceHealthTable(response.service(), now).Print(inv.out(), true);
  } else if (response.has_instance()) {
    InstanceHealthTable(response.instance(), now).Print(inv.out(), true);
  } else {
    NodeHealthTable(response.node()).Print(inv.out(), true);
  }
  if (request.include_checks()) PrintChecks(inv, response);
  return absl::OkStatus();
}

}  // namespace rune::cli
