// Strict decoding of one cast object (a `service:`, `secret:`, `configmap:`
// or `namespace:` mapping) into its API message, remembering where each field
// was written. Internal to common/spec; cast.h is the public entry point.
//
//   internal::Decoded d;
//   api::ServiceSpec spec = internal::DecodeService(node, &d);
//   for (Violation& v : d.violations) …    // unknown fields, types, YAML 1.1 booleans
//   yaml::Mark m = d.MarkOf("service.ports[0].port");
#ifndef RUNE_COMMON_SPEC_DECODE_H_
#define RUNE_COMMON_SPEC_DECODE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/violation.h"
#include "common/yaml/node.h"
#include "proto/types.pb.h"

namespace rune::common::spec::internal {

struct Decoded {
  std::vector<Violation> violations;        // structural problems, marks set
  std::map<std::string, yaml::Mark> marks;  // field path → where it was written

  // The mark of `path`, or of its nearest ancestor that has one.
  yaml::Mark MarkOf(const std::string& path) const;
};

api::ServiceSpec DecodeService(const yaml::Node& node, Decoded* out);
api::Secret DecodeSecret(const yaml::Node& node, Decoded* out);
api::Configmap DecodeConfigmap(const yaml::Node& node, Decoded* out);
api::Namespace DecodeNamespace(const yaml::Node& node, Decoded* out);

// "a string", "an integer", "a float", "a boolean", "null", "a list",
// "a mapping" — how a YAML 1.2 core-schema reader sees the node.
std::string NodeKind(const yaml::Node& node);

// Tags a cast file may carry: the YAML 1.2 core schema (and the
// non-specific "!").
bool IsCoreTag(absl::string_view tag);

// Standard base64 with padding (line breaks ignored); false when malformed.
bool DecodeBase64Strict(absl::string_view in, std::string* out);

// A dependency written as a string (§4.4): `db`, `db.prod`, `db.prod.rune`,
// `service:db`, `secret:x`, `<kind>:<name>.<ns>.rune`, `rune://<kind>/<ns>/<name>`.
bool ParseDependencyString(absl::string_view text, api::Dependency* out);

}  // namespace rune::common::spec::internal

#endif  // RUNE_COMMON_SPEC_DECODE_H_
