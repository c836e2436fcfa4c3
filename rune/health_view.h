// What `rune health` prints (SPEC §3.6.9) for a GetHealth answer: the
// summary tables of a service, an instance and the node, and the --checks
// block of every instance. Pure functions, no I/O.
//
//   Table t = ServiceHealthTable(response.service(), absl::Now());
//   t.Print(out, /*headers=*/true);
//   out << "\n" << ChecksBlock(response.service().instances(0));
//   // Instance api-0 (api-instance-7c2e8a3b):
//   //   Probe: liveness http GET /healthz on :8080
//   //     intervalSeconds: 10  timeoutSeconds: 1  failureThreshold: 3  successThreshold: 1
//   //     Last result: success at 2026-04-25T18:32:14Z (latency 12ms)
//   //     Recent: [✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓]
#ifndef RUNE_RUNE_HEALTH_VIEW_H_
#define RUNE_RUNE_HEALTH_VIEW_H_

#include <string>

#include "absl/time/time.h"
#include "proto/health.pb.h"
#include "rune/output.h"

namespace rune::cli {

// `Healthy`, `Degraded`, `Unhealthy`, `Unknown`.
std::string HealthStatusName(api::HealthStatus status);

// NAME STATUS READY RESTARTS AGE, one row.
Table ServiceHealthTable(const api::ServiceHealth& service, absl::Time now);
Table InstanceHealthTable(const api::InstanceHealth& instance, absl::Time now);
// NAME STATUS CPU MEMORY UPTIME, one row.
Table NodeHealthTable(const api::NodeHealth& node);

// CPU cores with 3 decimals: `0.412`.
std::string FormatCores(double cores);
// `512.0Mi` below 1 GiB, else `3.2Gi`.
std::string FormatMemory(int64_t bytes);

// `http GET /healthz on :8080`, `https GET …`, `tcp connect :5432`,
// `exec pg_isready -q`.
std::string ProbeDescription(const api::ProbeCheck& check);

// `Instance <name> (<id>):` then each probe's four lines, or
// `  No probes configured`. Every line ends with '\n'.
std::string ChecksBlock(const api::InstanceHealth& instance);

}  // namespace rune::cli

#endif  // RUNE_RUNE_HEALTH_VIEW_H_
