// rune __genman <dir> — writes rune.1 and one page per command (SPEC §3.8).
#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/cli/man.h"
#include "common/errors.h"
#include "common/version.h"
#include "rune/command_table.h"
#include "rune/commands.h"

namespace rune::cli {
namespace {

common::cli::ManSection ExitStatus() {
  return {"EXIT STATUS",
          "",
          {
              {"0", "Success, including empty lists and idempotent no-ops."},
              {"1",
               "Failure: runed answered Unavailable, Internal, Unknown, DataLoss, "
               "ResourceExhausted, Cancelled or Unimplemented; a network or TLS failure; an "
               "unreadable or malformed client config or token file; a failed runeset download; "
               "a failure writing an output file; a gradual scale that failed or was rolled back."},
              {"2",
               "Usage: unknown command or flag, wrong number of arguments, missing or malformed "
               "flag value, flags that cannot be combined, a local input path that does not exist."},
              {"3", "Not authenticated, or not allowed (PermissionDenied)."},
              {"4", "Not found on runed, or the local context does not exist."},
              {"5",
               "Conflict: AlreadyExists, FailedPrecondition or Aborted; unsatisfied required "
               "dependencies (deps check); deleting the current context."},
              {"6",
               "Validation: runed answered InvalidArgument or OutOfRange, or local YAML failed to "
               "parse, validate or render."},
              {"7", "A deadline expired: DeadlineExceeded, or --timeout while waiting."},
              {"124", "rune exec: --timeout expired and the remote command was killed."},
              {"130", "Interrupted (SIGINT) during a follow, watch or wait."},
              {"N",
               "rune exec: the remote command's own exit status (128+N when it was killed by "
               "signal N). Failures before the command starts always print an Error: line."},
          }};
}

common::cli::ManSection EnvironmentSection() {
  return {"ENVIRONMENT",
          "Settings apply in the order flag, environment variable, context, built-in default.",
          {
              {"RUNE_CLI_CONFIG", "Client config file (default $HOME/.rune/config.yaml)."},
              {"RUNE_CONTEXT", "Context to use instead of current-context."},
              {"RUNE_API_SERVER", "runed address host[:port]."},
              {"RUNE_NAMESPACE", "Target namespace."},
              {"RUNE_TOKEN", "Bearer token."},
              {"RUNE_TOKEN_FILE", "File holding the bearer token."},
              {"RUNE_LOG_LEVEL", "Client diagnostics: debug, info, warn or error."},
              {"NO_COLOR, RUNE_NO_COLOR", "Disable colour."},
              {"RUNE_FORCE_COLOR", "Set to 1 to colour output even when it is not a terminal."},
              {"RUNE_VALUES_<a>__<b>", "Runeset value at path a.b (a string)."},
              {"RUNE_COMPLETION_TIMEOUT_MS",
               "Deadline of completion requests to runed in milliseconds (default 300)."},
              {"SOURCE_DATE_EPOCH", "Timestamp of entries written by rune pack."},
          }};
}

common::cli::ManSection Files() {
  return {"FILES",
          "",
          {{"$HOME/.rune/config.yaml",
            "Contexts: server, namespace, credentials, TLS files (directory 0700, file 0600)."}}};
}

}  // namespace

absl::Status RunGenMan(Invocation& inv) {
  const std::string dir = inv.parsed.args[0];
  std::string date = inv.parsed.String("date");
  int64_t epoch;
  if (date.empty() && absl::SimpleAtoi(inv.Env("SOURCE_DATE_EPOCH"), &epoch)) {
    date = absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(epoch), absl::UTCTimeZone());
  }
  common::cli::ManInfo info;
  info.section = 1;
  info.date = date;
  info.source = absl::StrCat("rune ", common::CurrentBuild().version);
  info.manual = "Rune Manual";
  info.root_sections = {EnvironmentSection(), Files()};
  info.every_page_sections = {ExitStatus()};
  info.see_also = {"runed(8)", "runefile(5)"};
  for (const common::cli::ManPage& page : common::cli::RenderManPages(RootCommand(), info)) {
    const std::string path = absl::StrCat(dir, "/", page.file_name);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << page.content;
    file.close();
    if (!file) {
      return common::OutputFileError(absl::StrCat("failed to write ", path, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace rune::cli
