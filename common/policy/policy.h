// RBAC policy documents (SPEC §4.7): strict decoding from YAML or JSON and
// the one validator that both `rune admin policy create` (before sending) and
// runed (on every write) run.
//
//   PolicyDecode d = DecodePolicy(yaml_root);          // unknown keys, types
//   std::vector<Violation> v = ValidatePolicy(d.policy); // names, enums
//   for (const Violation& x : v) … x.path ("policy.rules[0].verbs[2]"), x.reason
//   Mark m = d.MarkOf(x.path);                          // line:column for lint
#ifndef RUNE_COMMON_POLICY_POLICY_H_
#define RUNE_COMMON_POLICY_POLICY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/document.h"
#include "common/violation.h"
#include "common/yaml/node.h"
#include "proto/types.pb.h"

namespace rune::common {

struct PolicyDecode {
  api::Policy policy;
  std::vector<Violation> violations;  // structural: types, unknown fields
  std::map<std::string, yaml::Mark> marks;  // field path → where it was written

  // The mark of `path`, or of its nearest ancestor that has one.
  yaml::Mark MarkOf(const std::string& path) const;
};

// Decodes a policy document; resources are stored singular ("services" →
// "service").
PolicyDecode DecodePolicy(const yaml::Node& root);

// Semantic checks: name, rules, resources, verbs, namespaces.
std::vector<Violation> ValidatePolicy(const api::Policy& policy);

// The singular resource name for a singular or plural spelling; unknown
// names are returned unchanged.
std::string CanonicalResource(absl::string_view resource);

// The document form of §4.7 (name, description, rules, builtin).
Value PolicyDocument(const api::Policy& policy);

}  // namespace rune::common

#endif  // RUNE_COMMON_POLICY_POLICY_H_
