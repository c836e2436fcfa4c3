#include "runed/genman.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/cli/man.h"
#include "common/cli/parser.h"
#include "common/runefile/runefile.h"
#include "common/runefile/schema.h"
#include "common/yaml/node.h"
#include "gtest/gtest.h"

namespace rune::daemon {
namespace {

using common::RunefileKey;
using common::RunefileType;

// The node at dotted `path` below `root`; nullptr when absent.
const common::yaml::Node* At(const common::yaml::Node& root, const std::string& path) {
  const common::yaml::Node* node = &root;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (!node->IsMapping()) return nullptr;
    node = node->Find(part);
    if (node == nullptr) return nullptr;
  }
  return node;
}

TEST(RunefileExample, IsValid) {
  common::RunefileResult r = common::ParseRunefile(RunefileExample());
  ASSERT_TRUE(r.findings.empty()) << r.findings[0].line << ": " << r.findings[0].message;
  EXPECT_EQ(r.runefile.docker.registries.size(), 4u);
}

TEST(RunefileExample, ShowsEveryKeyOfTheSchema) {
  common::yaml::Mark mark;
  auto docs = common::yaml::ParseDocuments(RunefileExample(), &mark);
  ASSERT_TRUE(docs.ok());
  const common::yaml::Node& root = (*docs)[0].root;
  const std::string entry_prefix = "docker.registries[].";
  for (const RunefileKey& key : common::RunefileKeys()) {
    if (absl::StartsWith(key.path, entry_prefix)) {
      // Entry keys: set in one of the entries, or shown in a comment.
      const std::string name = key.path.substr(entry_prefix.size());
      bool shown = absl::StrContains(RunefileExample(), name + ": ");
      EXPECT_TRUE(shown) << key.path;
      continue;
    }
    EXPECT_NE(At(root, key.path), nullptr) << key.path << " is missing from the example";
  }
}

// runed's examples: every line that starts a runed parses with its table.
TEST(RunedExamples, Parse) {
  int checked = 0;
  for (const std::string& example : RunedCommand().examples) {
    for (absl::string_view line : absl::StrSplit(example, '\n')) {
      size_t at = line.find("runed ");
      if (at == absl::string_view::npos || (at > 0 && line.substr(0, at) != "sudo ")) continue;
      std::vector<std::string> words;
      for (absl::string_view word : absl::StrSplit(line.substr(at + 6), ' ', absl::SkipEmpty())) {
        if (word == "&") break;
        words.push_back(word == "\"\"" ? "" : std::string(word));
      }
      absl::StatusOr<common::cli::ParsedCommand> parsed = common::cli::Parse(RunedCommand(), words);
      EXPECT_TRUE(parsed.ok()) << line << ": " << parsed.status().message();
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);
}

TEST(RunedManPages, RunedAndRunefile) {
  std::vector<common::cli::ManPage> pages = RunedManPages("2026-01-02");
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].file_name, "runed.8");
  EXPECT_EQ(pages[1].file_name, "runefile.5");
  const std::string& runed = pages[0].content;
  for (const char* section : {".SH SIGNALS", ".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES",
                              ".SH EXAMPLES", ".SH SEE ALSO"}) {
    EXPECT_TRUE(absl::StrContains(runed, section)) << section;
  }
  EXPECT_TRUE(absl::StrContains(runed, "\\-\\-stop\\-instances\\-on\\-exit"));
  EXPECT_TRUE(absl::StrContains(runed, "systemctl enable \\-\\-now runed"));

  const std::string& runefile = pages[1].content;
  EXPECT_TRUE(absl::StartsWith(runefile, ".TH \"RUNEFILE\" \"5\" \"2026-01-02\""));
  for (const RunefileKey& key : common::RunefileKeys()) {
    EXPECT_TRUE(absl::StrContains(runefile, "\\fB" + common::cli::RoffEscape(key.path) + "\\fR\n"))
        << key.path;
  }
  for (const common::RunefileRename& rename : common::RunefileRenames()) {
    EXPECT_TRUE(absl::StrContains(runefile, common::cli::RoffEscape(rename.from))) << rename.from;
  }
  EXPECT_TRUE(absl::StrContains(runefile, "Type: one of debug, info, warn, error. Default: info."));
  EXPECT_TRUE(absl::StrContains(runefile, "Default: \":7863\"."));
  EXPECT_TRUE(absl::StrContains(runefile, ".SH EXAMPLES\n"));
  EXPECT_TRUE(absl::StrContains(runefile, "\\fBruned\\fR(8)"));
}

}  // namespace
}  // namespace rune::daemon
