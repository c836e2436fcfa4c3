// `rune get <type> [name]` (SPEC §3.6.2): dispatches on the canonical type.
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "rune/command_table.h"
#include "rune/connection.h"
#include "rune/commands.h"
#include "rune/get_command.h"

namespace rune::cli {

absl::Status RunGet(Invocation& inv) {
  const std::string type = CanonicalType(inv.parsed.args[0]);
  if (type == "namespaces") return GetNamespaces(inv);
  if (type == "services") return GetServices(inv);
  if (type == "secrets") return GetSecrets(inv);
  if (type == "configmaps") return GetConfigmaps(inv);
  // Instances arrive with the orchestrator; until then the command still
  // reaches runed, so connection problems report as they will later.
  RUNE_RETURN_IF_ERROR(FetchServerVersion(inv).status());
  return common::NotImplementedError(absl::StrCat("get ", type));
}

}  // namespace rune::cli
