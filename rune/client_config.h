// The client config file of SPEC §3.3: contexts with server, namespace,
// credentials and TLS files.
//
//   absl::StatusOr<ClientConfig> config = LoadClientConfig("/home/me/.rune/config.yaml");
//   const ContextEntry* dev = config->Find("dev");
//
// A missing file is an empty config. Malformed YAML or wrong types are M43
// (exit 1). Unknown keys are ignored.
#ifndef RUNE_RUNE_CLIENT_CONFIG_H_
#define RUNE_RUNE_CLIENT_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

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
};

// Reads `path`. NotFound is not an error (empty config); anything unreadable
// or malformed returns the M43 error (class kClientConfig).
absl::StatusOr<ClientConfig> LoadClientConfig(const std::string& path);

}  // namespace rune::cli

#endif  // RUNE_RUNE_CLIENT_CONFIG_H_
