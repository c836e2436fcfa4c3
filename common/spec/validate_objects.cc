// Secrets, configmaps and namespaces (SPEC §4.6), references of a service to
// other objects (§4.4, §4.5), dependency cycles and the canonical spec form.
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/labels.h"
#include "common/spec/checks.h"
#include "common/spec/validate.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace rune::common::spec {
namespace {

using internal::Checker;

template <typename Map>
void CheckData(const std::string& kind, const Map& data, const DataLimits& limits, Checker& c) {
  const std::string path = kind + ".data";
  if (data.empty()) {
    c.Add(path, "must contain at least one key", "required");
    return;
  }
  if (static_cast<int64_t>(data.size()) > limits.max_keys) {
    c.Add(path, absl::StrCat("must contain at most ", limits.max_keys, " keys, got ", data.size()),
          "range");
  }
  const std::map<std::string, const std::string*> sorted = [&data] {
    std::map<std::string, const std::string*> m;
    for (const auto& [k, v] : data) m.emplace(k, &v);
    return m;
  }();
  int64_t total = 0;
  for (const auto& [key, value] : sorted) {
    const std::string child = absl::StrCat(path, ".", key);
    if (key.size() > 253) {
      c.Add(child, absl::StrCat("must be at most 253 characters, got ", key.size()), "range");
    } else if (!internal::IsDataKey(key)) {
      c.Add(child, absl::StrCat("invalid key \"", key, "\""), "type",
            "keys contain only letters, digits, '-', '_' and '.', and are not \".\" or \"..\"");
    }
    total += static_cast<int64_t>(value->size());
    if (static_cast<int64_t>(value->size()) > limits.max_value_bytes) {
      c.Add(child,
            absl::StrCat("must be at most ", limits.max_value_bytes, " bytes, got ", value->size()),
            "range");
    }
  }
  if (total > limits.max_total_bytes) {
    c.Add(path,
          absl::StrCat("total size must be at most ", limits.max_total_bytes, " bytes, got ", total),
          "range");
  }
}

absl::Status Unsupported(absl::string_view raw) {
  return absl::InvalidArgumentError(absl::StrCat("unsupported reference \"", raw, "\""));
}

// One `{{ … }}` body (whitespace removed) → a reference.
absl::StatusOr<EnvReference> ParseOneReference(absl::string_view raw, absl::string_view inner,
                                               absl::string_view service_ns) {
  std::string kind, ns, name, key;
  if (absl::ConsumePrefix(&inner, "rune://")) {
    std::vector<std::string> parts = absl::StrSplit(inner, '/');
    if (parts.size() != 4) return Unsupported(raw);
    kind = parts[0];
    ns = parts[1];
    name = parts[2];
    key = parts[3];
    if (ns.empty()) return Unsupported(raw);
  } else {
    const size_t colon = inner.find(':');
    if (colon == absl::string_view::npos) return Unsupported(raw);
    kind = std::string(inner.substr(0, colon));
    absl::string_view rest = inner.substr(colon + 1);
    const size_t slash = rest.find('/');
    if (slash == absl::string_view::npos) return Unsupported(raw);
    absl::string_view object = rest.substr(0, slash);
    key = std::string(rest.substr(slash + 1));
    absl::ConsumeSuffix(&object, ".rune");
    const size_t dot = object.find('.');
    if (dot != absl::string_view::npos) {
      ns = std::string(object.substr(dot + 1));
      object = object.substr(0, dot);
      if (ns.empty()) return Unsupported(raw);
    }
    name = std::string(object);
  }
  EnvReference ref;
  if (kind == "secret") {
    ref.kind = api::Dependency::SECRET;
  } else if (kind == "configmap") {
    ref.kind = api::Dependency::CONFIGMAP;
  } else {
    return Unsupported(raw);
  }
  if (!IsDns1123Label(name) || !internal::IsDataKey(key) || (!ns.empty() && !IsDns1123Label(ns))) {
    return Unsupported(raw);
  }
  if (!ns.empty() && !service_ns.empty() && ns != service_ns) {
    return absl::InvalidArgumentError(
        absl::StrCat("must reference a secret or configmap in namespace \"", service_ns, "\""));
  }
  ref.name = std::move(name);
  ref.key = std::move(key);
  return ref;
}

}  // namespace

std::vector<Violation> ValidateSecret(const api::Secret& secret, const DataLimits& limits) {
  std::vector<Violation> out;
  Checker c(&out);
  c.Name("secret.name", secret.name(), true);
  c.Namespace("secret.namespace", secret.namespace_());
  c.Labels("secret.labels", secret.labels());
  if (!secret.type().empty() && secret.type() != "static") {
    c.Add("secret.type", "must be \"static\"", "enum", "static is the only secret type");
  }
  CheckData("secret", secret.data(), limits, c);
  return out;
}

std::vector<Violation> ValidateConfigmap(const api::Configmap& configmap, const DataLimits& limits) {
  std::vector<Violation> out;
  Checker c(&out);
  c.Name("configmap.name", configmap.name(), true);
  c.Namespace("configmap.namespace", configmap.namespace_());
  c.Labels("configmap.labels", configmap.labels());
  CheckData("configmap", configmap.data(), limits, c);
  return out;
}

std::vector<Violation> ValidateNamespace(const api::Namespace& ns) {
  std::vector<Violation> out;
  Checker c(&out);
  c.Name("namespace.name", ns.name(), true);
  if (ns.description().size() > 256) {
    c.Add("namespace.description",
          absl::StrCat("must be at most 256 characters, got ", ns.description().size()), "range");
  }
  c.Labels("namespace.labels", ns.labels());
  return out;
}

absl::StatusOr<std::vector<EnvReference>> ParseEnvReferences(absl::string_view value,
                                                            absl::string_view service_ns) {
  std::vector<EnvReference> refs;
  size_t pos = 0;
  while (true) {
    const size_t open = value.find("{{", pos);
    if (open == absl::string_view::npos) break;
    const size_t close = value.find("}}", open + 2);
    if (close == absl::string_view::npos) break;
    const absl::string_view raw = value.substr(open, close + 2 - open);
    std::string inner(value.substr(open + 2, close - open - 2));
    inner.erase(std::remove_if(inner.begin(), inner.end(),
                               [](char ch) { return absl::ascii_isspace(ch); }),
                inner.end());
    absl::StatusOr<EnvReference> ref = ParseOneReference(raw, inner, service_ns);
    if (!ref.ok()) return ref.status();
    refs.push_back(*std::move(ref));
    pos = close + 2;
  }
  return refs;
}

std::vector<ObjectRef> ReferencedObjects(const api::ServiceSpec& spec) {
  std::vector<ObjectRef> out;
  std::map<std::pair<int, std::string>, size_t> index;  // (kind, name) → position in out
  const auto add = [&out, &index](api::Dependency::Kind kind, const std::string& name,
                                  bool optional) {
    if (name.empty()) return;
    auto [it, inserted] = index.emplace(std::make_pair(static_cast<int>(kind), name), out.size());
    if (!inserted) {
      out[it->second].optional = out[it->second].optional && optional;
      return;
    }
    out.push_back({kind, name, optional});
  };
  const std::map<std::string, std::string> env(spec.env().begin(), spec.env().end());
  for (const auto& [key, value] : env) {
    absl::StatusOr<std::vector<EnvReference>> refs = ParseEnvReferences(value, spec.namespace_());
    if (!refs.ok()) continue;
    for (const EnvReference& r : *refs) add(r.kind, r.name, false);
  }
  for (const api::EnvFromSource& e : spec.env_from()) {
    if (e.has_secret_ref()) add(api::Dependency::SECRET, e.secret_ref(), false);
    if (e.has_config_ref()) add(api::Dependency::CONFIGMAP, e.config_ref(), false);
  }
  for (const api::Dependency& d : spec.dependencies()) {
    if (d.kind() != api::Dependency::SECRET && d.kind() != api::Dependency::CONFIGMAP) continue;
    if (!d.namespace_().empty() && d.namespace_() != spec.namespace_()) continue;
    add(d.kind(), d.name(), d.optional());
  }
  for (const api::SecretMount& m : spec.secret_mounts()) {
    add(api::Dependency::SECRET, m.secret_name().empty() ? m.name() : m.secret_name(), false);
  }
  for (const api::ConfigMount& m : spec.config_mounts()) {
    add(api::Dependency::CONFIGMAP, m.config_name().empty() ? m.name() : m.config_name(), false);
  }
  return out;
}

std::optional<std::vector<std::string>> FindCycle(const std::string& start,
                                                  const DependencyEdges& edges) {
  struct Frame {
    std::vector<std::string> next;
    size_t index = 0;
  };
  std::vector<std::string> path = {start};
  std::vector<Frame> stack;
  stack.push_back({edges(start), 0});
  std::set<std::string> visited = {start};
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.index == top.next.size()) {
      stack.pop_back();
      path.pop_back();
      continue;
    }
    const std::string next = top.next[top.index++];
    if (next == start) {
      path.push_back(start);
      return path;
    }
    if (!visited.insert(next).second) continue;
    path.push_back(next);
    stack.push_back({edges(next), 0});
  }
  return std::nullopt;
}

std::string CycleReason(const std::vector<std::string>& cycle) {
  return absl::StrCat("dependency cycle detected: ", absl::StrJoin(cycle, " -> "));
}

std::vector<std::string> ServiceDependencyKeys(const api::ServiceSpec& spec) {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const api::Dependency& d : spec.dependencies()) {
    if (d.kind() != api::Dependency::SERVICE || d.name().empty()) continue;
    std::string key =
        absl::StrCat(d.namespace_().empty() ? spec.namespace_() : d.namespace_(), "/", d.name());
    if (seen.insert(key).second) keys.push_back(std::move(key));
  }
  return keys;
}

std::string CanonicalSpec(const api::ServiceSpec& spec) {
  api::ServiceSpec copy = spec;
  copy.clear_skip();
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace rune::common::spec
