#include "common/errors.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json_writer.h"

namespace rune::common {
namespace {

constexpr absl::string_view kClassUrl = "type.rune.dev/error-class";
constexpr absl::string_view kHintUrl = "type.rune.dev/hint";
constexpr absl::string_view kRequestIdUrl = "type.rune.dev/request-id";
constexpr absl::string_view kExitCodeUrl = "type.rune.dev/exit-code";

struct ClassInfo {
  ErrorClass cls;
  absl::string_view name;
};

constexpr ClassInfo kClasses[] = {
    {ErrorClass::kServer, "server"},
    {ErrorClass::kUsage, "usage"},
    {ErrorClass::kLocalPath, "local-path"},
    {ErrorClass::kLocalSpec, "local-spec"},
    {ErrorClass::kClientConfig, "client-config"},
    {ErrorClass::kConnect, "connect"},
    {ErrorClass::kWaitTimeout, "wait-timeout"},
    {ErrorClass::kClientDeadline, "client-deadline"},
    {ErrorClass::kExecTimeout, "exec-timeout"},
    {ErrorClass::kInterrupt, "interrupt"},
    {ErrorClass::kStreamInterrupt, "stream-interrupt"},
    {ErrorClass::kContextMissing, "context-missing"},
    {ErrorClass::kCurrentContext, "current-context"},
    {ErrorClass::kOutputFile, "output-file"},
    {ErrorClass::kRemoteFetch, "remote-fetch"},
    {ErrorClass::kNotImplemented, "not-implemented"},
    {ErrorClass::kInternal, "internal"},
    {ErrorClass::kRemoteExit, "remote-exit"},
};

absl::Status Make(absl::StatusCode code, absl::string_view message, ErrorClass cls,
                  std::optional<absl::string_view> hint = std::nullopt) {
  absl::Status status(code, message);
  for (const ClassInfo& info : kClasses) {
    if (info.cls == cls) status.SetPayload(kClassUrl, absl::Cord(info.name));
  }
  if (hint.has_value()) status.SetPayload(kHintUrl, absl::Cord(*hint));
  return status;
}

std::optional<std::string> Payload(const absl::Status& status, absl::string_view url) {
  std::optional<absl::Cord> cord = status.GetPayload(url);
  if (!cord.has_value()) return std::nullopt;
  return std::string(*cord);
}

}  // namespace

absl::Status UsageError(absl::string_view message, absl::string_view command_path) {
  return Make(absl::StatusCode::kInvalidArgument, message, ErrorClass::kUsage,
              absl::StrCat("run '", command_path, " --help' for usage"));
}

absl::Status LocalPathError(absl::string_view message) {
  return Make(absl::StatusCode::kNotFound, message, ErrorClass::kLocalPath, "");
}

absl::Status LocalSpecError(absl::string_view message, absl::string_view hint) {
  return Make(absl::StatusCode::kInvalidArgument, message, ErrorClass::kLocalSpec, hint);
}

absl::Status ClientConfigError(absl::string_view message, absl::string_view path) {
  return Make(absl::StatusCode::kUnknown, message, ErrorClass::kClientConfig,
              absl::StrCat("fix or remove ", path));
}

absl::Status ConnectError(absl::string_view address, absl::string_view reason) {
  return Make(absl::StatusCode::kUnavailable,
              absl::StrCat("failed to connect to API server at ", address, ": ", reason),
              ErrorClass::kConnect);
}

absl::Status WaitTimeoutError(absl::string_view message) {
  return Make(absl::StatusCode::kDeadlineExceeded, message, ErrorClass::kWaitTimeout);
}

absl::Status ClientDeadlineError(absl::string_view message) {
  return Make(absl::StatusCode::kDeadlineExceeded, message, ErrorClass::kClientDeadline);
}

absl::Status ExecTimeoutError(absl::string_view message) {
  return Make(absl::StatusCode::kDeadlineExceeded, message, ErrorClass::kExecTimeout, "");
}

absl::Status InterruptedError() {
  return Make(absl::StatusCode::kCancelled, "the operation continues on the server",
              ErrorClass::kInterrupt, "");
}

absl::Status StreamInterruptedError() {
  return Make(absl::StatusCode::kCancelled, "interrupted", ErrorClass::kStreamInterrupt, "");
}

absl::Status RemoteExitError(int code) {
  absl::Status status = Make(absl::StatusCode::kUnknown,
                             absl::StrCat("remote command exited with status ", code),
                             ErrorClass::kRemoteExit, "");
  status.SetPayload(kExitCodeUrl, absl::Cord(absl::StrCat(code)));
  return status;
}

absl::Status ContextMissingError(absl::string_view name) {
  return Make(absl::StatusCode::kNotFound, absl::StrCat("context \"", name, "\" not found"),
              ErrorClass::kContextMissing, "list contexts with 'rune context list'");
}

absl::Status CurrentContextDeleteError(absl::string_view name) {
  return Make(absl::StatusCode::kFailedPrecondition,
              absl::StrCat("cannot delete the current context \"", name, "\""),
              ErrorClass::kCurrentContext, "switch first with 'rune context use <other>'");
}

absl::Status OutputFileError(absl::string_view message) {
  return Make(absl::StatusCode::kUnknown, message, ErrorClass::kOutputFile, "");
}

absl::Status RemoteFetchError(absl::string_view message) {
  return Make(absl::StatusCode::kUnavailable, message, ErrorClass::kRemoteFetch, "");
}

absl::Status NotImplementedError(absl::string_view command) {
  return Make(absl::StatusCode::kUnimplemented, absl::StrCat(command, " is not implemented yet"),
              ErrorClass::kNotImplemented, "");
}

absl::Status ServerError(absl::StatusCode code, absl::string_view message,
                         absl::string_view request_id, absl::string_view hint) {
  absl::Status status = Make(code, message, ErrorClass::kServer);
  if (!hint.empty()) status.SetPayload(kHintUrl, absl::Cord(hint));
  if (!request_id.empty()) status.SetPayload(kRequestIdUrl, absl::Cord(request_id));
  return status;
}

absl::Status WithHint(absl::Status status, absl::string_view hint) {
  status.SetPayload(kHintUrl, absl::Cord(hint));
  return status;
}

ErrorClass ClassOf(const absl::Status& status) {
  std::optional<std::string> name = Payload(status, kClassUrl);
  if (name.has_value()) {
    for (const ClassInfo& info : kClasses) {
      if (info.name == *name) return info.cls;
    }
  }
  return ErrorClass::kInternal;
}

std::string CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "OK";
    case absl::StatusCode::kCancelled:
      return "Cancelled";
    case absl::StatusCode::kUnknown:
      return "Unknown";
    case absl::StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case absl::StatusCode::kDeadlineExceeded:
      return "DeadlineExceeded";
    case absl::StatusCode::kNotFound:
      return "NotFound";
    case absl::StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case absl::StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case absl::StatusCode::kResourceExhausted:
      return "ResourceExhausted";
    case absl::StatusCode::kFailedPrecondition:
      return "FailedPrecondition";
    case absl::StatusCode::kAborted:
      return "Aborted";
    case absl::StatusCode::kOutOfRange:
      return "OutOfRange";
    case absl::StatusCode::kUnimplemented:
      return "Unimplemented";
    case absl::StatusCode::kInternal:
      return "Internal";
    case absl::StatusCode::kUnavailable:
      return "Unavailable";
    case absl::StatusCode::kDataLoss:
      return "DataLoss";
    case absl::StatusCode::kUnauthenticated:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

int ServerExitCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return kExitValidation;
    case absl::StatusCode::kDeadlineExceeded:
      return kExitTimeout;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return kExitConflict;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return kExitAuth;
    default:
      return kExitFailure;
  }
}

absl::string_view DefaultServerHint(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
      return "search the runed logs for the request ID: journalctl -u runed";
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return "validate the spec locally with 'rune lint'";
    case absl::StatusCode::kDeadlineExceeded:
      return "increase --request-timeout or check server load";
    case absl::StatusCode::kNotFound:
      return "list existing resources with 'rune get'";
    case absl::StatusCode::kAlreadyExists:
      return "use 'rune cast' (idempotent) instead of 'rune create'";
    case absl::StatusCode::kPermissionDenied:
      return "check your policies with 'rune whoami' or ask an administrator";
    case absl::StatusCode::kResourceExhausted:
      return "retry later";
    case absl::StatusCode::kAborted:
      return "the object changed concurrently; retry the command";
    case absl::StatusCode::kUnimplemented:
      return "the server does not support this operation; check 'rune version --server'";
    case absl::StatusCode::kUnavailable:
      return "check that runed is running and reachable (systemctl status runed, firewall, TLS "
             "settings)";
    case absl::StatusCode::kUnauthenticated:
      return "run 'rune login' again";
    default:
      return "";
  }
}

std::optional<std::string> HintOf(const absl::Status& status) { return Payload(status, kHintUrl); }

ErrorReport Classify(const absl::Status& status) {
  ErrorReport report;
  report.code = status.code();
  report.message = std::string(status.message());
  const ErrorClass cls = ClassOf(status);
  std::optional<std::string> hint = Payload(status, kHintUrl);
  std::string default_hint;
  switch (cls) {
    case ErrorClass::kServer:
      report.exit_code = ServerExitCode(status.code());
      default_hint = std::string(DefaultServerHint(status.code()));
      report.request_id = Payload(status, kRequestIdUrl);
      break;
    case ErrorClass::kUsage:
      report.exit_code = kExitUsage;
      break;
    case ErrorClass::kLocalPath:
      report.exit_code = kExitUsage;
      break;
    case ErrorClass::kLocalSpec:
      report.exit_code = kExitValidation;
      break;
    case ErrorClass::kClientConfig:
    case ErrorClass::kOutputFile:
    case ErrorClass::kRemoteFetch:
    case ErrorClass::kNotImplemented:
      report.exit_code = kExitFailure;
      break;
    case ErrorClass::kConnect:
      report.exit_code = kExitFailure;
      default_hint = std::string(DefaultServerHint(absl::StatusCode::kUnavailable));
      break;
    case ErrorClass::kWaitTimeout:
      report.exit_code = kExitTimeout;
      break;
    case ErrorClass::kClientDeadline:
      report.exit_code = kExitTimeout;
      default_hint = std::string(DefaultServerHint(absl::StatusCode::kDeadlineExceeded));
      break;
    case ErrorClass::kExecTimeout:
      report.exit_code = kExitExecTimeout;
      break;
    case ErrorClass::kInterrupt:
      report.exit_code = kExitInterrupted;
      break;
    case ErrorClass::kStreamInterrupt:
      report.exit_code = kExitInterrupted;
      report.silent = true;
      break;
    case ErrorClass::kContextMissing:
      report.exit_code = kExitNotFound;
      break;
    case ErrorClass::kCurrentContext:
      report.exit_code = kExitConflict;
      break;
    case ErrorClass::kInternal:
      report.exit_code = ServerExitCode(status.code());
      break;
    case ErrorClass::kRemoteExit: {
      int code = kExitFailure;
      std::optional<std::string> text = Payload(status, kExitCodeUrl);
      if (text.has_value() && absl::SimpleAtoi(*text, &code) && code > 0 && code <= 255) {
        report.exit_code = code;
      }
      report.silent = true;
      break;
    }
  }
  if (hint.has_value()) {
    if (!hint->empty()) report.hint = *hint;
  } else if (!default_hint.empty()) {
    report.hint = default_hint;
  }
  return report;
}

std::string FormatHuman(const ErrorReport& report, bool color) {
  const char* red = color ? "\x1b[1;31m" : "";
  const char* yellow = color ? "\x1b[33m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  std::string out;
  if (report.code == absl::StatusCode::kCancelled && report.exit_code == kExitInterrupted) {
    absl::StrAppend(&out, "Interrupted: ", report.message, "\n");
    return out;
  }
  std::vector<absl::string_view> lines = absl::StrSplit(report.message, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i == 0) {
      absl::StrAppend(&out, red, "Error:", reset, " ", lines[i], "\n");
    } else {
      absl::StrAppend(&out, "  ", lines[i], "\n");
    }
  }
  if (report.hint.has_value()) absl::StrAppend(&out, yellow, "Hint:", reset, " ", *report.hint, "\n");
  if (report.request_id.has_value()) absl::StrAppend(&out, "Request ID: ", *report.request_id, "\n");
  return out;
}

std::string FormatJson(const ErrorReport& report) {
  JsonWriter w(JsonWriter::kCompact);
  w.BeginObject();
  w.Key("code");
  w.String(CodeName(report.code));
  w.Key("exit");
  w.Int(report.exit_code);
  w.Key("message");
  w.String(report.message);
  w.Key("hint");
  if (report.hint.has_value()) {
    w.String(*report.hint);
  } else {
    w.Null();
  }
  w.Key("request_id");
  if (report.request_id.has_value()) {
    w.String(*report.request_id);
  } else {
    w.Null();
  }
  w.EndObject();
  return w.Take() + "\n";
}

}  // namespace rune::common
