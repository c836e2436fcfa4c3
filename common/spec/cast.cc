#include "common/spec/cast.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/spec/decode.h"
#include "common/spec/decoder.h"

namespace rune::common::spec {
namespace {

using yaml::Node;

constexpr const char* kCastKeys[] = {"service",   "services",   "secret",    "secrets",  "configmap",
                                     "configmaps", "namespace", "namespaces", "instance", "instances"};

struct TopLevel {
  const char* key;
  CastObject::Kind kind;
  bool list;
};

constexpr TopLevel kTopLevel[] = {
    {"service", CastObject::Kind::kService, false},
    {"services", CastObject::Kind::kService, true},
    {"secret", CastObject::Kind::kSecret, false},
    {"secrets", CastObject::Kind::kSecret, true},
    {"configmap", CastObject::Kind::kConfigmap, false},
    {"configmaps", CastObject::Kind::kConfigmap, true},
    {"namespace", CastObject::Kind::kNamespace, false},
    {"namespaces", CastObject::Kind::kNamespace, true},
};

const char* KindName(CastObject::Kind kind) {
  switch (kind) {
    case CastObject::Kind::kNamespace:
      return "namespace";
    case CastObject::Kind::kConfigmap:
      return "configmap";
    case CastObject::Kind::kSecret:
      return "secret";
    case CastObject::Kind::kService:
      break;
  }
  return "service";
}

bool IsSkipped(const Node& node) {
  if (!node.IsMapping()) return false;
  const Node* skip = node.Find("skip");
  return skip != nullptr && skip->IsScalar() && skip->style == yaml::ScalarStyle::kPlain &&
         (skip->tag.empty() || internal::IsCoreTag(skip->tag)) && skip->value == "true";
}

Finding MakeFinding(const std::string& file, Violation v) {
  Finding f;
  f.file = file;
  f.line = v.mark.line;
  f.column = v.mark.column;
  f.violation = std::move(v);
  return f;
}

class Loader {
 public:
  Loader(absl::string_view file, const LoadOptions& options, CastFileResult* out)
      : file_(file), options_(options), out_(out) {}

  void Document(const Node& root) {
    if (!root.IsMapping()) {
      Add(root, "", "a cast document must be a mapping", "type");
      return;
    }
    if (!root.tag.empty() && !internal::IsCoreTag(root.tag)) {
      Add(root, "", absl::StrCat("unsupported tag \"", root.tag, "\""), "type");
      return;
    }
    for (const auto& [key, value] : root.entries) {
      if (!key.IsScalar()) {
        Add(key, "", absl::StrCat("expected a string, got ", internal::NodeKind(key)), "type");
        continue;
      }
      const TopLevel* top = nullptr;
      for (const TopLevel& t : kTopLevel) {
        if (key.value == t.key) top = &t;
      }
      if (top == nullptr) {
        if (key.value == "instance" || key.value == "instances") {
          Add(key, "", "instances cannot be cast", "unknown-field",
              "instances are created by runed from services");
        } else {
          Add(key, "", absl::StrCat("unknown top-level key \"", key.value, "\""), "unknown-field",
              "a cast document holds service(s), secret(s), configmap(s) and namespace(s)");
        }
        continue;
      }
      const char* singular = KindName(top->kind);
      if (!top->list) {
        if (!value.IsMapping()) {
          Add(value, singular, absl::StrCat("expected a mapping, got ", internal::NodeKind(value)),
              "type");
          continue;
        }
        Object(top->kind, value);
        continue;
      }
      if (value.IsScalar() && value.IsNull()) continue;
      if (!value.IsSequence()) {
        Add(value, top->key, absl::StrCat("expected a list, got ", internal::NodeKind(value)), "type");
        continue;
      }
      for (const Node& item : value.items) {
        if (!item.IsMapping()) {
          Add(item, singular, absl::StrCat("expected a mapping, got ", internal::NodeKind(item)),
              "type");
          continue;
        }
        Object(top->kind, item);
      }
    }
  }

  void Add(const Node& at, std::string path, std::string reason, const char* rule,
           std::string hint = "") {
    Violation v;
    v.path = std::move(path);
    v.reason = std::move(reason);
    v.mark = at.mark;
    v.rule = rule;
    v.hint = std::move(hint);
    out_->findings.push_back(MakeFinding(file_, std::move(v)));
  }

 private:
  void Object(CastObject::Kind kind, const Node& node) {
    if (IsSkipped(node)) return;
    internal::Decoded d;
    CastObject o;
    o.kind = kind;
    o.file = file_;
    o.mark = node.mark;
    std::vector<Violation> checks;
    switch (kind) {
      case CastObject::Kind::kService:
        o.service = internal::DecodeService(node, &d);
        if (o.service.namespace_().empty()) o.service.set_namespace_(options_.default_namespace);
        checks = ValidateService(o.service, options_.limits);
        break;
      case CastObject::Kind::kSecret:
        o.secret = internal::DecodeSecret(node, &d);
        if (o.secret.namespace_().empty()) o.secret.set_namespace_(options_.default_namespace);
        checks = ValidateSecret(o.secret, options_.limits.secret);
        break;
      case CastObject::Kind::kConfigmap:
        o.configmap = internal::DecodeConfigmap(node, &d);
        if (o.configmap.namespace_().empty()) {
          o.configmap.set_namespace_(options_.default_namespace);
        }
        checks = ValidateConfigmap(o.configmap, options_.limits.config);
        break;
      case CastObject::Kind::kNamespace:
        o.ns = internal::DecodeNamespace(node, &d);
        checks = ValidateNamespace(o.ns);
        if (o.ns.name() == "system") {
          Violation v;
          v.path = "namespace.name";
          v.reason = "namespace \"system\" is reserved";
          v.rule = "reference";
          checks.push_back(std::move(v));
        }
        break;
    }
    // A field that failed to decode is not judged again by the validator
    // (`scale: "3"` is a type error, not also "required").
    std::vector<std::string> failed;
    for (const Violation& v : d.violations) {
      if (v.warning || v.rule == "unknown-field") continue;
      failed.push_back(v.path);
      absl::string_view p = v.path;
      if (absl::ConsumeSuffix(&p, ".value") || absl::ConsumeSuffix(&p, ".valueBase64")) {
        failed.push_back(absl::StrCat(p, ".data"));
      }
    }
    // Same path, an ancestor or a descendant of a field that failed.
    const auto within = [](const std::string& path, const std::string& prefix) {
      return path == prefix || (absl::StartsWith(path, prefix) &&
                                (path[prefix.size()] == '.' || path[prefix.size()] == '['));
    };
    const auto covered = [&failed, &within](const std::string& path) {
      for (const std::string& f : failed) {
        if (within(path, f) || within(f, path)) return true;
      }
      return false;
    };
    for (Violation& v : d.violations) out_->findings.push_back(MakeFinding(file_, std::move(v)));
    for (Violation& v : checks) {
      if (!v.warning && covered(v.path)) continue;
      v.mark = d.MarkOf(v.path);
      out_->findings.push_back(MakeFinding(file_, std::move(v)));
    }
    o.marks = std::move(d.marks);
    out_->objects.push_back(std::move(o));
  }

  std::string file_;
  const LoadOptions& options_;
  CastFileResult* out_;
};

// libyaml also reads UTF-16 with a byte order mark.
bool IsUtf16(absl::string_view text) {
  return absl::StartsWith(text, "\xff\xfe") || absl::StartsWith(text, "\xfe\xff");
}

// The offset of the first byte that is not part of valid UTF-8, or npos.
size_t FirstInvalidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // The shortest valid prefix is the character at i.
    size_t len = 0;
    for (size_t n = 1; n <= 4 && i + n <= s.size() && len == 0; ++n) {
      if (internal::IsValidUtf8(s.substr(i, n))) len = n;
    }
    if (len == 0) return i;
    i += len;
  }
  return absl::string_view::npos;
}

// 1-based line and column (in characters) of a byte offset.
yaml::Mark MarkAt(absl::string_view text, size_t offset) {
  yaml::Mark m{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++m.line;
      m.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++m.column;
    }
  }
  return m;
}

std::string Key(const CastObject& o) {
  return absl::StrCat(o.kind_name(), "/", o.object_namespace(), "/", o.name());
}

// The services of a batch as a graph: node i is the i-th service in input
// order; an edge i → j for each in-batch service dependency (duplicates of a
// key all count; self-dependencies are the validator's business).
class ServiceGraph {
 public:
  explicit ServiceGraph(const std::vector<CastObject>& objects) {
    for (const CastObject& o : objects) {
      if (o.kind != CastObject::Kind::kService) continue;
      by_key_[absl::StrCat(o.object_namespace(), "/", o.name())].push_back(size());
      objects_.push_back(&o);
      keys_.push_back(absl::StrCat(o.object_namespace(), "/", o.name()));
    }
    edges_.resize(objects_.size());
    for (int i = 0; i < size(); ++i) {
      for (const std::string& dep : ServiceDependencyKeys(objects_[i]->service)) {
        if (dep == keys_[i]) continue;
        auto it = by_key_.find(dep);
        if (it == by_key_.end()) continue;
        edges_[i].insert(edges_[i].end(), it->second.begin(), it->second.end());
      }
    }
  }

  int size() const { return static_cast<int>(objects_.size()); }
  const CastObject* object(int i) const { return objects_[i]; }
  const std::string& key(int i) const { return keys_[i]; }
  const std::vector<int>& edges(int i) const { return edges_[i]; }
  // The edges of the first service with `key`.
  const std::vector<int>& EdgesOf(const std::string& key) const {
    static const std::vector<int>* const kNone = new std::vector<int>();
    auto it = by_key_.find(key);
    return it == by_key_.end() ? *kNone : edges_[it->second.front()];
  }

  // Strongly connected components (Tarjan, iterative), over the first
  // service of each key.
  std::vector<std::vector<int>> Components() const {
    std::vector<std::vector<int>> out;
    std::vector<int> index(size(), -1), low(size(), 0);
    std::vector<bool> on_stack(size(), false);
    std::vector<int> stack;
    int counter = 0;
    for (int root = 0; root < size(); ++root) {
      if (index[root] != -1 || by_key_.at(keys_[root]).front() != root) continue;
      std::vector<std::pair<int, size_t>> work = {{root, 0}};
      index[root] = low[root] = counter++;
      stack.push_back(root);
      on_stack[root] = true;
      while (!work.empty()) {
        auto& [v, next] = work.back();
        const std::vector<int>& out_edges = edges_[v];
        if (next < out_edges.size()) {
          const int w = by_key_.at(keys_[out_edges[next++]]).front();
          if (index[w] == -1) {
            index[w] = low[w] = counter++;
            stack.push_back(w);
            on_stack[w] = true;
            work.push_back({w, 0});
          } else if (on_stack[w]) {
            low[v] = std::min(low[v], index[w]);
          }
          continue;
        }
        const int done = v;
        work.pop_back();
        if (!work.empty()) low[work.back().first] = std::min(low[work.back().first], low[done]);
        if (low[done] == index[done]) {
          std::vector<int> component;
          int w;
          do {
            w = stack.back();
            stack.pop_back();
            on_stack[w] = false;
            component.push_back(w);
          } while (w != done);
          out.push_back(std::move(component));
        }
      }
    }
    return out;
  }

 private:
  std::vector<const CastObject*> objects_;
  std::vector<std::string> keys_;
  std::vector<std::vector<int>> edges_;
  std::map<std::string, std::vector<int>> by_key_;
};

}  // namespace

std::string FormatFinding(const Finding& f) {
  std::string out = f.file;
  if (f.line > 0) absl::StrAppend(&out, ":", f.line, ":", f.column);
  absl::StrAppend(&out, ": ");
  if (!f.violation.path.empty()) absl::StrAppend(&out, f.violation.path, ": ");
  absl::StrAppend(&out, f.violation.reason);
  return out;
}

const std::string& CastObject::name() const {
  switch (kind) {
    case Kind::kNamespace:
      return ns.name();
    case Kind::kConfigmap:
      return configmap.name();
    case Kind::kSecret:
      return secret.name();
    case Kind::kService:
      break;
  }
  return service.name();
}

const std::string& CastObject::object_namespace() const {
  static const std::string* const kEmpty = new std::string();
  switch (kind) {
    case Kind::kNamespace:
      return *kEmpty;
    case Kind::kConfigmap:
      return configmap.namespace_();
    case Kind::kSecret:
      return secret.namespace_();
    case Kind::kService:
      break;
  }
  return service.namespace_();
}

const char* CastObject::kind_name() const { return KindName(kind); }

std::string CastObject::Ref() const {
  if (kind == Kind::kNamespace) return absl::StrCat("namespace/", name());
  return absl::StrCat(kind_name(), "/", object_namespace(), "/", name());
}

yaml::Mark CastObject::MarkOf(const std::string& path) const {
  return NearestMark(marks, path, mark);
}

bool CastFileResult::HasErrors() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return !f.violation.warning; });
}

CastFileResult LoadCastText(absl::string_view file, absl::string_view text,
                            const LoadOptions& options) {
  CastFileResult result;
  yaml::Mark mark;
  if (!IsUtf16(text)) {
    const size_t bad = FirstInvalidUtf8(text);
    if (bad != absl::string_view::npos) {
      Violation v;
      v.reason = "invalid UTF-8";
      v.mark = MarkAt(text, bad);
      v.rule = "yaml-syntax";
      result.findings.push_back(MakeFinding(std::string(file), std::move(v)));
      return result;
    }
  }
  absl::StatusOr<std::vector<yaml::Document>> docs = yaml::ParseDocuments(text, &mark);
  Loader loader(file, options, &result);
  if (!docs.ok()) {
    Violation v;
    v.reason = std::string(docs.status().message());
    v.mark = mark;
    v.rule = "yaml-syntax";
    result.findings.push_back(MakeFinding(std::string(file), std::move(v)));
    return result;
  }
  for (const yaml::Document& doc : *docs) {
    if (doc.empty) continue;
    loader.Document(doc.root);
  }
  std::stable_sort(result.findings.begin(), result.findings.end(),
                   [](const Finding& a, const Finding& b) {
                     return std::make_pair(a.line, a.column) < std::make_pair(b.line, b.column);
                   });
  return result;
}

std::vector<Finding> CheckBatch(const std::vector<CastObject>& objects) {
  std::vector<Finding> findings;
  std::map<std::string, const CastObject*> first;
  for (const CastObject& o : objects) {
    auto [it, inserted] = first.emplace(Key(o), &o);
    if (inserted) continue;
    Violation v;
    v.reason = absl::StrCat(o.kind_name(), " \"",
                            o.kind == CastObject::Kind::kNamespace
                                ? o.name()
                                : absl::StrCat(o.object_namespace(), "/", o.name()),
                            "\" is defined more than once (first at ", it->second->file, ":",
                            it->second->mark.line, ")");
    v.mark = o.mark;
    v.rule = "duplicate";
    findings.push_back(MakeFinding(o.file, std::move(v)));
  }
  // In-batch dependency cycles: one finding per strongly connected component,
  // from its first service in input order.
  const ServiceGraph g(objects);
  for (const std::vector<int>& component : g.Components()) {
    if (component.size() < 2) continue;
    const int first = *std::min_element(component.begin(), component.end());
    std::set<std::string> members;
    for (int i : component) members.insert(g.key(i));
    const DependencyEdges edges = [&g, &members](const std::string& key) {
      std::vector<std::string> out;
      for (int to : g.EdgesOf(key)) {
        if (members.count(g.key(to)) != 0) out.push_back(g.key(to));
      }
      return out;
    };
    std::optional<std::vector<std::string>> cycle = FindCycle(g.key(first), edges);
    if (!cycle.has_value()) continue;
    const CastObject& o = *g.object(first);
    Violation v;
    v.path = "service.dependencies";
    v.reason = CycleReason(*cycle);
    v.rule = "dependency-cycle";
    v.mark = o.MarkOf("service.dependencies");
    findings.push_back(MakeFinding(o.file, std::move(v)));
  }
  return findings;
}

std::vector<const CastObject*> ApplyOrder(const std::vector<CastObject>& objects) {
  std::vector<const CastObject*> order;
  for (CastObject::Kind kind :
       {CastObject::Kind::kNamespace, CastObject::Kind::kConfigmap, CastObject::Kind::kSecret}) {
    for (const CastObject& o : objects) {
      if (o.kind == kind) order.push_back(&o);
    }
  }
  // Services: Kahn's algorithm, always taking the first ready service in input
  // order; a cycle releases its first remaining service.
  const ServiceGraph g(objects);
  const int n = g.size();
  std::vector<int> waiting(n, 0);  // unplaced dependencies
  std::vector<std::vector<int>> dependents(n);
  for (int i = 0; i < n; ++i) {
    for (int to : g.edges(i)) {
      ++waiting[i];
      dependents[to].push_back(i);
    }
  }
  std::set<int> ready;
  for (int i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.insert(i);
  }
  std::vector<bool> placed(n, false);
  int next_unplaced = 0;
  for (int count = 0; count < n; ++count) {
    int pick;
    if (!ready.empty()) {
      pick = *ready.begin();
      ready.erase(ready.begin());
    } else {
      while (placed[next_unplaced]) ++next_unplaced;
      pick = next_unplaced;
    }
    placed[pick] = true;
    order.push_back(g.object(pick));
    for (int d : dependents[pick]) {
      if (!placed[d] && --waiting[d] == 0) ready.insert(d);
    }
  }
  return order;
}

bool IsCastDocument(const yaml::Node& root) {
  if (!root.IsMapping()) return false;
  for (const auto& [key, value] : root.entries) {
    if (!key.IsScalar()) continue;
    for (const char* k : kCastKeys) {
      if (key.value == k) return true;
    }
  }
  return false;
}

}  // namespace rune::common::spec
