// rune completion bash|zsh|fish [--no-descriptions] (SPEC §3.6.20).
#include "common/cli/shell_scripts.h"
#include "rune/command_table.h"
#include "rune/commands.h"

namespace rune::cli {

absl::Status RunCompletion(Invocation& inv) {
  const std::string& shell = inv.parsed.args[0];
  const bool descriptions = !inv.parsed.Bool("no-descriptions");
  const common::cli::Command& root = RootCommand();
  if (shell == "bash") {
    inv.out() << common::cli::BashCompletionScript(root, descriptions);
  } else if (shell == "zsh") {
    inv.out() << common::cli::ZshCompletionScript(root, descriptions);
  } else {
    inv.out() << common::cli::FishCompletionScript(root, descriptions);
  }
  return absl::OkStatus();
}

}  // namespace rune::cli
