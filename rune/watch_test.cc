#include "rune/watch.h"

#include <sstream>

#include "gtest/gtest.h"

namespace rune::cli {
namespace {

const ResourceKind kKind{"service", "services", {"STATUS", "AGE"}};

Listed Item(const std::string& ns, const std::string& name, const std::string& status,
            uint64_t version) {
  Listed l;
  l.namespace_name = ns;
  l.name = name;
  l.cells = {status, "1m"};
  l.document = common::Value::Object().Set("name", name).Set("status", status);
  l.resource_version = version;
  return l;
}

TEST(WatchPrinter, SnapshotFixesTheColumnWidths) {
  std::ostringstream out;
  WatchPrinter printer(out, kKind, ListingOptions{});
  printer.PrintSnapshot({Item("default", "api", "Running", 1), Item("default", "db", "Pending", 2)});
  printer.PrintEvent(api::MODIFIED, Item("default", "db", "Running", 3));
  // Wider than the snapshot's NAME column: the rest of the row moves right.
  printer.PrintEvent(api::ADDED, Item("default", "a-much-longer-name", "", 4));
  printer.PrintEvent(api::DELETED, Item("default", "api", "Running", 1));
  EXPECT_EQ(out.str(),
            "EVENT      NAME   STATUS    AGE\n"
            "ADDED      api    Running   1m\n"
            "ADDED      db     Pending   1m\n"
            "MODIFIED   db     Running   1m\n"
            "ADDED      a-much-longer-name   -         1m\n"
            "DELETED    api    Running   1m\n");
}

TEST(WatchPrinter, EmptySnapshotWithoutHeadersUsesMinimalWidths) {
  std::ostringstream out;
  ListingOptions options;
  options.headers = false;
  options.all_namespaces = true;
  WatchPrinter printer(out, kKind, options);
  printer.PrintSnapshot({});
  printer.PrintEvent(api::ADDED, Item("prod", "api", "Pending", 1));
  EXPECT_EQ(out.str(), "ADDED      prod   api   Pending   1m\n");
}

TEST(WatchPrinter, JsonIsOneCompactLinePerEvent) {
  std::ostringstream out;
  ListingOptions options;
  options.format = "json";
  WatchPrinter printer(out, kKind, options);
  printer.PrintSnapshot({Item("default", "api", "Running", 1)});
  printer.PrintEvent(api::DELETED, Item("default", "api", "Running", 1));
  EXPECT_EQ(out.str(),
            "{\"type\":\"ADDED\",\"service\":{\"name\":\"api\",\"status\":\"Running\"}}\n"
            "{\"type\":\"DELETED\",\"service\":{\"name\":\"api\",\"status\":\"Running\"}}\n");
}

TEST(WatchState, ResyncReportsOnlyRealChanges) {
  WatchState state;
  std::vector<WatchState::Change> first =
      state.Resync({Item("default", "db", "Running", 2), Item("default", "api", "Running", 1),
                    Item("default", "old", "Running", 3)});
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].object.name, "api");  // sorted
  for (const auto& c : first) EXPECT_EQ(c.type, api::ADDED);

  EXPECT_FALSE(state.Apply(api::MODIFIED, Item("default", "api", "Running", 1)));  // repeat
  EXPECT_TRUE(state.Apply(api::MODIFIED, Item("default", "api", "Degraded", 5)));

  // After a reconnect: api unchanged (version 5), db modified, old gone, new added.
  std::vector<WatchState::Change> second =
      state.Resync({Item("default", "api", "Degraded", 5), Item("default", "db", "Failed", 7),
                    Item("default", "new", "Pending", 8)});
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[0].type, api::MODIFIED);
  EXPECT_EQ(second[0].object.name, "db");
  EXPECT_EQ(second[1].type, api::ADDED);
  EXPECT_EQ(second[1].object.name, "new");
  EXPECT_EQ(second[2].type, api::DELETED);
  EXPECT_EQ(second[2].object.name, "old");
  EXPECT_EQ(second[2].object.cells[0], "Running");  // its last printed state
}

TEST(WatchState, DeletedForgetsTheObject) {
  WatchState state;
  state.Resync({Item("default", "api", "Running", 1)});
  EXPECT_TRUE(state.Apply(api::DELETED, Item("default", "api", "Running", 1)));
  EXPECT_TRUE(state.Resync({}).empty());
}

}  // namespace
}  // namespace rune::cli
