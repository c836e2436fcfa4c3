// The one command table of `rune`: every command, subcommand, alias, flag,
// argument and help text of SPEC §3.
//
// The parser, --help, `__complete`, the completion scripts and the man pages
// all render from RootCommand(), so they cannot drift apart.
//
//   absl::StatusOr<ParsedCommand> p = common::cli::Parse(RootCommand(), args);
#ifndef RUNE_RUNE_COMMAND_TABLE_H_
#define RUNE_RUNE_COMMAND_TABLE_H_

#include <string>

#include "common/cli/command.h"

namespace rune::cli {

// The root command ("rune") with the global flags of SPEC §3.2.
const common::cli::Command& RootCommand();

// The canonical (plural) resource type of a `rune get` type word or alias
// ("svc" → "services"), or "" when unknown.
std::string CanonicalType(const std::string& word);

// Pieces of the table, one per area (command_table_*.cc).
common::cli::Command CastCommand();
common::cli::Command GetCommand();
common::cli::Command DeleteCommand();
common::cli::Command ScaleCommand();
common::cli::Command RestartCommand();
common::cli::Command StopCommand();
common::cli::Command StatusCommand();
common::cli::Command LogsCommand();
common::cli::Command ExecCommand();
common::cli::Command HealthCommand();
common::cli::Command DepsCommand();
common::cli::Command LintCommand();
common::cli::Command PackCommand();
common::cli::Command CreateCommand();
common::cli::Command RollbackCommand();
common::cli::Command LoginCommand();
common::cli::Command LogoutCommand();
common::cli::Command WhoamiCommand();
common::cli::Command ContextCommand();
common::cli::Command AdminCommand();

}  // namespace rune::cli

#endif  // RUNE_RUNE_COMMAND_TABLE_H_
