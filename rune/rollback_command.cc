// `rune rollback <service> [--to <generation>]` and `rune rollback <service>
// --list` (SPEC §3.6.14): runed writes a new generation with an older spec
// (the scale kept) and the command waits like `cast`; --list prints the
// stored generations, newest first.
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/spec/documents.h"
#include "common/status_macros.h"
#include "proto/service.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/output.h"
#include "rune/service_wait.h"

namespace rune::cli {
namespace {

// The IMAGE cell: the container image, or `process:<command>`.
std::string ImageCell(const api::ServiceSpec& spec) {
  if (spec.has_process()) return absl::StrCat("process:", spec.process().command());
  return spec.image();
}

absl::Status ListGenerations(Invocation& inv, Connection& conn, api::ServiceService::Stub* stub,
                             const std::string& ns, const std::string& name) {
  api::GetServiceHistoryRequest request;
  request.set_namespace_(ns);
  request.set_name(name);
  api::GetServiceHistoryResponse response;
  RUNE_RETURN_IF_ERROR(conn.Call(stub, &api::ServiceService::Stub::GetServiceHistory,
                                 "ServiceService.GetServiceHistory", request, &response));
  const std::string format = inv.parsed.String("output");
  if (format == "json" || format == "yaml") {
    common::Value list = common::Value::Array();
    for (const api::ServiceHistoryEntry& e : response.entries()) {
      common::Value entry = common::Value::Object();
      entry.Set("generation", e.generation());
      if (e.has_created_at()) entry.Set("createdAt", common::FormatTimestamp(e.created_at()));
      if (!e.tag().empty()) entry.Set("tag", e.tag());
      entry.Set("current", e.current());
      entry.Set("service", common::spec::ServiceSpecDocument(e.spec()));
      list.Push(std::move(entry));
    }
    PrintDocument(inv, common::Value::Object().Set("generations", std::move(list)), format);
    return absl::OkStatus();
  }
  Table table({"GENERATION", "CREATED", "TAG", "IMAGE", "SCALE", "CURRENT"});
  for (const api::ServiceHistoryEntry& e : response.entries()) {
    table.Add({absl::StrCat(e.generation()),
               e.has_created_at() ? common::FormatTimestamp(e.created_at()) : "", e.tag(),
               ImageCell(e.spec()), absl::StrCat(e.spec().scale()), e.current() ? "*" : ""});
  }
  table.Print(inv.out(), /*headers=*/true);
  return absl::OkStatus();
}

}  // namespace

absl::Status RunRollback(Invocation& inv) {
  const auto& p = inv.parsed;
  const std::string& name = p.args[0];
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  if (p.Bool("list")) return ListGenerations(inv, *conn, stub.get(), ns, name);

  api::RollbackServiceRequest request;
  request.set_namespace_(ns);
  request.set_name(name);
  if (p.IsSet("to")) request.set_to_generation(p.Int("to"));
  api::RollbackServiceResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::RollbackService,
                                  "ServiceService.RollbackService", request, &response));
  const std::string ref = absl::StrCat("service/", ns, "/", name);
  const int64_t generation = response.service().metadata().generation();
  if (response.unchanged()) {
    inv.out() << ref << " unchanged (generation " << generation << ")\n";
  } else {
    inv.out() << ref << " rolled back to generation " << response.rolled_back_to()
              << " (generation " << generation << ")\n";
  }
  inv.out().flush();
  if (p.Bool("no-wait") || !p.Bool("wait")) return absl::OkStatus();
  std::vector<ServiceWait> waits = {{ns, name, WaitGoal::kReady}};
  WaitCallbacks callbacks;
  callbacks.on_done = [&](const ServiceWait& w) {
    const api::ServiceStatus& st = w.service.status();
    inv.out() << ref << " ready (" << st.ready() << "/" << st.desired() << " instances)\n";
  };
  return WaitForServices(inv, *conn, p.Duration("timeout"), &waits, callbacks);
}

}  // namespace rune::cli
