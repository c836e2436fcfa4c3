// rune whoami (SPEC §3.6.16): the local part (context, server, namespace,
// masked token) always, then what runed says: its version
// (unauthenticated) and the authenticated subject. The command exits with
// the error's code when runed is unreachable (1) or the token is refused (3),
// after printing the local part.
//
//   $ rune whoami
//   Current Context:   local
//   Server:            127.0.0.1:7863
//   Server Version:    v0.1.0
//   …
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "proto/auth.grpc.pb.h"
#include "proto/health.grpc.pb.h"
#include "rune/client_config.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/output.h"

namespace rune::cli {

absl::Status RunWhoami(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(ConnectionSettings settings, ResolveConnection(inv));
  std::string status = "Not connected to server";
  std::string server_version;
  api::WhoAmIResponse who;
  absl::Status error = absl::OkStatus();
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(inv, settings);
  if (!conn.ok()) return conn.status();
  auto health = api::HealthService::NewStub((*conn)->channel());
  api::GetVersionResponse version;
  error = (*conn)->Call(health.get(), &api::HealthService::Stub::GetVersion,
                        "HealthService.GetVersion", api::GetVersionRequest(), &version);
  if (error.ok()) {
    server_version = version.version();
    auto auth = api::AuthService::NewStub((*conn)->channel());
    error = (*conn)->Call(auth.get(), &api::AuthService::Stub::WhoAmI, "AuthService.WhoAmI",
                          api::WhoAmIRequest(), &who);
    status = error.ok() ? "Authenticated" : "Not authenticated";
    if (!error.ok() && error.code() != absl::StatusCode::kUnauthenticated &&
        error.code() != absl::StatusCode::kPermissionDenied) {
      status = "Not connected to server";
    }
  }
  const std::string context = settings.context.empty() ? "<none>" : settings.context;
  const std::string token = MaskToken(settings.token);
  const std::string format = inv.parsed.String("output");
  if (format != "table") {
    common::Value doc = common::Value::Object();
    doc.Set("context", settings.context.empty() ? common::Value::Null() : common::Value(context));
    doc.Set("server", settings.address);
    doc.Set("serverVersion",
            server_version.empty() ? common::Value::Null() : common::Value(server_version));
    doc.Set("namespace", settings.namespace_name);
    doc.Set("token", token);
    doc.Set("status", status);
    if (error.ok()) {
      common::Value policies = common::Value::Array();
      for (const std::string& p : who.policies()) policies.Push(p);
      common::Value subject = common::Value::Object();
      subject.Set("id", who.subject_id()).Set("name", who.name());
      if (!who.email().empty()) subject.Set("email", who.email());
      subject.Set("policies", std::move(policies));
      doc.Set("subject", std::move(subject));
    } else {
      doc.Set("subject", common::Value::Null());
    }
    PrintDocument(inv, doc, format);
    return error;
  }
  std::vector<std::pair<std::string, std::string>> lines = {
      {"Current Context:", context},
      {"Server:", settings.address},
      {"Server Version:", server_version.empty() ? "-" : server_version},
      {"Default Namespace:", settings.namespace_name},
      {"Token:", token},
      {"Status:", status},
  };
  if (error.ok()) {
    lines.push_back({"Subject ID:", who.subject_id()});
    lines.push_back({"Name:", who.name()});
    if (!who.email().empty()) lines.push_back({"Email:", who.email()});
    lines.push_back({"Policies:", absl::StrCat("[", absl::StrJoin(who.policies(), ", "), "]")});
  }
  size_t width = 0;
  for (const auto& [k, v] : lines) width = std::max(width, k.size());
  for (const auto& [k, v] : lines) {
    inv.out() << k << std::string(width - k.size() + 1, ' ') << v << "\n";
  }
  return error;
}

}  // namespace rune::cli
