#include "common/runefile/registry.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/labels.h"

namespace rune::common {
namespace {

bool IsHostName(absl::string_view host) {
  if (host == "localhost") return true;
  // IPv4 addresses and DNS names share the label rules closely enough:
  // digits are valid label characters.
  return !host.empty() && host.size() <= 253 && IsDns1123Subdomain(absl::AsciiStrToLower(host)) &&
         absl::AsciiStrToLower(host) == host;
}

bool IsPort(absl::string_view s) {
  int port;
  return !s.empty() && s.size() <= 5 && absl::SimpleAtoi(s, &port) && port >= 1 && port <= 65535;
}

// Docker Hub is known under several names; entries and images compare by
// the canonical one.
std::string CanonicalHost(absl::string_view host) {
  if (host == "index.docker.io" || host == "registry-1.docker.io" || host == "registry.hub.docker.com") {
    return "docker.io";
  }
  return std::string(host);
}

absl::string_view WithoutPort(absl::string_view host) {
  const size_t colon = host.rfind(':');
  return colon == absl::string_view::npos ? host : host.substr(0, colon);
}

// The fields each type may carry besides name, registry, type, from_secret.
struct TypeFields {
  const char* type;
  std::vector<const char*> allowed;
};

const std::vector<TypeFields>& AllowedFields() {
  static const auto* const kFields = new std::vector<TypeFields>{
      {"basic", {"username", "password", "password_file"}},
      {"token", {"token", "token_file"}},
      {"ecr", {"region", "username", "password", "password_file"}},
      {"dockerconfigjson", {"password", "password_file"}},
  };
  return *kFields;
}

}  // namespace

std::string EffectiveRegistryType(const RunefileRegistry& r) {
  if (!r.type.empty()) return r.type;
  if (!r.token.empty() || !r.token_file.empty()) return "token";
  if (!r.username.empty()) return "basic";
  if (!r.region.empty()) return "ecr";
  return "";
}

bool IsRegistryServer(absl::string_view server) {
  if (absl::StartsWith(server, "*.")) {
    absl::string_view suffix = server.substr(2);
    return !absl::StrContains(suffix, ':') && IsHostName(suffix) && suffix != "localhost";
  }
  const size_t colon = server.rfind(':');
  if (colon != absl::string_view::npos) {
    return IsHostName(server.substr(0, colon)) && IsPort(server.substr(colon + 1));
  }
  return IsHostName(server);
}

int RegistryMatch(absl::string_view server, absl::string_view host) {
  if (absl::StartsWith(server, "*.")) {
    absl::string_view suffix = server.substr(1);  // ".example.com"
    absl::string_view name = WithoutPort(host);
    if (name.size() > suffix.size() && absl::EndsWith(name, suffix)) {
      return 1 + static_cast<int>(suffix.size());
    }
    return 0;
  }
  // Exact hosts outrank every wildcard (a host name is at most 253 bytes).
  return CanonicalHost(server) == CanonicalHost(host) ? 1000 : 0;
}

std::string ImageRegistryHost(absl::string_view image) {
  const size_t slash = image.find('/');
  if (slash == absl::string_view::npos) return "docker.io";
  absl::string_view first = image.substr(0, slash);
  if (absl::StrContains(first, '.') || absl::StrContains(first, ':') || first == "localhost") {
    return CanonicalHost(first);
  }
  return "docker.io";
}

std::vector<RegistryProblem> CheckRegistry(const RunefileRegistry& r) {
  std::vector<RegistryProblem> problems;
  auto add = [&](const char* field, std::string reason, const char* rule) {
    problems.push_back({field, std::move(reason), rule});
  };
  if (r.name.empty()) {
    add("name", "required", "required");
  } else if (!IsDns1123Label(r.name)) {
    add("name", Dns1123Reason(r.name), "dns1123");
  }
  if (r.registry.empty()) {
    add("registry", "required", "required");
  } else if (!IsRegistryServer(r.registry)) {
    add("registry", absl::StrCat("must be a host, host:port or *.suffix, got \"", r.registry, "\""),
        "dns1123");
  }
  if (!r.password.empty() && !r.password_file.empty()) {
    add("password_file", "cannot be used together with password", "conflict");
  }
  if (!r.token.empty() && !r.token_file.empty()) {
    add("token_file", "cannot be used together with token", "conflict");
  }
  if (!r.from_secret.empty()) {
    std::vector<std::string> parts = absl::StrSplit(r.from_secret, '/');
    if (parts.size() != 2 || !IsDns1123Label(parts[0]) || !IsDns1123Label(parts[1])) {
      add("from_secret", absl::StrCat("must be <namespace>/<name>, got \"", r.from_secret, "\""),
          "reference");
    }
  }

  const std::string type = EffectiveRegistryType(r);
  if (type.empty()) {
    add("type", "cannot be inferred: set it to one of basic, token, ecr, dockerconfigjson",
        "required");
    return problems;
  }
  const TypeFields* fields = nullptr;
  for (const TypeFields& f : AllowedFields()) {
    if (type == f.type) fields = &f;
  }
  if (fields == nullptr) {
    add("type",
        absl::StrCat("must be one of: basic, token, ecr, dockerconfigjson, got \"", type, "\""),
        "enum");
    return problems;
  }
  const std::vector<std::pair<const char*, const std::string*>> present = {
      {"username", &r.username}, {"password", &r.password},     {"password_file", &r.password_file},
      {"token", &r.token},       {"token_file", &r.token_file}, {"region", &r.region}};
  for (const auto& [field, value] : present) {
    if (value->empty()) continue;
    bool allowed = false;
    for (const char* a : fields->allowed) allowed = allowed || absl::string_view(a) == field;
    if (!allowed) {
      add(field, absl::StrCat("not used with type ", type), "conflict");
    } else if (!r.from_secret.empty() && absl::string_view(field) != "region") {
      add(field, "cannot be used together with from_secret", "conflict");
    }
  }
  const bool secret = !r.from_secret.empty();
  const bool password = !r.password.empty() || !r.password_file.empty();
  if (type == "basic" && !secret) {
    if (r.username.empty()) add("username", "required for type basic (or set from_secret)", "required");
    if (!password) add("password", "required for type basic: set password or password_file (or from_secret)",
          "required");
  } else if (type == "token" && !secret) {
    if (r.token.empty() && r.token_file.empty()) {
      add("token", "required for type token: set token or token_file (or from_secret)", "required");
    }
  } else if (type == "ecr") {
    if (r.region.empty()) add("region", "required for type ecr", "required");
    if (r.username.empty() != !password) {
      add(r.username.empty() ? "username" : "password",
          "the access key ID (username) and secret access key (password) go together for type ecr",
          "required");
    }
  } else if (type == "dockerconfigjson" && !secret && !password) {
    add("password_file",
        "required for type dockerconfigjson: the Docker config.json in password_file or password "
        "(or from_secret)",
        "required");
  }
  return problems;
}

}  // namespace rune::common
