#include "common/cli/complete.h"

#include "common/cli/test_table.h"
#include "gtest/gtest.h"

namespace rune::common::cli {
namespace {

class FakeNames : public NameSource {
 public:
  std::vector<Candidate> Names(Completion kind, const ParsedCommand& partial) override {
    last_namespace = partial.String("namespace");
    if (kind == Completion::kServices) return {{"api", "Running"}, {"db", "Pending"}};
    return {};
  }
  std::string last_namespace;
};

std::string CompleteText(std::vector<std::string> args, NameSource* names = nullptr) {
  return FormatCandidates(Complete(TestRoot(), args, names), true);
}

TEST(Complete, SubcommandsWithDescriptionsNoHidden) {
  EXPECT_EQ(CompleteText({"s"}), "scale\tScale a service\nstatus\tSummary\n:4\n");
  EXPECT_EQ(CompleteText({"__"}), ":4\n");
}

TEST(Complete, AliasesOnlyWhenNoNameMatches) {
  EXPECT_EQ(CompleteText({"ap"}), "apply\tApply files\n:4\n");
}

TEST(Complete, FlagsOmitOnesAlreadySet) {
  const std::string out = CompleteText({"scale", "--mode", "gradual", "--m"});
  EXPECT_EQ(out, ":4\n");
  const std::string all = CompleteText({"scale", "-"});
  EXPECT_NE(all.find("--step\t"), std::string::npos);
  EXPECT_NE(all.find("-A\t"), std::string::npos);
  EXPECT_EQ(CompleteText({"scale", "--set", "a=1", "--se"}), "--set\tset\n:4\n");
}

TEST(Complete, EnumValues) {
  EXPECT_EQ(CompleteText({"scale", "--mode", ""}), "gradual\nimmediate\n:4\n");
  EXPECT_EQ(CompleteText({"scale", "--mode=g"}), "--mode=gradual\n:4\n");
}

TEST(Complete, FileKinds) {
  EXPECT_EQ(CompleteText({"cast", ""}), "yaml\nyml\njson\ntgz\n:8\n");
  EXPECT_EQ(CompleteText({"cast", "--config", ""}), ":0\n");
}

TEST(Complete, DynamicNamesAndArgLimits) {
  FakeNames names;
  EXPECT_EQ(CompleteText({"-n", "prod", "scale", ""}, &names), "api\tRunning\ndb\tPending\n:4\n");
  EXPECT_EQ(names.last_namespace, "prod");
  EXPECT_EQ(CompleteText({"scale", "api", "3", ""}, &names), ":4\n");
}

// `health [kind] [name]`: kinds beside service names, then names of the kind.
Completion NamesOfKind(const ParsedCommand& p) {
  return !p.args.empty() && p.args[0] == "service" ? Completion::kServices : Completion::kNone;
}

TEST(Complete, ChoicesBesideNamesAndCompletionFromEarlierArgs) {
  Command root;
  root.name = "tool";
  Command health;
  health.name = "health";
  health.max_args = 2;
  health.run = &Noop;
  Positional kind;
  kind.name = "kind";
  kind.completion = Completion::kServices;
  kind.choices = {"service", "node"};
  kind.choice_help = {"a service", "this host"};
  Positional target;
  target.name = "target";
  target.completion_for = &NamesOfKind;
  health.positionals = {kind, target};
  root.subcommands = {health};
  FakeNames names;
  EXPECT_EQ(FormatCandidates(Complete(root, {"health", ""}, &names), true),
            "api\tRunning\ndb\tPending\nnode\tthis host\nservice\ta service\n:4\n");
  EXPECT_EQ(FormatCandidates(Complete(root, {"health", ""}, nullptr), true),
            "node\tthis host\nservice\ta service\n:4\n");
  EXPECT_EQ(FormatCandidates(Complete(root, {"health", "service", "a"}, &names), true),
            "api\tRunning\n:4\n");
  EXPECT_EQ(FormatCandidates(Complete(root, {"health", "node", ""}, &names), true), ":4\n");
}

TEST(Complete, NestedGroups) {
  EXPECT_EQ(CompleteText({"admin", "user", ""}), "create\tCreate a user\n:4\n");
}

TEST(Complete, DirectiveLine) {
  EXPECT_EQ(DirectiveLine(0), "Completion ended with directive: ShellCompDirectiveDefault\n");
  EXPECT_EQ(DirectiveLine(6),
            "Completion ended with directive: ShellCompDirectiveNoSpace, "
            "ShellCompDirectiveNoFileComp\n");
}

}  // namespace
}  // namespace rune::common::cli
