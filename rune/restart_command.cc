// `rune restart <service> [--rolling]` (SPEC §3.6.5): runed replaces every
// instance without touching the scale; the command waits until the replaced
// instances are gone and as many new ones are ready.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "proto/service.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/service_wait.h"

namespace rune::cli {

absl::Status RunRestart(Invocation& inv) {
  const auto& p = inv.parsed;
  const std::string& name = p.args[0];
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  api::RestartServiceRequest request;
  request.set_namespace_(ns);
  request.set_name(name);
  request.set_rolling(p.Bool("rolling"));
  api::RestartServiceResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::RestartService,
                                  "ServiceService.RestartService", request, &response));
  const std::string ref = absl::StrCat("service/", ns, "/", name);
  inv.out() << ref << " restarting (" << response.instances() << " instances, "
            << (response.rolling() ? "rolling" : "recreate") << ")\n";
  inv.out().flush();
  if (p.Bool("no-wait") || !p.Bool("wait")) return absl::OkStatus();
  ServiceWait wait{ns, name, WaitGoal::kRestart};
  wait.replaced_instance_ids.assign(response.replaced_instance_ids().begin(),
                                    response.replaced_instance_ids().end());
  wait.instances = response.instances();
  std::vector<ServiceWait> waits = {std::move(wait)};
  WaitCallbacks callbacks;
  callbacks.on_progress = [&](const ServiceWait& w) { PrintReadyProgress(inv, w.ready, w.target); };
  callbacks.on_done = [&](const ServiceWait& w) {
    inv.out() << ref << " restarted (" << w.ready << "/" << w.target << " instances ready)\n";
  };
  return WaitForServices(inv, *conn, p.Duration("timeout"), &waits, callbacks);
}

}  // namespace rune::cli
