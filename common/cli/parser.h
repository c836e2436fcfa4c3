// The cobra-compatible command-line parser (SPEC §3.1).
//
// The command path is matched first (names and aliases), then flags and
// positionals, interspersed. Every mistake is a usage error (M34–M40) whose
// hint names the command's --help.
//
//   absl::StatusOr<ParsedCommand> p = Parse(kRoot, {"scale", "api", "3"});
//   if (p.ok() && !p->help_requested) p->command().run(...);
//   int64_t n = p->Int("step");
#ifndef RUNE_COMMON_CLI_PARSER_H_
#define RUNE_COMMON_CLI_PARSER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/cli/command.h"

namespace rune::common::cli {

// The built-in -h/--help flag every command has.
const Flag& HelpFlag();

// Values given for one flag, in order.
struct FlagValue {
  const Flag* flag = nullptr;
  std::vector<std::string> values;
};

class ParsedCommand {
 public:
  // Root first; the last element is the command to run.
  std::vector<const Command*> path;
  std::vector<std::string> args;
  std::map<std::string, FlagValue> flags;  // only flags that were given
  bool help_requested = false;             // -h/--help, or a group without a subcommand

  const Command& command() const { return *path.back(); }
  // "rune get" for the path root → get.
  std::string CommandPath() const;

  bool IsSet(absl::string_view name) const;
  // Typed accessors return the last given value, else the flag's default.
  // The parser has validated every given value already.
  bool Bool(absl::string_view name) const;
  std::string String(absl::string_view name) const;
  int64_t Int(absl::string_view name) const;
  absl::Duration Duration(absl::string_view name) const;
  // Repeatable flags: every value in order (comma lists split).
  std::vector<std::string> Strings(absl::string_view name) const;

 private:
  const Flag* Declared(absl::string_view name) const;
};

// Parses `argv` (without the program name) against the table rooted at `root`.
// Usage errors are InvalidArgument statuses of class kUsage (common/errors.h).
absl::StatusOr<ParsedCommand> Parse(const Command& root, const std::vector<std::string>& argv);

// Pieces the completion engine reuses.

// Follows subcommand names and aliases in `argv`, skipping flags (and their
// separate values). Returns the path and sets `*rest` to the tokens that are
// not command names. Unknown words at a group level end the walk.
std::vector<const Command*> FindCommandPath(const Command& root,
                                            const std::vector<std::string>& argv,
                                            std::vector<std::string>* rest,
                                            std::string* unknown_word = nullptr);

// Flags visible on the last command of `path`: its own, then the global flags
// of it and its ancestors (a command's own flag shadows a global one), then
// -h/--help.
std::vector<const Flag*> VisibleFlags(const std::vector<const Command*>& path);
const Flag* FindLongFlag(const std::vector<const Command*>& path, absl::string_view name);
const Flag* FindShortFlag(const std::vector<const Command*>& path, char c);

// A subcommand of `parent` named or aliased `word`, or nullptr.
const Command* FindSubcommand(const Command& parent, absl::string_view word);

// The nearest visible subcommand name within edit distance 2, or "".
std::string SuggestSubcommand(const Command& parent, absl::string_view word);

// "-s, --name" or "--name", as quoted in messages.
std::string FlagSpec(const Flag& flag);

// Checks one value for `flag`; the error text is the reason of M37.
absl::Status CheckFlagValue(const Flag& flag, absl::string_view value);

}  // namespace rune::common::cli

#endif  // RUNE_COMMON_CLI_PARSER_H_
