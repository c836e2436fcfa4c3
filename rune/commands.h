// Handlers of `rune` commands, one file per verb. Each returns a status that
// the top level (cli.cc) turns into output and an exit code.
#ifndef RUNE_RUNE_COMMANDS_H_
#define RUNE_RUNE_COMMANDS_H_

#include "absl/status/status.h"
#include "rune/invocation.h"

namespace rune::cli {

absl::Status RunVersion(Invocation& inv);          // version.cc
absl::Status RunCompletion(Invocation& inv);       // completion.cc
absl::Status RunHelp(Invocation& inv);             // help_command.cc
absl::Status RunComplete(Invocation& inv);         // complete_command.cc
absl::Status RunCompleteNoDesc(Invocation& inv);   // complete_command.cc
absl::Status RunGenMan(Invocation& inv);           // genman.cc
absl::Status RunContextView(Invocation& inv);      // context_command.cc
absl::Status RunContextList(Invocation& inv);      // context_command.cc
absl::Status RunContextUse(Invocation& inv);       // context_command.cc (also use-context)
absl::Status RunContextSet(Invocation& inv);       // context_command.cc
absl::Status RunContextDelete(Invocation& inv);    // context_command.cc
absl::Status RunLogout(Invocation& inv);           // logout_command.cc

absl::Status RunAdminBootstrap(Invocation& inv);     // admin_command.cc
absl::Status RunAdminUserCreate(Invocation& inv);    // admin_command.cc
absl::Status RunAdminUserList(Invocation& inv);      // admin_command.cc
absl::Status RunAdminUserDelete(Invocation& inv);    // admin_command.cc
absl::Status RunAdminTokenCreate(Invocation& inv);   // admin_command.cc
absl::Status RunAdminTokenList(Invocation& inv);     // admin_command.cc
absl::Status RunAdminTokenRevoke(Invocation& inv);   // admin_command.cc
absl::Status RunAdminPolicyCreate(Invocation& inv);  // admin_policy_command.cc
absl::Status RunAdminRegistryAdd(Invocation& inv);    // admin_registry_command.cc
absl::Status RunAdminRegistryList(Invocation& inv);   // admin_registry_command.cc
absl::Status RunAdminRegistryRemove(Invocation& inv); // admin_registry_command.cc
absl::Status RunAdminPolicyGet(Invocation& inv);     // admin_policy_command.cc
absl::Status RunAdminPolicyList(Invocation& inv);    // admin_policy_command.cc
absl::Status RunAdminPolicyAttach(Invocation& inv);  // admin_policy_command.cc
absl::Status RunAdminPolicyDetach(Invocation& inv);  // admin_policy_command.cc
absl::Status RunAdminPolicyDelete(Invocation& inv);  // admin_policy_command.cc
absl::Status RunLogin(Invocation& inv);             // login_command.cc
absl::Status RunWhoami(Invocation& inv);            // whoami_command.cc
absl::Status RunGet(Invocation& inv);              // get_command.cc
absl::Status RunCreateNamespace(Invocation& inv);  // namespace_command.cc
absl::Status RunDeleteNamespace(Invocation& inv);  // namespace_command.cc
absl::Status RunCreateSecret(Invocation& inv);     // create_data_command.cc
absl::Status RunCreateConfigmap(Invocation& inv);  // create_data_command.cc
absl::Status RunCast(Invocation& inv);             // cast_command.cc
absl::Status RunLint(Invocation& inv);             // lint_command.cc
absl::Status RunDeleteService(Invocation& inv);    // service_command.cc
absl::Status RunDeleteSecret(Invocation& inv);     // secret_configmap_command.cc
absl::Status RunDeleteConfigmap(Invocation& inv);  // secret_configmap_command.cc
absl::Status RunDeleteList(Invocation& inv);       // deletion_ops.cc
absl::Status RunDeleteStatus(Invocation& inv);     // deletion_ops.cc
absl::Status RunDepsGraph(Invocation& inv);        // deps_command.cc
absl::Status RunDepsCheck(Invocation& inv);        // deps_command.cc
absl::Status RunDepsDependents(Invocation& inv);   // deps_command.cc
absl::Status RunDepsValidate(Invocation& inv);     // deps_command.cc
absl::Status RunHealth(Invocation& inv);           // health_command.cc
absl::Status RunStatus(Invocation& inv);           // status_command.cc
absl::Status RunDeleteInstance(Invocation& inv);   // instance_command.cc
absl::Status RunScale(Invocation& inv);            // scale_command.cc
absl::Status RunStop(Invocation& inv);             // stop_command.cc
absl::Status RunRestart(Invocation& inv);          // restart_command.cc
absl::Status RunRollback(Invocation& inv);         // rollback_command.cc
absl::Status RunExec(Invocation& inv);             // exec_command.cc
absl::Status RunLogs(Invocation& inv);             // logs_command.cc

// Commands whose feature is not built yet (not_implemented.cc). The remote
// variant first resolves the connection and reaches runed, so connection
// problems report exactly as they will once the command exists.
absl::Status RunRemoteNotImplemented(Invocation& inv);
absl::Status RunLocalNotImplemented(Invocation& inv);

}  // namespace rune::cli

#endif  // RUNE_RUNE_COMMANDS_H_
