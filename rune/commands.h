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

// Commands whose feature is not built yet (not_implemented.cc). The remote
// variant first resolves the connection and reaches runed, so connection
// problems report exactly as they will once the command exists.
absl::Status RunRemoteNotImplemented(Invocation& inv);
absl::Status RunLocalNotImplemented(Invocation& inv);

}  // namespace rune::cli

#endif  // RUNE_RUNE_COMMANDS_H_
