#include "rune/client_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/yaml/node.h"

namespace rune::cli {
namespace {

using common::yaml::Node;

absl::Status Malformed(const std::string& path, absl::string_view reason) {
  return common::ClientConfigError(
      absl::StrCat("failed to read client config ", path, ": ", reason), path);
}

// Reads a string field; null counts as absent.
absl::Status ReadString(const Node& map, absl::string_view key, const std::string& where,
                        const std::string& path, std::string* out) {
  const Node* node = map.Find(key);
  if (node == nullptr || node->IsNull()) return absl::OkStatus();
  if (!node->IsScalar()) {
    return Malformed(path, absl::StrCat(where, key, ": expected a string, got ", node->KindName()));
  }
  *out = node->value;
  return absl::OkStatus();
}

}  // namespace

const ContextEntry* ClientConfig::Find(const std::string& name) const {
  for (const ContextEntry& c : contexts) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

absl::StatusOr<ClientConfig> LoadClientConfig(const std::string& path) {
  ClientConfig config;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (errno == ENOENT) return config;
    return Malformed(path, std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  if (file.bad()) return Malformed(path, std::strerror(errno));

  common::yaml::Mark mark;
  absl::StatusOr<std::vector<common::yaml::Document>> docs =
      common::yaml::ParseDocuments(buffer.str(), &mark);
  if (!docs.ok()) {
    return Malformed(path, absl::StrCat("line ", mark.line, ", column ", mark.column, ": ",
                                        docs.status().message()));
  }
  if (docs->empty() || docs->front().empty) return config;
  if (docs->size() > 1) return Malformed(path, "expected a single YAML document");
  const Node& root = docs->front().root;
  if (!root.IsMapping()) return Malformed(path, absl::StrCat("expected a mapping, got ", root.KindName()));

  absl::Status s = ReadString(root, "current-context", "", path, &config.current_context);
  if (!s.ok()) return s;
  const Node* contexts = root.Find("contexts");
  if (contexts == nullptr || contexts->IsNull()) return config;
  if (!contexts->IsMapping()) {
    return Malformed(path, absl::StrCat("contexts: expected a mapping, got ", contexts->KindName()));
  }
  for (const auto& [key, value] : contexts->entries) {
    if (!key.IsScalar()) return Malformed(path, "contexts: context names must be strings");
    ContextEntry entry;
    entry.name = key.value;
    const std::string where = absl::StrCat("contexts.", entry.name, ".");
    if (!value.IsNull()) {
      if (!value.IsMapping()) {
        return Malformed(path, absl::StrCat("contexts.", entry.name, ": expected a mapping, got ",
                                            value.KindName()));
      }
      for (auto [field, out] : {std::pair<const char*, std::string*>{"server", &entry.server},
                                {"defaultNamespace", &entry.namespace_name},
                                {"namespace", &entry.namespace_name},
                                {"token", &entry.token},
                                {"token-file", &entry.token_file}}) {
        s = ReadString(value, field, where, path, out);
        if (!s.ok()) return s;
      }
      if (!entry.token.empty() && !entry.token_file.empty()) {
        return Malformed(path, absl::StrCat("contexts.", entry.name,
                                            ": token and token-file are mutually exclusive"));
      }
      const Node* tls = value.Find("tls");
      if (tls != nullptr) {
        TlsFiles files;
        if (!tls->IsNull()) {
          if (!tls->IsMapping()) {
            return Malformed(path, absl::StrCat(where, "tls: expected a mapping, got ", tls->KindName()));
          }
          const std::string tls_where = where + "tls.";
          for (auto [field, out] : {std::pair<const char*, std::string*>{"ca", &files.ca},
                                    {"cert", &files.cert},
                                    {"key", &files.key},
                                    {"server-name", &files.server_name}}) {
            s = ReadString(*tls, field, tls_where, path, out);
            if (!s.ok()) return s;
          }
        }
        entry.tls = files;
      }
    }
    // A repeated name: the later entry wins, as YAML readers usually do.
    for (auto it = config.contexts.begin(); it != config.contexts.end(); ++it) {
      if (it->name == entry.name) {
        config.contexts.erase(it);
        break;
      }
    }
    config.contexts.push_back(std::move(entry));
  }
  return config;
}

}  // namespace rune::cli
