// The exit-code and error contract of SPEC §2, in one place.
//
// Commands return absl::Status. Errors raised by the CLI itself carry an
// ErrorClass (SPEC §2.5) as a status payload; errors that came back from runed
// carry class kServer plus the request ID and an optional message-specific
// hint. Only the CLI's top level turns a status into an ErrorReport, prints it
// and exits with its code:
//
//   absl::Status s = UsageError("accepts 1 arg(s), received 0", "rune scale");
//   ErrorReport r = Classify(s);      // code InvalidArgument, exit 2,
//                                     // hint "run 'rune scale --help' for usage"
//   std::cerr << FormatHuman(r, /*color=*/false);
#ifndef RUNE_COMMON_ERRORS_H_
#define RUNE_COMMON_ERRORS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rune::common {

// Exit codes of `rune` (SPEC §2.1).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitAuth = 3;
inline constexpr int kExitNotFound = 4;
inline constexpr int kExitConflict = 5;
inline constexpr int kExitValidation = 6;
inline constexpr int kExitTimeout = 7;
inline constexpr int kExitExecTimeout = 124;
inline constexpr int kExitInterrupted = 130;

// Where an error comes from; decides exit code and default hint together with
// the status code.
enum class ErrorClass {
  kServer,             // a status returned by runed (§2.4)
  kUsage,              // parser, arg count, flag value, exclusive flags
  kLocalPath,          // a local input path that does not exist
  kLocalSpec,          // local spec parse/validation/render failure
  kClientConfig,       // client config or token file unreadable/malformed
  kConnect,            // connect/TLS failure
  kWaitTimeout,        // --timeout of a wait expired
  kClientDeadline,     // --request-timeout expired with no server status
  kExecTimeout,        // exec --timeout
  kInterrupt,          // SIGINT during a wait
  kStreamInterrupt,    // SIGINT/SIGTERM during a follow or watch
  kContextMissing,     // local context not found
  kCurrentContext,     // deleting the current context
  kOutputFile,         // writing an output file failed
  kRemoteFetch,        // remote runeset fetch failed
  kNotImplemented,     // a command whose feature is not built yet
  kInternal,           // an unclassified local failure
  kRemoteExit,         // exec: the remote command's non-zero exit status
};

// Constructors for local errors. `command_path` is e.g. "rune get"; it is
// used for the usage hint "run '<command path> --help' for usage".
absl::Status UsageError(absl::string_view message, absl::string_view command_path);
absl::Status LocalPathError(absl::string_view message);
absl::Status LocalSpecError(absl::string_view message, absl::string_view hint);
absl::Status ClientConfigError(absl::string_view message, absl::string_view path);
absl::Status ConnectError(absl::string_view address, absl::string_view reason);
absl::Status WaitTimeoutError(absl::string_view message);
absl::Status ClientDeadlineError(absl::string_view message);
absl::Status ExecTimeoutError(absl::string_view message);
absl::Status InterruptedError();
// SIGINT/SIGTERM during a follow or watch (SPEC §2.7): exit 130 and nothing
// printed, in JSON mode too.
absl::Status StreamInterruptedError();
absl::Status ContextMissingError(absl::string_view name);
absl::Status CurrentContextDeleteError(absl::string_view name);
absl::Status OutputFileError(absl::string_view message);
absl::Status RemoteFetchError(absl::string_view message);
absl::Status NotImplementedError(absl::string_view command);
// `rune exec`: exit with the remote command's status `code` (1–255) and print
// nothing (SPEC §2.1 row n), in JSON mode too.
absl::Status RemoteExitError(int code);

// A status received from runed. `hint` empty means "use the default for the
// code"; `request_id` empty means the call had none.
absl::Status ServerError(absl::StatusCode code, absl::string_view message,
                         absl::string_view request_id, absl::string_view hint);

// Replaces the hint of `status` (an empty `hint` removes it).
absl::Status WithHint(absl::Status status, absl::string_view hint);

ErrorClass ClassOf(const absl::Status& status);

// The hint attached with WithHint/ServerError, if any (runed sends it to the
// client as `x-rune-hint` trailing metadata).
std::optional<std::string> HintOf(const absl::Status& status);

// Everything the user sees of an error.
struct ErrorReport {
  absl::StatusCode code = absl::StatusCode::kUnknown;
  int exit_code = kExitFailure;
  std::string message;
  std::optional<std::string> hint;
  std::optional<std::string> request_id;
  // Nothing is printed (an interrupted follow or watch).
  bool silent = false;
};

// Maps a non-OK status to its report (SPEC §2.4, §2.5).
ErrorReport Classify(const absl::Status& status);

// The §2.2 block: "Error: …", continuation lines indented two spaces,
// "Hint: …", "Request ID: …"; every line ends with '\n'.
std::string FormatHuman(const ErrorReport& report, bool color);

// The §2.3 object on one line, with a trailing '\n'.
std::string FormatJson(const ErrorReport& report);

// Canonical CamelCase name of a status code ("NotFound", "InvalidArgument").
std::string CodeName(absl::StatusCode code);

// The exit code of a status code received from runed (§2.4).
int ServerExitCode(absl::StatusCode code);

// The default hint of §2.4 for a server status code; empty when none.
absl::string_view DefaultServerHint(absl::StatusCode code);

}  // namespace rune::common

#endif  // RUNE_COMMON_ERRORS_H_
