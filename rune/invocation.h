// What a command handler gets: the parsed command line, the environment and
// the three streams. Main() wires the real ones; tests pass their own.
//
//   absl::Status RunThing(Invocation& inv) {
//     if (inv.parsed.Bool("server")) …
//     inv.out() << "done\n";
//   }
#ifndef RUNE_RUNE_INVOCATION_H_
#define RUNE_RUNE_INVOCATION_H_

#include <iostream>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "common/cli/parser.h"

namespace rune::cli {

using Environment = std::map<std::string, std::string>;

struct Streams {
  std::istream* in = &std::cin;
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
  bool stdin_tty = false;
  bool stdout_tty = false;
  bool stderr_tty = false;
};

class Invocation {
 public:
  Invocation(const common::cli::ParsedCommand& parsed, const Environment& env, Streams io,
             bool json_errors)
      : parsed(parsed), env_(env), io_(io), json_errors_(json_errors) {}

  const common::cli::ParsedCommand& parsed;

  std::istream& in() { return *io_.in; }
  std::ostream& out() { return *io_.out; }
  std::ostream& err() { return *io_.err; }
  const Streams& streams() const { return io_; }
  const Environment& environment() const { return env_; }

  // The variable's value, or "" when unset.
  std::string Env(absl::string_view name) const;
  bool HasEnv(absl::string_view name) const;

  // Errors are reported as one JSON object (SPEC §2.3); progress and
  // warnings are suppressed.
  bool json_errors() const { return json_errors_; }
  // -v, or --log-level/RUNE_LOG_LEVEL debug.
  bool verbose() const;

  // "Warning: <message>" on stderr (not in JSON mode).
  void Warn(absl::string_view message);
  // A diagnostic line on stderr when verbose (not in JSON mode).
  void Debug(absl::string_view message);

 private:
  const Environment& env_;
  Streams io_;
  bool json_errors_;
};

}  // namespace rune::cli

#endif  // RUNE_RUNE_INVOCATION_H_
