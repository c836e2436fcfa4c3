#include "rune/completion_names.h"

#include <fstream>
#include <string>

#include "common/cli/parser.h"
#include "gtest/gtest.h"
#include "rune/command_table.h"

namespace rune::cli {
namespace {

using common::cli::Completion;

TEST(CompletionBudget, MillisecondsThenDurationThenDefault) {
  EXPECT_EQ(CompletionBudget({}), absl::Milliseconds(300));
  EXPECT_EQ(CompletionBudget({{"RUNE_COMPLETION_TIMEOUT_MS", "120"}}), absl::Milliseconds(120));
  EXPECT_EQ(CompletionBudget({{"RUNE_COMPLETION_TIMEOUT", "2s"}}), absl::Seconds(2));
  EXPECT_EQ(CompletionBudget({{"RUNE_COMPLETION_TIMEOUT_MS", "50"}, {"RUNE_COMPLETION_TIMEOUT", "2s"}}),
            absl::Milliseconds(50));
  // Malformed or non-positive values fall back to the default.
  EXPECT_EQ(CompletionBudget({{"RUNE_COMPLETION_TIMEOUT_MS", "abc"}}), absl::Milliseconds(300));
  EXPECT_EQ(CompletionBudget({{"RUNE_COMPLETION_TIMEOUT_MS", "0"}}), absl::Milliseconds(300));
  EXPECT_EQ(CompletionBudget({{"RUNE_COMPLETION_TIMEOUT", "soon"}}), absl::Milliseconds(300));
}

common::cli::ParsedCommand Partial(const std::vector<std::string>& words) {
  common::cli::ParsedCommand p;
  std::vector<std::string> rest;
  p.path = common::cli::FindCommandPath(RootCommand(), words, &rest);
  return p;
}

TEST(CompletionNames, ContextsComeFromTheConfigFile) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/config.yaml";
  std::ofstream(path) << "contexts:\n  dev:\n    server: localhost:7863\n";
  const Environment env = {{"RUNE_CLI_CONFIG", path}};
  CompletionNames names(env, absl::Milliseconds(300));
  std::vector<common::cli::Candidate> got = names.Names(Completion::kContexts, Partial({"context", "use"}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, "dev");
  EXPECT_EQ(got[0].description, "localhost:7863");
  EXPECT_FALSE(names.abandoned());
}

TEST(CompletionNames, AnAbsentServerGivesNoNames) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/none.yaml";
  // Port 1 on loopback: nothing listens, the connection is refused.
  const Environment env = {{"RUNE_CLI_CONFIG", path}, {"RUNE_API_SERVER", "127.0.0.1:1"}};
  CompletionNames names(env, absl::Seconds(5));
  EXPECT_TRUE(names.Names(Completion::kServices, Partial({"scale"})).empty());
  EXPECT_FALSE(names.abandoned());
}

TEST(CompletionNames, NothingAfterTheDeadline) {
  const Environment env = {{"RUNE_API_SERVER", "127.0.0.1:1"}};
  CompletionNames names(env, absl::ZeroDuration());
  EXPECT_TRUE(names.Names(Completion::kNamespaces, Partial({"get", "ns"})).empty());
  EXPECT_FALSE(names.abandoned());
}

}  // namespace
}  // namespace rune::cli
