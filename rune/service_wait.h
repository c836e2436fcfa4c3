// Waiting for services after a write (SPEC §3.6.1 step 5, §3.6.4, §3.6.5,
// §3.6.14, §2.7), shared by cast, scale, stop, restart and rollback.
//
// runed updates a service's stored status before a mutating RPC returns, so
// a fresh read never shows a stale "done". WaitForServices polls GetService
// (and ListInstances for a restart) every 200 ms until each service reaches
// its goal, reporting each one as it gets there; --timeout expiring is
// M27/M28/M29/M30 (exit 7) naming the first service still waiting, and
// SIGINT stops waiting with `Interrupted: the operation continues on the
// server` (exit 130). Gradual scaling follows WatchScaling instead
// (WaitForScaling).
//
//   std::vector<ServiceWait> waits = {{"default", "api", WaitGoal::kReady}};
//   WaitCallbacks cb;
//   cb.on_done = [&](const ServiceWait& w) {
//     inv.out() << "service/" << w.ns << "/" << w.name << " ready (" << w.ready << "/"
//               << w.target << " instances)\n";
//   };
//   RUNE_RETURN_IF_ERROR(WaitForServices(inv, *conn, absl::Minutes(5), &waits, cb));
#ifndef RUNE_RUNE_SERVICE_WAIT_H_
#define RUNE_RUNE_SERVICE_WAIT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/service.grpc.pb.h"
#include "proto/types.pb.h"
#include "rune/connection.h"
#include "rune/invocation.h"

namespace rune::cli {

enum class WaitGoal {
  // cast, rollback: phase Running with every instance ready at the current
  // generation, or Stopped at scale 0. Timeout: M27 (with `; last error: …`).
  kReady,
  // scale (immediate): the same condition. Timeout: M28.
  kScale,
  // restart: none of `replaced_instance_ids` left and `instances` others
  // ready. Timeout: M29.
  kRestart,
  // stop: phase Stopped. Timeout: M30 (instances still listed).
  kStop,
};

struct ServiceWait {
  std::string ns;
  std::string name;
  WaitGoal goal = WaitGoal::kReady;
  // kRestart only.
  std::vector<std::string> replaced_instance_ids;
  int instances = 0;

  // Filled in while waiting.
  api::Service service;  // the last read
  int ready = 0;         // ready instances that count towards the goal
  int target = 0;        // instances the goal needs
  bool done = false;
};

struct WaitCallbacks {
  // Once per service, when it reaches its goal (in the order that happens).
  std::function<void(const ServiceWait&)> on_done;
  // When a waiting service's ready/target counts change (also for the first
  // read).
  std::function<void(const ServiceWait&)> on_progress;
};

// Polls until every entry of `waits` is done. Errors: the RPC's (e.g. M14 when
// a service disappears), the goal's timeout message (exit 7) when `timeout`
// (counted from the call) expires, InterruptedError (exit 130) on SIGINT.
absl::Status WaitForServices(Invocation& inv, Connection& conn, absl::Duration timeout,
                             std::vector<ServiceWait>* waits, const WaitCallbacks& callbacks);

// Follows the gradual scaling operation `op` of service `ns/name` through
// WatchScaling until it ends (reopening a broken stream) and returns the last
// update. `on_update` sees every update. Errors as WaitForServices (timeout:
// M28 with the operation's target).
absl::StatusOr<api::WatchScalingResponse> WaitForScaling(
    Connection& conn, const std::string& ns, const std::string& name,
    const api::ScalingOperation& op, absl::Duration timeout,
    const std::function<void(const api::WatchScalingResponse&)>& on_update);

// Progress lines go to stderr only when it is a terminal and errors are not
// reported as JSON.
bool ShowProgress(const Invocation& inv);

// `<ready>/<target> instances ready` on stderr when ShowProgress().
void PrintReadyProgress(Invocation& inv, int ready, int target);

// The hint of every wait timeout (SPEC §2.5).
std::string WaitTimeoutHint(const std::string& name);

}  // namespace rune::cli

#endif  // RUNE_RUNE_SERVICE_WAIT_H_
