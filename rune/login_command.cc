// rune login [context] (SPEC §3.6.15): saves a context with server,
// credentials, namespace and TLS files after checking them with
// AuthService.WhoAmI (unless --no-verify). Credentials come only from the
// flags, never from RUNE_* variables; nothing is written when the check
// fails.
//
//   $ rune login local --server 127.0.0.1:7863 --token-file root.token
//   Context "local" saved (server 127.0.0.1:7863, namespace default) — authenticated as root
//   Switched to context "local"
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "proto/auth.grpc.pb.h"
#include "rune/client_config.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/context_flags.h"

namespace rune::cli {
namespace {

constexpr absl::Duration kVerifyDeadline = absl::Seconds(5);

// --token-stdin, the one credential source `context set` lacks.
absl::Status ReadStdinToken(Invocation& inv, ContextEntry* entry) {
  std::string line;
  std::getline(inv.in(), line);
  entry->token = std::string(absl::StripAsciiWhitespace(line));
  entry->token_file.clear();
  if (entry->token.empty()) {
    return common::UsageError("--token-stdin: no token on standard input",
                              inv.parsed.CommandPath());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunLogin(Invocation& inv) {
  const auto& p = inv.parsed;
  const std::string name = p.args.empty() ? "default" : p.args[0];
  const std::string path = ClientConfigPath(inv);
  inv.Debug(absl::StrCat("Using config file: ", path));
  RUNE_ASSIGN_OR_RETURN(ClientConfig config, LoadClientConfig(path));
  const ContextEntry* existing = config.Find(name);
  ContextEntry entry = existing != nullptr ? *existing : ContextEntry{};
  entry.name = name;
  if (existing == nullptr && !p.IsSet("server")) {
    return common::UsageError("required flag \"--server\" not set", p.CommandPath());
  }
  const bool token_given = p.IsSet("token") || p.IsSet("token-file") || p.Bool("token-stdin");
  if (!token_given && entry.token.empty() && entry.token_file.empty()) {
    return common::UsageError("one of --token, --token-file, --token-stdin is required",
                              p.CommandPath());
  }
  RUNE_RETURN_IF_ERROR(ApplyContextFlags(inv, &entry));
  if (p.Bool("token-stdin")) RUNE_RETURN_IF_ERROR(ReadStdinToken(inv, &entry));

  RUNE_ASSIGN_OR_RETURN(ConnectionSettings settings, ContextSettings(path, entry));
  std::string who;
  if (!p.Bool("no-verify")) {
    RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(inv, settings));
    auto stub = api::AuthService::NewStub(conn->channel());
    api::WhoAmIResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::AuthService::Stub::WhoAmI,
                                    "AuthService.WhoAmI", api::WhoAmIRequest(), &response,
                                    kVerifyDeadline));
    who = response.name();
  }

  ContextEntry* slot = config.FindMutable(name);
  if (slot != nullptr) {
    *slot = entry;
  } else {
    config.contexts.push_back(entry);
  }
  const bool switch_current = p.Bool("set-current");
  if (switch_current) config.current_context = name;
  RUNE_RETURN_IF_ERROR(SaveClientConfig(path, config));

  inv.out() << "Context \"" << name << "\" saved (server " << settings.address << ", namespace "
            << settings.namespace_name << ")";
  if (!who.empty()) inv.out() << " \u2014 authenticated as " << who;
  inv.out() << "\n";
  if (switch_current) inv.out() << "Switched to context \"" << name << "\"\n";
  return absl::OkStatus();
}

}  // namespace rune::cli
