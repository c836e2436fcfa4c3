// rune context view|list|use|set|delete (alias group `config`) and the hidden
// top-level `rune use-context` (SPEC §3.6.17). They work on the client config
// file only; no network.
//
//   $ rune context set dev --server localhost:7863 --token-file ~/.rune/dev.token
//   Context "dev" created
//   $ rune context list
//   CURRENT   NAME   SERVER           NAMESPACE   AUTH
//   *         dev    localhost:7863   -           token-file
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/document.h"
#include "common/errors.h"
#include "common/labels.h"
#include "common/status_macros.h"
#include "rune/client_config.h"
#include "rune/commands.h"
#include "rune/output.h"
#include "rune/connection.h"
#include "rune/context_flags.h"

namespace rune::cli {
namespace {

using common::Value;

absl::StatusOr<ClientConfig> Load(Invocation& inv, std::string* path) {
  *path = ClientConfigPath(inv);
  inv.Debug(absl::StrCat("Using config file: ", *path));
  return LoadClientConfig(*path);
}

void PrintFormatted(Invocation& inv, const Value& doc) {
  PrintDocument(inv, doc, inv.parsed.String("output"));
}

// The SERVER column: TLS contexts always show https://.
std::string DisplayServer(const ContextEntry& c) {
  absl::string_view server = c.server;
  const bool tls = absl::StartsWith(server, "https://") || c.tls.has_value();
  if (!tls || server.empty()) return c.server;
  if (!absl::ConsumePrefix(&server, "https://")) absl::ConsumePrefix(&server, "http://");
  return absl::StrCat("https://", server);
}

std::string AuthKind(const ContextEntry& c) {
  if (!c.token.empty()) return "token";
  if (!c.token_file.empty()) return "token-file";
  return "none";
}

// Paths are stored absolute so the context works from any directory.
std::string AbsolutePath(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return path;
  return abs.lexically_normal().string();
}

// A value that is not a DNS-1123 label (SPEC §1.5) as M42:
// `invalid <what> "<value>": <reason>`.
absl::Status CheckName(const Invocation& inv, absl::string_view what, absl::string_view value) {
  if (common::IsDns1123Label(value)) return absl::OkStatus();
  // Dns1123Reason reads `invalid name "<v>": …`; M42 names what it is.
  std::string reason = common::Dns1123Reason(value);
  reason.replace(0, std::string("invalid name").size(), absl::StrCat("invalid ", what));
  return common::UsageError(reason, inv.parsed.CommandPath());
}

}  // namespace

absl::Status ApplyContextFlags(const Invocation& inv, ContextEntry* entry) {
  const auto& p = inv.parsed;
  const std::string command_path = p.CommandPath();
  if (p.IsSet("server")) {
    const std::string server(absl::StripAsciiWhitespace(p.String("server")));
    if (server.empty()) {
      return common::UsageError(
          absl::StrCat("invalid argument \"", p.String("server"), "\" for \"--server\" flag: ",
                       "must not be empty"),
          command_path);
    }
    entry->server = server;
  }
  if (p.IsSet("namespace")) {
    const std::string ns = p.String("namespace");
    if (!ns.empty()) RUNE_RETURN_IF_ERROR(CheckName(inv, "namespace", ns));
    entry->namespace_name = ns;
  }
  if (p.IsSet("token")) {
    entry->token = p.String("token");
    if (!entry->token.empty()) entry->token_file.clear();
  }
  if (p.IsSet("token-file")) {
    const std::string file = p.String("token-file");
    if (!file.empty()) {
      struct stat st;
      if (stat(file.c_str(), &st) != 0 && errno == ENOENT) {
        return common::LocalPathError(absl::StrCat("path \"", file, "\" does not exist"));
      }
      entry->token.clear();
    }
    entry->token_file = AbsolutePath(file);
  }
  struct TlsFlag {
    const char* flag;
    std::string TlsFiles::*field;
    bool path;
  };
  for (const TlsFlag& f : {TlsFlag{"tls-ca", &TlsFiles::ca, true},
                           TlsFlag{"tls-cert", &TlsFiles::cert, true},
                           TlsFlag{"tls-key", &TlsFiles::key, true},
                           TlsFlag{"tls-server-name", &TlsFiles::server_name, false}}) {
    if (!p.IsSet(f.flag)) continue;
    if (!entry->tls.has_value()) entry->tls = TlsFiles();
    const std::string value = p.String(f.flag);
    (*entry->tls).*f.field = f.path ? AbsolutePath(value) : value;
  }
  if (entry->tls.has_value() && entry->tls->cert.empty() != entry->tls->key.empty()) {
    return common::UsageError(entry->tls->key.empty() ? "--tls-cert requires --tls-key"
                                                      : "--tls-key requires --tls-cert",
                              command_path);
  }
  return absl::OkStatus();
}

absl::Status RunContextView(Invocation& inv) {
  std::string path;
  RUNE_ASSIGN_OR_RETURN(ClientConfig config, Load(inv, &path));
  RUNE_ASSIGN_OR_RETURN(std::string name, SelectedContextName(config, inv.Env("RUNE_CONTEXT")));
  ContextEntry entry = *config.Find(name);
  if (!entry.token.empty()) entry.token = MaskToken(entry.token);
  Value doc = Value::Object();
  doc.Set("current-context", name);
  doc.Set("contexts", Value::Object().Set(name, ContextValue(entry)));
  PrintFormatted(inv, doc);
  return absl::OkStatus();
}

absl::Status RunContextList(Invocation& inv) {
  std::string path;
  RUNE_ASSIGN_OR_RETURN(ClientConfig config, Load(inv, &path));
  const std::string current =
      inv.Env("RUNE_CONTEXT").empty() ? config.current_context : inv.Env("RUNE_CONTEXT");
  std::vector<const ContextEntry*> contexts;
  for (const ContextEntry& c : config.contexts) contexts.push_back(&c);
  std::sort(contexts.begin(), contexts.end(),
            [](const ContextEntry* a, const ContextEntry* b) { return a->name < b->name; });

  const std::string format = inv.parsed.String("output");
  if (format != "table") {
    Value list = Value::Array();
    for (const ContextEntry* c : contexts) {
      Value item = Value::Object();
      item.Set("name", c->name);
      item.Set("current", c->name == current);
      if (!c->server.empty()) item.Set("server", c->server);
      if (!c->namespace_name.empty()) item.Set("namespace", c->namespace_name);
      item.Set("auth", AuthKind(*c));
      item.Set("tls", c->tls.has_value() || absl::StartsWith(c->server, "https://"));
      list.Push(std::move(item));
    }
    PrintFormatted(inv, Value::Object().Set("contexts", std::move(list)));
    return absl::OkStatus();
  }
  if (contexts.empty()) {
    inv.err() << "No contexts configured.\n";
    return absl::OkStatus();
  }
  Table table({"CURRENT", "NAME", "SERVER", "NAMESPACE", "AUTH"});
  for (const ContextEntry* c : contexts) {
    // CURRENT is the only column whose empty cell stays blank.
    table.Add({c->name == current ? "*" : " ", c->name, DisplayServer(*c), c->namespace_name,
               AuthKind(*c)});
  }
  table.Print(inv.out(), true);
  return absl::OkStatus();
}

absl::Status RunContextUse(Invocation& inv) {
  const std::string& name = inv.parsed.args[0];
  std::string path;
  RUNE_ASSIGN_OR_RETURN(ClientConfig config, Load(inv, &path));
  if (config.Find(name) == nullptr) return common::ContextMissingError(name);
  if (config.current_context != name) {
    config.current_context = name;
    RUNE_RETURN_IF_ERROR(SaveClientConfig(path, config));
  }
  inv.out() << "Switched to context \"" << name << "\"\n";
  const std::string override_name = inv.Env("RUNE_CONTEXT");
  if (!override_name.empty() && override_name != name) {
    inv.Warn(absl::StrCat("RUNE_CONTEXT=", override_name,
                          " is set and takes precedence over the current context"));
  }
  return absl::OkStatus();
}

absl::Status RunContextSet(Invocation& inv) {
  const std::string& name = inv.parsed.args[0];
  std::string path;
  RUNE_ASSIGN_OR_RETURN(ClientConfig config, Load(inv, &path));
  ContextEntry* existing = config.FindMutable(name);
  const bool creating = existing == nullptr;
  ContextEntry entry;
  if (creating) {
    RUNE_RETURN_IF_ERROR(CheckName(inv, "context name", name));
    if (!inv.parsed.IsSet("server")) {
      return common::UsageError("required flag \"--server\" not set", inv.parsed.CommandPath());
    }
    entry.name = name;
  } else {
    entry = *existing;
  }
  RUNE_RETURN_IF_ERROR(ApplyContextFlags(inv, &entry));
  if (creating) {
    if (config.contexts.empty()) config.current_context = name;
    config.contexts.push_back(std::move(entry));
  } else {
    *existing = std::move(entry);
  }
  RUNE_RETURN_IF_ERROR(SaveClientConfig(path, config));
  inv.out() << "Context \"" << name << "\" " << (creating ? "created" : "updated") << "\n";
  return absl::OkStatus();
}

absl::Status RunContextDelete(Invocation& inv) {
  const std::string& name = inv.parsed.args[0];
  std::string path;
  RUNE_ASSIGN_OR_RETURN(ClientConfig config, Load(inv, &path));
  if (config.Find(name) == nullptr) return common::ContextMissingError(name);
  if (config.current_context == name) return common::CurrentContextDeleteError(name);
  config.Remove(name);
  RUNE_RETURN_IF_ERROR(SaveClientConfig(path, config));
  inv.out() << "Context \"" << name << "\" deleted\n";
  return absl::OkStatus();
}

}  // namespace rune::cli
