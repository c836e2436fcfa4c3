// A Runner for tests of exec: Exec forks and execs the command on this host
// (with a PTY from posix_openpt when asked), for the instance IDs marked
// running. It stands in for the process runner (runner/process/), which runs
// the same commands inside the instance's namespaces and identity; every
// other Runner method answers Unimplemented.
//
//   LocalExecRunner runner;
//   runner.SetRunning("api-instance-0000000a");
//   TestServerOptions options;
//   options.runner = &runner;
//   TestServer server(options);
#ifndef RUNE_RUNED_API_LOCAL_EXEC_RUNNER_H_
#define RUNE_RUNED_API_LOCAL_EXEC_RUNNER_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "runed/runner/runner.h"

namespace rune::daemon {

class LocalExecRunner final : public runner::Runner {
 public:
  // Exec accepts instance `id` from now on.
  void SetRunning(const std::string& id) ABSL_LOCKS_EXCLUDED(mu_);
  // Every spec Exec was called with, in order.
  std::vector<runner::ExecSpec> specs() ABSL_LOCKS_EXCLUDED(mu_);

  void SetExitCallback(ExitCallback callback) override;
  absl::StatusOr<runner::Started> Start(const runner::StartSpec& spec) override;
  absl::Status Stop(const runner::InstanceKey& key, absl::Duration grace) override;
  absl::Status Kill(const runner::InstanceKey& key, int sig) override;
  absl::Status Remove(const runner::InstanceKey& key) override;
  absl::StatusOr<std::vector<runner::Adopted>> Adopt() override;
  // FailedPrecondition for an instance not marked running.
  absl::StatusOr<std::unique_ptr<runner::ExecProcess>> Exec(const runner::InstanceKey& key,
                                                            const runner::ExecSpec& spec) override;

 private:
  absl::Mutex mu_;
  std::set<std::string> running_ ABSL_GUARDED_BY(mu_);
  std::vector<runner::ExecSpec> specs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_LOCAL_EXEC_RUNNER_H_
