// The runner the orchestrator, probes and exec sessions drive: one Runner
// that routes each call to the process runner or the Docker runner. Start
// goes by the spec (`process:` → process, `image:` → docker) and remembers
// which runner holds the instance; later calls for the instance go there.
// An instance neither runner is known to hold (e.g. its engine was
// unreachable when runed started) gets Stop/Remove from both, Kill/Exec
// from the process runner first.
//
//   RunnerSet runners(&process_runner, &docker_runner);   // docker may be null
//   orchestrator_deps.runner = &runners;
//   ExecServiceImpl exec(store, &authorizer, &runners);
#ifndef RUNE_RUNED_RUNNER_RUNNER_SET_H_
#define RUNE_RUNED_RUNNER_RUNNER_SET_H_

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "runed/runner/runner.h"

namespace rune::daemon::runner {

class RunnerSet : public Runner {
 public:
  // Either runner may be null (disabled): instances needing it fail with
  // FailedPrecondition `<process|docker> runner is disabled on this server`.
  RunnerSet(Runner* process, Runner* docker) : process_(process), docker_(docker) {}

  void SetExitCallback(ExitCallback callback) override;
  absl::StatusOr<Started> Start(const StartSpec& spec) override;
  absl::Status Stop(const InstanceKey& key, absl::Duration grace) override;
  absl::Status Kill(const InstanceKey& key, int sig) override;
  absl::Status Remove(const InstanceKey& key) override;
  // The process runner's instances, then the Docker runner's; a Docker
  // runner that cannot list its containers (engine unreachable) is skipped
  // with a warning.
  absl::StatusOr<std::vector<Adopted>> Adopt() override;
  absl::StatusOr<std::unique_ptr<ExecProcess>> Exec(const InstanceKey& key,
                                                    const ExecSpec& spec) override;

 private:
  // The runner holding `key`, or null when unknown.
  Runner* OwnerOf(const InstanceKey& key);
  std::vector<Runner*> All() const;

  Runner* const process_;
  Runner* const docker_;
  absl::Mutex mu_;
  absl::flat_hash_map<InstanceKey, Runner*> owner_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon::runner

#endif  // RUNE_RUNED_RUNNER_RUNNER_SET_H_
