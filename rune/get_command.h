// `rune get` per resource type; get_command.cc dispatches on the type.
#ifndef RUNE_RUNE_GET_COMMAND_H_
#define RUNE_RUNE_GET_COMMAND_H_

#include "absl/status/status.h"
#include "rune/invocation.h"

namespace rune::cli {

absl::Status GetNamespaces(Invocation& inv);  // namespace_command.cc
absl::Status GetServices(Invocation& inv);    // service_command.cc
absl::Status GetSecrets(Invocation& inv);     // secret_configmap_command.cc
absl::Status GetConfigmaps(Invocation& inv);  // secret_configmap_command.cc
absl::Status GetInstances(Invocation& inv);   // instance_command.cc

}  // namespace rune::cli

#endif  // RUNE_RUNE_GET_COMMAND_H_
