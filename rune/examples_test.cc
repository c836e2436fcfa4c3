// Every example of the command table (shown by --help and the man pages) is a
// command line the parser accepts, and belongs to the page that shows it.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/cli/parser.h"
#include "gtest/gtest.h"
#include "rune/command_table.h"

namespace rune::cli {
namespace {

using common::cli::Command;

// Splits a shell command line into words: single and double quotes, and
// words up to the first shell operator (redirection, pipe, list).
std::vector<std::string> ShellWords(absl::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\'' || c == '"') {
      const size_t end = line.find(c, i + 1);
      EXPECT_NE(end, absl::string_view::npos) << "unbalanced quote in: " << line;
      if (end == absl::string_view::npos) return words;
      word.append(line.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '>' || c == '<' || c == '|' || c == ';' || c == '&' || c == ')') {
      if (in_word) words.push_back(word);
      return words;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// The rune command lines of an example: lines that start with "rune ", and
// "rune …" inside <(…) or $(…).
std::vector<std::string> RuneLines(const std::string& example) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(example, '\n')) {
    if (absl::StartsWith(line, "rune ")) {
      out.emplace_back(line);
      continue;
    }
    for (const char* opener : {"<(rune ", "$(rune "}) {
      const size_t at = line.find(opener);
      if (at != absl::string_view::npos) out.emplace_back(line.substr(at + 2));
    }
  }
  return out;
}

void Walk(const std::vector<const Command*>& path, int* checked) {
  const Command& cmd = *path.back();
  const std::string page = common::cli::JoinPath(path);
  if (!cmd.hidden) {
    EXPECT_FALSE(cmd.examples.empty()) << page << " has no examples";
  }
  for (const std::string& example : cmd.examples) {
    const std::vector<std::string> lines = RuneLines(example);
    EXPECT_FALSE(lines.empty()) << page << ": no rune command in example: " << example;
    for (const std::string& line : lines) {
      std::vector<std::string> words = ShellWords(line);
      ASSERT_FALSE(words.empty());
      words.erase(words.begin());  // "rune"
      absl::StatusOr<common::cli::ParsedCommand> parsed = common::cli::Parse(RootCommand(), words);
      ASSERT_TRUE(parsed.ok()) << page << ": \"" << line << "\": " << parsed.status().message();
      EXPECT_FALSE(parsed->help_requested) << page << ": \"" << line << "\" only prints help";
      // The example runs the page's command or one of its subcommands.
      const std::string ran = common::cli::JoinPath(parsed->path);
      EXPECT_TRUE(ran == page || absl::StartsWith(ran, page + " "))
          << page << " shows an example of " << ran << ": " << line;
      ++*checked;
    }
  }
  for (const Command& sub : cmd.subcommands) {
    std::vector<const Command*> next = path;
    next.push_back(&sub);
    Walk(next, checked);
  }
}

TEST(Examples, EveryExampleParsesAndBelongsToItsPage) {
  int checked = 0;
  Walk({&RootCommand()}, &checked);
  EXPECT_GT(checked, 100);
}

TEST(Examples, ShellWords) {
  EXPECT_EQ(ShellWords("rune exec api -- sh -c 'echo $X' > out"),
            (std::vector<std::string>{"rune", "exec", "api", "--", "sh", "-c", "echo $X"}));
  EXPECT_EQ(ShellWords("rune logs api --http-addr \"\" | grep x"),
            (std::vector<std::string>{"rune", "logs", "api", "--http-addr", ""}));
  EXPECT_EQ(RuneLines("source <(rune completion bash)"),
            (std::vector<std::string>{"rune completion bash)"}));
}

}  // namespace
}  // namespace rune::cli
