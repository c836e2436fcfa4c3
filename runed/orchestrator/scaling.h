// Scaling operations (SPEC §5.8.6): the `scaling_op` records written by
// ScaleService/StopService, and the orchestrator side that completes
// immediate operations and walks gradual ones step by step (wait until
// ready = current scale, sleep `interval`, next step; a step not ready within
// max(2 × interval, 60 s) fails the operation and, with rollbackOnFail,
// returns the scale to `from`).
//
//   RUNE_ASSIGN_OR_RETURN(std::optional<api::ScalingOperation> op,
//                         FindActiveScaling(Reader::Of(txn), "default", "api"));
//   ScalingTracker tracker;
//   RUNE_ASSIGN_OR_RETURN(bool moved, tracker.Advance(store, service, instances, now, wake));
#ifndef RUNE_RUNED_ORCHESTRATOR_SCALING_H_
#define RUNE_RUNED_ORCHESTRATOR_SCALING_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/types.pb.h"
#include "runed/api/service_records.h"
#include "runed/store/store.h"

namespace rune::daemon {

// `scale-<ns>-<service>-<unix nanos>`.
std::string ScalingOperationId(absl::string_view ns, absl::string_view service, absl::Time now);

// The in-progress operation of service `ns/name`, if any.
absl::StatusOr<std::optional<api::ScalingOperation>> FindActiveScaling(const Reader& reader,
                                                                       absl::string_view ns,
                                                                       absl::string_view name);

absl::Status PutScalingOperation(store::WriteTxn& txn, const api::ScalingOperation& op);

// Ready instances counted for scale `scale`: Running, ready, ordinal < scale.
int ReadyInstances(const std::vector<api::Instance>& instances, int scale);

class ScalingTracker {
 public:
  // Moves the in-progress operation of `service` on: completes it, starts
  // the next gradual step, or fails / rolls it back. `wake(t)` asks for a
  // reconcile at t. Returns true when it changed the service's scale.
  absl::StatusOr<bool> Advance(store::Store* store, const api::Service& service,
                               const std::vector<api::Instance>& instances, absl::Time now,
                               const std::function<void(absl::Time)>& wake);

 private:
  struct Step {
    absl::Time started = absl::InfinitePast();
    absl::Time ready_at = absl::InfinitePast();
    int scale = -1;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Step> steps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_ORCHESTRATOR_SCALING_H_
