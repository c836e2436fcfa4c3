// The one validator of SPEC §4 (catalogue §4.9). `rune lint`, `rune cast`,
// `rune create` and runed (on every write) all call these functions on the
// decoded API messages, so a spec is judged the same way everywhere.
//
//   std::vector<Violation> v = ValidateService(spec, ValidationLimits{});
//   absl::Status s = ValidationStatus(v);   // M07 on the server
//
// Paths are rooted at the singular kind ("service.ports[0].port",
// "secret.data.password", "configmap.name"). Warnings (roadmap fields:
// `service.autoscale: accepted but not enforced`) carry `warning = true` and
// never fail a write.
#ifndef RUNE_COMMON_SPEC_VALIDATE_H_
#define RUNE_COMMON_SPEC_VALIDATE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/violation.h"
#include "proto/types.pb.h"

namespace rune::common::spec {

// runefile `secret.limits` / `config.limits` (SPEC §4.6).
struct DataLimits {
  int64_t max_keys = 64;
  int64_t max_value_bytes = 65536;
  int64_t max_total_bytes = 1048576;
};

struct ValidationLimits {
  DataLimits secret;
  DataLimits config;
  int max_scale = 1000;  // runefile limits.max_scale
};

std::vector<Violation> ValidateService(const api::ServiceSpec& spec,
                                       const ValidationLimits& limits = {});
std::vector<Violation> ValidateSecret(const api::Secret& secret, const DataLimits& limits = {});
std::vector<Violation> ValidateConfigmap(const api::Configmap& configmap,
                                         const DataLimits& limits = {});
std::vector<Violation> ValidateNamespace(const api::Namespace& ns);

// A secret or configmap a service reads (envFrom, mounts, env references,
// secret/configmap dependencies), always in the service's own namespace.
struct ObjectRef {
  api::Dependency::Kind kind = api::Dependency::KIND_UNSPECIFIED;  // SECRET or CONFIGMAP
  std::string name;
  bool optional = false;  // only from `optional: true` dependencies
};

// Every secret/configmap the spec refers to, in declaration order, without
// duplicates (a non-optional mention wins over an optional one).
std::vector<ObjectRef> ReferencedObjects(const api::ServiceSpec& spec);

// A `{{ secret:<name>/<key> }}` / `{{ configmap:<name>/<key> }}` reference
// found in an env value (also the `.<ns>.rune` and `rune://` spellings of
// §4.5, whose namespace must equal `service_ns`).
struct EnvReference {
  api::Dependency::Kind kind = api::Dependency::KIND_UNSPECIFIED;
  std::string name;
  std::string key;
};

// The references of one env value; InvalidArgument with the §4.5 reason
// (`unsupported reference "{{ x }}"`, …) for a malformed one.
absl::StatusOr<std::vector<EnvReference>> ParseEnvReferences(absl::string_view value,
                                                            absl::string_view service_ns);

// The service dependency graph seen by cycle detection: `ns/name` → the
// `ns/name` keys it depends on (optional edges included, SPEC §4.4).
using DependencyEdges = std::function<std::vector<std::string>(const std::string& key)>;

// The first cycle reachable from `start`, as the list of keys starting and
// ending with `start` ("default/a", "default/b", "default/a"), or nullopt.
std::optional<std::vector<std::string>> FindCycle(const std::string& start,
                                                  const DependencyEdges& edges);

// "dependency cycle detected: default/a -> default/b -> default/a".
std::string CycleReason(const std::vector<std::string>& cycle);

// The `ns/name` keys of the service dependencies of `spec` (namespace
// defaulted to the spec's, which must already be set).
std::vector<std::string> ServiceDependencyKeys(const api::ServiceSpec& spec);

// Canonical serialization of a spec for change detection (SPEC §5.7: all spec
// fields, maps sorted, `skip` ignored): two specs are the same generation
// exactly when these bytes are equal.
std::string CanonicalSpec(const api::ServiceSpec& spec);

}  // namespace rune::common::spec

#endif  // RUNE_COMMON_SPEC_VALIDATE_H_
