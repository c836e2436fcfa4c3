// The strict field-by-field YAML decoder behind decode.h (internal to
// common/spec): scalar classification of the YAML 1.2 core schema, type
// errors with the §4.9 texts, unknown-field and duplicate-key reports, and
// the field path → mark table.
//
//   Decoder d(&decoded);
//   d.Mapping(node, "service", {{"name", d.String(spec.mutable_name())},
//                               {"scale", d.IntField([&](int32_t v) { spec.set_scale(v); })}});
#ifndef RUNE_COMMON_SPEC_DECODER_H_
#define RUNE_COMMON_SPEC_DECODER_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/spec/decode.h"
#include "common/yaml/node.h"
#include "google/protobuf/map.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace rune::common::spec::internal {

enum class ScalarKind { kNull, kBool, kInt, kFloat, kString };

// How a YAML 1.2 core-schema reader types a scalar (quoted, `!!str` and `!`
// scalars are strings).
ScalarKind Classify(const yaml::Node& n);
bool IsValidUtf8(absl::string_view s);
// YAML 1.1 spellings of booleans (`yes`, `On`, `True`, …) that `rune lint
// --fix` rewrites.
bool IsLegacyBool(const yaml::Node& n);

class Decoder {
 public:
  using FieldFn = std::function<void(const yaml::Node& value, const std::string& path)>;
  using Fields = std::vector<std::pair<std::string, FieldFn>>;

  explicit Decoder(Decoded* out) : out_(out) {}

  void Error(const yaml::Node& at, const std::string& path, std::string reason, const char* rule,
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

  void Warning(const yaml::Node& at, const std::string& path, std::string reason, const char* rule,
               std::string hint, bool fixable) {
    Error(at, path, std::move(reason), rule, std::move(hint), fixable);
    out_->violations.back().warning = true;
  }

  void Mark(const std::string& path, const yaml::Node& node) { out_->marks.emplace(path, node.mark); }

  void TypeError(const yaml::Node& n, const std::string& path, const char* expected) {
    Error(n, path, absl::StrCat("expected ", expected, ", got ", NodeKind(n)), "type");
  }

  // False (after reporting) when the node carries a tag outside the core schema.
  bool TagOk(const yaml::Node& n, const std::string& path) {
    if (n.tag.empty() || IsCoreTag(n.tag)) return true;
    Error(n, path, absl::StrCat("unsupported tag \"", n.tag, "\""), "type",
          "only the YAML core schema tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) "
          "are allowed");
    return false;
  }

  // The node as a present value: false for null (absent) and bad tags.
  bool Present(const yaml::Node& n, const std::string& path) {
    if (!TagOk(n, path)) return false;
    return !(n.IsScalar() && Classify(n) == ScalarKind::kNull);
  }

  // Decodes a mapping whose known keys are `fields`. `legacy` maps old key
  // names to their replacements (reported as unknown with a fixable hint).
  void Mapping(const yaml::Node& n, const std::string& path, const Fields& fields,
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
        // Block collections start on the next line: point at their key.
        Mark(child, value.IsScalar() ? value : key);
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
  void List(const yaml::Node& n, const std::string& path,
            const std::function<void(const yaml::Node& item, const std::string& item_path)>& fn) {
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
  bool Scalar(const yaml::Node& n, const std::string& path, std::string* out) {
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
    return [this, out](const yaml::Node& n, const std::string& path) { Scalar(n, path, out); };
  }

  // A value that must be a string in YAML terms (secret/configmap data).
  bool StrictString(const yaml::Node& n, const std::string& path, std::string* out) {
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

  bool Int(const yaml::Node& n, const std::string& path, int32_t* out) {
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
    return [this, set](const yaml::Node& n, const std::string& path) {
      int32_t v;
      if (Int(n, path, &v)) set(v);
    };
  }

  bool Bool(const yaml::Node& n, const std::string& path, bool* out) {
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
    return [this, set](const yaml::Node& n, const std::string& path) {
      bool b = false;
      if (Bool(n, path, &b)) set(b);
    };
  }

  // One of `choices` (compared case-insensitively when `fold`); returns the
  // index or -1.
  int Enum(const yaml::Node& n, const std::string& path, const std::vector<std::string>& choices,
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
    return [this, out](const yaml::Node& n, const std::string& path) {
      List(n, path, [this, out](const yaml::Node& item, const std::string& item_path) {
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
    return [this, out](const yaml::Node& n, const std::string& path) {
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

}  // namespace rune::common::spec::internal

#endif  // RUNE_COMMON_SPEC_DECODER_H_
