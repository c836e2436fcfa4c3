// rune __complete / __completeNoDesc <words…> <toComplete> (SPEC §3.7).
//
// Always exits 0; problems give no candidates. The static part never touches
// the network; names runed knows come from CompletionNames under one deadline.
#include <cstdlib>
#include <iostream>

#include "common/cli/complete.h"
#include "rune/command_table.h"
#include "rune/commands.h"
#include "rune/completion_names.h"

namespace rune::cli {
namespace {

absl::Status Run(Invocation& inv, bool descriptions) {
  CompletionNames names(inv.environment(), CompletionBudget(inv.environment()));
  common::cli::CompletionResult result =
      common::cli::Complete(RootCommand(), inv.parsed.args, &names);
  inv.out() << common::cli::FormatCandidates(result, descriptions);
  inv.err() << common::cli::DirectiveLine(result.directive);
  if (names.abandoned()) {
    // A fetch thread is still inside gRPC: leave without running static
    // destructors under it.
    inv.out().flush();
    inv.err().flush();
    std::cout.flush();
    std::_Exit(0);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunComplete(Invocation& inv) { return Run(inv, true); }
absl::Status RunCompleteNoDesc(Invocation& inv) { return Run(inv, false); }

}  // namespace rune::cli
