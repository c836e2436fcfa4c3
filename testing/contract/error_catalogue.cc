#include "testing/contract/error_catalogue.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace rune::contract {
namespace {

// Pieces of message patterns.
#define NS "(?P<ns>[^\"/ ]+)"
#define NAME "(?P<name>[^\"/ ]+)"
#define REF "[^\"/ ,]+/[^\"/ ,]+"
#define REFS REF "(?:, " REF ")*"
#define DUR "[0-9][0-9a-z.]*"
#define LINE "[^\n]+"

constexpr char kUnavailableHint[] =
    "check that runed is running and reachable (systemctl status runed, firewall, TLS settings)";
constexpr char kLoginHint[] = "run 'rune login' again";
constexpr char kUsageHint[] = "run 'rune{*} --help' for usage";
constexpr char kWaitHint[] = "increase --timeout or inspect with 'rune get services {name}'";
constexpr char kValidateHint[] = "validate the spec locally with 'rune lint'";
constexpr char kLogsHint[] = "search the runed logs for the request ID: journalctl -u runed";

std::vector<MessageEntry> BuildMessages() {
  using R = RequestId;
  // id, variant, code, exit, message, hint, request ID, real runed, not_message, stdout
  return {
      {"M01", "", "Unavailable", 1,
       "failed to connect to API server at \\S+: (?:connection refused|connection timed out|"
       "cannot resolve host|TLS handshake failed|unavailable)",
       kUnavailableHint, R::kAbsent},
      {"M02", "", "Unauthenticated", 3, "missing bearer token", kLoginHint, R::kRequired, true},
      {"M03", "", "Unauthenticated", 3, "invalid bearer token", kLoginHint, R::kRequired, true},
      {"M04", "", "PermissionDenied", 3, "access denied for resource: \\S+ verb: \\S+",
       "check your policies with 'rune whoami' or ask an administrator", R::kRequired, true},
      // A real runed answers this only to a non-loopback peer; tests listen on
      // loopback (runed/auth/auth_test.cc pins the server side).
      {"M05", "", "PermissionDenied", 3,
       "admin operations are allowed only from localhost unless auth\\.allow_remote_admin is true",
       "run the command on the runed host", R::kRequired},
      {"M06", "", "ResourceExhausted", 1,
       "too many failed authentication attempts; retry in [0-9]+s", "retry later", R::kRequired,
       true},
      {"M07", "", "InvalidArgument", 6,
       "validation error: " LINE ": " LINE "(?:\nvalidation error: " LINE ": " LINE ")*",
       kValidateHint, R::kRequired, true, "dependency cycle detected"},
      {"M08", "", "InvalidArgument", 6,
       "validation error: service\\.dependencies: dependency cycle detected: " REF
       "(?: -> " REF ")+",
       kValidateHint, R::kRequired, true},
      {"M09", "", "InvalidArgument", 6,
       "validation failed: [0-9]+ error\\(s\\) in [0-9]+ file\\(s\\)(?:\n\\S+:[0-9]+:[0-9]+: " LINE ")+",
       "run 'rune lint {*}' for details", R::kAbsent},
      {"M10", "", "FailedPrecondition", 5, "service \"" NS "/" NAME "\" has dependents: " REFS,
       "list them with 'rune deps dependents {name} -n {ns}' or re-run with --force", R::kRequired,
       true},
      {"M11", "", "FailedPrecondition", 5,
       "(?:secret|configmap) \"" REF "\" is referenced by services: " REFS,
       "re-run with --force to delete it anyway", R::kRequired, true},
      {"M12", "", "FailedPrecondition", 5,
       "namespace \"[^\"]+\" is not empty: [0-9]+ services, [0-9]+ secrets, [0-9]+ configmaps",
       "re-run with --force to delete the namespace and everything in it", R::kRequired, true},
      {"M13", "", "FailedPrecondition", 5, "namespace \"[^\"]+\" is reserved", "", R::kRequired,
       true},
      {"M14", "service, instance, secret or configmap", "NotFound", 4,
       "(?P<kind>service|instance|secret|configmap) \"[^\"]+\" not found in namespace \"" NS "\"",
       "run 'rune get {kind}s -n {ns}' to list {kind}s", R::kRequired, true},
      {"M14", "deletion operation", "NotFound", 4,
       "deletion operation \"[^\"]+\" not found in namespace \"" NS "\"",
       "run 'rune delete list -n {ns}'", R::kRequired, true},
      {"M15", "namespace", "NotFound", 4, "namespace \"" NAME "\" not found",
       "create it with 'rune create namespace {name}' or pass --create-namespace", R::kRequired,
       true},
      {"M15", "policy, user, token or registry", "NotFound", 4,
       "(?:policy|user|token|registry) \"[^\"]+\" not found",
       "list existing resources with 'rune get'", R::kRequired, true},
      {"M16", "", "NotFound", 4, "service or instance \"[^\"]+\" not found in namespace \"" NS "\"",
       "run 'rune get instances -n {ns}'", R::kRequired, true},
      {"M17", "", "NotFound", 4, "generation [0-9]+ of service \"" NS "/" NAME "\" not found",
       "list generations with 'rune rollback {name} --list -n {ns}'", R::kRequired, true},
      {"M18", "namespace or registry", "AlreadyExists", 5,
       "(?:namespace|registry) \"[^\"/]+\" already exists",
       "use 'rune cast' (idempotent) instead of 'rune create'", R::kRequired, true},
      {"M18", "policy", "AlreadyExists", 5, "policy \"[^\"/]+\" already exists",
       "pass --replace to overwrite it", R::kRequired, true},
      {"M18", "secret or configmap", "AlreadyExists", 5,
       "(?:secret|configmap) \"" REF "\" already exists", "pass --replace to overwrite it",
       R::kRequired, true},
      {"M19", "", "FailedPrecondition", 5, "server already bootstrapped: active tokens exist",
       "use an existing admin token; issue more with 'rune admin token create'", R::kRequired,
       true},
      {"M20", "", "FailedPrecondition", 5,
       "policy \"[^\"]+\" is built-in and cannot be modified or deleted", "", R::kRequired, true},
      {"M21", "service", "FailedPrecondition", 5, "service \"" NS "/[^\"]+\" has no running instances",
       "check 'rune get instances -n {ns}'", R::kRequired, true},
      {"M21", "instance", "FailedPrecondition", 5,
       "instance \"" NS "/[^\"]+\" is not running \\(status: [A-Za-z]+\\)",
       "check 'rune get instances -n {ns}'", R::kRequired, true},
      {"M22", "", "FailedPrecondition", 5, "(?:docker|process) runner is disabled on this server",
       "", R::kRequired, true},
      {"M23", "", "FailedPrecondition", 5,
       "deletion of service \"" NS "/[^\"]+\" is already in progress \\(operation (?P<op>[^)]+)\\)",
       "follow it with 'rune delete status {op} -n {ns}'", R::kRequired, true},
      {"M24", "", "FailedPrecondition", 5,
       "service \"" REF "\" has no previous generation to roll back to", "", R::kRequired, true},
      {"M25", "", "FailedPrecondition", 5, "service \"[^\"/]+/" NAME "\" is stopped \\(scale 0\\)",
       "start it with 'rune scale {name} <n>'", R::kRequired, true},
      // A real runed answers Aborted only to a write that races another one.
      {"M26", "", "Aborted", 5, "[a-z]+ \"" REF "\" was modified concurrently",
       "the object changed concurrently; retry the command", R::kRequired},
      {"M27", "", "DeadlineExceeded", 7,
       "timed out after " DUR " waiting for service \"[^\"/]+/" NAME
       "\" to become ready \\([0-9]+/[0-9]+ instances ready(?:; last error: " LINE ")?\\)",
       kWaitHint, R::kAbsent},
      {"M28", "", "DeadlineExceeded", 7,
       "timed out after " DUR " waiting for service \"[^\"/]+/" NAME
       "\" to reach scale [0-9]+ \\([0-9]+/[0-9]+ instances ready\\)",
       kWaitHint, R::kAbsent},
      {"M29", "", "DeadlineExceeded", 7,
       "timed out after " DUR " waiting for service \"[^\"/]+/" NAME
       "\" to restart \\([0-9]+/[0-9]+ instances ready\\)",
       kWaitHint, R::kAbsent},
      {"M30", "", "DeadlineExceeded", 7,
       "timed out after " DUR " waiting for service \"[^\"/]+/" NAME
       "\" to stop \\([0-9]+ instances remaining\\)",
       kWaitHint, R::kAbsent},
      {"M31", "", "DeadlineExceeded", 7,
       "timed out after " DUR " waiting for deletion of [a-z]+ \"[^\"/]+/" NAME
       "\" \\(operation \\S+: [a-z-]+\\)",
       kWaitHint, R::kAbsent},
      {"M32", "", "DeadlineExceeded", 7, "request timed out after " DUR,
       "increase --request-timeout or check server load", R::kAbsent},
      {"M33", "", "DeadlineExceeded", 124, "command timed out after " DUR, "", R::kAbsent},
      {"M34", "usage", "InvalidArgument", 2, "unknown command \"[^\"]*\" for \"(?P<path>[^\"]+)\"",
       "run '{path} --help' for usage", R::kAbsent},
      {"M34", "did you mean", "InvalidArgument", 2, "unknown command \"[^\"]*\" for \"[^\"]+\"",
       "did you mean \"{*}\"?", R::kAbsent},
      {"M35", "long", "InvalidArgument", 2, "unknown flag: --\\S+", kUsageHint, R::kAbsent},
      {"M35", "shorthand", "InvalidArgument", 2, "unknown shorthand flag: '.' in -\\S+", kUsageHint,
       R::kAbsent},
      {"M36", "long", "InvalidArgument", 2, "flag needs an argument: --\\S+", kUsageHint,
       R::kAbsent},
      {"M36", "shorthand", "InvalidArgument", 2, "flag needs an argument: '(.)' in -.", kUsageHint,
       R::kAbsent},
      {"M37", "", "InvalidArgument", 2,
       "invalid argument \"[^\n]*\" for \"(?:-., )?--[a-z0-9-]+\" flag: (?:invalid duration|"
       "not an integer|must be >= -?[0-9]+|must be one of: " LINE "|expected KEY=VALUE|"
       "invalid regular expression: " LINE "|invalid label selector: " LINE ")",
       kUsageHint, R::kAbsent},
      {"M38", "exactly", "InvalidArgument", 2, "accepts [0-9]+ arg\\(s\\), received [0-9]+",
       kUsageHint, R::kAbsent},
      {"M38", "at least", "InvalidArgument", 2,
       "requires at least [0-9]+ arg\\(s\\), only received [0-9]+", kUsageHint, R::kAbsent},
      {"M38", "at most", "InvalidArgument", 2, "accepts at most [0-9]+ arg\\(s\\), received [0-9]+",
       kUsageHint, R::kAbsent},
      {"M38", "between", "InvalidArgument", 2,
       "accepts between [0-9]+ and [0-9]+ arg\\(s\\), received [0-9]+", kUsageHint, R::kAbsent},
      {"M39", "", "InvalidArgument", 2, "flags --\\S+ and --\\S+ cannot be used together",
       kUsageHint, R::kAbsent},
      {"M40", "required flag", "InvalidArgument", 2, "required flag \"--[a-z0-9-]+\" not set",
       kUsageHint, R::kAbsent},
      {"M40", "one of", "InvalidArgument", 2, "one of --[a-z0-9-]+(?:, --[a-z0-9-]+)+ is required",
       kUsageHint, R::kAbsent},
      {"M41", "path", "NotFound", 2, "path \"[^\"]+\" does not exist", "", R::kAbsent},
      {"M41", "pattern", "NotFound", 2, "pattern \"[^\"]+\" matched no files", "", R::kAbsent},
      {"M42", "", "InvalidArgument", 2, "invalid [a-z ]+ \"[^\"]*\": " LINE, kUsageHint,
       R::kAbsent},
      {"M43", "client config", "Unknown", 1, "failed to read client config (?P<path>\\S+): " LINE,
       "fix or remove {path}", R::kAbsent},
      {"M43", "token file", "Unknown", 1, "failed to read token file (?P<path>\\S+): " LINE,
       "fix or remove {path}", R::kAbsent},
      {"M44", "", "NotFound", 4, "context \"[^\"]+\" not found",
       "list contexts with 'rune context list'", R::kAbsent},
      {"M45", "", "FailedPrecondition", 5, "cannot delete the current context \"[^\"]+\"",
       "switch first with 'rune context use <other>'", R::kAbsent},
      // Streams end so when runed stops; a golden case cannot stop its runed
      // halfway (runed/api/*_service_test.cc pin the server side).
      {"M46", "", "Unavailable", 1, "server is shutting down", kUnavailableHint, R::kAny},
      {"M47", "", "InvalidArgument", 6, "validation failed: [0-9]+ error\\(s\\) in [0-9]+ file\\(s\\)",
       "", R::kAbsent, false, "", "(?m)^\\S+:[0-9]+:[0-9]+: error: "},
      {"M48", "", "FailedPrecondition", 5,
       "[0-9]+ of [0-9]+ required dependencies of service \"" NS "/" NAME "\" are not satisfied",
       "inspect them with 'rune deps graph {name} -n {ns}'", R::kAny, true},
      {"M49", "rolled back", "Unknown", 1,
       "scaling of service \"" REF "\" failed at [0-9]+/[0-9]+; rolled back to [0-9]+: " LINE, "",
       R::kAny},
      {"M49", "left", "Unknown", 1,
       "scaling of service \"" REF "\" failed at [0-9]+/[0-9]+; left at [0-9]+: " LINE, "", R::kAny},
  };
}

#undef NS
#undef NAME
#undef REF
#undef REFS
#undef DUR
#undef LINE

std::vector<StatusRow> BuildRows() {
  return {
      {"OK", 0, "", true},
      {"Cancelled", 1, "", false},
      {"Unknown", 1, kLogsHint, false},
      {"InvalidArgument", 6, kValidateHint, false},
      {"DeadlineExceeded", 7, "increase --request-timeout or check server load", true},
      {"NotFound", 4, "list existing resources with 'rune get'", true},
      {"AlreadyExists", 5, "use 'rune cast' (idempotent) instead of 'rune create'", true},
      {"PermissionDenied", 3, "check your policies with 'rune whoami' or ask an administrator", true},
      {"ResourceExhausted", 1, "retry later", true},
      {"FailedPrecondition", 5, "{*}", false},
      {"Aborted", 5, "the object changed concurrently; retry the command", true},
      {"OutOfRange", 6, kValidateHint, false},
      {"Unimplemented", 1,
       "the server does not support this operation; check 'rune version --server'", true},
      {"Internal", 1, kLogsHint, false},
      {"Unavailable", 1, kUnavailableHint, true},
      {"DataLoss", 1, kLogsHint, false},
      {"Unauthenticated", 3, kLoginHint, true},
  };
}

// `tmpl` as an RE2 pattern: literal text, "{*}" any text, "{g}" the value of
// the message's group g. False when a group is missing.
bool HintPattern(const std::string& tmpl, const std::map<std::string, std::string>& groups,
                 std::string* pattern) {
  pattern->clear();
  size_t i = 0;
  while (i < tmpl.size()) {
    const size_t open = tmpl.find('{', i);
    const size_t close = open == std::string::npos ? std::string::npos : tmpl.find('}', open);
    if (close == std::string::npos) {
      absl::StrAppend(pattern, RE2::QuoteMeta(tmpl.substr(i)));
      break;
    }
    absl::StrAppend(pattern, RE2::QuoteMeta(tmpl.substr(i, open - i)));
    const std::string name = tmpl.substr(open + 1, close - open - 1);
    if (name == "*") {
      absl::StrAppend(pattern, ".*");
    } else {
      auto it = groups.find(name);
      if (it == groups.end()) return false;
      absl::StrAppend(pattern, RE2::QuoteMeta(it->second));
    }
    i = close + 1;
  }
  return true;
}

// Full match of `text`; fills `groups` with the named groups' values.
bool MatchMessage(const std::string& pattern, const std::string& text,
                  std::map<std::string, std::string>* groups) {
  const RE2 re(pattern);
  if (!re.ok()) return false;
  const int n = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> pieces(n);
  std::vector<RE2::Arg> args(n);
  std::vector<const RE2::Arg*> arg_ptrs(n);
  for (int i = 0; i < n; ++i) {
    args[i] = &pieces[i];
    arg_ptrs[i] = &args[i];
  }
  if (!RE2::FullMatchN(text, re, arg_ptrs.data(), n)) return false;
  for (const auto& [name, index] : re.NamedCapturingGroups()) {
    (*groups)[name] = std::string(pieces[index - 1]);
  }
  return true;
}

// The reported error of `c` when its JSON "exit" (if any) agrees with the
// case's exit code.
std::optional<ReportedError> ErrorOf(const GoldenCase& c) {
  std::optional<ReportedError> e = ParseReportedError(c.stderr_text);
  if (e.has_value() && e->json && e->json_exit != c.exit_code) return std::nullopt;
  return e;
}

}  // namespace

const std::vector<MessageEntry>& CanonicalMessages() {
  static const std::vector<MessageEntry>* entries = new std::vector<MessageEntry>(BuildMessages());
  return *entries;
}

const std::vector<StatusRow>& StatusRows() {
  static const std::vector<StatusRow>* rows = new std::vector<StatusRow>(BuildRows());
  return *rows;
}

std::string Label(const MessageEntry& entry) {
  return entry.variant.empty() ? entry.id : absl::StrCat(entry.id, " (", entry.variant, ")");
}

bool Pins(const MessageEntry& entry, const GoldenCase& c) {
  if (c.exit_code != entry.exit) return false;
  if (entry.real_server && c.server != ServerMode::kReal) return false;
  std::optional<ReportedError> e = ErrorOf(c);
  if (!e.has_value()) return false;
  if (e->json && e->code != entry.code) return false;
  std::map<std::string, std::string> groups;
  if (!MatchMessage(entry.message, e->message, &groups)) return false;
  if (!entry.not_message.empty() && RE2::PartialMatch(e->message, entry.not_message)) return false;
  if (entry.hint.empty()) {
    if (e->hint.has_value()) return false;
  } else {
    std::string pattern;
    if (!e->hint.has_value() || !HintPattern(entry.hint, groups, &pattern) ||
        !RE2::FullMatch(*e->hint, pattern)) {
      return false;
    }
  }
  if (entry.request_id == RequestId::kRequired && !e->has_request_id) return false;
  if (entry.request_id == RequestId::kAbsent && e->has_request_id) return false;
  if (!entry.stdout_pattern.empty() && !RE2::PartialMatch(c.stdout_text, entry.stdout_pattern)) {
    return false;
  }
  return true;
}

bool Pins(const StatusRow& row, const GoldenCase& c) {
  if (c.exit_code != row.exit || c.server == ServerMode::kNone) return false;
  if (row.code == "OK") {
    return c.stderr_text.find("Error:") == std::string::npos &&
           c.stderr_text.find("{\"code\":") == std::string::npos;
  }
  std::optional<ReportedError> e = ErrorOf(c);
  // A status from runed carries a request ID (§2.2).
  if (!e.has_value() || !e->has_request_id) return false;
  if (e->json ? e->code != row.code : !row.human_form_pins) return false;
  if (row.hint.empty()) return !e->hint.has_value();
  std::string pattern;
  return e->hint.has_value() && HintPattern(row.hint, {}, &pattern) &&
         RE2::FullMatch(*e->hint, pattern);
}

std::vector<std::string> Uncovered(const std::vector<GoldenCase>& cases) {
  std::vector<std::string> missing;
  for (const MessageEntry& m : CanonicalMessages()) {
    bool pinned = false;
    for (const GoldenCase& c : cases) pinned = pinned || Pins(m, c);
    if (!pinned) {
      missing.push_back(absl::StrCat(Label(m), ": ", m.code, "/", m.exit, " \"", m.message, "\"",
                                     m.real_server ? " (against a real runed)" : ""));
    }
  }
  for (const StatusRow& r : StatusRows()) {
    bool pinned = false;
    for (const GoldenCase& c : cases) pinned = pinned || Pins(r, c);
    if (!pinned) {
      missing.push_back(absl::StrCat("§2.4 ", r.code, ": exit ", r.exit, ", hint \"", r.hint, "\"",
                                     r.human_form_pins ? "" : " (JSON form)"));
    }
  }
  return missing;
}

}  // namespace rune::contract
