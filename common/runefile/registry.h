// Registry credential entries (SPEC §3.6.18 `registry add`, §5.2
// `docker.registries`, §5.10): the rules one entry must follow, the type
// inference, and which entry serves an image's registry host. Shared by the
// runefile decoder (findings at start and in `rune lint`) and runed's
// AddRegistry, so both accept exactly the same entries.
//
//   RunefileRegistry r{.name = "ghcr", .registry = "ghcr.io", .username = "bot",
//                      .password_file = "/etc/rune/ghcr.token"};
//   EffectiveRegistryType(r);                 // "basic" (inferred from username)
//   CheckRegistry(r);                         // {} — no problems
//   ImageRegistryHost("ghcr.io/acme/api:1");  // "ghcr.io"
//   RegistryMatch("*.example.com", "eu.example.com:5000");  // 1 (a wildcard)
#ifndef RUNE_COMMON_RUNEFILE_REGISTRY_H_
#define RUNE_COMMON_RUNEFILE_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/runefile/runefile.h"

namespace rune::common {

// The credential types, in the order help texts list them.
inline constexpr const char* kRegistryTypes[] = {"basic", "token", "ecr", "dockerconfigjson"};

// The explicit type, else the inferred one: token or token_file → token,
// username → basic, region → ecr; "" when nothing tells.
std::string EffectiveRegistryType(const RunefileRegistry& r);

// One broken rule; `field` is the runefile key (`registry`, `password_file`).
struct RegistryProblem {
  std::string field;
  std::string reason;
  std::string rule;  // the `rune lint` rule: required, dns1123, enum, conflict, reference
};

// Every rule the entry breaks: name a DNS-1123 label; registry a host,
// host:port or *.suffix; a known (or inferable) type; the credentials that
// type needs and no fields it does not use; from_secret `<ns>/<name>` and not
// mixed with inline credentials.
std::vector<RegistryProblem> CheckRegistry(const RunefileRegistry& r);

// `host`, `host:port` (DNS names, IPv4 or `localhost`) or `*.suffix`.
bool IsRegistryServer(absl::string_view server);

// How well the entry's `server` serves images from `host` (a registry host
// as ImageRegistryHost returns it): 0 = not at all; for a wildcard 1 + the
// suffix length (a longer suffix is more specific; the port of `host` is
// ignored); an exact host (Docker Hub's aliases count as docker.io) beats
// any wildcard.
int RegistryMatch(absl::string_view server, absl::string_view host);

// The registry host of an image reference: its first path component when
// that has a '.' or ':' or is `localhost`, else "docker.io".
std::string ImageRegistryHost(absl::string_view image);

}  // namespace rune::common

#endif  // RUNE_COMMON_RUNEFILE_REGISTRY_H_
