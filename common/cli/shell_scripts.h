// Completion scripts for bash, zsh and fish (SPEC §3.6.20).
//
// The scripts are thin: they hand the words typed so far to the hidden
// `<program> __complete` command, which answers from the command table, and
// turn its directive into the shell's own file/directory completion.
//
//   std::string bash = BashCompletionScript(root, /*descriptions=*/true);
#ifndef RUNE_COMMON_CLI_SHELL_SCRIPTS_H_
#define RUNE_COMMON_CLI_SHELL_SCRIPTS_H_

#include <string>

#include "common/cli/command.h"

namespace rune::common::cli {

std::string BashCompletionScript(const Command& root, bool descriptions);
std::string ZshCompletionScript(const Command& root, bool descriptions);
std::string FishCompletionScript(const Command& root, bool descriptions);

}  // namespace rune::common::cli

#endif  // RUNE_COMMON_CLI_SHELL_SCRIPTS_H_
