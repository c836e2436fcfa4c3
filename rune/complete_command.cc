// rune __complete / __completeNoDesc <words…> <toComplete> (SPEC §3.7).
//
// Always exits 0; problems give no candidates. The static part never touches
// the network; context names come from the local config file.
#include "common/cli/complete.h"
#include "rune/client_config.h"
#include "rune/command_table.h"
#include "rune/commands.h"
#include "rune/connection.h"

namespace rune::cli {
namespace {

class LocalNames : public common::cli::NameSource {
 public:
  explicit LocalNames(const Invocation& inv) : inv_(inv) {}

  std::vector<common::cli::Candidate> Names(common::cli::Completion kind,
                                            const common::cli::ParsedCommand& partial) override {
    std::vector<common::cli::Candidate> out;
    if (kind != common::cli::Completion::kContexts) return out;  // names on runed: not yet
    // --config typed on the line being completed wins over the environment.
    std::string path = partial.IsSet("config") ? partial.String("config") : ClientConfigPath(inv_);
    absl::StatusOr<ClientConfig> config = LoadClientConfig(path);
    if (!config.ok()) return out;
    for (const ContextEntry& ctx : config->contexts) {
      out.push_back({ctx.name, ctx.server});
    }
    return out;
  }

 private:
  const Invocation& inv_;
};

absl::Status Run(Invocation& inv, bool descriptions) {
  LocalNames names(inv);
  common::cli::CompletionResult result =
      common::cli::Complete(RootCommand(), inv.parsed.args, &names);
  inv.out() << common::cli::FormatCandidates(result, descriptions);
  inv.err() << common::cli::DirectiveLine(result.directive);
  return absl::OkStatus();
}

}  // namespace

absl::Status RunComplete(Invocation& inv) { return Run(inv, true); }
absl::Status RunCompleteNoDesc(Invocation& inv) { return Run(inv, false); }

}  // namespace rune::cli
