// Reads a golden CLI case's expectations (testdata/cli/<case>/) and parses
// the error it reports, in either form of SPEC §2.2 (human) or §2.3 (JSON).
// Only the case's expected stdout, stderr and exit code and the way it runs
// (its `server` file) are read, never its name or comments, so what a case
// covers is what it really expects.
//
//   absl::StatusOr<GoldenCase> c = ReadGoldenCase("testdata/cli/m14_secret_not_found");
//   std::optional<ReportedError> e = ParseReportedError(c->stderr_text);
//   // e->message == "secret \"nope\" not found in namespace \"prod\"", e->exit... from c->exit_code
#ifndef RUNE_TESTING_CONTRACT_GOLDEN_CASE_H_
#define RUNE_TESTING_CONTRACT_GOLDEN_CASE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace rune::contract {

// How the case's runed runs: a real runed, the scripted fake, or none.
enum class ServerMode { kReal, kFake, kNone };

struct GoldenCase {
  std::string name;  // the directory name, for reports only
  ServerMode server = ServerMode::kReal;
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
};

// The error a case's stderr reports.
struct ReportedError {
  bool json = false;
  // JSON form only: the "code" and "exit" members. The human form shows no code.
  std::string code;
  int json_exit = -1;
  // Multi-line messages joined with '\n' (continuation lines lose their
  // two-space indent).
  std::string message;
  std::optional<std::string> hint;
  bool has_request_id = false;
};

// Reads `dir`/exit_code, stdout, stderr and server. NotFound when exit_code is
// missing, InvalidArgument when it or `server` is malformed.
absl::StatusOr<GoldenCase> ReadGoldenCase(const std::string& dir);

// The error block of `stderr_text`, or nullopt when it holds none:
//   human: "Error: <line>", "  <continuation>"…, optional "Hint: <hint>",
//          optional "Request ID: <id>", and nothing after it;
//   JSON:  exactly one line, the §2.3 object with its keys in order.
// Lines before the human block (warnings) are allowed.
std::optional<ReportedError> ParseReportedError(const std::string& stderr_text);

// Every case directory (one holding `exit_code`) directly under `root`, sorted.
absl::StatusOr<std::vector<GoldenCase>> ReadGoldenCases(const std::string& root);

}  // namespace rune::contract

#endif  // RUNE_TESTING_CONTRACT_GOLDEN_CASE_H_
