// rune __genman <dir> — writes rune.1 and one page per command (SPEC §3.8).
#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/cli/man.h"
#include "common/errors.h"
#include "common/version.h"
#include "rune/command_table.h"
#include "rune/commands.h"

namespace rune::cli {
namespace {

using common::cli::Command;
using common::cli::ManSection;

bool HasFlag(const Command& cmd, const char* name) {
  for (const common::cli::Flag& f : cmd.flags) {
    if (f.name == name) return true;
  }
  return false;
}

// The rows of SPEC §2.1 that hold for every command.
std::vector<std::pair<std::string, std::string>> CommonExitCodes() {
  return {
      {"0",
       "Success, including empty lists and idempotent no-ops (cast of an unchanged spec, scale to "
       "the current scale, stop of a stopped service, token revoke of a revoked token, "
       "--ignore-not-found)."},
      {"1",
       "Failure: runed answered Unavailable, Internal, Unknown, DataLoss, ResourceExhausted, "
       "Cancelled or Unimplemented; a network or TLS failure; an unreadable or malformed client "
       "config file, or a token file it names; a failed runeset download; a failure writing an "
       "output file; a gradual scale that failed or was rolled back."},
      {"2",
       "Usage: unknown command or flag, missing or extra arguments, a missing flag value, a "
       "malformed flag or argument value (duration, integer, enum, k=v, selector, regex), flags "
       "that cannot be used together, a local input path (file, directory, glob, --values, "
       "--from-file, --token-file, policy create -f) that does not exist."},
      {"3",
       "Not authenticated or not allowed: runed answered Unauthenticated or PermissionDenied "
       "(including admin commands from another host)."},
      {"4", "Not found: runed answered NotFound, or the local context does not exist."},
      {"5",
       "Conflict: runed answered AlreadyExists, FailedPrecondition (e.g. deleting a service other "
       "services require, without --force) or Aborted; unsatisfied required dependencies (deps "
       "check); deleting the current context."},
      {"6",
       "Validation: runed answered InvalidArgument or OutOfRange, or local YAML failed to parse "
       "or validate in lint, cast (including runeset render errors), create, admin policy create "
       "or deps validate."},
      {"7",
       "Timeout: runed answered DeadlineExceeded, or --timeout expired while waiting (cast, "
       "scale, restart, stop, delete, rollback)."},
  };
}

std::pair<std::string, std::string> ExecTimeoutCode() {
  return {"124", "rune exec: --timeout expired and the remote command was killed."};
}

std::pair<std::string, std::string> ExecPassThroughCode() {
  return {"N",
          "rune exec only: the remote command's exit status, passed through unchanged "
          "(0\u2013255); a command killed by a signal gives 128+signal number (SIGKILL gives 137)."};
}

std::pair<std::string, std::string> InterruptCode() {
  return {"130",
          "Interrupted: SIGINT during a follow (logs -f), a watch (get -w) or a wait (cast, scale, "
          "restart, stop, delete, rollback)."};
}

constexpr char kExecAmbiguity[] =
    "a remote status of 1 to 7 cannot be told from a failure of rune by the code alone; failures "
    "before the remote command starts always print an Error: line on stderr.";

// rune.1: the whole table of SPEC §2.1.
ManSection RootExitStatus() {
  ManSection s{"EXIT STATUS", "", "", CommonExitCodes()};
  s.items.push_back(ExecTimeoutCode());
  s.items.push_back(ExecPassThroughCode());
  s.items.push_back(InterruptCode());
  s.text = absl::StrCat("The first error ends a command (lint and the validation of cast report "
                        "every finding first). With rune exec, ",
                        kExecAmbiguity);
  return s;
}

// A command page: the rows that hold for every command, the exec rows on
// exec's page, and what waiting, following and watching add.
ManSection CommandExitStatus(const std::vector<const Command*>& path) {
  const Command& cmd = *path.back();
  const std::string name = common::cli::JoinPath(path);
  ManSection s{"EXIT STATUS", "", "", CommonExitCodes()};
  std::vector<std::string> notes;
  if (cmd.flags_stop_after_args == 1) {
    notes.push_back(absl::StrCat(
        name,
        " exits with the status of the remote command (128 plus the signal number when a signal "
        "killed it, 124 when "
        "--timeout expired). With a terminal, Ctrl-C reaches the remote command as a keystroke; "
        "without one, SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to it, and a second "
        "SIGINT within 2 seconds detaches with status 130. Because of the pass-through, ",
        kExecAmbiguity));
    s.items.push_back(ExecTimeoutCode());
    s.items.push_back(ExecPassThroughCode());
  }
  if (HasFlag(cmd, "no-wait") || HasFlag(cmd, "detach")) {
    notes.push_back(absl::StrCat(
        "While ", name,
        " waits, an expired --timeout exits with 7, and SIGINT stops the wait, prints "
        "\"Interrupted: the operation continues on the server\" and exits with 130; runed "
        "carries on with the work either way."));
  }
  if (HasFlag(cmd, "follow")) {
    notes.push_back("SIGINT (or SIGTERM) ends --follow with status 130.");
  }
  if (HasFlag(cmd, "watch")) {
    notes.push_back("SIGINT (or SIGTERM) ends --watch with status 130.");
  }
  s.items.push_back(InterruptCode());
  s.text = absl::StrJoin(notes, "\n\n");
  return s;
}

ManSection EnvironmentSection() {
  return {"ENVIRONMENT",
          "Each setting is taken from its flag, else its environment variable, else the current "
          "context, else the built-in default. The token comes from the first of --token, "
          "--token-file, RUNE_TOKEN, RUNE_TOKEN_FILE, the context's token and the context's "
          "token-file. rune login and rune context set take credentials and the namespace only "
          "from their flags, never from these variables.",
          "",
          {
              {"RUNE_CLI_CONFIG", "Client config file, when --config is not given."},
              {"RUNE_CONTEXT",
               "Context to use instead of current-context (there is no --context flag). Naming a "
               "context that does not exist is an error (exit status 4)."},
              {"RUNE_API_SERVER", "runed address host[:port], when --api-server is not given."},
              {"RUNE_NAMESPACE", "Target namespace, when -n is not given."},
              {"RUNE_TOKEN", "Bearer token."},
              {"RUNE_TOKEN_FILE", "File holding the bearer token (whitespace trimmed)."},
              {"RUNE_LOG_LEVEL", "Client diagnostics on stderr: debug, info, warn or error."},
              {"NO_COLOR", "When not empty, disables colour."},
              {"RUNE_NO_COLOR", "When set, disables colour."},
              {"RUNE_FORCE_COLOR",
               "Set to 1 to colour STATUS cells and the Error: and Hint: prefixes even when the "
               "output is not a terminal."},
              {"RUNE_VALUES_<a>__<b>",
               "Runeset value at path a.b, as a string; applied after the runeset's values files "
               "and before --values, --set and --set-string."},
              {"RUNE_COMPLETION_TIMEOUT_MS",
               "Deadline of the requests shell completion makes to runed, in milliseconds "
               "(default 300). RUNE_COMPLETION_TIMEOUT takes the same as a duration (300ms)."},
              {"SOURCE_DATE_EPOCH",
               "Modification time, in seconds since 1970, of the entries rune pack writes "
               "(default 0)."},
              {"HOME", "Location of the default client config file."},
          }};
}

ManSection FilesSection() {
  return {"FILES",
          "",
          "",
          {{"$HOME/.rune/config.yaml",
            "Client config file: current-context and the contexts (server, namespace, token or "
            "token-file, TLS files). A missing file means no contexts. rune writes it atomically, "
            "with mode 0600 in a directory of mode 0700."},
           {"/etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt, "
            "/etc/ssl/cert.pem, /etc/ssl/ca-bundle.pem",
            "CA certificates a TLS context trusts when it names no ca file: the first of these "
            "that exists."}}};
}

std::vector<ManSection> Sections(const std::vector<const Command*>& path) {
  if (path.size() == 1) return {RootExitStatus(), EnvironmentSection(), FilesSection()};
  return {CommandExitStatus(path)};
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
  info.sections = &Sections;
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
