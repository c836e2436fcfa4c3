// For command tests: runs the rune CLI in-process with captured streams,
// pointed at an in-process runed (runed/api/test_server.h).
//
//   Environment env = ServerEnvironment(server.address(), server.TokenFor("root"), tmp);
//   CliResult r = RunRune({"logs", "api", "--tail", "2"}, env);
//   EXPECT_EQ(r.code, 0);
#ifndef RUNE_RUNE_CLI_TEST_SUPPORT_H_
#define RUNE_RUNE_CLI_TEST_SUPPORT_H_

#include <string>
#include <vector>

#include "rune/invocation.h"

namespace rune::cli {

struct CliResult {
  int code = 0;
  std::string out;
  std::string err;
};

// RUNE_API_SERVER and RUNE_TOKEN for `address` and `token`, HOME = `home`
// with no client config file in it, no colour.
Environment ServerEnvironment(const std::string& address, const std::string& token,
                              const std::string& home);

// `rune <args…>` with `stdin_text` on stdin; stdout and stderr captured.
CliResult RunRune(const std::vector<std::string>& args, const Environment& env,
                  const std::string& stdin_text = "");

}  // namespace rune::cli

#endif  // RUNE_RUNE_CLI_TEST_SUPPORT_H_
