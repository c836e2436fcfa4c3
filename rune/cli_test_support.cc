#include "rune/cli_test_support.h"

#include <sstream>

#include "rune/cli.h"

namespace rune::cli {

Environment ServerEnvironment(const std::string& address, const std::string& token,
                              const std::string& home) {
  return {{"RUNE_API_SERVER", address},
          {"RUNE_TOKEN", token},
          {"RUNE_CLI_CONFIG", home + "/no-config.yaml"},
          {"HOME", home},
          {"NO_COLOR", "1"}};
}

CliResult RunRune(const std::vector<std::string>& args, const Environment& env,
                  const std::string& stdin_text) {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  Streams io;
  io.in = &in;
  io.out = &out;
  io.err = &err;
  CliResult r;
  r.code = Run(args, env, io);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace rune::cli
