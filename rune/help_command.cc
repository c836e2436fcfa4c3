// rune help [command]... — the help of any command.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/cli/help.h"
#include "common/cli/parser.h"
#include "common/errors.h"
#include "rune/command_table.h"
#include "rune/commands.h"

namespace rune::cli {

absl::Status RunHelp(Invocation& inv) {
  std::vector<const common::cli::Command*> path = {&RootCommand()};
  for (const std::string& word : inv.parsed.args) {
    const common::cli::Command* sub = common::cli::FindSubcommand(*path.back(), word);
    if (sub == nullptr) {
      std::vector<std::string> names;
      for (const common::cli::Command* c : path) names.push_back(c->name);
      const std::string where = absl::StrJoin(names, " ");
      return common::UsageError(absl::StrCat("unknown command \"", word, "\" for \"", where, "\""),
                                where);
    }
    path.push_back(sub);
  }
  inv.out() << common::cli::RenderHelp(path);
  return absl::OkStatus();
}

}  // namespace rune::cli
