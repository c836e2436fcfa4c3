// rune login [context] (SPEC §3.6.15): saves a context with server,
// credentials, namespace and TLS files after checking them with
// AuthService.WhoAmI (unless --no-verify). Credentials come only from the
// flags, never from RUNE_* variables; nothing is written when the check
// fails.
//
//   $ rune login local --server 127.0.0.1:7863 --token-file root.token
//   Context "local" saved (server 127.0.0.1:7863, namespace default) — authenticated as root
//   Switched to context "local"
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
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

namespace rune::cli {
namespace {

constexpr absl::Duration kVerifyDeadline = absl::Seconds(5);

absl::StatusOr<std::string> AbsolutePath(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    return common::LocalPathError(absl::StrCat("path \"", path, "\" does not exist"));
  }
  return std::filesystem::absolute(path).lexically_normal().string();
}

// Fills the context from the flags given; existing fields stay otherwise.
absl::Status ApplyFlags(Invocation& inv, ContextEntry* entry) {
  const auto& p = inv.parsed;
  if (p.IsSet("server")) entry->server = p.String("server");
  if (p.IsSet("namespace")) entry->namespace_name = p.String("namespace");
  if (p.IsSet("token")) {
    entry->token = p.String("token");
    entry->token_file.clear();
  } else if (p.IsSet("token-file")) {
    RUNE_ASSIGN_OR_RETURN(entry->token_file, AbsolutePath(p.String("token-file")));
    entry->token.clear();
  } else if (p.Bool("token-stdin")) {
    std::string line;
    std::getline(inv.in(), line);
    entry->token = std::string(absl::StripAsciiWhitespace(line));
    entry->token_file.clear();
    if (entry->token.empty()) {
      return common::UsageError("--token-stdin: no token on standard input", p.CommandPath());
    }
  }
  for (auto [flag, field] : {std::pair<const char*, std::string TlsFiles::*>{"tls-ca", &TlsFiles::ca},
                             {"tls-cert", &TlsFiles::cert},
                             {"tls-key", &TlsFiles::key}}) {
    if (!p.IsSet(flag)) continue;
    if (!entry->tls.has_value()) entry->tls.emplace();
    RUNE_ASSIGN_OR_RETURN((*entry->tls).*field, AbsolutePath(p.String(flag)));
  }
  if (p.IsSet("tls-server-name")) {
    if (!entry->tls.has_value()) entry->tls.emplace();
    entry->tls->server_name = p.String("tls-server-name");
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
  RUNE_RETURN_IF_ERROR(ApplyFlags(inv, &entry));
  if (entry.tls.has_value() && entry.tls->cert.empty() != entry.tls->key.empty()) {
    return common::UsageError("--tls-cert and --tls-key must be given together", p.CommandPath());
  }

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
