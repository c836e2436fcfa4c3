// The orchestrator of SPEC §5.8: keeps the instances of every service in line
// with its spec. A work queue keyed by `<ns>/<service>` (deduplicated, one
// worker per key, 4 workers) is fed by store events (services, secrets,
// configmaps), runner exit events, probe transitions and timers (backoff,
// gradual steps, dependency timeouts, the 1 s readiness delay); a periodic
// resync only repairs drift. Each pass reconciles one service: deletion,
// scale down (highest ordinals first), dependency gate, scale up, rolling or
// recreate rollout, restart policy with exponential backoff, scaling
// operations, and finally the service status (phase, counts, message).
//
// The orchestrator is the only writer of instance records and of
// `service.status` after creation.
//
//   Orchestrator orchestrator(deps, options);
//   RUNE_RETURN_IF_ERROR(orchestrator.Start());   // adopt, first full pass
//   …
//   orchestrator.Shutdown(/*stop_instances=*/false);
#ifndef RUNE_RUNED_ORCHESTRATOR_ORCHESTRATOR_H_
#define RUNE_RUNED_ORCHESTRATOR_ORCHESTRATOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/instance.pb.h"
#include "proto/types.pb.h"
#include "runed/orchestrator/instance_env.h"
#include "runed/orchestrator/probes.h"
#include "runed/runner/runner.h"
#include "runed/store/store.h"

namespace rune::daemon {

// The start of the message of an instance waiting for an unreachable Docker
// engine (SPEC §2.6): `docker runner unavailable: <reason>`. Such an
// instance is started again once the engine is back, without backoff.
inline constexpr char kDockerUnavailablePrefix[] = "docker runner unavailable: ";

struct OrchestratorOptions {
  absl::Duration resync_interval = absl::Seconds(30);
  absl::Duration progress_deadline = absl::Minutes(10);
  absl::Duration stop_grace_period = absl::Seconds(10);
  int max_parallel_starts = 4;
  int workers = 4;
  // runefile process.enabled / docker.enabled: false fails the instances of
  // that runner with M22's text.
  bool process_enabled = true;
  bool docker_enabled = true;
};

struct OrchestratorDeps {
  store::Store* store = nullptr;
  // Runs every instance: a RunnerSet routing to the process and Docker
  // runners (tests may pass a single runner).
  runner::Runner* runner = nullptr;
  // Why image instances cannot start right now ("" = they can); empty
  // function = always available. A Start that fails with Unavailable is
  // treated alike.
  std::function<std::string()> docker_unavailable;
  DataReader secrets;                // decrypted secret data
  DataReader configmaps;
  // Called before an instance first starts and after its record is removed
  // (log store bookkeeping); may be empty.
  std::function<void(const api::Instance&)> instance_created;
  std::function<void(const api::Instance&)> instance_removed;
};

class Orchestrator {
 public:
  Orchestrator(OrchestratorDeps deps, OrchestratorOptions options);
  ~Orchestrator();

  // Re-adopts instances the runner still runs, subscribes to the store, and
  // starts the workers with a full pass over every service.
  absl::Status Start();
  // Stops workers and timers; with `stop_instances` also stops every
  // instance (runed --stop-instances-on-exit). Idempotent.
  void Shutdown(bool stop_instances);

  // True once the first full reconcile pass has finished (/healthz).
  bool FirstPassDone() const;

  // Queues a reconcile of service `ns/name`.
  void Enqueue(absl::string_view ns, absl::string_view name);

  // Queues a reconcile of every service, e.g. when the Docker engine became
  // reachable again.
  void Resync();

  // RestartService (SPEC §3.6.5): marks every live instance of the service
  // for replacement, recreate (stop all, then start) or rolling; returns
  // their IDs. FailedPrecondition M25 when the scale is 0, NotFound M14.
  absl::StatusOr<std::vector<std::string>> Restart(absl::string_view ns, absl::string_view name,
                                                   bool rolling);

  // DeleteInstance (SPEC §3.6.3): stops and removes one instance (ID or
  // name); the reconciler replaces it. NotFound M14 for an unknown instance.
  absl::StatusOr<api::DeleteInstanceResponse> DeleteInstance(const api::DeleteInstanceRequest& r);

  ProbeManager* probes();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The restart delay of the k-th consecutive restart (k >= 1):
// min(10 s × 2^(k−1), 300 s) (SPEC §5.8.5).
absl::Duration RestartDelay(int k);

// `<service>-instance-<8 hex>` → `<service>`; "" when `id` has no such form.
std::string ServiceOfInstanceId(absl::string_view id);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_ORCHESTRATOR_ORCHESTRATOR_H_
