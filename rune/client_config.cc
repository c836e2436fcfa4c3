#include "rune/client_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/yaml/node.h"

namespace rune::cli {
namespace {

namespace fs = std::filesystem;
using common::Value;
using common::yaml::Node;

absl::Status WriteFailed(const std::string& path, absl::string_view reason) {
  return common::OutputFileError(absl::StrCat("failed to write client config ", path, ": ", reason));
}

// mkdir -p; directories created here get mode 0700 whatever the umask.
absl::Status MakeDirectories(const std::string& config_path, const fs::path& dir) {
  if (dir.empty()) return absl::OkStatus();
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return WriteFailed(config_path, absl::StrCat(dir.string(), " is not a directory"));
  }
  if (errno != ENOENT) {
    return WriteFailed(config_path, absl::StrCat(dir.string(), ": ", std::strerror(errno)));
  }
  if (dir.has_relative_path() && dir.parent_path() != dir) {
    RUNE_RETURN_IF_ERROR(MakeDirectories(config_path, dir.parent_path()));
  }
  if (mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return absl::OkStatus();  // created concurrently
    return WriteFailed(config_path, absl::StrCat("cannot create directory ", dir.string(), ": ",
                                                 std::strerror(errno)));
  }
  chmod(dir.c_str(), 0700);
  return absl::OkStatus();
}

// Writes all of `data` to `fd`, retrying short writes.
bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string FormatClientConfig(const ClientConfig& config) {
  Value root = Value::Object();
  if (!config.current_context.empty()) root.Set("current-context", config.current_context);
  Value contexts = Value::Object();
  for (const ContextEntry& c : config.contexts) contexts.Set(c.name, ContextValue(c));
  root.Set("contexts", std::move(contexts));
  return common::ToYaml(root);
}

// Byte offsets where the UTF-8 code points of `s` start.
std::vector<size_t> CodePointStarts(absl::string_view s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  return starts;
}

absl::string_view FirstCodePoints(absl::string_view s, size_t n) {
  const std::vector<size_t> starts = CodePointStarts(s);
  return n < starts.size() ? s.substr(0, starts[n]) : s;
}

absl::string_view LastCodePoints(absl::string_view s, size_t n) {
  const std::vector<size_t> starts = CodePointStarts(s);
  return n < starts.size() ? s.substr(starts[starts.size() - n]) : s;
}

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

ContextEntry* ClientConfig::FindMutable(const std::string& name) {
  for (ContextEntry& c : contexts) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool ClientConfig::Remove(const std::string& name) {
  for (auto it = contexts.begin(); it != contexts.end(); ++it) {
    if (it->name == name) {
      contexts.erase(it);
      return true;
    }
  }
  return false;
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

absl::Status SaveClientConfig(const std::string& path, const ClientConfig& config) {
  if (path.empty()) return WriteFailed(path, "empty path");
  fs::path target(path);
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    // Replace the file the link points to, not the link (dotfile managers).
    std::error_code ec;
    fs::path resolved = fs::weakly_canonical(target, ec);
    if (!ec) target = resolved;
  }
  const fs::path dir = target.parent_path();
  RUNE_RETURN_IF_ERROR(MakeDirectories(path, dir));

  std::string temp = ((dir.empty() ? fs::path(".") : dir) /
                      absl::StrCat(".", target.filename().string(), ".tmp-XXXXXX"))
                         .string();
  const int fd = mkstemp(temp.data());
  if (fd < 0) {
    return WriteFailed(path, absl::StrCat("cannot create a temporary file in ",
                                          dir.empty() ? "." : dir.string(), ": ",
                                          std::strerror(errno)));
  }
  const std::string text = FormatClientConfig(config);
  const char* failed_step = nullptr;
  int error = 0;
  auto fail = [&failed_step, &error](const char* step) {
    if (failed_step != nullptr) return;
    failed_step = step;
    error = errno;
  };
  if (fchmod(fd, 0600) != 0) fail("chmod");
  if (failed_step == nullptr && !WriteAll(fd, text)) fail("write");
  if (failed_step == nullptr && fsync(fd) != 0) fail("fsync");
  if (close(fd) != 0) fail("close");
  if (failed_step == nullptr && rename(temp.c_str(), target.c_str()) != 0) fail("rename");
  if (failed_step != nullptr) {
    unlink(temp.c_str());
    return WriteFailed(path, absl::StrCat(failed_step, ": ", std::strerror(error)));
  }
  // Make the rename itself durable; not every file system supports this.
  const int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return absl::OkStatus();
}

Value ContextValue(const ContextEntry& entry) {
  Value v = Value::Object();
  if (!entry.server.empty()) v.Set("server", entry.server);
  if (!entry.namespace_name.empty()) v.Set("namespace", entry.namespace_name);
  // The reader rejects a context with both, so never write both.
  if (!entry.token.empty()) {
    v.Set("token", entry.token);
  } else if (!entry.token_file.empty()) {
    v.Set("token-file", entry.token_file);
  }
  if (entry.tls.has_value()) {
    Value tls = Value::Object();
    if (!entry.tls->ca.empty()) tls.Set("ca", entry.tls->ca);
    if (!entry.tls->cert.empty()) tls.Set("cert", entry.tls->cert);
    if (!entry.tls->key.empty()) tls.Set("key", entry.tls->key);
    if (!entry.tls->server_name.empty()) tls.Set("server-name", entry.tls->server_name);
    v.Set("tls", std::move(tls));
  }
  return v;
}

absl::StatusOr<std::string> SelectedContextName(const ClientConfig& config,
                                                absl::string_view override_name) {
  const std::string name(override_name.empty() ? config.current_context : override_name);
  if (name.empty()) {
    // Same class, exit code and hint as M44; `context "" not found` would say nothing.
    const absl::Status missing = common::ContextMissingError("");
    absl::Status status(missing.code(), "no current context is set");
    missing.ForEachPayload([&status](absl::string_view url, const absl::Cord& payload) {
      status.SetPayload(url, payload);
    });
    return status;
  }
  if (config.Find(name) == nullptr) return common::ContextMissingError(name);
  return name;
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  if (file) buffer << file.rdbuf();
  if (!file || file.bad()) {
    return common::ClientConfigError(
        absl::StrCat("failed to read token file ", path, ": ", std::strerror(errno)), path);
  }
  return std::string(absl::StripAsciiWhitespace(buffer.str()));
}

absl::StatusOr<std::string> ReadContextToken(const ContextEntry& entry) {
  if (!entry.token.empty()) return entry.token;
  if (entry.token_file.empty()) return std::string();
  return ReadTokenFile(entry.token_file);
}

std::string MaskToken(absl::string_view token) {
  constexpr absl::string_view kMask = "******";
  if (token.empty()) return "<none>";
  if (CodePointStarts(token).size() <= 10) return std::string(kMask);
  absl::string_view rest = token;
  if (absl::ConsumePrefix(&rest, "rune_")) {
    const size_t dot = rest.find('.');
    if (dot != absl::string_view::npos) {
      const absl::string_view id = rest.substr(0, dot);
      const absl::string_view secret = rest.substr(dot + 1);
      if (CodePointStarts(id).size() >= 3 && CodePointStarts(secret).size() >= 3) {
        return absl::StrCat("rune_", FirstCodePoints(id, 3), kMask, LastCodePoints(secret, 3));
      }
    }
  }
  return absl::StrCat(FirstCodePoints(token, 3), kMask, LastCodePoints(token, 3));
}

}  // namespace rune::cli
