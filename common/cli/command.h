// The shape of a command table: commands, flags, positional arguments.
//
// One table per binary declares everything the user can type. The parser,
// `--help`, the `__complete` protocol, the shell scripts and the man pages
// all render from it, so they cannot drift (ripgrep, Bazel's scripts/).
//
//   Command scale{
//       .name = "scale",
//       .short_help = "Change the number of instances of a service",
//       .args_usage = "<service> <replicas>",
//       .min_args = 2, .max_args = 2,
//       .positionals = {{"service", Completion::kServices}, {"replicas"}},
//       .flags = {EnumFlag("mode", "scaling mode", {"immediate", "gradual"}, "immediate")},
//       .run = &RunScale,
//   };
#ifndef RUNE_COMMON_CLI_COMMAND_H_
#define RUNE_COMMON_CLI_COMMAND_H_

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace rune::cli {
class Invocation;  // defined by the rune CLI; runed's table has no handlers
}  // namespace rune::cli

namespace rune::common::cli {

class ParsedCommand;  // parser.h

// How the value of a flag is written and checked.
enum class ValueType {
  kBool,
  kString,
  kInt,          // checked against Flag::min_value
  kDuration,     // SPEC §1.5 grammar
  kEnum,         // one of Flag::choices
  kStringArray,  // repeatable, accumulates in order
  kStringList,   // comma-separated, repeatable, accumulates
  kKeyValue,     // repeatable KEY=VALUE
  kRegex,        // RE2 syntax
  kSelector,     // label selector
};

// How a flag value or a positional argument completes (SPEC §3.7).
enum class Completion {
  kNone,          // nothing to offer; no file completion
  kFiles,         // any file (shell default)
  kSpecFiles,     // *.yaml, *.yml, *.json, *.tgz
  kDirectories,   // directories only
  kChoices,       // the flag's or argument's fixed choices
  kCommands,      // command names (help)
  kContexts,      // contexts of the local config file
  kServices,      // dynamic, from runed
  kInstances,
  kServicesAndInstances,
  kNamespaces,
  kSecrets,
  kConfigmaps,
  kUsers,
  kPolicies,
  kTokens,
  kRegistries,    // registries added at runtime (the removable ones)
};

struct Flag {
  std::string name;
  char shorthand = 0;
  ValueType type = ValueType::kString;
  std::string usage;
  // Shown in help as "(default x)"; empty means the zero value (not shown).
  std::string default_value;
  // Word shown after the flag in help ("string", "duration", "path", …);
  // empty picks the type's name.
  std::string value_name;
  std::vector<std::string> choices;  // kEnum
  int64_t min_value = std::numeric_limits<int64_t>::min();  // kInt
  Completion completion = Completion::kNone;
  bool hidden = false;
};

struct Positional {
  std::string name;
  Completion completion = Completion::kNone;
  std::vector<std::string> choices;  // kChoices: fixed words with descriptions
  std::vector<std::string> choice_help;
  bool repeated = false;  // completes at every later position too
  // Picks the completion from the arguments before this one (`get <type>
  // <name>` completes names of that type); overrides `completion` when set.
  Completion (*completion_for)(const ParsedCommand& partial) = nullptr;
  // Checks the value; a non-OK status carries the whole message
  // ("invalid replicas \"x\": …") and becomes a usage error.
  absl::Status (*check)(const std::string& value) = nullptr;
};

// A pair of flags that cannot be used together (M39).
struct Exclusive {
  std::string a;
  std::string b;
};

// Runs a parsed command; returns what the contract (common/errors.h) reports.
using Handler = absl::Status (*)(rune::cli::Invocation&);

struct Command {
  std::string name;
  std::vector<std::string> aliases;
  std::string short_help;  // one line, no final period
  std::string long_help;   // paragraphs; empty means short_help
  std::string args_usage;  // "<service> <replicas>"
  std::vector<std::string> examples;
  int min_args = 0;
  int max_args = 0;  // -1: unbounded
  // Flag parsing stops after this many positionals (exec: 1); 0: every word
  // is a positional; -1: never.
  int flags_stop_after_args = -1;
  std::vector<Positional> positionals;
  std::vector<Flag> flags;
  // Flags inherited by this command and every descendant (the root's are the
  // global flags of SPEC §3.2).
  std::vector<Flag> global_flags;
  std::vector<Exclusive> exclusive;
  std::vector<std::string> required_flags;
  // Groups of flags of which one must be given (M40 "one of --a, --b is required").
  std::vector<std::vector<std::string>> one_required;
  // Replaces the generic "requires at least …" message when too few
  // arguments are given.
  std::string missing_args_message;
  // Command-specific usage checks run after parsing (flag combinations the
  // table cannot express); a non-OK status becomes a usage error.
  absl::Status (*validate)(const ParsedCommand& parsed) = nullptr;
  std::vector<Command> subcommands;
  bool hidden = false;
  // nullptr for a group (it prints its help) or a table without handlers.
  Handler run = nullptr;
};

// Flag helpers keep the table short and uniform.
Flag BoolFlag(std::string name, char shorthand, std::string usage, bool default_true = false);
Flag StringFlag(std::string name, char shorthand, std::string usage, std::string default_value = "",
                Completion completion = Completion::kNone, std::string value_name = "");
Flag IntFlag(std::string name, char shorthand, std::string usage, std::string default_value,
             int64_t min_value);
Flag DurationFlag(std::string name, char shorthand, std::string usage, std::string default_value);
Flag EnumFlag(std::string name, char shorthand, std::string usage, std::vector<std::string> choices,
              std::string default_value);
Flag ArrayFlag(std::string name, char shorthand, std::string usage,
               Completion completion = Completion::kNone, std::string value_name = "");
Flag ListFlag(std::string name, char shorthand, std::string usage,
              Completion completion = Completion::kNone);
Flag KeyValueFlag(std::string name, char shorthand, std::string usage,
                  std::string value_name = "");

// The word help shows for a flag's value ("" for booleans).
std::string ValueName(const Flag& flag);

// True when the flag takes a value (everything but kBool).
inline bool TakesValue(const Flag& flag) { return flag.type != ValueType::kBool; }

// True for commands that run (a handler, or no subcommands); false for
// groups, which print their help.
inline bool Runnable(const Command& cmd) { return cmd.run != nullptr || cmd.subcommands.empty(); }

// The names along `path` joined by `separator`: "rune admin token", "rune-admin-token".
std::string JoinPath(const std::vector<const Command*>& path, const char* separator = " ");

// True for flags that may be given more than once.
bool IsRepeatable(const Flag& flag);

}  // namespace rune::common::cli

#endif  // RUNE_COMMON_CLI_COMMAND_H_
