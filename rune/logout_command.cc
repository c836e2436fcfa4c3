// rune logout [context] [--revoke] (SPEC §3.6.15): removes the token or token
// file of a context (default: the one RUNE_CONTEXT or current-context
// selects). With --revoke it first asks runed to revoke that token, using
// the context's own server, TLS files and token; if the call fails, the
// config file is left unchanged.
//
//   $ rune logout prod --revoke
//   Logged out of context "prod"
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "proto/auth.grpc.pb.h"
#include "rune/client_config.h"
#include "rune/commands.h"
#include "rune/connection.h"

namespace rune::cli {
namespace {

absl::Status RevokeToken(Invocation& inv, const std::string& config_path,
                         const ContextEntry& entry) {
  // Flags and RUNE_* variables describe the command's own target, not the
  // context being logged out.
  RUNE_ASSIGN_OR_RETURN(ConnectionSettings settings, ContextSettings(config_path, entry));
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(inv, settings));
  auto stub = api::AuthService::NewStub(conn->channel());
  api::RevokeSelfResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::AuthService::Stub::RevokeSelf,
                                  "AuthService.RevokeSelf", api::RevokeSelfRequest(), &response));
  inv.Debug(absl::StrCat("revoked token ", response.token_id()));
  return absl::OkStatus();
}

}  // namespace

absl::Status RunLogout(Invocation& inv) {
  const std::string path = ClientConfigPath(inv);
  inv.Debug(absl::StrCat("Using config file: ", path));
  RUNE_ASSIGN_OR_RETURN(ClientConfig config, LoadClientConfig(path));
  std::string name;
  if (!inv.parsed.args.empty()) {
    name = inv.parsed.args[0];
    if (config.Find(name) == nullptr) return common::ContextMissingError(name);
  } else {
    RUNE_ASSIGN_OR_RETURN(name, SelectedContextName(config, inv.Env("RUNE_CONTEXT")));
  }
  ContextEntry* entry = config.FindMutable(name);
  const bool has_credentials = !entry->token.empty() || !entry->token_file.empty();
  if (inv.parsed.Bool("revoke")) {
    if (has_credentials) {
      RUNE_RETURN_IF_ERROR(RevokeToken(inv, path, *entry));
    } else {
      inv.Warn(absl::StrCat("context \"", name, "\" has no token to revoke"));
    }
  }
  if (has_credentials) {
    entry->token.clear();
    entry->token_file.clear();
    RUNE_RETURN_IF_ERROR(SaveClientConfig(path, config));
  }
  inv.out() << "Logged out of context \"" << name << "\"\n";
  return absl::OkStatus();
}

}  // namespace rune::cli
