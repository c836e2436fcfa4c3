#include "common/cli/parser.h"

#include "common/cli/test_table.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace rune::common::cli {
namespace {

std::string ErrorOf(std::vector<std::string> args) {
  absl::StatusOr<ParsedCommand> p = Parse(TestRoot(), args);
  if (p.ok()) return "OK";
  EXPECT_EQ(Classify(p.status()).exit_code, 2) << p.status();
  return std::string(p.status().message());
}

TEST(Parse, CommandPathFlagsAndArgsInterspersed) {
  absl::StatusOr<ParsedCommand> p =
      Parse(TestRoot(), {"-n", "prod", "scale", "--mode=gradual", "api", "--step", "3", "5", "-v"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->CommandPath(), "tool scale");
  EXPECT_EQ(p->args, (std::vector<std::string>{"api", "5"}));
  EXPECT_EQ(p->String("namespace"), "prod");
  EXPECT_EQ(p->String("mode"), "gradual");
  EXPECT_EQ(p->Int("step"), 3);
  EXPECT_TRUE(p->Bool("verbose"));
  EXPECT_TRUE(p->Bool("wait"));  // default true
  EXPECT_EQ(p->Duration("request-timeout"), absl::Seconds(30));
}

TEST(Parse, ShortFormsAndCombinedBooleans) {
  absl::StatusOr<ParsedCommand> p = Parse(TestRoot(), {"scale", "-rA", "-nprod", "a", "1"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->Bool("recursive"));
  EXPECT_TRUE(p->Bool("all"));
  EXPECT_EQ(p->String("namespace"), "prod");
  p = Parse(TestRoot(), {"scale", "-n=dev", "--all=false", "a", "1"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->String("namespace"), "dev");
  EXPECT_FALSE(p->Bool("all"));
  EXPECT_TRUE(p->IsSet("all"));
}

TEST(Parse, RepeatableAndCommaLists) {
  absl::StatusOr<ParsedCommand> p = Parse(
      TestRoot(), {"scale", "a", "1", "--set", "a=1", "--set", "b=2", "--policies", "x,y", "--policies=z"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->Strings("set"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(p->Strings("policies"), (std::vector<std::string>{"x", "y", "z"}));
}

TEST(Parse, AliasesAndDoubleDash) {
  absl::StatusOr<ParsedCommand> p = Parse(TestRoot(), {"apply", "--", "-file.yaml", "--output"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->command().name, "cast");
  EXPECT_EQ(p->args, (std::vector<std::string>{"-file.yaml", "--output"}));
}

TEST(Parse, ExecStopsFlagParsingAtTheCommand) {
  absl::StatusOr<ParsedCommand> p = Parse(TestRoot(), {"exec", "-t", "api", "ls", "-la", "--tty"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->Bool("tty"));
  EXPECT_EQ(p->args, (std::vector<std::string>{"api", "ls", "-la", "--tty"}));
  EXPECT_EQ(ErrorOf({"exec", "api"}), "requires a command to run");
}

TEST(Parse, HelpAndGroups) {
  absl::StatusOr<ParsedCommand> p = Parse(TestRoot(), {"scale", "--help"});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->help_requested);
  p = Parse(TestRoot(), {"admin", "user"});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->help_requested);
  EXPECT_EQ(p->CommandPath(), "tool admin user");
  p = Parse(TestRoot(), {});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->help_requested);
}

TEST(Parse, UsageErrorsM34ToM40) {
  EXPECT_EQ(ErrorOf({"nosuch"}), "unknown command \"nosuch\" for \"tool\"");
  EXPECT_EQ(ErrorOf({"admin", "nosuch"}), "unknown command \"nosuch\" for \"tool admin\"");
  EXPECT_EQ(ErrorOf({"status", "extra"}), "unknown command \"extra\" for \"tool status\"");
  EXPECT_EQ(ErrorOf({"scale", "--bogus"}), "unknown flag: --bogus");
  EXPECT_EQ(ErrorOf({"scale", "-x"}), "unknown shorthand flag: 'x' in -x");
  EXPECT_EQ(ErrorOf({"scale", "a", "-1"}), "unknown shorthand flag: '1' in -1");
  EXPECT_EQ(ErrorOf({"scale", "a", "1", "--mode"}), "flag needs an argument: --mode");
  EXPECT_EQ(ErrorOf({"scale", "a", "1", "-n"}), "flag needs an argument: 'n' in -n");
  EXPECT_EQ(ErrorOf({"scale", "a", "1", "--mode", "slow"}),
            "invalid argument \"slow\" for \"--mode\" flag: must be one of: immediate, gradual");
  EXPECT_EQ(ErrorOf({"scale", "a", "1", "--step", "x"}),
            "invalid argument \"x\" for \"--step\" flag: not an integer");
  EXPECT_EQ(ErrorOf({"scale", "a", "1", "--step", "0"}),
            "invalid argument \"0\" for \"--step\" flag: must be >= 1");
  EXPECT_EQ(ErrorOf({"scale", "a", "1", "--request-timeout", "5"}),
            "invalid argument \"5\" for \"--request-timeout\" flag: invalid duration");
  EXPECT_EQ(ErrorOf({"scale", "a"}), "accepts 2 arg(s), received 1");
  EXPECT_EQ(ErrorOf({"cast"}), "requires at least 1 arg(s), only received 0");
  EXPECT_EQ(ErrorOf({"scale", "a", "1", "--wait", "--no-wait"}),
            "flags --wait and --no-wait cannot be used together");
  EXPECT_EQ(ErrorOf({"admin", "user", "create", "bob"}), "required flag \"--email\" not set");
}

TEST(Parse, UsageHintNamesTheCommand) {
  absl::StatusOr<ParsedCommand> p = Parse(TestRoot(), {"scale", "a"});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(Classify(p.status()).hint, "run 'tool scale --help' for usage");
}

TEST(Parse, DidYouMean) {
  absl::StatusOr<ParsedCommand> p = Parse(TestRoot(), {"csat"});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(Classify(p.status()).hint, "did you mean \"cast\"?");
  p = Parse(TestRoot(), {"zzzzzz"});
  EXPECT_EQ(Classify(p.status()).hint, "run 'tool --help' for usage");
}

TEST(Parse, LocalFlagShadowsGlobal) {
  Command root = TestRoot();
  Command login;
  login.name = "login";
  login.flags = {StringFlag("namespace", 'n', "context namespace")};
  login.run = &Noop;
  root.subcommands.push_back(login);
  absl::StatusOr<ParsedCommand> p = Parse(root, {"login", "-n", "x"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->flags.at("namespace").flag->usage, "context namespace");
}

}  // namespace
}  // namespace rune::common::cli
