// The entry points of the rune CLI.
//
//   int main(int argc, char** argv) { return rune::cli::Main(argc, argv); }
//
// Run() parses, dispatches and applies the error contract (common/errors.h);
// tests call it with their own environment and streams.
#ifndef RUNE_RUNE_CLI_H_
#define RUNE_RUNE_CLI_H_

#include <string>
#include <vector>

#include "rune/invocation.h"

namespace rune::cli {

// Runs `args` (without the program name); returns the process exit code.
int Run(const std::vector<std::string>& args, const Environment& env, Streams io);

// Wires the real process: argv, environ, stdin/stdout/stderr.
int Main(int argc, char** argv);

// True when errors must be reported as JSON (SPEC §2.3): the last -o/--output
// before "--" says json, or `--format json` for lint.
bool JsonErrorMode(const std::vector<std::string>& args);

}  // namespace rune::cli

#endif  // RUNE_RUNE_CLI_H_
