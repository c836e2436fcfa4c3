// The handler of commands whose feature is not built yet. They fail with
// exit 1 and "Error: <command> is not implemented yet" — never a fake
// success. Server-backed commands first resolve their settings and reach
// runed, so that configuration and connection errors already report exactly
// as they will once the command exists.
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "rune/commands.h"
#include "rune/connection.h"

namespace rune::cli {
namespace {

std::string CommandName(const Invocation& inv) {
  std::vector<std::string> names;
  for (size_t i = 1; i < inv.parsed.path.size(); ++i) names.push_back(inv.parsed.path[i]->name);
  return absl::StrJoin(names, " ");
}

// Flag settings that make a server-backed command work offline (SPEC §1.2).
bool RunsOffline(const Invocation& inv) {
  const std::string name = CommandName(inv);
  const auto& p = inv.parsed;
  if (name == "cast") return p.Bool("dry-run") || p.Bool("render");
  return false;
}

}  // namespace

absl::Status RunLocalNotImplemented(Invocation& inv) {
  return common::NotImplementedError(CommandName(inv));
}

absl::Status RunRemoteNotImplemented(Invocation& inv) {
  if (RunsOffline(inv)) return RunLocalNotImplemented(inv);
  RUNE_RETURN_IF_ERROR(FetchServerVersion(inv).status());
  return RunLocalNotImplemented(inv);
}

}  // namespace rune::cli
