// One run of one probe (SPEC §4.3, §5.8.8): an HTTP(S) GET, a TCP connect or
// an exec in the instance, bounded by the probe's timeout, reduced to success
// or a short failure message. ProbeManager (probes.h) schedules the runs.
//
//   ProbeOutcome o = RunHttpProbe(probe, "127.0.0.1", 8080, absl::Seconds(1));
//   // {false, "HTTP probe failed with status 503"}
//   o = RunTcpProbe("127.0.0.1", 8080, absl::Seconds(1));
//   // {false, "dial tcp 127.0.0.1:8080: connection refused"}
//   o = RunExecProbe(runner, key, {"/bin/check"}, absl::Seconds(1));
//   // {false, "exec probe exited with 1"} or {false, "timed out after 1s"}
#ifndef RUNE_RUNED_ORCHESTRATOR_PROBE_RUN_H_
#define RUNE_RUNED_ORCHESTRATOR_PROBE_RUN_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/types.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon {

struct ProbeOutcome {
  bool success = false;
  std::string message;  // empty on success
};

// GET `probe.path` (default `/`) over HTTP/1.1, or HTTPS without certificate
// verification for scheme https, with `probe.headers`, `Host: <ip>:<port>`
// and `User-Agent: rune-probe/<version>` (a header of the probe with the same
// name replaces either). Success: a status 200–399 within `timeout`.
ProbeOutcome RunHttpProbe(const api::Probe& probe, const std::string& ip, int port,
                          absl::Duration timeout);

// A TCP connection to ip:port established within `timeout`.
ProbeOutcome RunTcpProbe(const std::string& ip, int port, absl::Duration timeout);

// `argv` run in instance `key` through Runner::Exec (no TTY, stdin closed,
// output discarded); success is exit 0 within `timeout`, after which the
// command is killed. `runner` may be null (the probe then fails).
ProbeOutcome RunExecProbe(runner::Runner* runner, const runner::InstanceKey& key,
                          const std::vector<std::string>& argv, absl::Duration timeout);

// The probe with every SPEC §4.3 default filled in: initialDelaySeconds 0,
// intervalSeconds 10, timeoutSeconds 1, failureThreshold 3,
// successThreshold 1; for http also path `/` and scheme http.
api::Probe ProbeWithDefaults(const api::Probe& probe);

// The port an http or tcp probe connects to: a number, or the targetPort
// (default port) of the `ports` entry of that name. 0 for exec probes, and
// 0 with `*error` set when the name matches no port.
int ResolveProbePort(const api::Probe& probe, const api::ServiceSpec& spec, std::string* error);

// `timed out after <d>`.
std::string TimedOutMessage(absl::Duration timeout);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_ORCHESTRATOR_PROBE_RUN_H_
