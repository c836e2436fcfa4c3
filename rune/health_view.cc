#include "rune/health_view.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/proto_time.h"

namespace rune::cli {
namespace {

absl::Duration FromDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// Milliseconds, or microseconds below one millisecond: `12ms`, `1.5s`, `340us`.
std::string FormatLatency(const google::protobuf::Duration& latency) {
  const absl::Duration d = FromDuration(latency);
  const absl::Duration unit = d >= absl::Milliseconds(1) ? absl::Milliseconds(1) : absl::Microseconds(1);
  return absl::FormatDuration(std::max(absl::Trunc(d + unit / 2, unit), unit));
}

std::string AgeOf(const google::protobuf::Timestamp& created, absl::Time now) {
  if (created.seconds() == 0 && created.nanos() == 0) return "-";
  return common::FormatAge(now - common::FromTimestamp(created));
}

const char* KindName(api::ProbeCheck::Kind kind) {
  return kind == api::ProbeCheck::LIVENESS ? "liveness" : "readiness";
}

std::string LastResult(const api::ProbeCheck& check) {
  if (!check.has_last_result()) return "none yet";
  const api::ProbeResult& r = check.last_result();
  std::string line = absl::StrCat(r.success() ? "success" : "failure", " at ",
                                  common::FormatTimestamp(r.time()), " (latency ",
                                  FormatLatency(r.latency()), ")");
  if (!r.success()) absl::StrAppend(&line, ": ", r.message());
  return line;
}

}  // namespace

std::string HealthStatusName(api::HealthStatus status) {
  switch (status) {
    case api::HEALTHY:
      return "Healthy";
    case api::DEGRADED:
      return "Degraded";
    case api::UNHEALTHY:
      return "Unhealthy";
    default:
      return "Unknown";
  }
}

Table ServiceHealthTable(const api::ServiceHealth& service, absl::Time now) {
  Table t({"NAME", "STATUS", "READY", "RESTARTS", "AGE"});
  t.Add({service.name(), HealthStatusName(service.status()),
         absl::StrCat(service.ready(), "/", service.desired()), absl::StrCat(service.restarts()),
         AgeOf(service.created_at(), now)});
  return t;
}

Table InstanceHealthTable(const api::InstanceHealth& instance, absl::Time now) {
  Table t({"NAME", "STATUS", "READY", "RESTARTS", "AGE"});
  t.Add({instance.name(), HealthStatusName(instance.status()), instance.ready() ? "1/1" : "0/1",
         absl::StrCat(instance.restarts()), AgeOf(instance.created_at(), now)});
  return t;
}

Table NodeHealthTable(const api::NodeHealth& node) {
  Table t({"NAME", "STATUS", "CPU", "MEMORY", "UPTIME"});
  t.Add({node.name(), HealthStatusName(node.status()), FormatCores(node.cpu_cores()),
         FormatMemory(node.memory_bytes()),
         absl::FormatDuration(absl::Trunc(FromDuration(node.uptime()), absl::Seconds(1)))});
  return t;
}

std::string FormatCores(double cores) { return absl::StrFormat("%.3f", cores); }

std::string FormatMemory(int64_t bytes) {
  constexpr double kMi = 1024.0 * 1024.0;
  constexpr double kGi = kMi * 1024.0;
  if (static_cast<double>(bytes) < kGi) return absl::StrFormat("%.1fMi", bytes / kMi);
  return absl::StrFormat("%.1fGi", bytes / kGi);
}

std::string ProbeDescription(const api::ProbeCheck& check) {
  const api::Probe& p = check.probe();
  const std::string port =
      check.resolved_port() > 0 ? absl::StrCat(check.resolved_port()) : p.port();
  switch (p.type()) {
    case api::Probe::HTTP:
      return absl::StrCat(p.scheme() == api::Probe::SCHEME_HTTPS ? "https" : "http", " GET ",
                          p.path().empty() ? "/" : p.path(), " on :", port);
    case api::Probe::TCP:
      return absl::StrCat("tcp connect :", port);
    case api::Probe::EXEC:
      return absl::StrCat("exec ", absl::StrJoin(p.command(), " "));
    default:
      return "unknown";
  }
}

std::string ChecksBlock(const api::InstanceHealth& instance) {
  std::string out = absl::StrCat("Instance ", instance.name(), " (", instance.id(), "):\n");
  if (instance.checks().empty()) {
    out.append("  No probes configured\n");
    return out;
  }
  for (const api::ProbeCheck& check : instance.checks()) {
    const api::Probe& p = check.probe();
    std::vector<std::string> recent;
    for (const api::ProbeResult& r : check.recent()) recent.push_back(r.success() ? "✓" : "✗");
    absl::StrAppend(&out, "  Probe: ", KindName(check.kind()), " ", ProbeDescription(check), "\n",
                    "    intervalSeconds: ", p.interval_seconds(),
                    "  timeoutSeconds: ", p.timeout_seconds(),
                    "  failureThreshold: ", p.failure_threshold(),
                    "  successThreshold: ", p.success_threshold(), "\n",
                    "    Last result: ", LastResult(check), "\n",
                    "    Recent: [", absl::StrJoin(recent, " "), "]\n");
  }
  return out;
}

}  // namespace rune::cli
