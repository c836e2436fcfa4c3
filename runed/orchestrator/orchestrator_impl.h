// Private to //runed/orchestrator:orchestrator: the implementation class
// shared by orchestrator.cc (queue, events, reconcile, operations) and
// instance_lifecycle.cc (starting, stopping and absorbing the exits of one
// instance), plus the small helpers both use.
#ifndef RUNE_RUNED_ORCHESTRATOR_ORCHESTRATOR_IMPL_H_
#define RUNE_RUNED_ORCHESTRATOR_ORCHESTRATOR_IMPL_H_

#include <algorithm>
#include <deque>
#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/duration.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/spec/validate.h"
#include "common/status_macros.h"
#include "runed/api/service_deletion.h"
#include "runed/api/service_dependencies.h"
#include "runed/api/service_records.h"
#include "runed/logging.h"
#include "runed/orchestrator/orchestrator.h"
#include "runed/orchestrator/scaling.h"

namespace rune::daemon {
namespace orchestrator_internal {

using api::Instance;
using api::ServiceStatus;
using runner::InstanceKey;

inline constexpr absl::Duration kBackoffReset = absl::Minutes(10);

inline std::string QueueKey(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(ns, "/", name);
}

inline std::string NewInstanceId(absl::string_view service) {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%s-instance-%08x", service, absl::Uniform<uint32_t>(gen));
}

// The instance has (or may have) a process: the runner must stop it.
inline bool HasProcess(const Instance& i) {
  return i.status() == Instance::STARTING || i.status() == Instance::RUNNING ||
         i.status() == Instance::UNHEALTHY || i.status() == Instance::STOPPING;
}

inline std::string Seconds(absl::Duration d) { return common::FormatDuration(d); }

// Failed only because the Docker engine was unreachable: started again
// (without backoff) once it is back.
inline bool WaitingForRunner(const Instance& i) {
  return i.status() == Instance::FAILED && absl::StartsWith(i.message(), kDockerUnavailablePrefix);
}

}  // namespace orchestrator_internal

class Orchestrator::Impl {
 public:
  Impl(OrchestratorDeps deps, OrchestratorOptions options)
      : deps_(std::move(deps)),
        options_(options),
        probes_(deps_.runner,
                ProbeCallbacks{
                    [this](const runner::InstanceKey& key, bool ready) { OnReadiness(key, ready); },
                    [this](const runner::InstanceKey& key, std::string message) {
                      OnLivenessFailed(key, std::move(message));
                    }}) {}

  ~Impl() { Shutdown(false); }

  absl::Status Start();
  void Shutdown(bool stop_instances);
  bool FirstPassDone() {
    absl::MutexLock lock(&mu_);
    return first_pass_done_;
  }
  void Enqueue(absl::string_view ns, absl::string_view name);
  void Resync() { EnqueueAll(); }
  absl::StatusOr<std::vector<std::string>> Restart(absl::string_view ns, absl::string_view name,
                                                   bool rolling);
  absl::StatusOr<api::DeleteInstanceResponse> DeleteInstance(const api::DeleteInstanceRequest& r);
  ProbeManager* probes() { return &probes_; }

 private:
  // What runed knows about an instance beyond its record.
  struct Runtime {
    std::string service;
    bool running = false;  // the runner reports a live process
    absl::Time running_since = absl::InfinitePast();
    bool ready = false;
    std::optional<runner::ExitStatus> exit;  // an exit not yet written to the record
    std::string liveness_failure;            // a liveness failure not yet acted on
    bool stop_requested = false;             // the exit that follows is expected
    bool remove_after_stop = false;
    bool liveness_stop = false;              // stopped because liveness failed
    bool replace = false;                    // restart requested
    bool replace_rolling = false;
    int consecutive = 0;                     // backoff k
    bool restart_pending = false;            // waiting for backoff_until
    absl::Time backoff_until = absl::InfinitePast();
  };
  // Per-service memory used by the phase rules.
  struct ServiceMemory {
    int64_t generation = -1;
    int scale = -1;
    bool reached = false;  // ready == scale once since the last change
    absl::Time change_at = absl::InfinitePast();
    absl::Time gated_since = absl::InfinitePast();
  };

  void Worker();
  void TimerLoop();
  void At(absl::Time when, absl::string_view ns, absl::string_view name);
  void OnExit(const runner::InstanceKey& key, const runner::ExitStatus& status);
  void OnReadiness(const runner::InstanceKey& key, bool ready);
  void OnLivenessFailed(const runner::InstanceKey& key, std::string message);
  void OnStoreEvents(store::Watch* watch, bool by_namespace);
  void EnqueueAll();

  absl::Status Reconcile(const std::string& ns, const std::string& name);
  absl::Status ReconcileOrphans(const std::string& ns, const std::string& name,
                                std::vector<api::Instance>& instances);
  absl::Status ReconcileDeletion(const std::string& ns, const std::string& name,
                                 api::DeletionOperation op, std::vector<api::Instance>& instances);
  // Folds runtime events into `inst`; false when the record was removed.
  absl::StatusOr<bool> Absorb(const api::ServiceSpec& spec, api::Instance& inst);
  absl::Status StartInstance(const api::Service& svc, api::Instance& inst);
  void FailStart(api::Instance& inst, const std::string& message);
  // Records that `inst` waits for its runner (`message`), without backoff.
  absl::Status WaitForRunner(api::Instance& inst, const std::string& message);
  // Stops the instance's process in the background; with `remove` the record
  // goes once it has stopped.
  absl::Status StopInstance(api::Instance& inst, bool remove);
  absl::Status RemoveInstance(const api::Instance& inst);
  // Runs Runner::Stop, then makes sure exactly one exit is recorded.
  void StopInBackground(const runner::InstanceKey& key, const std::string& message);
  absl::Status PutInstance(api::Instance& inst);
  absl::StatusOr<std::optional<std::string>> DependencyBlock(const api::Service& svc,
                                                             absl::Time now);
  absl::StatusOr<bool> SameWorkload(const std::string& ns, const std::string& name,
                                    int64_t generation, const api::ServiceSpec& current);

  OrchestratorDeps deps_;
  OrchestratorOptions options_;
  ProbeManager probes_;
  ScalingTracker scaling_;

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool first_pass_done_ ABSL_GUARDED_BY(mu_) = false;
  int first_pass_left_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> queued_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> active_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  std::multimap<absl::Time, std::string> timers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<runner::InstanceKey, Runtime> runtime_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, ServiceMemory> memory_ ABSL_GUARDED_BY(mu_);
  int starts_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int stops_in_flight_ ABSL_GUARDED_BY(mu_) = 0;

  std::vector<std::unique_ptr<store::Watch>> watches_;
  std::vector<std::thread> threads_;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_ORCHESTRATOR_ORCHESTRATOR_IMPL_H_
