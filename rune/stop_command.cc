// `rune stop <service>` (SPEC §3.6.5): scale 0 remembering the previous
// scale, then wait until no instance is left.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "proto/service.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/service_wait.h"

namespace rune::cli {

absl::Status RunStop(Invocation& inv) {
  const auto& p = inv.parsed;
  const std::string& name = p.args[0];
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  api::StopServiceRequest request;
  request.set_namespace_(ns);
  request.set_name(name);
  api::StopServiceResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::StopService,
                                  "ServiceService.StopService", request, &response));
  const std::string ref = absl::StrCat("service/", ns, "/", name);
  if (response.unchanged()) {
    inv.out() << ref << " already stopped\n";
    return absl::OkStatus();
  }
  inv.out() << ref << " stopping (" << response.previous() << " -> 0)\n";
  inv.out().flush();
  if (p.Bool("no-wait") || !p.Bool("wait")) return absl::OkStatus();
  std::vector<ServiceWait> waits = {{ns, name, WaitGoal::kStop}};
  WaitCallbacks callbacks;
  callbacks.on_done = [&](const ServiceWait&) { inv.out() << ref << " stopped\n"; };
  return WaitForServices(inv, *conn, p.Duration("timeout"), &waits, callbacks);
}

}  // namespace rune::cli
