#include "common/policy/policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/labels.h"

namespace rune::common {
namespace {

constexpr const char* kResources[] = {"*",         "service", "instance", "namespace",
                                      "secret",    "configmap", "node",   "admin"};
constexpr const char* kVerbs[] = {"*",      "get",    "list",  "watch", "create",
                                  "update", "delete", "scale", "exec"};

template <size_t N>
bool OneOf(const char* const (&set)[N], absl::string_view v) {
  return std::find(std::begin(set), std::end(set), v) != std::end(set);
}

template <size_t N>
std::string EnumReason(const char* const (&set)[N], absl::string_view v) {
  return absl::StrCat("must be one of: ", absl::StrJoin(set, ", "), "; got \"", v, "\"");
}

std::string TypeReason(const char* expected, const yaml::Node& node) {
  return absl::StrCat("expected ", expected, ", got ", node.KindName());
}

class Decoder {
 public:
  explicit Decoder(PolicyDecode* out) : out_(out) {}

  void Root(const yaml::Node& root) {
    Mark("policy", root);
    if (!root.IsMapping()) {
      Fail("policy", TypeReason("a mapping", root));
      return;
    }
    for (const auto& [key, value] : root.entries) {
      const std::string path = absl::StrCat("policy.", key.value);
      Mark(path, key);
      if (key.value == "name") {
        String(path, value, out_->policy.mutable_name());
      } else if (key.value == "description") {
        String(path, value, out_->policy.mutable_description());
      } else if (key.value == "rules") {
        Rules(path, value);
      } else if (key.value == "builtin") {
        // `policy get` prints it; ignored on input.
      } else {
        Fail("policy", absl::StrCat("unknown field \"", key.value, "\""), key.mark);
      }
    }
  }

 private:
  void Rules(const std::string& path, const yaml::Node& node) {
    if (node.IsNull()) return;
    if (!node.IsSequence()) {
      Fail(path, TypeReason("a list", node));
      return;
    }
    for (size_t i = 0; i < node.items.size(); ++i) {
      const yaml::Node& item = node.items[i];
      const std::string rule_path = absl::StrCat(path, "[", i, "]");
      Mark(rule_path, item);
      api::PolicyRule* rule = out_->policy.add_rules();
      if (!item.IsMapping()) {
        Fail(rule_path, TypeReason("a mapping", item));
        continue;
      }
      for (const auto& [key, value] : item.entries) {
        const std::string field = absl::StrCat(rule_path, ".", key.value);
        Mark(field, key);
        if (key.value == "resource") {
          String(field, value, rule->mutable_resource());
          *rule->mutable_resource() = CanonicalResource(rule->resource());
        } else if (key.value == "namespace") {
          String(field, value, rule->mutable_namespace_());
        } else if (key.value == "verbs") {
          if (value.IsNull()) continue;
          if (!value.IsSequence()) {
            Fail(field, TypeReason("a list", value));
            continue;
          }
          for (size_t j = 0; j < value.items.size(); ++j) {
            const std::string verb_path = absl::StrCat(field, "[", j, "]");
            Mark(verb_path, value.items[j]);
            String(verb_path, value.items[j], rule->add_verbs());
          }
        } else {
          Fail(rule_path, absl::StrCat("unknown field \"", key.value, "\""), key.mark);
        }
      }
    }
  }

  void String(const std::string& path, const yaml::Node& node, std::string* out) {
    if (node.IsNull()) return;
    if (!node.IsScalar()) {
      Fail(path, TypeReason("a string", node));
      return;
    }
    *out = node.value;
  }

  void Mark(const std::string& path, const yaml::Node& node) {
    out_->marks.emplace(path, node.mark);
  }
  void Fail(const std::string& path, std::string reason, yaml::Mark mark = {}) {
    out_->violations.push_back({path, std::move(reason), mark});
  }

  PolicyDecode* out_;
};

}  // namespace

yaml::Mark PolicyDecode::MarkOf(const std::string& path) const {
  return NearestMark(marks, path);
}

PolicyDecode DecodePolicy(const yaml::Node& root) {
  PolicyDecode out;
  Decoder(&out).Root(root);
  return out;
}

std::string CanonicalResource(absl::string_view resource) {
  for (const char* r : kResources) {
    if (resource == r) return std::string(resource);
    if (resource == absl::StrCat(r, "s")) return r;
  }
  return std::string(resource);
}

std::vector<Violation> ValidatePolicy(const api::Policy& policy) {
  std::vector<Violation> v;
  if (policy.name().empty()) {
    v.push_back({"policy.name", "required"});
  } else if (!IsDns1123Label(policy.name())) {
    v.push_back({"policy.name", Dns1123Reason(policy.name())});
  }
  if (policy.description().size() > 256) {
    v.push_back({"policy.description",
                 absl::StrCat("must be at most 256 characters, got ", policy.description().size())});
  }
  if (policy.rules().empty()) v.push_back({"policy.rules", "required"});
  for (int i = 0; i < policy.rules_size(); ++i) {
    const api::PolicyRule& rule = policy.rules(i);
    const std::string path = absl::StrCat("policy.rules[", i, "]");
    if (rule.resource().empty()) {
      v.push_back({path + ".resource", "required"});
    } else if (!OneOf(kResources, rule.resource())) {
      v.push_back({path + ".resource", EnumReason(kResources, rule.resource())});
    }
    if (rule.verbs().empty()) v.push_back({path + ".verbs", "required"});
    for (int j = 0; j < rule.verbs_size(); ++j) {
      if (!OneOf(kVerbs, rule.verbs(j))) {
        v.push_back({absl::StrCat(path, ".verbs[", j, "]"), EnumReason(kVerbs, rule.verbs(j))});
      }
    }
    const std::string& ns = rule.namespace_();
    if (!ns.empty() && ns != "*" && !IsDns1123Label(ns)) {
      v.push_back({path + ".namespace", Dns1123Reason(ns)});
    }
  }
  return v;
}

Value PolicyDocument(const api::Policy& policy) {
  Value doc = Value::Object();
  doc.Set("name", policy.name());
  if (!policy.description().empty()) doc.Set("description", policy.description());
  Value rules = Value::Array();
  for (const api::PolicyRule& rule : policy.rules()) {
    Value r = Value::Object();
    r.Set("resource", rule.resource());
    Value verbs = Value::Array();
    for (const std::string& verb : rule.verbs()) verbs.Push(verb);
    r.Set("verbs", std::move(verbs));
    if (!rule.namespace_().empty()) r.Set("namespace", rule.namespace_());
    rules.Push(std::move(r));
  }
  doc.Set("rules", std::move(rules));
  if (policy.builtin()) doc.Set("builtin", true);
  return doc;
}

}  // namespace rune::common
