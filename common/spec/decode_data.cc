// Decoding of `secret:`, `configmap:` and `namespace:` mappings (SPEC §4.6).
#include "common/spec/decoder.h"

namespace rune::common::spec::internal {

using yaml::Node;

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

}  // namespace rune::common::spec::internal
