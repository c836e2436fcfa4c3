// RBAC of SPEC §5.6: rule matching, the built-in policies, and the table that
// says which resource, verb and namespace every RPC of the API is checked
// against.
//
//   const RpcRule* rule = FindRpcRule("/rune.api.NamespaceService/CreateNamespace");
//   std::string ns = RequestNamespace(*rule, request);  // "prod"
//   bool ok = PoliciesAllow(policies, rule->resource, rule->verb, ns);
#ifndef RUNE_RUNED_AUTH_RBAC_H_
#define RUNE_RUNED_AUTH_RBAC_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "proto/types.pb.h"

namespace rune::daemon::auth {

// True when `rule` grants `verb` on `resource` in namespace `ns`. A request
// namespace "*" (all-namespace lists, node, admin) is matched only by a rule
// namespace "" or "*".
bool RuleAllows(const api::PolicyRule& rule, absl::string_view resource, absl::string_view verb,
                absl::string_view ns);

// True when some rule of some policy allows the request.
bool PoliciesAllow(const std::vector<api::Policy>& policies, absl::string_view resource,
                   absl::string_view verb, absl::string_view ns);

// root, admin, readwrite, readonly in their canonical form (builtin = true).
std::vector<api::Policy> BuiltinPolicies();
bool IsBuiltinPolicy(absl::string_view name);

// How one RPC is authorised.
struct RpcRule {
  enum class Check {
    kNone,           // no authentication (Bootstrap, GetVersion)
    kAuthenticated,  // a valid token, no RBAC rule (WhoAmI, RevokeSelf)
    kRbac,           // token + RBAC (resource, verb, namespace)
  };
  std::string method;  // "/rune.api.NamespaceService/GetNamespace"
  Check check;
  const char* resource;
  const char* verb;
  // Where the namespace comes from: a dotted field path into the request
  // ("namespace", "spec.namespace", "init.namespace"), or "*" for a fixed
  // all-namespace request.
  const char* ns_field;
  // Admin RPCs must come from a loopback peer unless allow_remote_admin.
  bool admin_locality = false;
};

// The rule of a full method name, or nullptr for a method the table lacks.
const RpcRule* FindRpcRule(absl::string_view method);

// Every rule (tests walk it against the service descriptors).
const std::vector<RpcRule>& RpcRules();

// The namespace a request is checked in: the rule's field value, "default"
// when that is empty, "*" for fixed all-namespace rules.
std::string RequestNamespace(const RpcRule& rule, const google::protobuf::Message& request);

}  // namespace rune::daemon::auth

#endif  // RUNE_RUNED_AUTH_RBAC_H_
