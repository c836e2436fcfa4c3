#include "common/runefile/runefile.h"

#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/duration.h"
#include "common/runefile/registry.h"
#include "common/runefile/schema.h"
#include "common/yaml/node.h"

namespace rune::common {
namespace {

using yaml::Node;

// Decodes a runefile through the schema table (schema.h): each key found is
// looked up by its dotted path and its value checked against the key's type.
class Decoder {
 public:
  Decoder(Runefile* runefile, std::vector<RunefileFinding>* findings)
      : runefile_(runefile), findings_(findings) {}

  void Add(const Node& at, const std::string& path, std::string message, std::string rule,
           std::string hint = "") {
    findings_->push_back({at.mark.line, at.mark.column, path, std::move(message), std::move(hint),
                          std::move(rule)});
  }

  // Decodes a mapping whose keys live under `path` ("" for the file itself).
  void Mapping(const Node& node, const std::string& path) {
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
      const RunefileKey* known = FindRunefileKey(child);
      if (known == nullptr || known->entry_field != nullptr) {
        Unknown(key, value, child);
      } else if (known->type == RunefileType::kSection) {
        Mapping(value, child);
      } else if (known->type == RunefileType::kRegistries) {
        Registries(value, child, &runefile_->docker.registries);
      } else {
        Value(*known, value, child, known->field(*runefile_));
      }
    }
  }

 private:
  void Unknown(const Node& key, const Node& value, const std::string& path) {
    if (RunefileHasRenamesBelow(path) && value.IsMapping()) {
      for (const auto& [k, v] : value.entries) Unknown(k, v, absl::StrCat(path, ".", k.value));
      return;
    }
    const std::string suggestion = RunefileSuggestion(path);
    Add(key, path, absl::StrCat("unknown field \"", key.value, "\""), "unknown-field",
        suggestion.empty() ? "" : absl::StrCat("did you mean \"", suggestion, "\"?"));
  }

  // A scalar value of `key` stored in `field`.
  void Value(const RunefileKey& key, const Node& v, const std::string& path, RunefileField field) {
    switch (key.type) {
      case RunefileType::kBool:
        if (v.IsScalar() && v.style == yaml::ScalarStyle::kPlain &&
            (v.value == "true" || v.value == "false")) {
          *std::get<bool*>(field) = v.value == "true";
        } else {
          Add(v, path, absl::StrCat("expected a boolean, got ", v.KindName()), "type");
        }
        return;
      case RunefileType::kInt: {
        int64_t n;
        if (!v.IsScalar() || v.style != yaml::ScalarStyle::kPlain ||
            !absl::SimpleAtoi(v.value, &n)) {
          Add(v, path, absl::StrCat("expected an integer, got ", v.KindName()), "type");
        } else if (n < key.min || n > key.max) {
          Add(v, path,
              key.max == INT64_MAX ? absl::StrCat("must be >= ", key.min, ", got ", n)
                                   : absl::StrCat("must be between ", key.min, " and ", key.max,
                                                  ", got ", n),
              "range");
        } else {
          *std::get<int64_t*>(field) = n;
        }
        return;
      }
      default:
        break;
    }
    if (v.IsNull()) return;
    if (!v.IsScalar()) {
      Add(v, path, absl::StrCat("expected a string, got ", v.KindName()), "type");
      return;
    }
    const std::string& value = v.value;
    switch (key.type) {
      case RunefileType::kEnum:
        for (const std::string& c : key.choices) {
          if (c == value) {
            *std::get<std::string*>(field) = value;
            return;
          }
        }
        Add(v, path,
            absl::StrCat("must be one of: ", absl::StrJoin(key.choices, ", "), "; got \"", value,
                         "\""),
            "enum");
        return;
      case RunefileType::kAddress:
        if ((value.empty() && key.allow_empty) || IsListenAddress(value)) {
          *std::get<std::string*>(field) = value;
        } else {
          Add(v, path, absl::StrCat("invalid address \"", value, "\": must be [host]:port"),
              "type");
        }
        return;
      case RunefileType::kDuration: {
        absl::StatusOr<absl::Duration> d = ParseDuration(value);
        if (d.ok()) {
          *std::get<absl::Duration*>(field) = *d;
        } else {
          Add(v, path, absl::StrCat("invalid duration \"", value, "\""), "type");
        }
        return;
      }
      default:
        *std::get<std::string*>(field) = value;
        return;
    }
  }

  void Registries(const Node& v, const std::string& path, std::vector<RunefileRegistry>* out) {
    if (v.IsNull()) return;
    if (!v.IsSequence()) {
      Add(v, path, absl::StrCat("expected a list, got ", v.KindName()), "type");
      return;
    }
    for (size_t i = 0; i < v.items.size(); ++i) {
      RunefileRegistry r;
      const std::string entry_path = absl::StrCat(path, "[", i, "]");
      const size_t before = findings_->size();
      RegistryEntry(v.items[i], path, entry_path, &r);
      // The entry's own rules, once its fields decoded cleanly.
      if (findings_->size() == before && v.items[i].IsMapping()) {
        for (const RegistryProblem& problem : CheckRegistry(r)) {
          Add(FieldNode(v.items[i], problem.field), absl::StrCat(entry_path, ".", problem.field),
              problem.reason, problem.rule);
        }
        for (const RunefileRegistry& earlier : *out) {
          if (!r.name.empty() && earlier.name == r.name) {
            Add(FieldNode(v.items[i], "name"), absl::StrCat(entry_path, ".name"),
                absl::StrCat("duplicate name \"", r.name, "\""), "duplicate");
          }
        }
      }
      out->push_back(std::move(r));
    }
  }

  // The value of `key` in a mapping, else the mapping itself (for a mark).
  static const Node& FieldNode(const Node& mapping, absl::string_view key) {
    for (const auto& [k, value] : mapping.entries) {
      if (k.value == key) return value;
    }
    return mapping;
  }

  void RegistryEntry(const Node& node, const std::string& list_path, const std::string& path,
                     RunefileRegistry* r) {
    if (!node.IsMapping()) {
      Add(node, path, absl::StrCat("expected a mapping, got ", node.KindName()), "type");
      return;
    }
    for (const auto& [key, value] : node.entries) {
      const std::string child = absl::StrCat(path, ".", key.value);
      const RunefileKey* known = FindRunefileKey(absl::StrCat(list_path, "[].", key.value));
      if (known != nullptr) {
        Value(*known, value, child, known->entry_field(*r));
        continue;
      }
      std::string hint;
      for (const RunefileRename& rename : RunefileRenames()) {
        if (rename.kind == RunefileRename::kRegistry && key.value == rename.from) {
          hint = absl::StrCat("did you mean \"", path, ".", rename.to, "\"?");
        }
      }
      Add(key, child, absl::StrCat("unknown field \"", key.value, "\""), "unknown-field", hint);
    }
  }

  Runefile* runefile_;
  std::vector<RunefileFinding>* findings_;
};

}  // namespace

const std::vector<std::string>& RunefileTopLevelKeys() {
  static const auto* const kKeys = [] {
    auto* keys = new std::vector<std::string>;
    for (const RunefileKey& key : RunefileKeys()) {
      if (key.path.find('.') == std::string::npos) keys->push_back(key.path);
    }
    return keys;
  }();
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
  Decoder(&result.runefile, &result.findings).Mapping(*roots[0], "");
  return result;
}

}  // namespace rune::common
