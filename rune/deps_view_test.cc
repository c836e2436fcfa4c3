#include "rune/deps_view.h"

#include "gtest/gtest.h"

namespace rune::cli {
namespace {

void Node(api::GetDependencyGraphResponse* g, api::Dependency::Kind kind, const std::string& ns,
          const std::string& name, api::DependencyNode::State state) {
  api::DependencyNode* n = g->add_nodes();
  const char* kinds[] = {"", "service", "secret", "configmap"};
  n->set_id(std::string(kinds[kind]) + "/" + ns + "/" + name);
  n->set_kind(kind);
  n->set_namespace_(ns);
  n->set_name(name);
  n->set_state(state);
}

void Edge(api::GetDependencyGraphResponse* g, const std::string& from, const std::string& to,
          bool optional = false, bool satisfied = true,
          api::Dependency::ReadyWhen ready_when = api::Dependency::RUNNING) {
  api::DependencyEdge* e = g->add_edges();
  e->set_from(from);
  e->set_to(to);
  e->set_optional(optional);
  e->set_satisfied(satisfied);
  e->set_ready_when(ready_when);
}

// api → db → secret db-creds; api → prod/cache (optional, missing);
// api → worker → db (a diamond, not a cycle); worker → api (a cycle).
api::GetDependencyGraphResponse Sample() {
  api::GetDependencyGraphResponse g;
  g.set_root("service/default/api");
  Node(&g, api::Dependency::SERVICE, "default", "api", api::DependencyNode::RUNNING);
  Node(&g, api::Dependency::SERVICE, "default", "db", api::DependencyNode::HEALTHY);
  Node(&g, api::Dependency::SECRET, "default", "db-creds", api::DependencyNode::PRESENT);
  Node(&g, api::Dependency::SERVICE, "prod", "cache", api::DependencyNode::MISSING);
  Node(&g, api::Dependency::SERVICE, "default", "worker", api::DependencyNode::PENDING);
  Edge(&g, "service/default/api", "service/default/db", false, true, api::Dependency::HEALTHY);
  Edge(&g, "service/default/api", "service/prod/cache", true, false);
  Edge(&g, "service/default/api", "service/default/worker", false, false, api::Dependency::STARTED);
  Edge(&g, "service/default/db", "secret/default/db-creds", false, true,
       api::Dependency::READY_WHEN_UNSPECIFIED);
  Edge(&g, "service/default/worker", "service/default/db");
  Edge(&g, "service/default/worker", "service/default/api", true);
  return g;
}

TEST(RenderTree, BoxDrawingOptionalAndCycle) {
  EXPECT_EQ(RenderTree(Sample()),
            "api\n"
            "├── db (healthy)\n"
            "│   └── secret:db-creds (present)\n"
            "├── prod/cache (missing) [optional]\n"
            "└── worker (pending)\n"
            "    ├── db (healthy)\n"
            "    │   └── secret:db-creds (present)\n"
            "    └── api (running) [optional] (cycle)\n");
}

TEST(RenderTree, NoDependencies) {
  api::GetDependencyGraphResponse g;
  g.set_root("service/default/api");
  Node(&g, api::Dependency::SERVICE, "default", "api", api::DependencyNode::STOPPED);
  EXPECT_EQ(RenderTree(g), "api\n");
}

TEST(CheckRows, DirectDependenciesOfTheRootOnly) {
  std::vector<CheckRow> rows = CheckRows(Sample());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].dependency, "db");
  EXPECT_EQ(rows[0].ready_when, "healthy");
  EXPECT_EQ(rows[0].Mark(), "✓");
  EXPECT_EQ(rows[1].dependency, "cache");
  EXPECT_EQ(rows[1].namespace_name, "prod");
  EXPECT_EQ(rows[1].state, "missing");
  EXPECT_EQ(rows[1].Mark(), "-");
  EXPECT_EQ(rows[2].dependency, "worker");
  EXPECT_EQ(rows[2].ready_when, "started");
  EXPECT_EQ(rows[2].Mark(), "✗");
}

TEST(ValidationProblems, MissingRequiredAndCycles) {
  // The missing node is only reached by an optional edge: not a problem.
  EXPECT_EQ(ValidationProblems(Sample()),
            std::vector<std::string>{
                "dependency cycle detected: default/api -> default/worker -> default/api"});
  api::GetDependencyGraphResponse g = Sample();
  Edge(&g, "service/default/db", "service/prod/cache");
  EXPECT_EQ(ValidationProblems(g),
            (std::vector<std::string>{
                "missing dependency: service \"prod/cache\"",
                "dependency cycle detected: default/api -> default/worker -> default/api"}));
}

TEST(ValidationProblems, CycleNotThroughTheRoot) {
  api::GetDependencyGraphResponse g;
  g.set_root("service/default/a");
  Node(&g, api::Dependency::SERVICE, "default", "a", api::DependencyNode::RUNNING);
  Node(&g, api::Dependency::SERVICE, "default", "b", api::DependencyNode::RUNNING);
  Node(&g, api::Dependency::SERVICE, "default", "c", api::DependencyNode::RUNNING);
  Edge(&g, "service/default/a", "service/default/b");
  Edge(&g, "service/default/b", "service/default/c");
  Edge(&g, "service/default/c", "service/default/b");
  EXPECT_EQ(ValidationProblems(g),
            std::vector<std::string>{
                "dependency cycle detected: default/b -> default/c -> default/b"});
}

TEST(GraphDocument, NodesAndEdges) {
  api::GetDependencyGraphResponse g;
  g.set_root("service/default/api");
  Node(&g, api::Dependency::SERVICE, "default", "api", api::DependencyNode::RUNNING);
  Node(&g, api::Dependency::CONFIGMAP, "default", "app", api::DependencyNode::MISSING);
  Edge(&g, "service/default/api", "configmap/default/app", false, false,
       api::Dependency::READY_WHEN_UNSPECIFIED);
  EXPECT_EQ(common::ToJson(GraphDocument(g), false),
            "{\"root\":\"service/default/api\",\"nodes\":[{\"kind\":\"service\",\"namespace\":"
            "\"default\",\"name\":\"api\",\"state\":\"running\"},{\"kind\":\"configmap\","
            "\"namespace\":\"default\",\"name\":\"app\",\"state\":\"missing\"}],\"edges\":[{"
            "\"from\":\"service/default/api\",\"to\":\"configmap/default/app\",\"optional\":false,"
            "\"satisfied\":false}]}");
}

}  // namespace
}  // namespace rune::cli
