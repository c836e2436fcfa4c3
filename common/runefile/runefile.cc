#include "common/runefile/runefile.h"

#include <functional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/duration.h"
#include "common/yaml/node.h"

namespace rune::common {
namespace {

using yaml::Node;

// Old (documentation) spellings and where they moved. Exact paths first;
// prefix rules rename the remaining key ('-' → '_' unless listed).
struct Rename {
  const char* from;
  const char* to;
};

constexpr Rename kExactRenames[] = {
    {"server.grpc-addr", "server.grpc_address"},
    {"server.http-addr", "server.http_address"},
    {"server.data-dir", "data_dir"},
    {"server.log-level", "log.level"},
    {"server.log-format", "log.format"},
    {"auth.tls.cert-file", "server.tls.cert_file"},
    {"auth.tls.key-file", "server.tls.key_file"},
    {"crypto.kek.file-path", "secret.encryption.kek.file"},
    {"crypto.kek.env-var", "secret.encryption.kek.env"},
    {"crypto.kek.generate-if-missing", "secret.encryption.kek.generate_if_missing"},
    {"storage.secret-limits.max-keys-per-secret", "secret.limits.max_keys"},
    {"storage.secret-limits.max-value-size", "secret.limits.max_value_bytes"},
    {"runner.process.enabled", "process.enabled"},
    {"registries", "docker.registries"},
};

constexpr Rename kPrefixRenames[] = {
    {"auth.tls.", "server.tls."},
    {"crypto.kek.", "secret.encryption.kek."},
    {"runner.docker.", "docker."},
};

// Registry entries written with the old key names.
constexpr Rename kRegistryKeyRenames[] = {
    {"server", "registry"},
    {"password-file", "password_file"},
    {"token-file", "token_file"},
    {"from-secret", "from_secret"},
};

std::string Suggestion(const std::string& path) {
  for (const Rename& r : kExactRenames) {
    if (path == r.from) return r.to;
  }
  for (const Rename& r : kPrefixRenames) {
    if (absl::StartsWith(path, r.from)) {
      return absl::StrCat(r.to, absl::StrReplaceAll(path.substr(strlen(r.from)), {{"-", "_"}}));
    }
  }
  return "";
}

// True when old spellings exist below `path` (so its children are reported
// one by one, each with its own hint).
bool HasRenamesBelow(const std::string& path) {
  const std::string prefix = path + ".";
  for (const Rename& r : kExactRenames) {
    if (absl::StartsWith(r.from, prefix)) return true;
  }
  for (const Rename& r : kPrefixRenames) {
    if (absl::StartsWith(r.from, prefix) || r.from == prefix) return true;
  }
  return false;
}

class Decoder {
 public:
  explicit Decoder(std::vector<RunefileFinding>* findings) : findings_(findings) {}

  void Add(const Node& at, const std::string& path, std::string message, std::string rule,
           std::string hint = "") {
    findings_->push_back({at.mark.line, at.mark.column, path, std::move(message), std::move(hint),
                          std::move(rule)});
  }

  void Unknown(const Node& key, const Node& value, const std::string& path) {
    if (HasRenamesBelow(path) && value.IsMapping()) {
      for (const auto& [k, v] : value.entries) Unknown(k, v, absl::StrCat(path, ".", k.value));
      return;
    }
    const std::string suggestion = Suggestion(path);
    Add(key, path, absl::StrCat("unknown field \"", key.value, "\""), "unknown-field",
        suggestion.empty() ? "" : absl::StrCat("did you mean \"", suggestion, "\"?"));
  }

  using FieldFn = std::function<void(const Node& value, const std::string& path)>;

  // Decodes a mapping whose known keys are `fields`; reports the others.
  void Mapping(const Node& node, const std::string& path,
               const std::vector<std::pair<std::string, FieldFn>>& fields) {
    if (node.IsNull()) return;
    if (!node.IsMapping()) {
      Add(node, path, absl::StrCat("expected a mapping, got ", node.KindName()), "type");
      return;
    }
    for (const auto& [key, value] : node.entries) {
      if (!key.IsScalar()) {
        Add(key, path, "keys must be strings", "type");
        continue;
      }
      const std::string child = path.empty() ? key.value : absl::StrCat(path, ".", key.value);
      bool known = false;
      for (const auto& [name, fn] : fields) {
        if (name == key.value) {
          fn(value, child);
          known = true;
          break;
        }
      }
      if (!known) Unknown(key, value, child);
    }
  }

  FieldFn String(std::string* out) {
    return [this, out](const Node& v, const std::string& path) {
      if (v.IsNull()) return;
      if (!v.IsScalar()) {
        Add(v, path, absl::StrCat("expected a string, got ", v.KindName()), "type");
        return;
      }
      *out = v.value;
    };
  }

  FieldFn Enum(std::string* out, std::vector<std::string> choices) {
    return [this, out, choices](const Node& v, const std::string& path) {
      std::string value;
      String(&value)(v, path);
      if (v.IsNull() || !v.IsScalar()) return;
      for (const std::string& c : choices) {
        if (c == value) {
          *out = value;
          return;
        }
      }
      Add(v, path,
          absl::StrCat("must be one of: ", absl::StrJoin(choices, ", "), "; got \"", value, "\""),
          "enum");
    };
  }

  FieldFn Address(std::string* out, bool allow_empty) {
    return [this, out, allow_empty](const Node& v, const std::string& path) {
      std::string value;
      String(&value)(v, path);
      if (v.IsNull() || !v.IsScalar()) return;
      if ((value.empty() && allow_empty) || IsListenAddress(value)) {
        *out = value;
        return;
      }
      Add(v, path, absl::StrCat("invalid address \"", value, "\": must be [host]:port"), "type");
    };
  }

  FieldFn Bool(bool* out) {
    return [this, out](const Node& v, const std::string& path) {
      if (v.IsScalar() && v.style == yaml::ScalarStyle::kPlain && (v.value == "true" || v.value == "false")) {
        *out = v.value == "true";
        return;
      }
      Add(v, path, absl::StrCat("expected a boolean, got ", v.KindName()), "type");
    };
  }

  FieldFn Int(int64_t* out, int64_t min, int64_t max) {
    return [this, out, min, max](const Node& v, const std::string& path) {
      int64_t n;
      if (!v.IsScalar() || v.style != yaml::ScalarStyle::kPlain || !absl::SimpleAtoi(v.value, &n)) {
        Add(v, path, absl::StrCat("expected an integer, got ", v.KindName()), "type");
        return;
      }
      if (n < min || n > max) {
        Add(v, path,
            max == INT64_MAX ? absl::StrCat("must be >= ", min, ", got ", n)
                             : absl::StrCat("must be between ", min, " and ", max, ", got ", n),
            "range");
        return;
      }
      *out = n;
    };
  }

  FieldFn Duration(absl::Duration* out) {
    return [this, out](const Node& v, const std::string& path) {
      std::string value;
      String(&value)(v, path);
      if (v.IsNull() || !v.IsScalar()) return;
      absl::StatusOr<absl::Duration> d = ParseDuration(value);
      if (!d.ok()) {
        Add(v, path, absl::StrCat("invalid duration \"", value, "\""), "type");
        return;
      }
      *out = *d;
    };
  }

  FieldFn Limits(RunefileLimits* out) {
    return [this, out](const Node& v, const std::string& path) {
      Mapping(v, path,
              {{"max_keys", Int(&out->max_keys, 1, INT64_MAX)},
               {"max_value_bytes", Int(&out->max_value_bytes, 1, INT64_MAX)},
               {"max_total_bytes", Int(&out->max_total_bytes, 1, INT64_MAX)}});
    };
  }

  FieldFn Registries(std::vector<RunefileRegistry>* out) {
    return [this, out](const Node& v, const std::string& path) {
      if (v.IsNull()) return;
      if (!v.IsSequence()) {
        Add(v, path, absl::StrCat("expected a list, got ", v.KindName()), "type");
        return;
      }
      for (size_t i = 0; i < v.items.size(); ++i) {
        RunefileRegistry r;
        const std::string item = absl::StrCat(path, "[", i, "]");
        RegistryEntry(v.items[i], item, &r);
        out->push_back(std::move(r));
      }
    };
  }

 private:
  void RegistryEntry(const Node& node, const std::string& path, RunefileRegistry* r) {
    if (!node.IsMapping()) {
      Add(node, path, absl::StrCat("expected a mapping, got ", node.KindName()), "type");
      return;
    }
    const std::vector<std::pair<std::string, FieldFn>> fields = {
        {"name", String(&r->name)},
        {"registry", String(&r->registry)},
        {"type", Enum(&r->type, {"basic", "token", "ecr", "dockerconfigjson"})},
        {"username", String(&r->username)},
        {"password", String(&r->password)},
        {"password_file", String(&r->password_file)},
        {"token", String(&r->token)},
        {"token_file", String(&r->token_file)},
        {"region", String(&r->region)},
        {"from_secret", String(&r->from_secret)},
    };
    for (const auto& [key, value] : node.entries) {
      const std::string child = absl::StrCat(path, ".", key.value);
      bool known = false;
      for (const auto& [name, fn] : fields) {
        if (name == key.value) {
          fn(value, child);
          known = true;
        }
      }
      if (known) continue;
      std::string hint;
      for (const Rename& rename : kRegistryKeyRenames) {
        if (key.value == rename.from) hint = absl::StrCat("did you mean \"", path, ".", rename.to, "\"?");
      }
      Add(key, child, absl::StrCat("unknown field \"", key.value, "\""), "unknown-field", hint);
    }
  }

  std::vector<RunefileFinding>* findings_;
};

}  // namespace

const std::vector<std::string>& RunefileTopLevelKeys() {
  static const auto* const kKeys = new std::vector<std::string>{
      "server", "data_dir", "log", "auth", "secret", "config", "docker",
      "process", "orchestrator", "logs", "store", "limits"};
  return *kKeys;
}

bool IsListenAddress(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view host = address.substr(0, colon);
  absl::string_view port = address.substr(colon + 1);
  int p;
  if (port.empty() || !absl::SimpleAtoi(port, &p) || p < 0 || p > 65535) return false;
  for (char c : port) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  if (absl::StartsWith(host, "[")) return absl::EndsWith(host, "]") && host.size() > 2;
  for (char c : host) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '-')) return false;
  }
  return true;
}

RunefileResult ParseRunefile(absl::string_view text) {
  RunefileResult result;
  yaml::Mark mark;
  absl::StatusOr<std::vector<yaml::Document>> docs = yaml::ParseDocuments(text, &mark);
  if (!docs.ok()) {
    result.findings.push_back(
        {mark.line, mark.column, "", std::string(docs.status().message()), "", "yaml-syntax"});
    return result;
  }
  std::vector<const Node*> roots;
  for (const yaml::Document& doc : *docs) {
    if (!doc.empty) roots.push_back(&doc.root);
  }
  if (roots.empty()) return result;
  if (roots.size() > 1) {
    result.findings.push_back({roots[1]->mark.line, roots[1]->mark.column, "",
                               "a runefile holds a single YAML document", "", "yaml-syntax"});
    return result;
  }
  Runefile& r = result.runefile;
  Decoder d(&result.findings);
  using Fields = std::vector<std::pair<std::string, Decoder::FieldFn>>;
  const auto sub = [&d](Fields fields) {
    return [&d, fields](const Node& v, const std::string& path) { d.Mapping(v, path, fields); };
  };
  d.Mapping(
      *roots[0], "",
      {
          {"server",
           sub({{"grpc_address", d.Address(&r.server.grpc_address, false)},
                {"http_address", d.Address(&r.server.http_address, true)},
                {"tls", sub({{"enabled", d.Bool(&r.server.tls.enabled)},
                             {"cert_file", d.String(&r.server.tls.cert_file)},
                             {"key_file", d.String(&r.server.tls.key_file)},
                             {"ca_file", d.String(&r.server.tls.ca_file)}})},
                {"reflection", d.Bool(&r.server.reflection)},
                {"shutdown_timeout", d.Duration(&r.server.shutdown_timeout)}})},
          {"data_dir", d.String(&r.data_dir)},
          {"log", sub({{"level", d.Enum(&r.log.level, {"debug", "info", "warn", "error"})},
                       {"format", d.Enum(&r.log.format, {"text", "json"})}})},
          {"auth", sub({{"enabled", d.Bool(&r.auth.enabled)},
                        {"allow_remote_admin", d.Bool(&r.auth.allow_remote_admin)},
                        {"max_failed_attempts_per_minute",
                         d.Int(&r.auth.max_failed_attempts_per_minute, 1, INT64_MAX)}})},
          {"secret",
           sub({{"encryption",
                 sub({{"kek", sub({{"source", d.Enum(&r.kek.source, {"file", "env", "generated"})},
                                   {"file", d.String(&r.kek.file)},
                                   {"env", d.String(&r.kek.env)},
                                   {"generate_if_missing", d.Bool(&r.kek.generate_if_missing)}})}})},
                {"limits", d.Limits(&r.secret_limits)}})},
          {"config", sub({{"limits", d.Limits(&r.config_limits)}})},
          {"docker",
           sub({{"enabled", d.Bool(&r.docker.enabled)},
                {"socket", d.String(&r.docker.socket)},
                {"api_version", d.String(&r.docker.api_version)},
                {"fallback_api_version", d.String(&r.docker.fallback_api_version)},
                {"negotiation_timeout_seconds", d.Int(&r.docker.negotiation_timeout_seconds, 1, 300)},
                {"network", d.String(&r.docker.network)},
                {"registries", d.Registries(&r.docker.registries)}})},
          {"process", sub({{"enabled", d.Bool(&r.process_enabled)}})},
          {"orchestrator",
           sub({{"resync_interval", d.Duration(&r.orchestrator.resync_interval)},
                {"progress_deadline", d.Duration(&r.orchestrator.progress_deadline)},
                {"stop_grace_period", d.Duration(&r.orchestrator.stop_grace_period)},
                {"max_parallel_starts", d.Int(&r.orchestrator.max_parallel_starts, 1, 1024)}})},
          {"logs", sub({{"max_bytes_per_instance", d.Int(&r.logs.max_bytes_per_instance, 4096, INT64_MAX)},
                        {"retain_deleted", d.Duration(&r.logs.retain_deleted)}})},
          {"store", sub({{"history_limit", d.Int(&r.store.history_limit, 1, 1000)},
                         {"max_size", d.Int(&r.store.max_size, 1 << 20, INT64_MAX)}})},
          {"limits", sub({{"max_scale", d.Int(&r.max_scale, 1, 100000)}})},
      });
  return result;
}

}  // namespace rune::common
