// Cast files (SPEC §4.1, §3.6.1 step 1): YAML/JSON text → API objects with
// the line:column of every field, then the validator of validate.h, then the
// checks across a whole batch (duplicates, in-batch dependency cycles).
//
//   LoadOptions options;                      // default namespace, limits
//   CastFile f = LoadCastText("api.yaml", text, options);
//   for (const Finding& x : f.findings) … "api.yaml:9:13: service.ports[0].port: must be …"
//   std::vector<CastObject> all = f.objects;  // plus other files
//   std::vector<Finding> batch = CheckBatch(all);
//   for (const CastObject* o : ApplyOrder(all)) … send o->service / o->secret …
//
// Decoding is strict: unknown keys, wrong types and YAML 1.1 booleans are
// findings; `metadata` and `status` keys are accepted and ignored so `rune get
// -o yaml` output casts again; `skip: true` objects are dropped.
#ifndef RUNE_COMMON_SPEC_CAST_H_
#define RUNE_COMMON_SPEC_CAST_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/spec/validate.h"
#include "common/violation.h"
#include "common/yaml/node.h"
#include "proto/types.pb.h"

namespace rune::common::spec {

// A located violation: what `rune lint` prints and what M09 lists.
struct Finding {
  std::string file;  // as given by the caller ("-" for stdin)
  int line = 0;      // 1-based; 0 = no position (whole-file problems)
  int column = 0;
  Violation violation;  // path, reason, rule, warning, hint, fixable
};

// "<file>:<line>:<col>: <path>: <reason>" (the M09 line); the path part is
// left out when empty.
std::string FormatFinding(const Finding& finding);

struct CastObject {
  enum class Kind { kNamespace, kConfigmap, kSecret, kService };
  Kind kind = Kind::kService;
  std::string file;
  yaml::Mark mark;  // the object's mapping
  // Exactly the member for `kind` is meaningful. Namespaced objects have
  // their namespace filled in (own field, else LoadOptions.default_namespace).
  api::Namespace ns;
  api::Configmap configmap;
  api::Secret secret;
  api::ServiceSpec service;
  // Field path → where it was written ("service.ports[0].port").
  std::map<std::string, yaml::Mark> marks;

  const std::string& name() const;
  // "" for namespaces.
  const std::string& object_namespace() const;
  // "service", "secret", "configmap", "namespace".
  const char* kind_name() const;
  // "service/default/api", "namespace/prod".
  std::string Ref() const;
  // Where `path` (or its nearest ancestor) was written; the object's own mark
  // when nothing closer is known.
  yaml::Mark MarkOf(const std::string& path) const;
};

struct LoadOptions {
  std::string default_namespace = "default";
  ValidationLimits limits;
};

struct CastFileResult {
  std::vector<CastObject> objects;  // valid or not, in document order; skip:true dropped
  std::vector<Finding> findings;    // errors and warnings, in source order
  bool HasErrors() const;
};

// Parses every document of `text` (a YAML stream or JSON), decodes the cast
// documents and validates each object.
CastFileResult LoadCastText(absl::string_view file, absl::string_view text,
                            const LoadOptions& options);

// Batch checks over the objects of every file: `<kind> "<ns>/<name>" is
// defined more than once (first at <file>:<line>)` and dependency cycles
// among the batch's services. Findings point at the later object.
std::vector<Finding> CheckBatch(const std::vector<CastObject>& objects);

// SPEC §3.6.1 step 3: namespaces, configmaps, secrets, then services in
// dependency order (in-batch dependencies first, ties in input order).
std::vector<const CastObject*> ApplyOrder(const std::vector<CastObject>& objects);

// Lint's kind detection (§3.6.11): true when the root mapping has a key of
// §4.1 (service, services, secret, …, instance(s)).
bool IsCastDocument(const yaml::Node& root);

}  // namespace rune::common::spec

#endif  // RUNE_COMMON_SPEC_CAST_H_
