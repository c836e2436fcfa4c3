#include "testing/contract/quoted_commands.h"

#include "gtest/gtest.h"
#include "rune/command_table.h"

namespace rune::contract {
namespace {

using Words = std::vector<std::string>;

std::vector<Words> WordsOf(const std::vector<QuotedCommand>& found) {
  std::vector<Words> out;
  for (const QuotedCommand& q : found) out.push_back(q.words);
  return out;
}

absl::Status Check(const std::string& command) { return Resolve(cli::RootCommand(), command); }

TEST(ShellLines, FindEveryRuneCommandUpToOperatorsAndRedirections) {
  EXPECT_EQ(WordsOf(CommandsInShellLine("rune logs api -f --grep 'error|warn'")),
            (std::vector<Words>{{"rune", "logs", "api", "-f", "--grep", "error|warn"}}));
  EXPECT_EQ(WordsOf(CommandsInShellLine("source <(rune completion bash)")),
            (std::vector<Words>{{"rune", "completion", "bash"}}));
  EXPECT_EQ(WordsOf(CommandsInShellLine("rune get svc api -o yaml > api.yaml && rune cast api.yaml")),
            (std::vector<Words>{{"rune", "get", "svc", "api", "-o", "yaml"},
                                {"rune", "cast", "api.yaml"}}));
  EXPECT_EQ(WordsOf(CommandsInShellLine("cat x | sudo rune cast - 2>&1 | less  # comment")),
            (std::vector<Words>{{"rune", "cast", "-"}}));
  EXPECT_EQ(WordsOf(CommandsInShellLine("rune scale <name> <n>")),
            (std::vector<Words>{{"rune", "scale", "<name>", "<n>"}}));
  EXPECT_EQ(WordsOf(CommandsInShellLine("rune health [service|instance|node] [name] [flags]")),
            (std::vector<Words>{{"rune", "health", "[service|instance|node]", "[name]", "[flags]"}}));
  EXPECT_TRUE(CommandsInShellLine("runed --config x.yaml").empty());
  EXPECT_TRUE(CommandsInShellLine("echo rune get").empty());
}

TEST(Prose, FindsSingleQuotedCommandsAcrossLines) {
  EXPECT_EQ(WordsOf(QuotedInProse("run 'rune get services -n prod' to list services; it's 'rune\n"
                                  "deps graph api' or 'kubectl get'")),
            (std::vector<Words>{{"rune", "get", "services", "-n", "prod"},
                                {"rune", "deps", "graph", "api"}}));
  EXPECT_EQ(QuotedInProse("run 'rune get services -n prod'").front().text,
            "'rune get services -n prod'");
}

TEST(CppSources, JoinTheLiteralsOfOneCallWithPlaceholders) {
  const char source[] = R"cc(
    // 'rune in a comment' is not a hint
    return common::WithHint(status, absl::StrCat("list them with 'rune deps dependents ", name,
                                                 " -n ", Ns(x, y), "' or re-run with --force"));
    const char* kHint = "switch first with 'rune context use <other>'";
    std::vector<std::string> v = {"'rune a", "b'"};
    char c = '\'';
    std::string raw = R"(see 'rune logs api')";
  )cc";
  EXPECT_EQ(WordsOf(QuotedInCppSource(source)),
            (std::vector<Words>{{"rune", "deps", "dependents", "<x>", "-n", "<x>"},
                                {"rune", "context", "use", "<other>"},
                                {"rune", "logs", "api"}}));
}

TEST(ManPages, ReadSynopsisExamplesBoldLinesAndProse) {
  const char page[] =
      ".TH \"RUNE-SCALE\" \"1\"\n"
      ".SH SYNOPSIS\n"
      "\\fBrune scale\\fR <service> <replicas> [flags]\n"
      ".SH DESCRIPTION\n"
      "Start with 'rune cast \\fIfile\\fR' and\n"
      "\\&'rune get\n"
      "services \\-A'.\n"
      ".B rune stop api\n"
      ".SH EXAMPLES\n"
      ".nf\n"
      "rune scale api 10 \\-\\-mode gradual\n"
      "runed \\-\\-config /etc/rune/runefile.yaml\n"
      ".fi\n";
  EXPECT_EQ(WordsOf(CommandsInManPage(page)),
            (std::vector<Words>{{"rune", "scale", "<service>", "<replicas>", "[flags]"},
                                {"rune", "stop", "api"},
                                {"rune", "scale", "api", "10", "--mode", "gradual"},
                                {"rune", "cast", "<file>"},
                                {"rune", "get", "services", "-A"}}));
}

TEST(Resolve, AcceptsCommandsOfTheTable) {
  for (const char* command : {
           "rune get services -n prod",
           "rune get svc api -o yaml",
           "rune rm api",
           "rune apply -f values.yaml ./app",
           "rune scale <name> <n>",
           "rune scale api 10 --mode gradual --step 2 --interval 1m",
           "rune context use <other>",
           "rune config view",
           "rune help admin token create",
           "rune exec api -- sh -c 'echo $HOME'",
           "rune exec -t instance/api-1 sh",
           "rune -n prod get svc",
           "rune logs api -f --grep 'error|warn' --tail=20",
           "rune delete status <id> -n <ns>",
           "rune get -ojson",
           "rune cast <source>... [flags]",
           "rune admin <command> [flags]",
           "rune deps graph …",
       }) {
    EXPECT_TRUE(Check(command).ok()) << command << ": " << Check(command);
  }
}

TEST(Resolve, RejectsWhatTheTableDoesNotHave) {
  struct Case {
    const char* command;
    const char* problem;
  } cases[] = {
      {"rune frobnicate", "unknown command \"frobnicate\" for \"rune\""},
      {"rune admin frobnicate --all", "unknown command \"frobnicate\" for \"rune admin\""},
      {"rune get services --bogus", "unknown flag --bogus for \"rune get\""},
      {"rune get services -x", "unknown shorthand flag -x for \"rune get\""},
      {"rune scale api 3 --to 4", "unknown flag --to for \"rune scale\""},
      {"rune status extra", "\"rune status\" accepts at most 0 arg(s), given 1"},
      {"rune scale api abc", "invalid replicas \"abc\": must be an integer between 0 and 1000"},
      {"rune get services -o xml",
       "invalid value \"xml\" for --output: must be one of: table, json, yaml"},
      {"rune get services --namespace", "flag --namespace needs a value"},
      {"rune cast --detach=yes x.yaml", "flag --detach takes no value"},
      {"rune help frobnicate", "help: unknown command \"frobnicate\" for \"rune\""},
  };
  for (const Case& c : cases) {
    const absl::Status s = Check(c.command);
    EXPECT_EQ(s.message(), c.problem) << c.command;
  }
}

TEST(Resolve, CatchesAMadeUpCommandInAHint) {
  std::vector<QuotedCommand> found =
      QuotedInProse("Hint: run 'rune frobnicate --now' to fix it, then 'rune get services'");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_FALSE(Resolve(cli::RootCommand(), found[0].words).ok());
  EXPECT_TRUE(Resolve(cli::RootCommand(), found[1].words).ok());

  // The same made-up command in a man page example and in a source's hint.
  found = CommandsInManPage(".SH EXAMPLES\n.nf\nrune frobnicate \\-\\-now\n.fi\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(Resolve(cli::RootCommand(), found[0].words).message(),
            "unknown command \"frobnicate\" for \"rune\"");
  found = QuotedInCppSource(
      R"(return WithHint(s, absl::StrCat("try 'rune frobnicate ", name, "' now"));)");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].words, (Words{"rune", "frobnicate", "<x>"}));
  EXPECT_FALSE(Resolve(cli::RootCommand(), found[0].words).ok());
}

}  // namespace
}  // namespace rune::contract
