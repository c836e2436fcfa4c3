#include "common/spec/decode.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/duration.h"

namespace rune::common::spec::internal {
namespace {

using yaml::Node;

constexpr char kTagPrefix[] = "tag:yaml.org,2002:";

enum class ScalarKind { kNull, kBool, kInt, kFloat, kString };

bool IsIntText(absl::string_view v) {
  absl::string_view s = v;
  if (absl::ConsumePrefix(&s, "0x")) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isxdigit(c); });
  }
  if (absl::ConsumePrefix(&s, "0o")) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '7'; });
  }
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

bool IsFloatText(absl::string_view v) {
  static constexpr absl::string_view kSpecial[] = {".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF",
                                                   "+.inf", "+.Inf", "+.INF", ".nan", ".NaN", ".NAN"};
  for (absl::string_view s : kSpecial) {
    if (v == s) return true;
  }
  absl::string_view s = v;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  size_t i = 0;
  size_t digits = 0;
  while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp = 0;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == s.size();
}

ScalarKind Classify(const Node& n) {
  if (n.tag == "!" || n.tag == absl::StrCat(kTagPrefix, "str")) return ScalarKind::kString;
  if (n.style != yaml::ScalarStyle::kPlain) return ScalarKind::kString;
  if (n.IsNull()) return ScalarKind::kNull;
  if (n.value == "true" || n.value == "false") return ScalarKind::kBool;
  if (IsIntText(n.value)) return ScalarKind::kInt;
  if (IsFloatText(n.value)) return ScalarKind::kFloat;
  return ScalarKind::kString;
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// YAML 1.1 spellings of booleans that `rune lint --fix` rewrites.
bool IsLegacyBool(const Node& n) {
  if (n.style != yaml::ScalarStyle::kPlain || !n.tag.empty()) return false;
  const std::string lower = absl::AsciiStrToLower(n.value);
  return lower == "yes" || lower == "no" || lower == "on" || lower == "off" || lower == "true" ||
         lower == "false";
}

class Decoder {
 public:
  using FieldFn = std::function<void(const Node& value, const std::string& path)>;
  using Fields = std::vector<std::pair<std::string, FieldFn>>;

  explicit Decoder(Decoded* out) : out_(out) {}

  void Error(const Node& at, const std::string& path, std::string reason, const char* rule,
             std::string hint = "", bool fixable = false) {
    Violation v;
    v.path = path;
    v.reason = std::move(reason);
    v.mark = at.mark;
    v.rule = rule;
    v.hint = std::move(hint);
    v.fixable = fixable;
    out_->violations.push_back(std::move(v));
  }

  void Warning(const Node& at, const std::string& path, std::string reason, const char* rule,
               std::string hint, bool fixable) {
    Error(at, path, std::move(reason), rule, std::move(hint), fixable);
    out_->violations.back().warning = true;
  }

  void Mark(const std::string& path, const Node& node) { out_->marks.emplace(path, node.mark); }

  void TypeError(const Node& n, const std::string& path, const char* expected) {
    Error(n, path, absl::StrCat("expected ", expected, ", got ", NodeKind(n)), "type");
  }

  // False (after reporting) when the node carries a tag outside the core schema.
  bool TagOk(const Node& n, const std::string& path) {
    if (n.tag.empty() || IsCoreTag(n.tag)) return true;
    Error(n, path, absl::StrCat("unsupported tag \"", n.tag, "\""), "type",
          "only the YAML core schema tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) "
          "are allowed");
    return false;
  }

  // The node as a present value: false for null (absent) and bad tags.
  bool Present(const Node& n, const std::string& path) {
    if (!TagOk(n, path)) return false;
    return !(n.IsScalar() && Classify(n) == ScalarKind::kNull);
  }

  // Decodes a mapping whose known keys are `fields`. `legacy` maps old key
  // names to their replacements (reported as unknown with a fixable hint).
  void Mapping(const Node& n, const std::string& path, const Fields& fields,
               const std::vector<std::pair<std::string, std::string>>& legacy = {},
               bool object_root = false) {
    if (!Present(n, path)) return;
    if (!n.IsMapping()) {
      TypeError(n, path, "a mapping");
      return;
    }
    std::set<std::string> seen;
    for (const auto& [key, value] : n.entries) {
      if (!TagOk(key, path)) continue;
      if (!key.IsScalar()) {
        TypeError(key, path, "a string");
        continue;
      }
      if (!seen.insert(key.value).second) {
        Error(key, path, absl::StrCat("duplicate key \"", key.value, "\""), "duplicate");
        continue;
      }
      const std::string child = absl::StrCat(path, ".", key.value);
      const FieldFn* fn = nullptr;
      for (const auto& [name, f] : fields) {
        if (name == key.value) fn = &f;
      }
      if (fn != nullptr) {
        Mark(child, value);
        (*fn)(value, child);
        continue;
      }
      if (object_root && (key.value == "metadata" || key.value == "status")) continue;
      std::string hint;
      for (const auto& [old_name, new_name] : legacy) {
        if (old_name == key.value) hint = absl::StrCat("use \"", new_name, "\" instead");
      }
      Error(key, path, absl::StrCat("unknown field \"", key.value, "\""), "unknown-field", hint,
            !hint.empty());
    }
  }

  // Each item of a list (null = empty).
  void List(const Node& n, const std::string& path,
            const std::function<void(const Node& item, const std::string& item_path)>& fn) {
    if (!Present(n, path)) return;
    if (!n.IsSequence()) {
      TypeError(n, path, "a list");
      return;
    }
    for (size_t i = 0; i < n.items.size(); ++i) {
      const std::string item = absl::StrCat(path, "[", i, "]");
      Mark(item, n.items[i]);
      fn(n.items[i], item);
    }
  }

  // Any scalar as text (numbers and booleans as written).
  bool Scalar(const Node& n, const std::string& path, std::string* out) {
    if (!Present(n, path)) return false;
    if (!n.IsScalar()) {
      TypeError(n, path, "a string");
      return false;
    }
    if (!IsValidUtf8(n.value)) {
      Error(n, path, "invalid UTF-8", "type");
      return false;
    }
    *out = n.value;
    return true;
  }

  FieldFn String(std::string* out) {
    return [this, out](const Node& n, const std::string& path) { Scalar(n, path, out); };
  }

  // A value that must be a string in YAML terms (secret/configmap data).
  bool StrictString(const Node& n, const std::string& path, std::string* out) {
    if (!TagOk(n, path)) return false;
    if (!n.IsScalar() || Classify(n) != ScalarKind::kString) {
      TypeError(n, path, "a string");
      return false;
    }
    if (!IsValidUtf8(n.value)) {
      Error(n, path, "invalid UTF-8", "type");
      return false;
    }
    *out = n.value;
    return true;
  }

  bool Int(const Node& n, const std::string& path, int32_t* out) {
    if (!Present(n, path)) return false;
    if (!n.IsScalar() || Classify(n) != ScalarKind::kInt) {
      TypeError(n, path, "an integer");
      return false;
    }
    int64_t v = 0;
    absl::string_view text = n.value;
    bool ok;
    if (absl::ConsumePrefix(&text, "0x")) {
      uint64_t u = 0;
      ok = text.size() <= 15 && absl::SimpleHexAtoi(text, &u);
      v = static_cast<int64_t>(u);
    } else if (absl::ConsumePrefix(&text, "0o")) {
      ok = text.size() <= 20;
      for (char c : text) v = v * 8 + (c - '0');
    } else {
      ok = absl::SimpleAtoi(text, &v);
    }
    if (!ok || v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      Error(n, path,
            absl::StrCat("must be between ", std::numeric_limits<int32_t>::min(), " and ",
                         std::numeric_limits<int32_t>::max(), ", got ", n.value),
            "range");
      return false;
    }
    *out = static_cast<int32_t>(v);
    return true;
  }

  FieldFn IntField(std::function<void(int32_t)> set) {
    return [this, set](const Node& n, const std::string& path) {
      int32_t v;
      if (Int(n, path, &v)) set(v);
    };
  }

  bool Bool(const Node& n, const std::string& path, bool* out) {
    if (!Present(n, path)) return false;
    if (n.IsScalar() && Classify(n) == ScalarKind::kBool) {
      *out = n.value == "true";
      return true;
    }
    if (n.IsScalar() && IsLegacyBool(n)) {
      Error(n, path, absl::StrCat("expected a boolean, got ", NodeKind(n)), "type",
            "YAML 1.2 booleans are true and false only", true);
      return false;
    }
    TypeError(n, path, "a boolean");
    return false;
  }

  FieldFn BoolField(std::function<void(bool)> set) {
    return [this, set](const Node& n, const std::string& path) {
      bool b = false;
      if (Bool(n, path, &b)) set(b);
    };
  }

  // One of `choices` (compared case-insensitively when `fold`); returns the
  // index or -1.
  int Enum(const Node& n, const std::string& path, const std::vector<std::string>& choices,
           bool fold) {
    std::string v;
    if (!Scalar(n, path, &v)) return -1;
    for (size_t i = 0; i < choices.size(); ++i) {
      if (fold ? absl::EqualsIgnoreCase(v, choices[i]) : v == choices[i]) return static_cast<int>(i);
    }
    Error(n, path,
          absl::StrCat("must be one of: ", absl::StrJoin(choices, ", "), "; got \"", v, "\""), "enum");
    return -1;
  }

  FieldFn StringList(google::protobuf::RepeatedPtrField<std::string>* out) {
    return [this, out](const Node& n, const std::string& path) {
      List(n, path, [this, out](const Node& item, const std::string& item_path) {
        std::string v;
        if (Scalar(item, item_path, &v)) {
          *out->Add() = std::move(v);
        } else if (item.IsScalar() && Classify(item) == ScalarKind::kNull) {
          TypeError(item, item_path, "a string");
        }
      });
    };
  }

  // A string → string map; scalar values stringified, null → "".
  FieldFn StringMap(google::protobuf::Map<std::string, std::string>* out) {
    return [this, out](const Node& n, const std::string& path) {
      if (!Present(n, path)) return;
      if (!n.IsMapping()) {
        TypeError(n, path, "a mapping");
        return;
      }
      for (const auto& [key, value] : n.entries) {
        if (!TagOk(key, path)) continue;
        if (!key.IsScalar() || Classify(key) == ScalarKind::kNull) {
          TypeError(key, path, "a string");
          continue;
        }
        const std::string child = absl::StrCat(path, ".", key.value);
        if (out->count(key.value) != 0) {
          Error(key, child, absl::StrCat("duplicate key \"", key.value, "\""), "duplicate");
          continue;
        }
        Mark(child, value);
        if (!TagOk(value, child)) continue;
        std::string v;
        if (value.IsScalar() && Classify(value) == ScalarKind::kNull) {
          (*out)[key.value] = "";
        } else if (Scalar(value, child, &v)) {
          (*out)[key.value] = std::move(v);
        }
      }
    };
  }

  Decoded* out() { return out_; }

 private:
  Decoded* out_;
};

// ---------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------

void DecodeProbe(Decoder& d, const Node& n, const std::string& path, api::Probe* p) {
  d.Mapping(
      n, path,
      {
          {"type",
           [&](const Node& v, const std::string& f) {
             const int i = d.Enum(v, f, {"http", "tcp", "exec"}, false);
             if (i >= 0) p->set_type(static_cast<api::Probe::Type>(i + 1));
           }},
          {"path", d.String(p->mutable_path())},
          {"port", d.String(p->mutable_port())},
          {"scheme",
           [&](const Node& v, const std::string& f) {
             const int i = d.Enum(v, f, {"http", "https"}, false);
             if (i >= 0) p->set_scheme(static_cast<api::Probe::Scheme>(i + 1));
           }},
          {"headers", d.StringMap(p->mutable_headers())},
          {"command", d.StringList(p->mutable_command())},
          {"initialDelaySeconds", d.IntField([p](int32_t v) { p->set_initial_delay_seconds(v); })},
          {"intervalSeconds", d.IntField([p](int32_t v) { p->set_interval_seconds(v); })},
          {"timeoutSeconds", d.IntField([p](int32_t v) { p->set_timeout_seconds(v); })},
          {"failureThreshold", d.IntField([p](int32_t v) { p->set_failure_threshold(v); })},
          {"successThreshold", d.IntField([p](int32_t v) { p->set_success_threshold(v); })},
      },
      {{"interval", "intervalSeconds"},
       {"periodSeconds", "intervalSeconds"},
       {"timeout", "timeoutSeconds"},
       {"initialDelay", "initialDelaySeconds"}});
}

void DecodeDependency(Decoder& d, const Node& n, const std::string& path, api::Dependency* dep) {
  if (!d.TagOk(n, path)) return;
  if (n.IsScalar() && Classify(n) == ScalarKind::kNull) {
    d.TypeError(n, path, "a mapping");
    return;
  }
  if (n.IsScalar()) {
    std::string text;
    if (!d.Scalar(n, path, &text)) return;
    if (!ParseDependencyString(text, dep)) {
      d.Error(n, path, absl::StrCat("invalid dependency \"", text, "\""), "reference",
              "write <name>, <name>.<namespace>, service:<name>, secret:<name>, configmap:<name> "
              "or rune://<kind>/<namespace>/<name>");
    }
    d.Mark(path + ".name", n);
    return;
  }
  int kinds = 0;
  const auto kind = [&](api::Dependency::Kind k) {
    return [&d, &kinds, dep, k, path](const Node& v, const std::string& f) {
      ++kinds;
      if (kinds > 1) {
        d.Error(v, path, "exactly one of service, secret or configmap is required", "conflict");
        return;
      }
      dep->set_kind(k);
      d.Mark(path + ".name", v);
      d.Scalar(v, f, dep->mutable_name());
    };
  };
  d.Mapping(n, path,
            {
                {"service", kind(api::Dependency::SERVICE)},
                {"name", kind(api::Dependency::SERVICE)},
                {"secret", kind(api::Dependency::SECRET)},
                {"configmap", kind(api::Dependency::CONFIGMAP)},
                {"namespace", d.String(dep->mutable_namespace_())},
                {"readyWhen",
                 [&](const Node& v, const std::string& f) {
                   const int i = d.Enum(v, f, {"running", "healthy", "started"}, false);
                   if (i >= 0) dep->set_ready_when(static_cast<api::Dependency::ReadyWhen>(i + 1));
                 }},
                {"timeoutSeconds", d.IntField([dep](int32_t v) { dep->set_timeout_seconds(v); })},
                {"optional",
                 [&](const Node& v, const std::string& f) {
                   bool b = false;
                   if (d.Bool(v, f, &b)) dep->set_optional(b);
                 }},
            });
}

void DecodeEnvFrom(Decoder& d, const Node& n, const std::string& path, api::EnvFromSource* e) {
  if (!d.TagOk(n, path)) return;
  if (n.IsScalar() && Classify(n) == ScalarKind::kNull) {
    d.TypeError(n, path, "a mapping");
    return;
  }
  if (n.IsScalar()) {
    std::string text;
    if (!d.Scalar(n, path, &text)) return;
    absl::string_view rest = text;
    if (absl::ConsumePrefix(&rest, "secret:")) {
      e->set_secret_ref(std::string(rest));
      d.Mark(path + ".secretRef", n);
    } else if (absl::ConsumePrefix(&rest, "configmap:")) {
      e->set_config_ref(std::string(rest));
      d.Mark(path + ".configRef", n);
    } else {
      d.Error(n, path, absl::StrCat("invalid envFrom entry \"", text, "\""), "type",
              "write secret:<name>, configmap:<name> or a mapping with secretRef or configRef");
    }
    return;
  }
  int sources = 0;
  const auto source = [&](bool secret) {
    return [&d, &sources, e, secret, path](const Node& v, const std::string& f) {
      if (++sources > 1) {
        d.Error(v, path, "exactly one of secretRef or configRef is required", "conflict");
        return;
      }
      std::string name;
      d.Scalar(v, f, &name);
      const std::string canonical = path + (secret ? ".secretRef" : ".configRef");
      d.Mark(canonical, v);
      if (secret) {
        e->set_secret_ref(name);
      } else {
        e->set_config_ref(name);
      }
    };
  };
  d.Mapping(n, path,
            {
                {"secretRef", source(true)},
                {"secret", source(true)},
                {"configRef", source(false)},
                {"configmap", source(false)},
                {"configmapRef", source(false)},
                {"prefix", d.String(e->mutable_prefix())},
            });
}

Decoder::FieldFn Items(Decoder& d, google::protobuf::RepeatedPtrField<api::KeyToPath>* items) {
  return [&d, items](const Node& n, const std::string& path) {
    d.List(n, path, [&d, items](const Node& item, const std::string& ip) {
      api::KeyToPath* k = items->Add();
      d.Mapping(item, ip, {{"key", d.String(k->mutable_key())}, {"path", d.String(k->mutable_path())}});
    });
  };
}

void DecodeConfigMounts(Decoder& d, const Node& n, const std::string& path, api::ServiceSpec* s) {
  // Items keep the canonical path (configMounts[i]) whatever key they came from.
  const std::string base = "service.configMounts";
  if (!d.Present(n, path)) return;
  if (!n.IsSequence()) {
    d.TypeError(n, path, "a list");
    return;
  }
  for (const Node& item : n.items) {
    const std::string ip = absl::StrCat(base, "[", s->config_mounts_size(), "]");
    d.Mark(ip, item);
    api::ConfigMount* m = s->add_config_mounts();
    d.Mapping(item, ip,
              {
                  {"name", d.String(m->mutable_name())},
                  {"configName", d.String(m->mutable_config_name())},
                  {"configmapName",
                   [&d, m, ip](const Node& v, const std::string& f) {
                     d.Mark(ip + ".configName", v);
                     d.Scalar(v, f, m->mutable_config_name());
                   }},
                  {"mountPath", d.String(m->mutable_mount_path())},
                  {"items", Items(d, m->mutable_items())},
              });
    if (!item.IsMapping()) continue;
    for (const auto& [key, value] : item.entries) {
      if (key.IsScalar() && key.value == "configmapName") {
        d.Warning(key, ip + ".configmapName", "\"configmapName\" is deprecated; use \"configName\"",
                  "deprecated", "rename the key to configName", true);
      }
    }
  }
}

void DecodeSecurityContext(Decoder& d, const Node& n, const std::string& path,
                           api::ContainerSecurityContext* sc) {
  d.Mapping(n, path,
            {
                {"user", d.String(sc->mutable_user())},
                {"group", d.String(sc->mutable_group())},
                {"readOnlyFS", d.BoolField([sc](bool b) { sc->set_read_only_fs(b); })},
                {"capabilities",
                 [&d, sc](const Node& v, const std::string& f) {
                   if (d.Present(v, f)) sc->set_capabilities_set(true);
                   d.StringList(sc->mutable_capabilities())(v, f);
                 }},
            });
}

void DecodeProcess(Decoder& d, const Node& n, const std::string& path, api::ProcessSpec* p) {
  api::ProcessSecurityContext* sc = p->mutable_security_context();
  d.Mapping(n, path,
            {
                {"command", d.String(p->mutable_command())},
                {"args", d.StringList(p->mutable_args())},
                {"workdir", d.String(p->mutable_workdir())},
                {"securityContext",
                 [&d, sc](const Node& v, const std::string& f) {
                   d.Mapping(v, f,
                             {
                                 {"user", d.String(sc->mutable_user())},
                                 {"group", d.String(sc->mutable_group())},
                                 {"readOnlyFS", d.BoolField([sc](bool b) { sc->set_read_only_fs(b); })},
                                 {"capabilities",
                                  [&d, sc](const Node& c, const std::string& cf) {
                                    if (d.Present(c, cf)) sc->set_capabilities_set(true);
                                    d.StringList(sc->mutable_capabilities())(c, cf);
                                  }},
                                 {"allowedSyscalls", d.StringList(sc->mutable_allowed_syscalls())},
                                 {"deniedSyscalls", d.StringList(sc->mutable_denied_syscalls())},
                             });
                 }},
            });
  if (p->security_context().ByteSizeLong() == 0) p->clear_security_context();
}

void DecodePeers(Decoder& d, const Node& n, const std::string& path,
                 google::protobuf::RepeatedPtrField<api::NetworkPolicyPeer>* peers) {
  d.List(n, path, [&d, peers](const Node& item, const std::string& ip) {
    api::NetworkPolicyPeer* peer = peers->Add();
    d.Mapping(item, ip,
              {
                  {"service", d.String(peer->mutable_service())},
                  {"namespace", d.String(peer->mutable_namespace_())},
                  {"cidr", d.String(peer->mutable_cidr())},
              });
  });
}

void DecodeNetworkPolicy(Decoder& d, const Node& n, const std::string& path, api::NetworkPolicy* np) {
  d.Mapping(
      n, path,
      {
          {"ingress",
           [&d, np](const Node& v, const std::string& f) {
             d.List(v, f, [&d, np](const Node& item, const std::string& ip) {
               api::NetworkPolicyIngressRule* r = np->add_ingress();
               d.Mapping(item, ip,
                         {{"from", [&d, r](const Node& x, const std::string& xf) {
                             DecodePeers(d, x, xf, r->mutable_from());
                           }},
                          {"ports", d.StringList(r->mutable_ports())}});
             });
           }},
          {"egress",
           [&d, np](const Node& v, const std::string& f) {
             d.List(v, f, [&d, np](const Node& item, const std::string& ip) {
               api::NetworkPolicyEgressRule* r = np->add_egress();
               d.Mapping(item, ip,
                         {{"to", [&d, r](const Node& x, const std::string& xf) {
                             DecodePeers(d, x, xf, r->mutable_to());
                           }},
                          {"ports", d.StringList(r->mutable_ports())}});
             });
           }},
      });
}

void DecodeAutoscale(Decoder& d, const Node& n, const std::string& path, api::Autoscale* a) {
  d.Mapping(n, path,
            {
                {"enabled", d.BoolField([a](bool b) { a->set_enabled(b); })},
                {"min", d.IntField([a](int32_t v) { a->set_min(v); })},
                {"max", d.IntField([a](int32_t v) { a->set_max(v); })},
                {"metric",
                 [&d, a](const Node& v, const std::string& f) {
                   const int i = d.Enum(v, f, {"cpu", "memory"}, false);
                   if (i >= 0) a->set_metric(static_cast<api::Autoscale::Metric>(i + 1));
                 }},
                {"target", d.IntField([a](int32_t v) { a->set_target(v); })},
                {"cooldown",
                 [&d, a](const Node& v, const std::string& f) {
                   std::string text;
                   if (!d.Scalar(v, f, &text)) return;
                   absl::StatusOr<absl::Duration> dur = ParseDuration(text);
                   if (!dur.ok()) {
                     d.Error(v, f, absl::StrCat("invalid duration \"", text, "\""), "type",
                             "write a duration such as 30s, 5m or 1h30m");
                     return;
                   }
                   const int64_t nanos = absl::ToInt64Nanoseconds(*dur);
                   a->mutable_cooldown()->set_seconds(nanos / 1000000000);
                   a->mutable_cooldown()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
                 }},
                {"step", d.IntField([a](int32_t v) { a->set_step(v); })},
            });
}

// Enum fields whose first proto value after UNSPECIFIED is index 0 here.
template <typename Setter>
Decoder::FieldFn EnumField(Decoder& d, std::vector<std::string> choices, bool fold, Setter set) {
  return [&d, choices, fold, set](const Node& v, const std::string& f) {
    const int i = d.Enum(v, f, choices, fold);
    if (i >= 0) set(i + 1);
  };
}

}  // namespace

api::ServiceSpec DecodeService(const Node& node, Decoded* out) {
  api::ServiceSpec s;
  Decoder d(out);
  d.Mark("service", node);
  // Sub-messages are created only when their key holds a mapping.
  const auto sub = [&d](auto make, auto fn) {
    return [&d, make, fn](const Node& v, const std::string& f) {
      if (!d.Present(v, f)) return;
      if (!v.IsMapping()) {
        d.TypeError(v, f, "a mapping");
        return;
      }
      fn(v, f, make());
    };
  };
  d.Mapping(
      node, "service",
      {
          {"name", d.String(s.mutable_name())},
          {"namespace", d.String(s.mutable_namespace_())},
          {"labels", d.StringMap(s.mutable_labels())},
          {"image", d.String(s.mutable_image())},
          {"process", sub([&s] { return s.mutable_process(); },
                          [&d](const Node& v, const std::string& f, api::ProcessSpec* p) {
                            DecodeProcess(d, v, f, p);
                          })},
          {"command",
           [&](const Node& v, const std::string& f) {
             if (v.IsScalar() && d.Present(v, f)) {
               d.Scalar(v, f, s.add_command());
               return;
             }
             d.StringList(s.mutable_command())(v, f);
           }},
          {"args", d.StringList(s.mutable_args())},
          {"scale", d.IntField([&s](int32_t v) { s.set_scale(v); })},
          {"ports",
           [&](const Node& v, const std::string& f) {
             d.List(v, f, [&](const Node& item, const std::string& ip) {
               api::ServicePort* p = s.add_ports();
               d.Mapping(item, ip,
                         {
                             {"name", d.String(p->mutable_name())},
                             {"port", d.IntField([p](int32_t x) { p->set_port(x); })},
                             {"targetPort", d.IntField([p](int32_t x) { p->set_target_port(x); })},
                             {"protocol", EnumField(d, {"tcp", "udp"}, true, [p](int x) {
                                p->set_protocol(static_cast<api::ServicePort::Protocol>(x));
                              })},
                         });
             });
           }},
          {"env", d.StringMap(s.mutable_env())},
          {"envFrom",
           [&](const Node& v, const std::string& f) {
             d.List(v, f, [&](const Node& item, const std::string& ip) {
               DecodeEnvFrom(d, item, ip, s.add_env_from());
             });
           }},
          {"resources",
           sub([&s] { return s.mutable_resources(); },
               [&d](const Node& v, const std::string& f, api::ResourceRequirements* r) {
                 const auto bounds = [&d](api::ResourceBounds* b) {
                   return [&d, b](const Node& x, const std::string& xf) {
                     d.Mapping(x, xf,
                               {{"request", d.String(b->mutable_request())},
                                {"limit", d.String(b->mutable_limit())}});
                   };
                 };
                 d.Mapping(v, f,
                           {{"cpu", bounds(r->mutable_cpu())},
                            {"memory", bounds(r->mutable_memory())}});
                 if (!r->has_cpu() || r->cpu().ByteSizeLong() == 0) r->clear_cpu();
                 if (!r->has_memory() || r->memory().ByteSizeLong() == 0) r->clear_memory();
               })},
          {"health",
           sub([&s] { return s.mutable_health(); },
               [&d](const Node& v, const std::string& f, api::HealthSpec* h) {
                 const auto probe = [&d](auto make) {
                   return [&d, make](const Node& x, const std::string& xf) {
                     if (!d.Present(x, xf)) return;
                     if (!x.IsMapping()) {
                       d.TypeError(x, xf, "a mapping");
                       return;
                     }
                     DecodeProbe(d, x, xf, make());
                   };
                 };
                 d.Mapping(v, f,
                           {{"liveness", probe([h] { return h->mutable_liveness(); })},
                            {"readiness", probe([h] { return h->mutable_readiness(); })}});
               })},
          {"restartPolicy", EnumField(d, {"Always", "OnFailure", "Never"}, true, [&s](int x) {
             s.set_restart_policy(static_cast<api::ServiceSpec::RestartPolicy>(x));
           })},
          {"dependencies",
           [&](const Node& v, const std::string& f) {
             d.List(v, f, [&](const Node& item, const std::string& ip) {
               DecodeDependency(d, item, ip, s.add_dependencies());
             });
           }},
          {"secretMounts",
           [&](const Node& v, const std::string& f) {
             d.List(v, f, [&](const Node& item, const std::string& ip) {
               api::SecretMount* m = s.add_secret_mounts();
               d.Mapping(item, ip,
                         {
                             {"name", d.String(m->mutable_name())},
                             {"secretName", d.String(m->mutable_secret_name())},
                             {"mountPath", d.String(m->mutable_mount_path())},
                             {"items", Items(d, m->mutable_items())},
                         });
             });
           }},
          {"configMounts",
           [&](const Node& v, const std::string& f) { DecodeConfigMounts(d, v, f, &s); }},
          {"configmapMounts",
           [&](const Node& v, const std::string& f) { DecodeConfigMounts(d, v, f, &s); }},
          {"expose", sub([&s] { return s.mutable_expose(); },
                         [&d](const Node& v, const std::string& f, api::Expose* e) {
                           d.Mapping(v, f,
                                     {
                                         {"port", d.String(e->mutable_port())},
                                         {"host", d.String(e->mutable_host())},
                                         {"hostPort", d.IntField([e](int32_t x) { e->set_host_port(x); })},
                                         {"bindAddress", d.String(e->mutable_bind_address())},
                                     });
                         })},
          {"securityContext",
           sub([&s] { return s.mutable_security_context(); },
               [&d](const Node& v, const std::string& f, api::ContainerSecurityContext* sc) {
                 DecodeSecurityContext(d, v, f, sc);
               })},
          {"discovery", sub([&s] { return s.mutable_discovery(); },
                            [&d](const Node& v, const std::string& f, api::Discovery* x) {
                              d.Mapping(v, f,
                                        {{"mode", EnumField(d, {"round-robin", "load-balanced", "none"},
                                                            false, [x](int m) {
                                                              x->set_mode(static_cast<api::Discovery::Mode>(m));
                                                            })}});
                            })},
          {"networkPolicy", sub([&s] { return s.mutable_network_policy(); },
                                [&d](const Node& v, const std::string& f, api::NetworkPolicy* np) {
                                  DecodeNetworkPolicy(d, v, f, np);
                                })},
          {"affinity", sub([&s] { return s.mutable_affinity(); },
                           [&d](const Node& v, const std::string& f, api::Affinity* a) {
                             d.Mapping(v, f,
                                       {
                                           {"required", d.StringList(a->mutable_required())},
                                           {"preferred", d.StringList(a->mutable_preferred())},
                                           {"with", d.StringList(a->mutable_with())},
                                           {"avoid", d.StringList(a->mutable_avoid())},
                                           {"spread", d.String(a->mutable_spread())},
                                       });
                           })},
          {"autoscale", sub([&s] { return s.mutable_autoscale(); },
                            [&d](const Node& v, const std::string& f, api::Autoscale* a) {
                              DecodeAutoscale(d, v, f, a);
                            })},
          {"skip", d.BoolField([&s](bool b) { s.set_skip(b); })},
      },
      {}, /*object_root=*/true);
  if (node.IsMapping()) {
    for (const auto& [key, value] : node.entries) {
      if (key.IsScalar() && key.value == "configmapMounts") {
        d.Warning(key, "service.configmapMounts", "\"configmapMounts\" is deprecated; use \"configMounts\"",
                  "deprecated", "rename the key to configMounts", true);
      }
    }
  }
  return s;
}

namespace {

// The data of a secret or configmap: a mapping `key: value`, or a list of
// {key, value} / {key, valueBase64}. `set` stores one key; false = duplicate.
void DecodeData(Decoder& d, const Node& n, const std::string& path, bool base64_allowed,
                const std::function<bool(const std::string&, std::string)>& set) {
  if (!d.Present(n, path)) return;
  const auto put = [&](const Node& at, const Node& key_node, const std::string& key,
                       std::string value) {
    const std::string child = absl::StrCat(path, ".", key);
    if (!set(key, std::move(value))) {
      d.Error(key_node, child, absl::StrCat("duplicate key \"", key, "\""), "duplicate");
      return;
    }
    d.Mark(child, at);
  };
  if (n.IsMapping()) {
    for (const auto& [key, value] : n.entries) {
      if (!d.TagOk(key, path)) continue;
      if (!key.IsScalar() || Classify(key) == ScalarKind::kNull) {
        d.TypeError(key, path, "a string");
        continue;
      }
      const std::string child = absl::StrCat(path, ".", key.value);
      std::string v;
      if (d.StrictString(value, child, &v)) put(value, key, key.value, std::move(v));
    }
    return;
  }
  if (!n.IsSequence()) {
    d.TypeError(n, path, "a mapping");
    return;
  }
  for (size_t i = 0; i < n.items.size(); ++i) {
    const Node& item = n.items[i];
    const std::string ip = absl::StrCat(path, "[", i, "]");
    std::string key;
    std::string value;
    const Node* value_node = nullptr;
    const Node* key_node = &item;
    int values = 0;
    bool ok = true;
    Decoder::Fields fields = {
        {"key",
         [&](const Node& v, const std::string& f) {
           key_node = &v;
           ok = d.Scalar(v, f, &key) && ok;
         }},
        {"value",
         [&](const Node& v, const std::string& f) {
           ++values;
           value_node = &v;
           ok = d.StrictString(v, f, &value) && ok;
         }},
    };
    if (base64_allowed) {
      fields.push_back({"valueBase64", [&](const Node& v, const std::string& f) {
                          ++values;
                          value_node = &v;
                          std::string text;
                          if (!d.StrictString(v, f, &text)) {
                            ok = false;
                          } else if (!DecodeBase64Strict(text, &value)) {
                            d.Error(v, f, "invalid base64: use the standard alphabet with padding",
                                    "type");
                            ok = false;
                          }
                        }});
    }
    d.Mapping(item, ip, fields);
    if (!item.IsMapping()) continue;
    if (key.empty()) {
      if (item.Find("key") == nullptr) d.Error(item, ip + ".key", "required", "required");
      continue;
    }
    if (values != 1) {
      d.Error(item, ip,
              base64_allowed ? "exactly one of value or valueBase64 is required" : "required",
              base64_allowed ? "conflict" : "required");
      continue;
    }
    if (ok) put(*value_node, *key_node, key, std::move(value));
  }
}

}  // namespace

api::Secret DecodeSecret(const Node& node, Decoded* out) {
  api::Secret s;
  Decoder d(out);
  d.Mark("secret", node);
  const auto set = [&s](const std::string& key, std::string value) {
    return s.mutable_data()->insert({key, std::move(value)}).second;
  };
  d.Mapping(node, "secret",
            {
                {"name", d.String(s.mutable_name())},
                {"namespace", d.String(s.mutable_namespace_())},
                {"labels", d.StringMap(s.mutable_labels())},
                {"type", d.String(s.mutable_type())},
                {"data", [&](const Node& v, const std::string& f) { DecodeData(d, v, f, true, set); }},
                {"value",
                 [&](const Node& v, const std::string& f) {
                   std::string value;
                   if (!d.StrictString(v, f, &value)) return;
                   if (!set("value", std::move(value))) {
                     d.Error(v, "secret.data.value", "duplicate key \"value\"", "duplicate");
                   }
                   d.Mark("secret.data.value", v);
                 }},
                {"valueBase64",
                 [&](const Node& v, const std::string& f) {
                   std::string text, value;
                   if (!d.StrictString(v, f, &text)) return;
                   if (!DecodeBase64Strict(text, &value)) {
                     d.Error(v, f, "invalid base64: use the standard alphabet with padding", "type");
                     return;
                   }
                   if (!set("value", std::move(value))) {
                     d.Error(v, "secret.data.value", "duplicate key \"value\"", "duplicate");
                   }
                   d.Mark("secret.data.value", v);
                 }},
                {"skip", d.BoolField([](bool) {})},
            },
            {}, /*object_root=*/true);
  return s;
}

api::Configmap DecodeConfigmap(const Node& node, Decoded* out) {
  api::Configmap c;
  Decoder d(out);
  d.Mark("configmap", node);
  const auto set = [&c](const std::string& key, std::string value) {
    return c.mutable_data()->insert({key, std::move(value)}).second;
  };
  d.Mapping(node, "configmap",
            {
                {"name", d.String(c.mutable_name())},
                {"namespace", d.String(c.mutable_namespace_())},
                {"labels", d.StringMap(c.mutable_labels())},
                {"data", [&](const Node& v, const std::string& f) { DecodeData(d, v, f, false, set); }},
                {"value",
                 [&](const Node& v, const std::string& f) {
                   std::string value;
                   if (!d.StrictString(v, f, &value)) return;
                   if (!set("value", std::move(value))) {
                     d.Error(v, "configmap.data.value", "duplicate key \"value\"", "duplicate");
                   }
                   d.Mark("configmap.data.value", v);
                 }},
                {"skip", d.BoolField([](bool) {})},
            },
            {}, /*object_root=*/true);
  return c;
}

api::Namespace DecodeNamespace(const Node& node, Decoded* out) {
  api::Namespace ns;
  Decoder d(out);
  d.Mark("namespace", node);
  d.Mapping(node, "namespace",
            {
                {"name", d.String(ns.mutable_name())},
                {"description", d.String(ns.mutable_description())},
                {"labels", d.StringMap(ns.mutable_labels())},
                {"skip", d.BoolField([](bool) {})},
            },
            {}, /*object_root=*/true);
  return ns;
}

yaml::Mark Decoded::MarkOf(const std::string& path) const {
  std::string p = path;
  while (!p.empty()) {
    auto it = marks.find(p);
    if (it != marks.end()) return it->second;
    const size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  return {};
}

std::string NodeKind(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kMapping:
      return "a mapping";
    case Node::Kind::kSequence:
      return "a list";
    case Node::Kind::kScalar:
      break;
  }
  switch (Classify(n)) {
    case ScalarKind::kNull:
      return "null";
    case ScalarKind::kBool:
      return "a boolean";
    case ScalarKind::kInt:
      return "an integer";
    case ScalarKind::kFloat:
      return "a float";
    case ScalarKind::kString:
      break;
  }
  return "a string";
}

bool IsCoreTag(absl::string_view tag) {
  if (tag == "!") return true;
  if (!absl::ConsumePrefix(&tag, kTagPrefix)) return false;
  return tag == "str" || tag == "int" || tag == "bool" || tag == "null" || tag == "float" ||
         tag == "map" || tag == "seq";
}

bool DecodeBase64Strict(absl::string_view in, std::string* out) {
  std::string clean;
  clean.reserve(in.size());
  for (char c : in) {
    if (c != '\n' && c != '\r') clean.push_back(c);
  }
  if (clean.size() % 4 != 0) return false;
  const auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string result;
  result.reserve(clean.size() / 4 * 3);
  for (size_t i = 0; i < clean.size(); i += 4) {
    const bool last = i + 4 == clean.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = clean[i + k];
      if (c == '=') {
        if (!last || k < 2) return false;
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad > 0) return false;  // data after padding
      v[k] = value(c);
      if (v[k] < 0) return false;
    }
    const uint32_t triple = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    result.push_back(static_cast<char>((triple >> 16) & 0xFF));
    if (pad < 2) result.push_back(static_cast<char>((triple >> 8) & 0xFF));
    if (pad < 1) result.push_back(static_cast<char>(triple & 0xFF));
  }
  *out = std::move(result);
  return true;
}

bool ParseDependencyString(absl::string_view text, api::Dependency* out) {
  api::Dependency d;
  const auto set_kind = [&d](absl::string_view kind) {
    if (kind == "service") {
      d.set_kind(api::Dependency::SERVICE);
    } else if (kind == "secret") {
      d.set_kind(api::Dependency::SECRET);
    } else if (kind == "configmap") {
      d.set_kind(api::Dependency::CONFIGMAP);
    } else {
      return false;
    }
    return true;
  };
  if (absl::ConsumePrefix(&text, "rune://")) {
    std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
    if (parts.size() != 3 || parts[1].empty() || parts[2].empty() || !set_kind(parts[0])) {
      return false;
    }
    d.set_namespace_(std::string(parts[1]));
    d.set_name(std::string(parts[2]));
    *out = std::move(d);
    return true;
  }
  const size_t colon = text.find(':');
  if (colon != absl::string_view::npos) {
    if (!set_kind(text.substr(0, colon))) return false;
    text = text.substr(colon + 1);
  } else {
    d.set_kind(api::Dependency::SERVICE);
  }
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() == 3 && parts[2] == "rune") parts.pop_back();
  if (parts.empty() || parts.size() > 2) return false;
  for (absl::string_view p : parts) {
    if (p.empty()) return false;
  }
  d.set_name(std::string(parts[0]));
  if (parts.size() == 2) d.set_namespace_(std::string(parts[1]));
  *out = std::move(d);
  return true;
}

}  // namespace rune::common::spec::internal
