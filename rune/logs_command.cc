// `rune logs` (SPEC §3.6.7, §2.7): one LogService.StreamLogs call. runed
// resolves the target, merges the instances' lines and sends the history
// (then, with -f, new lines until Ctrl-C); every batch is written and flushed
// as it arrives.
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "proto/log.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/interrupt.h"
#include "rune/logs_output.h"

namespace rune::cli {
namespace {

// The --since/--until value, or a usage error naming the flag.
absl::StatusOr<std::optional<absl::Time>> TimeFlag(const Invocation& inv, const char* name,
                                                   absl::Time now) {
  if (!inv.parsed.IsSet(name)) return std::optional<absl::Time>();
  const std::string value = inv.parsed.String(name);
  absl::StatusOr<absl::Time> t = ParseLogTime(value, now);
  if (!t.ok()) {
    return common::UsageError(absl::StrCat("invalid argument \"", value, "\" for \"--", name,
                                           "\" flag: ", t.status().message()),
                              inv.parsed.CommandPath());
  }
  return std::optional<absl::Time>(*t);
}

// The kind the target names by its prefix: true service, false instance,
// nullopt for a bare name (runed decides).
std::optional<bool> TypedAsService(absl::string_view target) {
  for (absl::string_view p : {"service/", "svc/"}) {
    if (absl::StartsWith(target, p)) return true;
  }
  for (absl::string_view p : {"instance/", "inst/"}) {
    if (absl::StartsWith(target, p)) return false;
  }
  return std::nullopt;
}

}  // namespace

absl::Status RunLogs(Invocation& inv) {
  const common::cli::ParsedCommand& p = inv.parsed;
  const std::string target = p.args[0];
  const absl::Time now = absl::Now();
  RUNE_ASSIGN_OR_RETURN(std::optional<absl::Time> since, TimeFlag(inv, "since", now));
  RUNE_ASSIGN_OR_RETURN(std::optional<absl::Time> until, TimeFlag(inv, "until", now));
  if (since.has_value() && until.has_value() && *until <= *since) {
    return common::UsageError(absl::StrCat("invalid argument \"", p.String("until"),
                                           "\" for \"--until\" flag: must be later than --since"),
                              p.CommandPath());
  }
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));

  api::StreamLogsRequest request;
  request.set_namespace_(conn->settings().namespace_name);
  request.set_target(target);
  request.set_follow(p.Bool("follow"));
  request.set_tail(static_cast<int32_t>(p.Int("tail")));
  if (since.has_value()) common::ToTimestamp(*since, request.mutable_since());
  if (until.has_value()) common::ToTimestamp(*until, request.mutable_until());
  request.set_grep(p.String("grep"));

  LineFormat format;
  format.json = p.String("output") == "json";
  format.timestamps = p.Bool("timestamps");
  // Without --prefix the default follows the target kind. A bare name that
  // runed resolved to a service is that service's name; one resolved to an
  // instance (an ID or `<service>-<n>`) never equals its service's name.
  const std::optional<bool> typed = TypedAsService(target);
  const bool explicit_prefix = p.IsSet("prefix");

  auto stub = api::LogService::NewStub(conn->channel());
  grpc::ClientContext ctx;
  conn->PrepareStream(&ctx);
  InterruptScope interrupt;
  interrupt.OnInterrupt([&ctx] { ctx.TryCancel(); });
  const absl::Time start = absl::Now();
  std::unique_ptr<grpc::ClientReader<api::StreamLogsResponse>> reader =
      stub->StreamLogs(&ctx, request);
  api::StreamLogsResponse response;
  std::string out;
  while (reader->Read(&response)) {
    out.clear();
    for (const api::LogLine& line : response.lines()) {
      format.prefix = explicit_prefix ? p.Bool("prefix")
                                      : typed.value_or(line.service() == target);
      out += FormatLogLine(line, format);
    }
    inv.out() << out;
    inv.out().flush();
  }
  const grpc::Status status = reader->Finish();
  interrupt.OnInterrupt(nullptr);
  inv.out().flush();
  if (interrupt.interrupted()) return common::StreamInterruptedError();
  return conn->Finish("LogService.StreamLogs", ctx, status, start);
}

}  // namespace rune::cli
