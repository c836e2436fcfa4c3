// rune version [--server] [-o text|json|yaml] (SPEC §3.6.19).
#include "absl/strings/str_cat.h"
#include "common/document.h"
#include "common/version.h"
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

}  // namespace

absl::Status RunVersion(Invocation& inv) {
  const common::BuildInfo client = common::CurrentBuild();
  common::BuildInfo server;
  absl::Status server_status = absl::OkStatus();
  if (inv.parsed.Bool("server")) {
    absl::StatusOr<api::GetVersionResponse> v = FetchServerVersion(inv);
    if (v.ok()) {
      server = {v->version(), v->commit(), v->build_time(), v->platform()};
    } else {
      server_status = v.status();
    }
  }
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
