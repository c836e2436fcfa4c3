// The process runner (SPEC §5.9): runs `process:` services as host
// processes, each under its own supervisor (`runed __supervise`), so that
// instances and their output survive a runed restart, upgrade or crash.
// runed watches the supervisors with pidfds on one event thread, re-adopts
// them at startup (Adopt) and reports every exit through the exit callback.
//
//   ProcessRunner runner("/usr/bin/runed", "/var/lib/runed", 10 << 20, geteuid() == 0);
//   runner.SetExitCallback([](const InstanceKey& key, const ExitStatus& s) { … });
//   RUNE_ASSIGN_OR_RETURN(std::vector<Adopted> found, runner.Adopt());
//   RUNE_ASSIGN_OR_RETURN(Started started, runner.Start(spec));
//   runner.Stop({"default", "api-instance-7c2e8a3b"}, absl::Seconds(10));
//   // Destroying the runner leaves instances running; with
//   // `--stop-instances-on-exit` runed calls StopAll first.
#ifndef RUNE_RUNED_RUNNER_PROCESS_PROCESS_RUNNER_H_
#define RUNE_RUNED_RUNNER_PROCESS_PROCESS_RUNNER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "runed/runner/process/cgroup.h"
#include "runed/runner/runner.h"

namespace rune::daemon::runner::process {

class ProcessRunner : public Runner {
 public:
  // `runed_path`: the binary run as `<runed_path> __supervise <ns>/<id>`
  // (runed's own executable, /proc/self/exe resolved); `data_dir`: runed's
  // data directory (instance files under `instances/`, logs under `logs/`);
  // `log_max_bytes`: logs.max_bytes_per_instance; `am_root`: runed runs as
  // root (securityContext and mounts need it). Detects cgroup v2 delegation
  // (and may move runed into `<its cgroup>/runed`, see cgroup.h).
  ProcessRunner(std::string runed_path, std::string data_dir, int64_t log_max_bytes, bool am_root);
  // Stops watching; instances and their supervisors keep running.
  ~ProcessRunner() override;

  void SetExitCallback(ExitCallback callback) override;
  absl::StatusOr<Started> Start(const StartSpec& spec) override;
  absl::Status Stop(const InstanceKey& key, absl::Duration grace) override;
  absl::Status Kill(const InstanceKey& key, int sig) override;
  absl::Status Remove(const InstanceKey& key) override;
  absl::StatusOr<std::vector<Adopted>> Adopt() override;
  absl::StatusOr<std::unique_ptr<ExecProcess>> Exec(const InstanceKey& key,
                                                    const ExecSpec& spec) override;

  // Stops every running instance at once (SIGTERM, `grace`, SIGKILL) and
  // returns when all are gone: the clean-shutdown behaviour of
  // `runed --stop-instances-on-exit`.
  void StopAll(absl::Duration grace);

 private:
  // A supervised instance that has not ended yet.
  struct Watched {
    InstanceKey key;
    uint64_t token = 0;
    pid_t supervisor_pid = 0;
    int supervisor_pidfd = -1;
    pid_t pid = 0;      // the service process; 0 = unknown
    int pidfd = -1;     // of the service process; -1 = exited or unknown
    absl::Time started_at;
    bool ended = false;  // guarded by ProcessRunner::mu_
  };

  absl::StatusOr<Started> Launch(const StartSpec& spec);
  // Registers a supervisor; ends it at once when its pidfd cannot be opened.
  void Watch(std::shared_ptr<Watched> w);
  void EventLoop();
  void Ended(uint64_t token);
  void SignalGroup(const Watched& w, int sig);
  // Waits until `w` ended or `timeout` passed; true when ended.
  bool AwaitEnd(const std::shared_ptr<Watched>& w, absl::Duration timeout);

  const std::string runed_path_;
  const std::string data_dir_;
  const int64_t log_max_bytes_;
  const bool am_root_;
  std::unique_ptr<Cgroups> cgroups_;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;

  absl::Mutex mu_;
  ExitCallback callback_ ABSL_GUARDED_BY(mu_);
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool warned_cgroups_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<InstanceKey, std::shared_ptr<Watched>> by_key_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::shared_ptr<Watched>> by_token_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> ended_early_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_PROCESS_RUNNER_H_
