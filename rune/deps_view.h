// The views of `rune deps` (SPEC §3.6.10) over a GetDependencyGraph answer:
// the tree of `graph`, the rows of `check`, the problems of `validate` and
// the JSON/YAML document of `graph`/`check`. Pure functions, no I/O.
//
//   std::cout << RenderTree(graph);
//   api
//   ├── db (running)
//   │   └── secret:db-creds (present)
//   └── prod/cache (missing) [optional]
#ifndef RUNE_RUNE_DEPS_VIEW_H_
#define RUNE_RUNE_DEPS_VIEW_H_

#include <string>
#include <vector>

#include "common/document.h"
#include "proto/service.pb.h"
#include "proto/types.pb.h"

namespace rune::cli {

// "healthy", "running", "started", "pending", "failed", "stopped",
// "missing", "present"; "" when unspecified.
std::string NodeStateName(api::DependencyNode::State state);

// A node as `deps` names it: "db", "prod/db" when its namespace is not
// `root_namespace`, "secret:db-creds" / "configmap:app" for data objects.
std::string NodeName(const api::DependencyNode& node, const std::string& root_namespace);

// The root service's name, then one line per edge, depth first in
// declaration order: `<name> (<state>)`, ` [optional]` for optional edges,
// ` (cycle)` (not expanded) for a service already on the path from the root.
std::string RenderTree(const api::GetDependencyGraphResponse& graph);

// One row of `deps check` (a direct dependency of the root).
struct CheckRow {
  std::string dependency;  // NodeName without the namespace part
  std::string namespace_name;
  std::string state;
  std::string ready_when;  // "" for secrets and configmaps
  bool optional = false;
  bool satisfied = false;
  // "✓" satisfied, "✗" required and not satisfied, "-" optional and not.
  std::string Mark() const;
};
std::vector<CheckRow> CheckRows(const api::GetDependencyGraphResponse& graph);

// {"root", "nodes": [{kind, namespace, name, state}], "edges": [{from, to,
// readyWhen, optional, satisfied}]}.
common::Value GraphDocument(const api::GetDependencyGraphResponse& graph);

// What `deps validate` reports, in this order: `missing dependency: <kind>
// "<ns>/<name>"` for each missing node a required edge points to, then the
// first service cycle reachable from the root (`dependency cycle detected:
// a -> b -> a`).
std::vector<std::string> ValidationProblems(const api::GetDependencyGraphResponse& graph);

}  // namespace rune::cli

#endif  // RUNE_RUNE_DEPS_VIEW_H_
