// `rune create secret|configmap <name>` (SPEC §3.6.13): data from
// --from-literal and --from-file, sent as one Create call. Keys, values and
// the size limits are judged by runed alone (M07): its limits come from its
// runefile, which the CLI cannot see.
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "proto/configmap.grpc.pb.h"
#include "proto/namespace.grpc.pb.h"
#include "proto/secret.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"

namespace rune::cli {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

absl::StatusOr<std::string> ReadDataFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    return common::LocalPathError(absl::StrCat("path \"", path, "\" does not exist"));
  }
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  if (!file || S_ISDIR(st.st_mode)) {
    return common::LocalPathError(absl::StrCat(
        "path \"", path, "\" cannot be read: ", S_ISDIR(st.st_mode) ? "is a directory" : std::strerror(errno)));
  }
  return buffer.str();
}

std::string BaseName(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// The keys and values of --from-literal and --from-file, in that order.
// A key given twice is a usage error.
absl::StatusOr<Entries> DataEntries(const Invocation& inv) {
  const auto& p = inv.parsed;
  Entries entries;
  std::set<std::string> keys;
  auto add = [&](std::string key, std::string value) -> absl::Status {
    if (!keys.insert(key).second) {
      return common::UsageError(absl::StrCat("duplicate key \"", key, "\""), p.CommandPath());
    }
    entries.emplace_back(std::move(key), std::move(value));
    return absl::OkStatus();
  };
  for (const std::string& kv : p.Strings("from-literal")) {
    const size_t eq = kv.find('=');
    RUNE_RETURN_IF_ERROR(add(kv.substr(0, eq), kv.substr(eq + 1)));
  }
  for (const std::string& spec : p.Strings("from-file")) {
    const size_t eq = spec.find('=');
    const std::string path = eq == std::string::npos ? spec : spec.substr(eq + 1);
    const std::string key = eq == std::string::npos ? BaseName(spec) : spec.substr(0, eq);
    RUNE_ASSIGN_OR_RETURN(std::string value, ReadDataFile(path));
    RUNE_RETURN_IF_ERROR(add(key, std::move(value)));
  }
  return entries;
}

// Configmap values are text (a proto3 string): well-formed UTF-8 without
// overlong forms or surrogates.
bool IsUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

template <typename Object>
void SetLabels(const Invocation& inv, Object* object) {
  for (const std::string& kv : inv.parsed.Strings("label")) {
    const size_t eq = kv.find('=');
    (*object->mutable_labels())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
}

// --create-namespace: creates the target namespace when it is missing.
absl::Status EnsureNamespace(Invocation& inv, Connection& conn, const std::string& ns) {
  auto stub = api::NamespaceService::NewStub(conn.channel());
  api::GetNamespaceRequest get;
  get.set_name(ns);
  api::GetNamespaceResponse got;
  absl::Status s = conn.Call(stub.get(), &api::NamespaceService::Stub::GetNamespace,
                             "NamespaceService.GetNamespace", get, &got);
  if (s.code() != absl::StatusCode::kNotFound) return s;
  api::CreateNamespaceRequest create;
  create.mutable_namespace_()->set_name(ns);
  api::CreateNamespaceResponse created;
  RUNE_RETURN_IF_ERROR(conn.Call(stub.get(), &api::NamespaceService::Stub::CreateNamespace,
                                 "NamespaceService.CreateNamespace", create, &created));
  inv.out() << "namespace/" << ns << " created\n";
  return absl::OkStatus();
}

// "secret/default/db created (2 keys)", "… replaced (version 2)",
// "… unchanged (version 2)".
std::string ResultLine(const char* kind, const std::string& ns, const std::string& name,
                       api::ApplyAction action, int keys, int64_t version) {
  const std::string ref = absl::StrCat(kind, "/", ns, "/", name);
  switch (action) {
    case api::UPDATED:
      return absl::StrCat(ref, " replaced (version ", version, ")");
    case api::UNCHANGED:
      return absl::StrCat(ref, " unchanged (version ", version, ")");
    default:
      return absl::StrCat(ref, " created (", keys, " keys)");
  }
}

}  // namespace

absl::Status RunCreateSecret(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(Entries entries, DataEntries(inv));
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  const std::string& ns = conn->settings().namespace_name;
  api::CreateSecretRequest request;
  api::Secret* secret = request.mutable_secret();
  secret->set_name(inv.parsed.args[0]);
  secret->set_namespace_(ns);
  SetLabels(inv, secret);
  for (auto& [key, value] : entries) (*secret->mutable_data())[key] = std::move(value);
  request.set_replace(inv.parsed.Bool("replace"));
  if (inv.parsed.Bool("create-namespace")) RUNE_RETURN_IF_ERROR(EnsureNamespace(inv, *conn, ns));
  auto stub = api::SecretService::NewStub(conn->channel());
  api::CreateSecretResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::SecretService::Stub::CreateSecret,
                                  "SecretService.CreateSecret", request, &response));
  const api::SecretInfo& s = response.secret();
  inv.out() << ResultLine("secret", s.namespace_(), s.name(), response.action(), s.keys_size(),
                          s.metadata().version())
            << "\n";
  return absl::OkStatus();
}

absl::Status RunCreateConfigmap(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(Entries entries, DataEntries(inv));
  for (const auto& [key, value] : entries) {
    if (!IsUtf8(value)) {
      return common::LocalSpecError(
          absl::StrCat("validation error: configmap.data.", key,
                       ": expected UTF-8 text; store binary data in a secret"),
          "");
    }
  }
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  const std::string& ns = conn->settings().namespace_name;
  api::CreateConfigmapRequest request;
  api::Configmap* configmap = request.mutable_configmap();
  configmap->set_name(inv.parsed.args[0]);
  configmap->set_namespace_(ns);
  SetLabels(inv, configmap);
  for (auto& [key, value] : entries) (*configmap->mutable_data())[key] = std::move(value);
  request.set_replace(inv.parsed.Bool("replace"));
  if (inv.parsed.Bool("create-namespace")) RUNE_RETURN_IF_ERROR(EnsureNamespace(inv, *conn, ns));
  auto stub = api::ConfigmapService::NewStub(conn->channel());
  api::CreateConfigmapResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ConfigmapService::Stub::CreateConfigmap,
                                  "ConfigmapService.CreateConfigmap", request, &response));
  const api::Configmap& c = response.configmap();
  inv.out() << ResultLine("configmap", c.namespace_(), c.name(), response.action(), c.data_size(),
                          c.metadata().version())
            << "\n";
  return absl::OkStatus();
}

}  // namespace rune::cli
