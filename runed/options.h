// runed's command line (SPEC §5.1) and the settings it resolves to:
// flag > environment > runefile > built-in default.
//
//   const Command& table = RunedCommand();
//   absl::StatusOr<ParsedCommand> parsed = Parse(table, args);
//   absl::StatusOr<Options> options = ResolveOptions(*parsed, env);
#ifndef RUNE_RUNED_OPTIONS_H_
#define RUNE_RUNED_OPTIONS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "common/cli/command.h"
#include "common/cli/parser.h"
#include "common/runefile/runefile.h"
#include "runed/logging.h"

namespace rune::daemon {

using Environment = std::map<std::string, std::string>;

// The single-command table of runed (flags only).
const common::cli::Command& RunedCommand();

struct Options {
  std::string config_path;  // "" when running on built-in defaults
  common::Runefile runefile;
  std::string grpc_address;
  std::string http_address;  // "" disables the HTTP listener
  std::string data_dir;
  LogLevel log_level = LogLevel::kInfo;
  bool log_json = false;
  bool stop_instances_on_exit = false;
};

// Loads the runefile and applies the precedence rules. Errors (exit 1): an
// explicit --config/RUNE_CONFIG that cannot be read, runefile findings (one
// line each: "runefile <path>:<line>:<col>: <message>"), invalid values in
// environment variables.
absl::StatusOr<Options> ResolveOptions(const common::cli::ParsedCommand& parsed,
                                       const Environment& env);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_OPTIONS_H_
