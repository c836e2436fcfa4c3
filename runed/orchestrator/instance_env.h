// What an instance gets from its spec at start (SPEC §4.2 mounts, §4.5
// environment): the KEY=VALUE environment after envFrom < env < built-ins
// precedence, with `{{ secret:<name>/<key> }}` / `{{ configmap:<name>/<key> }}`
// references substituted, and the files of its secret and config mounts.
// Secret and configmap values are read through callbacks, so plaintext stays
// in memory and the functions can be tested without a store.
//
//   DataReader secrets = [&](absl::string_view ns, absl::string_view name)
//       -> absl::StatusOr<std::optional<std::map<std::string, std::string>>> {
//     absl::StatusOr<std::map<std::string, std::string>> data = store->ReadData(ns, name);
//     if (absl::IsNotFound(data.status())) return std::nullopt;
//     if (!data.ok()) return data.status();
//     return *std::move(data);
//   };
//   InstanceIdentity who{"prod", "api", "api-instance-7c2e8a3b", "api-0", 0};
//   RUNE_ASSIGN_OR_RETURN(std::vector<std::string> env,
//                         ResolveEnvironment(spec, who, secrets, configmaps, services));
//   // env: {"LOG_LEVEL=debug", "DB_PASSWORD=s3cret", "RUNE_SERVICE_NAME=api", …,
//   //       "API_SERVICE_HOST=api.prod.rune", "API_SERVICE_PORT=8080", …}
//   RUNE_ASSIGN_OR_RETURN(std::vector<runner::Mount> mounts,
//                         ResolveMounts(spec, secrets, configmaps));
//
// Failures are FailedPrecondition with the text the instance reports:
// `missing secret: <ns>/<name>`, `missing secret key: <ns>/<name>/<key>` and
// the configmap analogues `missing configmap: …`, `missing configmap key: …`.
#ifndef RUNE_RUNED_ORCHESTRATOR_INSTANCE_ENV_H_
#define RUNE_RUNED_ORCHESTRATOR_INSTANCE_ENV_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/types.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon {

// The instance being started. `ns` and `service` fall back to the spec's
// namespace (then `default`) and name when empty.
struct InstanceIdentity {
  std::string ns;
  std::string service;
  std::string id;    // `<service>-instance-<8 hex>`
  std::string name;  // `<service>-<ordinal>`
  int ordinal = 0;
};

// Reads the decrypted data of a secret or configmap: nullopt when the object
// does not exist; any error is passed on (prefixed with the object).
using DataReader = std::function<absl::StatusOr<std::optional<std::map<std::string, std::string>>>(
    absl::string_view ns, absl::string_view name)>;

// Looks up a service spec (for dependency built-ins): nullopt when absent.
using ServiceLookup = std::function<absl::StatusOr<std::optional<api::ServiceSpec>>(
    absl::string_view ns, absl::string_view name)>;

// The variable name of data key `key` under envFrom prefix `prefix`
// (SPEC §4.5): upper-cased, every byte outside [A-Z0-9_] becomes `_`, the
// prefix is prepended and a leading digit gets `_` in front
// (`log-level` → `LOG_LEVEL`, `1x` → `_1X`, ("APP_", "port") → `APP_PORT`).
std::string EnvVarName(absl::string_view prefix, absl::string_view key);

// The environment of an instance (SPEC §4.5) as KEY=VALUE, ordered by
// precedence level: envFrom items in list order (keys sorted within an item)
// < `env` (sorted by name, references resolved) < built-ins
// (RUNE_SERVICE_NAME, RUNE_SERVICE_NAMESPACE, RUNE_INSTANCE_ID,
// RUNE_INSTANCE_NAME, RUNE_INSTANCE_ORDINAL, then `<SVC>_SERVICE_HOST`,
// `<SVC>_SERVICE_PORT` (when it has ports), `<SVC>_SERVICE_PORT_<PORTNAME>`
// of each service dependency in list order and last of the service itself).
// A variable set at several levels appears once, at the last level that sets
// it, with that level's value. A dependency that does not exist contributes
// its `_SERVICE_HOST` only. Every `{{ … }}` in an `env` value is replaced by
// the referenced value (no nested expansion). FailedPrecondition: a missing
// secret/configmap or key (texts above), a malformed reference, or a value
// holding a NUL byte (execve cannot carry it); errors of the callbacks are
// passed on with their code.
absl::StatusOr<std::vector<std::string>> ResolveEnvironment(const api::ServiceSpec& spec,
                                                            const InstanceIdentity& instance,
                                                            const DataReader& secrets,
                                                            const DataReader& configmaps,
                                                            const ServiceLookup& services);

// The secret mounts then the config mounts of an instance (SPEC §4.2), in
// spec order: with `items` one file per item (at items[].path, in item
// order), without every key as a file named after it (sorted); secret files
// mode 0400, config files 0444. The namespace is the spec's (`default` when
// empty). FailedPrecondition for a missing object or item key (texts above).
absl::StatusOr<std::vector<runner::Mount>> ResolveMounts(const api::ServiceSpec& spec,
                                                         const DataReader& secrets,
                                                         const DataReader& configmaps);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_ORCHESTRATOR_INSTANCE_ENV_H_
