// rune version [--server] [-o text|json|yaml] (SPEC §3.6.19).
#include "absl/strings/str_cat.h"
#include "common/document.h"
#include "common/status_macros.h"
#include "common/version.h"
#include "proto/health.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"

namespace rune::cli {
namespace {

common::Value InfoDoc(const common::BuildInfo& info) {
  return common::Value::Object()
      .Set("version", info.version)
      .Set("commit", info.commit)
      .Set("buildTime", info.build_time)
      .Set("platform", info.platform);
}

absl::Status ServerVersion(Invocation& inv, common::BuildInfo* out) {
  RUNE_ASSIGN_OR_RETURN(ConnectionSettings settings, ResolveConnection(inv));
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(inv, settings));
  auto stub = api::HealthService::NewStub(conn->channel());
  grpc::ClientContext ctx;
  conn->Prepare(&ctx);
  api::GetVersionResponse response;
  const absl::Time start = absl::Now();
  grpc::Status status = stub->GetVersion(&ctx, api::GetVersionRequest(), &response);
  RUNE_RETURN_IF_ERROR(conn->Finish("HealthService.GetVersion", ctx, status, start));
  *out = {response.version(), response.commit(), response.build_time(), response.platform()};
  return absl::OkStatus();
}

}  // namespace

absl::Status RunVersion(Invocation& inv) {
  const common::BuildInfo client = common::CurrentBuild();
  common::BuildInfo server;
  absl::Status server_status = absl::OkStatus();
  if (inv.parsed.Bool("server")) server_status = ServerVersion(inv, &server);
  const bool with_server = inv.parsed.Bool("server") && server_status.ok();

  const std::string format = inv.parsed.String("output");
  if (format == "text") {
    inv.out() << common::VersionLine(client) << "\n";
    if (with_server) inv.out() << "Server: " << common::VersionLine(server) << "\n";
  } else {
    common::Value doc = common::Value::Object();
    doc.Set("client", InfoDoc(client));
    if (with_server) doc.Set("server", InfoDoc(server));
    inv.out() << (format == "json" ? common::ToJson(doc, true) : common::ToYaml(doc));
  }
  return server_status;
}

}  // namespace rune::cli
