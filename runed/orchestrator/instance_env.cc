#include "runed/orchestrator/instance_env.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/spec/validate.h"
#include "common/status_macros.h"
#include "re2/re2.h"

namespace rune::daemon {
namespace {

using Data = std::map<std::string, std::string>;

constexpr absl::string_view kNulReason =
    "value contains a NUL byte, which an environment variable cannot hold";

std::string EffectiveNs(absl::string_view first, absl::string_view second) {
  if (!first.empty()) return std::string(first);
  if (!second.empty()) return std::string(second);
  return "default";
}

const char* KindWord(api::Dependency::Kind kind) {
  return kind == api::Dependency::SECRET ? "secret" : "configmap";
}

// Reads each secret and configmap at most once per resolution, so one
// instance start sees one version of every object it uses.
class Objects {
 public:
  Objects(std::string ns, const DataReader& secrets, const DataReader& configmaps)
      : ns_(std::move(ns)), secrets_(secrets), configmaps_(configmaps) {}

  const std::string& ns() const { return ns_; }

  // FailedPrecondition `missing <kind>: <ns>/<name>` when absent.
  absl::StatusOr<const Data*> Object(api::Dependency::Kind kind, const std::string& name) {
    auto key = std::make_pair(static_cast<int>(kind), name);
    auto it = cache_.find(key);
    if (it != cache_.end()) return &it->second;
    const DataReader& reader = kind == api::Dependency::SECRET ? secrets_ : configmaps_;
    absl::StatusOr<std::optional<Data>> read = reader(ns_, name);
    if (!read.ok()) {
      return absl::Status(read.status().code(),
                          absl::StrCat("reading ", KindWord(kind), " ", ns_, "/", name, ": ",
                                       read.status().message()));
    }
    if (!read->has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("missing ", KindWord(kind), ": ", ns_, "/", name));
    }
    return &cache_.emplace(key, **std::move(read)).first->second;
  }

  // FailedPrecondition `missing <kind> key: <ns>/<name>/<key>` when the
  // object lacks the key.
  absl::StatusOr<const std::string*> Value(api::Dependency::Kind kind, const std::string& name,
                                           const std::string& key) {
    RUNE_ASSIGN_OR_RETURN(const Data* data, Object(kind, name));
    auto it = data->find(key);
    if (it == data->end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("missing ", KindWord(kind), " key: ", ns_, "/", name, "/", key));
    }
    return &it->second;
  }

  std::string Describe(api::Dependency::Kind kind, absl::string_view name,
                       absl::string_view key) const {
    return absl::StrCat(KindWord(kind), " key ", ns_, "/", name, "/", key);
  }

 private:
  const std::string ns_;
  const DataReader& secrets_;
  const DataReader& configmaps_;
  std::map<std::pair<int, std::string>, Data> cache_;
};

// Collects variables level by level; a later Set of the same name replaces
// the value and moves the variable to the later position.
class EnvBuilder {
 public:
  void Set(const std::string& name, std::string value) {
    vars_[name] = {next_++, std::move(value)};
  }

  std::vector<std::string> Finish() const {
    std::vector<std::pair<int, std::string>> ordered;
    ordered.reserve(vars_.size());
    for (const auto& [name, entry] : vars_) {
      ordered.emplace_back(entry.first, absl::StrCat(name, "=", entry.second));
    }
    std::sort(ordered.begin(), ordered.end());
    std::vector<std::string> out;
    out.reserve(ordered.size());
    for (auto& [seq, line] : ordered) out.push_back(std::move(line));
    return out;
  }

 private:
  std::map<std::string, std::pair<int, std::string>> vars_;
  int next_ = 0;
};

// `my-db` → `MY_DB` (built-in service and port names).
std::string BuiltinPart(absl::string_view name) {
  std::string out = absl::AsciiStrToUpper(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

void AddServiceBuiltins(EnvBuilder& env, absl::string_view ns, absl::string_view name,
                        const api::ServiceSpec* spec) {
  const std::string svc = BuiltinPart(name);
  env.Set(absl::StrCat(svc, "_SERVICE_HOST"), absl::StrCat(name, ".", ns, ".rune"));
  if (spec == nullptr || spec->ports().empty()) return;
  env.Set(absl::StrCat(svc, "_SERVICE_PORT"), absl::StrCat(spec->ports(0).port()));
  for (const api::ServicePort& port : spec->ports()) {
    env.Set(absl::StrCat(svc, "_SERVICE_PORT_", BuiltinPart(port.name())),
            absl::StrCat(port.port()));
  }
}

// `value` with every `{{ … }}` replaced by the value it references.
absl::StatusOr<std::string> SubstituteReferences(const std::string& var, const std::string& value,
                                                 Objects& objects) {
  // Shortest `{{ … }}` from the leftmost `{{`, exactly what
  // ParseEnvReferences takes as one reference.
  static const RE2* const kReference = new RE2(R"((?s)\{\{.*?\}\})");
  const re2::StringPiece input(value);
  re2::StringPiece match;
  std::string out;
  size_t pos = 0;
  while (pos < value.size() &&
         kReference->Match(input, pos, value.size(), RE2::UNANCHORED, &match, 1)) {
    const size_t start = static_cast<size_t>(match.data() - value.data());
    out.append(value, pos, start - pos);
    const absl::string_view raw(match.data(), match.size());
    absl::StatusOr<std::vector<common::spec::EnvReference>> refs =
        common::spec::ParseEnvReferences(raw, objects.ns());
    if (!refs.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("env ", var, ": ", refs.status().message()));
    }
    if (refs->size() != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("env ", var, ": unsupported reference \"", raw, "\""));
    }
    const common::spec::EnvReference& ref = refs->front();
    RUNE_ASSIGN_OR_RETURN(const std::string* referenced,
                          objects.Value(ref.kind, ref.name, ref.key));
    if (referenced->find('\0') != std::string::npos) {
      return absl::FailedPreconditionError(
          absl::StrCat(objects.Describe(ref.kind, ref.name, ref.key), ": ", kNulReason));
    }
    out.append(*referenced);
    pos = start + match.size();
  }
  out.append(value, pos, std::string::npos);
  return out;
}

absl::StatusOr<std::vector<runner::MountFile>> MountFiles(
    Objects& objects, api::Dependency::Kind kind, const std::string& name,
    const google::protobuf::RepeatedPtrField<api::KeyToPath>& items, uint32_t mode) {
  RUNE_ASSIGN_OR_RETURN(const Data* data, objects.Object(kind, name));
  std::vector<runner::MountFile> files;
  if (items.empty()) {
    for (const auto& [key, value] : *data) files.push_back({key, value, mode});
    return files;
  }
  for (const api::KeyToPath& item : items) {
    RUNE_ASSIGN_OR_RETURN(const std::string* value, objects.Value(kind, name, item.key()));
    files.push_back({item.path(), *value, mode});
  }
  return files;
}

}  // namespace

std::string EnvVarName(absl::string_view prefix, absl::string_view key) {
  std::string name(prefix);
  name.reserve(prefix.size() + key.size() + 1);
  for (char c : key) {
    const char upper = absl::ascii_toupper(static_cast<unsigned char>(c));
    const bool keep = (upper >= 'A' && upper <= 'Z') || absl::ascii_isdigit(upper) || upper == '_';
    name.push_back(keep ? upper : '_');
  }
  if (!name.empty() && absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) {
    name.insert(name.begin(), '_');
  }
  return name;
}

absl::StatusOr<std::vector<std::string>> ResolveEnvironment(const api::ServiceSpec& spec,
                                                            const InstanceIdentity& instance,
                                                            const DataReader& secrets,
                                                            const DataReader& configmaps,
                                                            const ServiceLookup& services) {
  const std::string ns = EffectiveNs(instance.ns, spec.namespace_());
  const std::string service = instance.service.empty() ? spec.name() : instance.service;
  Objects objects(ns, secrets, configmaps);
  EnvBuilder env;

  for (const api::EnvFromSource& source : spec.env_from()) {
    const api::Dependency::Kind kind =
        source.has_secret_ref() ? api::Dependency::SECRET : api::Dependency::CONFIGMAP;
    const std::string& name = source.has_secret_ref() ? source.secret_ref() : source.config_ref();
    RUNE_ASSIGN_OR_RETURN(const Data* data, objects.Object(kind, name));
    for (const auto& [key, value] : *data) {
      if (value.find('\0') != std::string::npos) {
        return absl::FailedPreconditionError(
            absl::StrCat(objects.Describe(kind, name, key), ": ", kNulReason));
      }
      env.Set(EnvVarName(source.prefix(), key), value);
    }
  }

  const std::map<std::string, std::string> literal(spec.env().begin(), spec.env().end());
  for (const auto& [var, value] : literal) {
    if (value.find('\0') != std::string::npos) {
      return absl::FailedPreconditionError(absl::StrCat("env ", var, ": ", kNulReason));
    }
    RUNE_ASSIGN_OR_RETURN(std::string resolved, SubstituteReferences(var, value, objects));
    env.Set(var, std::move(resolved));
  }

  env.Set("RUNE_SERVICE_NAME", service);
  env.Set("RUNE_SERVICE_NAMESPACE", ns);
  env.Set("RUNE_INSTANCE_ID", instance.id);
  env.Set("RUNE_INSTANCE_NAME", instance.name);
  env.Set("RUNE_INSTANCE_ORDINAL", absl::StrCat(instance.ordinal));
  for (const api::Dependency& dep : spec.dependencies()) {
    if (dep.kind() != api::Dependency::SERVICE) continue;
    const std::string dep_ns = EffectiveNs(dep.namespace_(), ns);
    absl::StatusOr<std::optional<api::ServiceSpec>> found = services(dep_ns, dep.name());
    if (!found.ok()) {
      return absl::Status(found.status().code(),
                          absl::StrCat("reading service ", dep_ns, "/", dep.name(), ": ",
                                       found.status().message()));
    }
    AddServiceBuiltins(env, dep_ns, dep.name(), found->has_value() ? &**found : nullptr);
  }
  // Last, so a dependency of the same name in another namespace cannot
  // shadow the service's own variables.
  AddServiceBuiltins(env, ns, service, &spec);
  return env.Finish();
}

absl::StatusOr<std::vector<runner::Mount>> ResolveMounts(const api::ServiceSpec& spec,
                                                         const DataReader& secrets,
                                                         const DataReader& configmaps) {
  Objects objects(EffectiveNs(spec.namespace_(), ""), secrets, configmaps);
  std::vector<runner::Mount> mounts;
  for (const api::SecretMount& m : spec.secret_mounts()) {
    const std::string& name = m.secret_name().empty() ? m.name() : m.secret_name();
    RUNE_ASSIGN_OR_RETURN(std::vector<runner::MountFile> files,
                          MountFiles(objects, api::Dependency::SECRET, name, m.items(), 0400));
    mounts.push_back({m.mount_path(), std::move(files)});
  }
  for (const api::ConfigMount& m : spec.config_mounts()) {
    const std::string& name = m.config_name().empty() ? m.name() : m.config_name();
    RUNE_ASSIGN_OR_RETURN(std::vector<runner::MountFile> files,
                          MountFiles(objects, api::Dependency::CONFIGMAP, name, m.items(), 0444));
    mounts.push_back({m.mount_path(), std::move(files)});
  }
  return mounts;
}

}  // namespace rune::daemon
