// Liveness and readiness probes of running instances (SPEC §4.3, §5.8.8):
// http, tcp and exec probes on a shared timer thread and a small worker pool,
// with every timing field and default of §4.3, results kept in memory
// (counters, last result, ring of the last 10) for `rune health --checks`.
//
//   ProbeManager probes(runner, {
//       .readiness = [&](const InstanceKey& k, bool ready) { … },
//       .liveness_failed = [&](const InstanceKey& k, std::string message) { … }});
//   probes.Watch(key, service_spec, /*running_since=*/absl::Now());
//   …
//   std::vector<api::ProbeCheck> checks = probes.Checks(key);
//   probes.Forget(key);   // instance stopped
//
// Readiness: with a readiness probe, ready after successThreshold
// consecutive successes, not ready after failureThreshold consecutive
// failures. Without one, ready once the instance has been Running for 1 s
// (SPEC §5.8.2). A liveness failure clears readiness. liveness_failed fires
// once when consecutive liveness failures reach failureThreshold, with the
// message `liveness probe failed <k> times: <probe message>`; the instance is
// then expected to be restarted (Forget + Watch again).
#ifndef RUNE_RUNED_ORCHESTRATOR_PROBES_H_
#define RUNE_RUNED_ORCHESTRATOR_PROBES_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/health.pb.h"
#include "proto/types.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon {

struct ProbeCallbacks {
  std::function<void(const runner::InstanceKey&, bool ready)> readiness;
  std::function<void(const runner::InstanceKey&, std::string message)> liveness_failed;
};

class ProbeManager {
 public:
  // `runner` runs exec probes (Runner::Exec, no TTY); may be null in tests
  // without exec probes.
  ProbeManager(runner::Runner* runner, ProbeCallbacks callbacks);
  ~ProbeManager();  // stops the timer and workers

  // Starts probing an instance that is Running since `running_since`, at
  // host `ip` (127.0.0.1 for processes). Replaces an earlier Watch of `key`.
  void Watch(const runner::InstanceKey& key, const api::ServiceSpec& spec,
             absl::Time running_since, const std::string& ip = "127.0.0.1");
  // Stops probing and drops the results. No callback for `key` runs after
  // Forget returns.
  void Forget(const runner::InstanceKey& key);
  // Liveness then readiness checks with results; empty without probes.
  std::vector<api::ProbeCheck> Checks(const runner::InstanceKey& key) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_ORCHESTRATOR_PROBES_H_
