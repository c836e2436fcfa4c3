// SPEC §7.2: every `rune …` command quoted in a hint, a help text or a man
// page resolves in the command table (quoted_commands.h says what "quoted"
// and "resolves" mean). Reads the command table itself, the hints of
// common/errors, every C++ source rune and runed are built from, every
// checked-in man page, and the hints golden cases expect.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/cli/command.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "rune/command_table.h"
#include "testing/contract/golden_case.h"
#include "testing/contract/quoted_commands.h"

namespace rune::contract {
namespace {

namespace fs = std::filesystem;
using common::cli::Command;
using common::cli::Flag;

std::string Runfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/", workspace != nullptr ? workspace : "rune",
                      "/", path);
}

std::string Slurp(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

class Collector {
 public:
  // `kind` groups the counts printed at the end ("man page", "source", …).
  void Add(const std::string& kind, const std::string& origin, std::vector<QuotedCommand> found) {
    for (QuotedCommand& q : found) {
      ++counts_[kind];
      const absl::Status s = Resolve(cli::RootCommand(), q.words);
      if (!s.ok()) {
        problems_.push_back(absl::StrCat(origin, ": ", q.text, "\n    \"",
                                         absl::StrJoin(q.words, " "), "\": ", s.message()));
      }
    }
  }
  const std::map<std::string, int>& counts() const { return counts_; }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::map<std::string, int> counts_;
  std::vector<std::string> problems_;
};

void Walk(const std::vector<const Command*>& path,
          const std::function<void(const std::vector<const Command*>&)>& fn) {
  fn(path);
  for (const Command& sub : path.back()->subcommands) {
    std::vector<const Command*> next = path;
    next.push_back(&sub);
    Walk(next, fn);
  }
}

void AddHelpText(Collector& c, const std::string& origin, const std::string& text) {
  c.Add("help text", origin, QuotedInProse(text));
  // Indented lines of a long help are examples.
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, "  ")) c.Add("help text", origin, CommandsInShellLine(line));
  }
}

TEST(EveryQuotedCommand, ResolvesInTheCommandTable) {
  Collector c;

  // The command table: help texts, examples, flag usages.
  Walk({&cli::RootCommand()}, [&c](const std::vector<const Command*>& path) {
    const Command& cmd = *path.back();
    const std::string origin = absl::StrCat("help of '", common::cli::JoinPath(path), "'");
    AddHelpText(c, origin, cmd.short_help);
    AddHelpText(c, origin, cmd.long_help);
    AddHelpText(c, origin, cmd.missing_args_message);
    for (const std::string& example : cmd.examples) {
      c.Add("example", origin, CommandsInShellLine(example));
    }
    for (const std::vector<Flag>* flags : {&cmd.flags, &cmd.global_flags}) {
      for (const Flag& f : *flags) AddHelpText(c, origin + " --" + f.name, f.usage);
    }
  });

  // The hints of the error contract (§2.4, §2.5).
  for (int code = 0; code <= 16; ++code) {
    c.Add("error contract", "default hint",
          QuotedInProse(std::string(common::DefaultServerHint(static_cast<absl::StatusCode>(code)))));
  }
  for (const absl::Status& s :
       {common::ContextMissingError("x"), common::CurrentContextDeleteError("x"),
        common::ConnectError("127.0.0.1:1", "connection refused"),
        common::ClientDeadlineError("request timed out after 1s"),
        common::UsageError("x", "rune get")}) {
    c.Add("error contract", "local error hint", QuotedInProse(common::Classify(s).hint.value_or("")));
  }

  // Every source rune and runed are built from (hints of both).
  const std::string manifest = Slurp(Runfile("testing/contract/product_sources.txt"));
  int sources = 0;
  for (absl::string_view path : absl::StrSplit(manifest, '\n', absl::SkipEmpty())) {
    ++sources;
    c.Add("source", std::string(path), QuotedInCppSource(Slurp(Runfile(std::string(path)))));
  }

  // Every checked-in man page, whatever its section.
  int pages = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(Runfile("man"))) {
    const std::string ext = e.path().extension().string();
    if (ext != ".1" && ext != ".5" && ext != ".8") continue;
    ++pages;
    c.Add("man page", e.path().filename().string(), CommandsInManPage(Slurp(e.path().string())));
  }

  // The hints golden cases expect (runed's hints with real values).
  absl::StatusOr<std::vector<GoldenCase>> cases = ReadGoldenCases(Runfile("testdata/cli"));
  ASSERT_TRUE(cases.ok()) << cases.status();
  for (const GoldenCase& g : *cases) {
    std::optional<ReportedError> e = ParseReportedError(g.stderr_text);
    if (e.has_value() && e->hint.has_value()) {
      c.Add("golden hint", "testdata/cli/" + g.name, QuotedInProse(*e->hint));
    }
  }

  std::cout << sources << " source files, " << pages << " man pages, " << cases->size()
            << " golden cases read\n";
  for (const auto& [kind, n] : c.counts()) std::cout << n << " commands from " << kind << "s\n";
  std::cout << c.problems().size() << " do not resolve\n";
  for (const std::string& p : c.problems()) std::cout << "  " << p << "\n";
  EXPECT_TRUE(c.problems().empty()) << absl::StrJoin(c.problems(), "\n");

  // The collectors found what they must (a broken reader finds nothing).
  EXPECT_GT(sources, 100);
  EXPECT_GT(pages, 60);
  EXPECT_GT(c.counts().at("source"), 20);
  EXPECT_GT(c.counts().at("man page"), 100);
  EXPECT_GT(c.counts().at("example"), 30);
  EXPECT_GT(c.counts().at("help text"), 10);
  EXPECT_GT(c.counts().at("golden hint"), 30);
  EXPECT_GT(c.counts().at("error contract"), 5);
}

}  // namespace
}  // namespace rune::contract
