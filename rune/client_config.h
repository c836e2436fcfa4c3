// The client config file of SPEC §3.3: contexts with server, namespace,
// credentials and TLS files. Reading, writing, and the helpers that commands
// working on contexts share (context selection, token masking).
//
//   absl::StatusOr<ClientConfig> config = LoadClientConfig("/home/me/.rune/config.yaml");
//   ContextEntry* dev = config->FindMutable("dev");
//   dev->namespace_name = "prod";
//   absl::Status s = SaveClientConfig("/home/me/.rune/config.yaml", *config);
//   std::string shown = MaskToken(dev->token);   // "rune_9f2******x7Q"
//
// A missing file is an empty config. Malformed YAML or wrong types are M43
// (exit 1). Unknown keys are ignored on read and dropped on write.
#ifndef RUNE_RUNE_CLIENT_CONFIG_H_
#define RUNE_RUNE_CLIENT_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/document.h"

namespace rune::cli {

struct TlsFiles {
  std::string ca;
  std::string cert;
  std::string key;
  std::string server_name;
};

struct ContextEntry {
  std::string name;
  std::string server;
  std::string namespace_name;
  std::string token;
  std::string token_file;
  std::optional<TlsFiles> tls;  // present when the context has a tls block
};

struct ClientConfig {
  std::string current_context;
  std::vector<ContextEntry> contexts;  // in file order

  const ContextEntry* Find(const std::string& name) const;
  ContextEntry* FindMutable(const std::string& name);
  // Removes the context `name`; false when there is none.
  bool Remove(const std::string& name);
};

// Reads `path`. NotFound is not an error (empty config); anything unreadable
// or malformed returns the M43 error (class kClientConfig).
absl::StatusOr<ClientConfig> LoadClientConfig(const std::string& path);

// Writes `config` to `path` as YAML (`current-context`, then `contexts` in
// order; empty fields omitted). The write is atomic: a temporary file in the
// same directory, written with mode 0600 and fsync'ed, is renamed over
// `path` (a symlink at `path` is followed, so its target is replaced).
// Missing parent directories are created with mode 0700. Failures are
// OutputFileError-class statuses (code Unknown, exit 1):
// `failed to write client config <path>: <reason>`.
absl::Status SaveClientConfig(const std::string& path, const ClientConfig& config);

// The mapping of one context as the file stores it: server, namespace,
// token or token-file, tls {ca, cert, key, server-name}; empty fields are
// left out, a tls block without fields is an empty mapping.
common::Value ContextValue(const ContextEntry& entry);

// The name of the context a command acts on: `override_name` (the value of
// RUNE_CONTEXT) when non-empty, else the config's current-context. Returns
// M44 (`context "<name>" not found`, NotFound, exit 4) when that context does
// not exist, and an error of the same class with the message
// `no current context is set` when neither names one.
absl::StatusOr<std::string> SelectedContextName(const ClientConfig& config,
                                                absl::string_view override_name);

// The token in a token file, whitespace trimmed; M43 when it cannot be read.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// The token of a context: the inline token, else the trimmed content of its
// token file, else "". An unreadable token file is M43
// (`failed to read token file <path>: <reason>`, exit 1).
absl::StatusOr<std::string> ReadContextToken(const ContextEntry& entry);

// A token as commands show it (SPEC §3.6.16). Lengths count UTF-8 code points.
//   ""                          → "<none>"
//   at most 10 characters       → "******"
//   rune_<id>.<secret>          → "rune_" + first 3 of <id> + "******" + last 3 of <secret>
//                                 (when <id> and <secret> have 3 or more)
//   anything else               → first 3 + "******" + last 3
std::string MaskToken(absl::string_view token);

}  // namespace rune::cli

#endif  // RUNE_RUNE_CLIENT_CONFIG_H_
