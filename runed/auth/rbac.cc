#include "runed/auth/rbac.h"

#include <algorithm>

#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"

namespace rune::daemon::auth {
namespace {

using Check = RpcRule::Check;

api::Policy Builtin(const char* name, const char* description, std::vector<const char*> verbs) {
  api::Policy p;
  p.set_name(name);
  p.set_description(description);
  p.set_builtin(true);
  api::PolicyRule* rule = p.add_rules();
  rule->set_resource("*");
  for (const char* v : verbs) rule->add_verbs(v);
  rule->set_namespace_("*");
  return p;
}

constexpr Check kRbac = Check::kRbac;

std::vector<RpcRule> MakeRules() {
  auto rbac = [](const char* method, const char* resource, const char* verb, const char* ns) {
    return RpcRule{method, kRbac, resource, verb, ns, false};
  };
  auto admin = [](const char* rpc) {
    return RpcRule{std::string("/rune.api.AdminService/") + rpc, kRbac, "admin", "*", "*", true};
  };
  std::vector<RpcRule> r = {
      rbac("/rune.api.NamespaceService/CreateNamespace", "namespace", "create", "namespace.name"),
      rbac("/rune.api.NamespaceService/ApplyNamespace", "namespace", "create", "namespace.name"),
      rbac("/rune.api.NamespaceService/GetNamespace", "namespace", "get", "name"),
      rbac("/rune.api.NamespaceService/ListNamespaces", "namespace", "list", "*"),
      rbac("/rune.api.NamespaceService/DeleteNamespace", "namespace", "delete", "name"),
      rbac("/rune.api.NamespaceService/WatchNamespaces", "namespace", "watch", "*"),

      rbac("/rune.api.ServiceService/ApplyService", "service", "create", "spec.namespace"),
      rbac("/rune.api.ServiceService/GetService", "service", "get", "namespace"),
      rbac("/rune.api.ServiceService/ListServices", "service", "list", "namespace"),
      rbac("/rune.api.ServiceService/WatchServices", "service", "watch", "namespace"),
      rbac("/rune.api.ServiceService/DeleteService", "service", "delete", "namespace"),
      rbac("/rune.api.ServiceService/GetDeletionStatus", "service", "get", "namespace"),
      rbac("/rune.api.ServiceService/ListDeletionOperations", "service", "list", "namespace"),
      rbac("/rune.api.ServiceService/ScaleService", "service", "scale", "namespace"),
      rbac("/rune.api.ServiceService/StopService", "service", "scale", "namespace"),
      rbac("/rune.api.ServiceService/RestartService", "service", "scale", "namespace"),
      rbac("/rune.api.ServiceService/WatchScaling", "service", "watch", "namespace"),
      rbac("/rune.api.ServiceService/RollbackService", "service", "update", "namespace"),
      rbac("/rune.api.ServiceService/GetServiceHistory", "service", "get", "namespace"),
      rbac("/rune.api.ServiceService/GetDependencyGraph", "service", "get", "namespace"),
      rbac("/rune.api.ServiceService/ListDependents", "service", "get", "namespace"),

      rbac("/rune.api.InstanceService/GetInstance", "instance", "get", "namespace"),
      rbac("/rune.api.InstanceService/ListInstances", "instance", "list", "namespace"),
      rbac("/rune.api.InstanceService/WatchInstances", "instance", "watch", "namespace"),
      rbac("/rune.api.InstanceService/DeleteInstance", "instance", "delete", "namespace"),

      // The resource of logs, exec and health follows the target; the table
      // gives the default the handler refines once the target is resolved.
      rbac("/rune.api.LogService/StreamLogs", "service", "watch", "namespace"),
      rbac("/rune.api.ExecService/Exec", "service", "exec", "init.namespace"),
      rbac("/rune.api.HealthService/GetHealth", "service", "get", "namespace"),
      RpcRule{"/rune.api.HealthService/GetVersion", Check::kNone, "", "", "", false},

      rbac("/rune.api.SecretService/ApplySecret", "secret", "create", "secret.namespace"),
      rbac("/rune.api.SecretService/CreateSecret", "secret", "create", "secret.namespace"),
      rbac("/rune.api.SecretService/GetSecret", "secret", "get", "namespace"),
      rbac("/rune.api.SecretService/ListSecrets", "secret", "list", "namespace"),
      rbac("/rune.api.SecretService/DeleteSecret", "secret", "delete", "namespace"),

      rbac("/rune.api.ConfigmapService/ApplyConfigmap", "configmap", "create",
           "configmap.namespace"),
      rbac("/rune.api.ConfigmapService/CreateConfigmap", "configmap", "create",
           "configmap.namespace"),
      rbac("/rune.api.ConfigmapService/GetConfigmap", "configmap", "get", "namespace"),
      rbac("/rune.api.ConfigmapService/ListConfigmaps", "configmap", "list", "namespace"),
      rbac("/rune.api.ConfigmapService/DeleteConfigmap", "configmap", "delete", "namespace"),

      RpcRule{"/rune.api.AuthService/WhoAmI", Check::kAuthenticated, "", "", "", false},
      RpcRule{"/rune.api.AuthService/RevokeSelf", Check::kAuthenticated, "", "", "", false},

      RpcRule{"/rune.api.AdminService/Bootstrap", Check::kNone, "", "", "", true},
  };
  for (const char* m :
       {"UpsertUser", "ListUsers", "DeleteUser", "CreatePolicy", "GetPolicy", "ListPolicies",
        "DeletePolicy", "AttachPolicy", "DetachPolicy", "CreateToken", "ListTokens", "RevokeToken",
        "AddRegistry", "ListRegistries", "RemoveRegistry"}) {
    r.push_back(admin(m));
  }
  return r;
}

}  // namespace

bool RuleAllows(const api::PolicyRule& rule, absl::string_view resource, absl::string_view verb,
                absl::string_view ns) {
  if (rule.resource() != "*" && rule.resource() != resource) return false;
  const bool verb_ok = std::any_of(rule.verbs().begin(), rule.verbs().end(),
                                   [&](const std::string& v) { return v == "*" || v == verb; });
  if (!verb_ok) return false;
  return rule.namespace_().empty() || rule.namespace_() == "*" || rule.namespace_() == ns;
}

bool PoliciesAllow(const std::vector<api::Policy>& policies, absl::string_view resource,
                   absl::string_view verb, absl::string_view ns) {
  for (const api::Policy& p : policies) {
    for (const api::PolicyRule& rule : p.rules()) {
      if (RuleAllows(rule, resource, verb, ns)) return true;
    }
  }
  return false;
}

std::vector<api::Policy> BuiltinPolicies() {
  return {
      Builtin("root", "Full access (the bootstrap user)", {"*"}),
      Builtin("admin", "Full access, including administration", {"*"}),
      Builtin("readwrite", "Read and change every resource; no administration",
              {"get", "list", "watch", "create", "update", "delete", "scale", "exec"}),
      Builtin("readonly", "Read every resource", {"get", "list", "watch"}),
  };
}

bool IsBuiltinPolicy(absl::string_view name) {
  return name == "root" || name == "admin" || name == "readwrite" || name == "readonly";
}

const std::vector<RpcRule>& RpcRules() {
  static const std::vector<RpcRule>* const kRules = new std::vector<RpcRule>(MakeRules());
  return *kRules;
}

const RpcRule* FindRpcRule(absl::string_view method) {
  for (const RpcRule& r : RpcRules()) {
    if (r.method == method) return &r;
  }
  return nullptr;
}

std::string RequestNamespace(const RpcRule& rule, const google::protobuf::Message& request) {
  if (absl::string_view(rule.ns_field) == "*") return "*";
  const google::protobuf::Message* msg = &request;
  std::string value;
  const std::vector<std::string> parts = absl::StrSplit(rule.ns_field, '.');
  for (size_t i = 0; i < parts.size() && msg != nullptr; ++i) {
    const google::protobuf::FieldDescriptor* field =
        msg->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr) break;
    const google::protobuf::Reflection* refl = msg->GetReflection();
    if (i + 1 == parts.size()) {
      if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
        value = refl->GetString(*msg, field);
      }
    } else if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      msg = &refl->GetMessage(*msg, field);
    } else {
      break;
    }
  }
  return value.empty() ? "default" : value;
}

}  // namespace rune::daemon::auth
