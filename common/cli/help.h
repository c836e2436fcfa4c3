// `--help` text rendered from the command table (SPEC §3.1 layout).
//
//   std::string text = RenderHelp(path);   // path: root … command
//
// Layout: description; Usage; Aliases; Examples; Available Commands; Flags;
// Global Flags; and, for commands with subcommands, the closing
// `Use "<path> [command] --help" …` line.
#ifndef RUNE_COMMON_CLI_HELP_H_
#define RUNE_COMMON_CLI_HELP_H_

#include <string>
#include <vector>

#include "common/cli/command.h"

namespace rune::common::cli {

std::string RenderHelp(const std::vector<const Command*>& path);

// The usage line without indentation: "rune scale <service> <replicas> [flags]".
std::string UsageLine(const std::vector<const Command*>& path);

// The flag's help text with its choices and default appended, as shown in
// --help and the man pages ("result format: one of text, json (default \"text\")").
std::string FlagUsageText(const Flag& flag, const std::string& command_name);

// The flags listed under "Flags:" (own flags and, for the root, its global
// flags) and under "Global Flags:" (inherited), without hidden ones, sorted.
std::vector<const Flag*> LocalFlags(const std::vector<const Command*>& path);
std::vector<const Flag*> InheritedFlags(const std::vector<const Command*>& path);

// Visible subcommands of `cmd`, in table order.
std::vector<const Command*> VisibleSubcommands(const Command& cmd);

}  // namespace rune::common::cli

#endif  // RUNE_COMMON_CLI_HELP_H_
