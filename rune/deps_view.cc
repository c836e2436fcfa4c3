#include "rune/deps_view.h"

#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/spec/documents.h"
#include "common/spec/validate.h"

namespace rune::cli {

using common::spec::DependencyKindName;
using common::spec::ReadyWhenName;

namespace {

// Node lookup and outgoing edges (declaration order) of one graph.
class GraphIndex {
 public:
  explicit GraphIndex(const api::GetDependencyGraphResponse& graph) {
    for (const api::DependencyNode& n : graph.nodes()) nodes_[n.id()] = &n;
    for (const api::DependencyEdge& e : graph.edges()) out_[e.from()].push_back(&e);
  }

  const api::DependencyNode* Node(const std::string& id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : it->second;
  }
  const std::vector<const api::DependencyEdge*>& Out(const std::string& id) const {
    static const std::vector<const api::DependencyEdge*> kNone;
    auto it = out_.find(id);
    return it == out_.end() ? kNone : it->second;
  }

 private:
  std::map<std::string, const api::DependencyNode*> nodes_;
  std::map<std::string, std::vector<const api::DependencyEdge*>> out_;
};

bool IsService(const api::DependencyNode* node) {
  return node != nullptr && node->kind() == api::Dependency::SERVICE;
}

std::string NodeLabel(const GraphIndex& index, const std::string& id,
                      const std::string& root_namespace) {
  const api::DependencyNode* node = index.Node(id);
  if (node == nullptr) return id;
  return absl::StrCat(NodeName(*node, root_namespace), " (", NodeStateName(node->state()), ")");
}

void RenderChildren(const GraphIndex& index, const std::string& id, const std::string& prefix,
                    const std::string& root_namespace, std::set<std::string>* path,
                    std::string* out) {
  const auto& edges = index.Out(id);
  for (size_t i = 0; i < edges.size(); ++i) {
    const api::DependencyEdge& e = *edges[i];
    const bool last = i + 1 == edges.size();
    const bool cycle = path->count(e.to()) > 0;
    absl::StrAppend(out, prefix, last ? "└── " : "├── ", NodeLabel(index, e.to(), root_namespace),
                    e.optional() ? " [optional]" : "", cycle ? " (cycle)" : "", "\n");
    if (cycle || !IsService(index.Node(e.to()))) continue;
    path->insert(e.to());
    RenderChildren(index, e.to(), absl::StrCat(prefix, last ? "    " : "│   "), root_namespace,
                   path, out);
    path->erase(e.to());
  }
}

std::string CycleKey(const GraphIndex& index, const std::string& id) {
  const api::DependencyNode* node = index.Node(id);
  return node == nullptr ? id : absl::StrCat(node->namespace_(), "/", node->name());
}

// Depth-first search over service edges; `stack` holds the current path.
std::optional<std::vector<std::string>> FindServiceCycle(const GraphIndex& index,
                                                         const std::string& id,
                                                         std::vector<std::string>* stack,
                                                         std::set<std::string>* done) {
  stack->push_back(id);
  for (const api::DependencyEdge* e : index.Out(id)) {
    if (!IsService(index.Node(e->to()))) continue;
    for (size_t i = 0; i < stack->size(); ++i) {
      if ((*stack)[i] != e->to()) continue;
      std::vector<std::string> cycle;
      for (size_t j = i; j < stack->size(); ++j) cycle.push_back(CycleKey(index, (*stack)[j]));
      cycle.push_back(CycleKey(index, e->to()));
      return cycle;
    }
    if (done->count(e->to()) > 0) continue;
    if (auto cycle = FindServiceCycle(index, e->to(), stack, done)) return cycle;
  }
  stack->pop_back();
  done->insert(id);
  return std::nullopt;
}

}  // namespace

std::string NodeStateName(api::DependencyNode::State state) {
  switch (state) {
    case api::DependencyNode::HEALTHY:
      return "healthy";
    case api::DependencyNode::RUNNING:
      return "running";
    case api::DependencyNode::STARTED:
      return "started";
    case api::DependencyNode::PENDING:
      return "pending";
    case api::DependencyNode::FAILED:
      return "failed";
    case api::DependencyNode::STOPPED:
      return "stopped";
    case api::DependencyNode::MISSING:
      return "missing";
    case api::DependencyNode::PRESENT:
      return "present";
    default:
      return "";
  }
}

std::string NodeName(const api::DependencyNode& node, const std::string& root_namespace) {
  std::string name = node.namespace_() == root_namespace
                         ? node.name()
                         : absl::StrCat(node.namespace_(), "/", node.name());
  if (node.kind() == api::Dependency::SERVICE) return name;
  return absl::StrCat(DependencyKindName(node.kind()), ":", name);
}

std::string RenderTree(const api::GetDependencyGraphResponse& graph) {
  const GraphIndex index(graph);
  const api::DependencyNode* root = index.Node(graph.root());
  const std::string root_namespace = root == nullptr ? "" : root->namespace_();
  std::string out = absl::StrCat(root == nullptr ? graph.root() : root->name(), "\n");
  std::set<std::string> path = {graph.root()};
  RenderChildren(index, graph.root(), "", root_namespace, &path, &out);
  return out;
}

std::string CheckRow::Mark() const {
  if (satisfied) return "✓";
  return optional ? "-" : "✗";
}

std::vector<CheckRow> CheckRows(const api::GetDependencyGraphResponse& graph) {
  const GraphIndex index(graph);
  std::vector<CheckRow> rows;
  for (const api::DependencyEdge* e : index.Out(graph.root())) {
    const api::DependencyNode* node = index.Node(e->to());
    CheckRow row;
    if (node != nullptr) {
      row.dependency = NodeName(*node, node->namespace_());
      row.namespace_name = node->namespace_();
      row.state = NodeStateName(node->state());
      if (node->kind() == api::Dependency::SERVICE) row.ready_when = ReadyWhenName(e->ready_when());
    } else {
      row.dependency = e->to();
    }
    row.optional = e->optional();
    row.satisfied = e->satisfied();
    rows.push_back(std::move(row));
  }
  return rows;
}

common::Value GraphDocument(const api::GetDependencyGraphResponse& graph) {
  common::Value nodes = common::Value::Array();
  for (const api::DependencyNode& n : graph.nodes()) {
    nodes.Push(common::Value::Object()
                   .Set("kind", DependencyKindName(n.kind()))
                   .Set("namespace", n.namespace_())
                   .Set("name", n.name())
                   .Set("state", NodeStateName(n.state())));
  }
  common::Value edges = common::Value::Array();
  for (const api::DependencyEdge& e : graph.edges()) {
    common::Value edge = common::Value::Object();
    edge.Set("from", e.from());
    edge.Set("to", e.to());
    const std::string ready_when = ReadyWhenName(e.ready_when());
    if (!ready_when.empty()) edge.Set("readyWhen", ready_when);
    edge.Set("optional", e.optional());
    edge.Set("satisfied", e.satisfied());
    edges.Push(std::move(edge));
  }
  common::Value doc = common::Value::Object();
  doc.Set("root", graph.root());
  doc.Set("nodes", std::move(nodes));
  doc.Set("edges", std::move(edges));
  return doc;
}

std::vector<std::string> ValidationProblems(const api::GetDependencyGraphResponse& graph) {
  const GraphIndex index(graph);
  std::set<std::string> required;
  for (const api::DependencyEdge& e : graph.edges()) {
    if (!e.optional()) required.insert(e.to());
  }
  std::vector<std::string> problems;
  for (const api::DependencyNode& n : graph.nodes()) {
    if (n.state() != api::DependencyNode::MISSING || required.count(n.id()) == 0) continue;
    problems.push_back(absl::StrCat("missing dependency: ", DependencyKindName(n.kind()), " \"",
                                    n.namespace_(), "/", n.name(), "\""));
  }
  std::vector<std::string> stack;
  std::set<std::string> done;
  if (auto cycle = FindServiceCycle(index, graph.root(), &stack, &done)) {
    problems.push_back(common::spec::CycleReason(*cycle));
  }
  return problems;
}

}  // namespace rune::cli
