// `rune get <type> [name]` (SPEC §3.6.2): dispatches on the canonical type.
#include "rune/command_table.h"
#include "rune/commands.h"
#include "rune/get_command.h"

namespace rune::cli {

absl::Status RunGet(Invocation& inv) {
  const std::string type = CanonicalType(inv.parsed.args[0]);
  if (type == "namespaces") return GetNamespaces(inv);
  if (type == "services") return GetServices(inv);
  if (type == "secrets") return GetSecrets(inv);
  if (type == "configmaps") return GetConfigmaps(inv);
  return GetInstances(inv);
}

}  // namespace rune::cli
