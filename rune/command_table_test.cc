#include "rune/command_table.h"

#include <set>

#include "absl/strings/str_split.h"
#include "common/cli/parser.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace rune::cli {
namespace {

using common::cli::Command;
using common::cli::Flag;

void Walk(const std::vector<const Command*>& path,
          const std::function<void(const std::vector<const Command*>&)>& fn) {
  fn(path);
  for (const Command& sub : path.back()->subcommands) {
    std::vector<const Command*> next = path;
    next.push_back(&sub);
    Walk(next, fn);
  }
}

std::string PathOf(const std::vector<const Command*>& path) {
  std::string out;
  for (const Command* c : path) out += (out.empty() ? "" : " ") + c->name;
  return out;
}

TEST(CommandTable, EveryCommandIsDescribedAndFlagsAreUnique) {
  Walk({&RootCommand()}, [](const std::vector<const Command*>& path) {
    const Command& cmd = *path.back();
    EXPECT_FALSE(cmd.short_help.empty()) << PathOf(path);
    std::set<std::string> names;
    std::set<char> shorts;
    for (const Flag* f : common::cli::VisibleFlags(path)) {
      EXPECT_TRUE(names.insert(f->name).second) << PathOf(path) << " --" << f->name;
      if (f->shorthand != 0) {
        EXPECT_TRUE(shorts.insert(f->shorthand).second) << PathOf(path) << " -" << f->shorthand;
      }
      EXPECT_FALSE(f->usage.empty()) << PathOf(path) << " --" << f->name;
    }
    for (const common::cli::Exclusive& ex : cmd.exclusive) {
      EXPECT_NE(common::cli::FindLongFlag(path, ex.a), nullptr) << PathOf(path) << " " << ex.a;
      EXPECT_NE(common::cli::FindLongFlag(path, ex.b), nullptr) << PathOf(path) << " " << ex.b;
    }
    for (const std::string& name : cmd.required_flags) {
      EXPECT_NE(common::cli::FindLongFlag(path, name), nullptr) << PathOf(path) << " " << name;
    }
  });
}

TEST(CommandTable, CoversTheCommandsOfTheSpec) {
  for (const char* line :
       {"cast", "apply", "get", "delete", "remove", "rm", "delete service", "delete svc",
        "delete secret", "delete configmap", "delete cm", "delete namespace", "delete ns",
        "delete instance", "delete inst", "delete list", "delete status", "scale", "restart", "stop",
        "status", "logs", "log", "exec", "e", "health", "deps graph", "deps check", "deps validate",
        "deps dependents", "lint", "pack", "create namespace", "create ns", "create secret",
        "create configmap", "create config", "create cm", "rollback", "login", "logout", "whoami",
        "context view", "context list", "context list-contexts", "context use",
        "context use-context", "context set", "context set-context", "context delete",
        "context delete-context", "config view", "admin bootstrap", "admin user create",
        "admin user list", "admin user delete", "admin policy create", "admin policy get",
        "admin policy list", "admin policy attach", "admin policy detach", "admin policy delete",
        "admin token create", "admin token list", "admin token revoke", "admin registry add",
        "admin registries list", "admin registry remove", "version", "completion", "help",
        "__complete", "__completeNoDesc", "__genman", "use-context"}) {
    const Command* at = &RootCommand();
    for (absl::string_view word : absl::StrSplit(line, ' ')) {
      at = common::cli::FindSubcommand(*at, word);
      ASSERT_NE(at, nullptr) << line;
    }
  }
}

TEST(CommandTable, PositionalChecksGiveM42) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"scale", "api", "abc"}, "invalid replicas \"abc\": must be an integer between 0 and 1000"},
      {{"scale", "api", "1001"}, "invalid replicas \"1001\": must be an integer between 0 and 1000"},
      {{"get", "foo"},
       "invalid resource type \"foo\": must be one of services, instances, namespaces, secrets, "
       "configmaps"},
      {{"get", "jobs"}, "resource type \"jobs\" is not supported yet"},
      {{"completion", "powershell"}, "invalid shell \"powershell\": must be one of bash, zsh, fish"},
      {{"exec", "api"}, "requires a command to run, e.g. 'rune exec api sh'"},
      {{"get", "svc", "api", "-A"}, "a resource name cannot be combined with --all-namespaces"},
      {{"get", "secrets", "-w"}, "--watch is not supported for secrets"},
      {{"get", "svc", "-w", "-o", "yaml"}, "--watch supports -o table or json"},
      {{"scale", "api", "3", "--step", "2"}, "flag --step requires --mode gradual"},
      {{"create", "secret", "db"}, "one of --from-literal, --from-file is required"},
      {{"logs", "api", "--grep", "("},
       "invalid argument \"(\" for \"--grep\" flag: invalid regular expression: missing ): ("},
      {{"get", "svc", "-l", "a b"}, "invalid argument \"a b\" for \"-l, --selector\" flag: invalid label selector: invalid key \"a b\""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<common::cli::ParsedCommand> p = common::cli::Parse(RootCommand(), c.args);
    ASSERT_FALSE(p.ok()) << c.args[0];
    EXPECT_EQ(p.status().message(), c.message);
    EXPECT_EQ(common::Classify(p.status()).exit_code, 2);
  }
  EXPECT_TRUE(common::cli::Parse(RootCommand(), {"scale", "api", "0"}).ok());
  EXPECT_TRUE(common::cli::Parse(RootCommand(), {"get", "cm"}).ok());
}

}  // namespace
}  // namespace rune::cli
