// The Docker runner (SPEC §5.10): runs `image:` services as containers
// through the Docker Engine API (EngineClient over the engine's unix
// socket). Containers are named `rune.<ns>.<instance-id>` and labelled
// `rune.managed=true`, so a restarted runed adopts them. Exits come from the
// engine's `/events` stream (die, then an inspect for the exit code and
// OOMKilled), reconnected when it drops; logs go through one follower per
// container into the same per-instance log files as processes.
//
// Availability: Connect() negotiates the API version and makes sure
// `docker.network` exists; until that succeeds (and whenever the engine
// goes away) Start fails with Unavailable `docker runner unavailable:
// <reason>` and a background thread retries every 30 s, calling the
// availability callback each time the engine comes back.
//
//   EngineClient engine({.socket = "/var/run/docker.sock"});
//   DockerRunner docker(&engine, {.network = "rune", .log_path = …});
//   if (absl::Status s = docker.Connect(); !s.ok()) Log().Warn(…);   // retried every 30 s
//   docker.SetExitCallback([](const InstanceKey& key, const ExitStatus& s) { … });
//   RUNE_ASSIGN_OR_RETURN(std::vector<Adopted> found, docker.Adopt());
//   RUNE_ASSIGN_OR_RETURN(Started started, docker.Start(spec));
//   docker.Stop({"default", "web-instance-7c2e8a3b"}, absl::Seconds(10));
//   // Destroying the runner leaves containers running.
#ifndef RUNE_RUNED_RUNNER_DOCKER_DOCKER_RUNNER_H_
#define RUNE_RUNED_RUNNER_DOCKER_DOCKER_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "runed/runner/docker/engine_client.h"
#include "runed/runner/docker/log_follower.h"
#include "runed/runner/docker/mount_files.h"
#include "runed/runner/runner.h"

namespace rune::daemon::docker {

// The prefix of every instance message about an unreachable engine.
inline constexpr char kUnavailablePrefix[] = "docker runner unavailable: ";

struct DockerRunnerOptions {
  std::string network = "rune";  // docker.network; "" = the engine's default
  // The log file of an instance (LogStore::PathOf) and its size limit.
  std::function<std::string(const runner::InstanceKey&)> log_path;
  int64_t log_max_bytes = 10 << 20;
  std::string mounts_root = kMountsRoot;
  absl::Duration retry_interval = absl::Seconds(30);
  // The X-Registry-Auth value for pulling an image ("" = none); an error
  // fails the pull with `failed to pull image "<ref>": <message>`. Null =
  // pulls without credentials.
  std::function<absl::StatusOr<std::string>(const std::string& image)> pull_auth;
};

class DockerRunner : public runner::Runner {
 public:
  DockerRunner(EngineClient* engine, DockerRunnerOptions options);
  // Stops the runner's threads; containers keep running.
  ~DockerRunner() override;

  // Tries to reach the engine now (negotiation, network); from then on a
  // thread keeps the runner connected (retry every retry_interval, events).
  // Returns the first attempt's result: Unavailable with the reason.
  absl::Status Connect();

  // Called on a runner thread each time the engine becomes reachable.
  void SetAvailabilityCallback(std::function<void()> callback);

  struct Availability {
    bool available = false;
    std::string reason;  // why not, when !available
  };
  Availability availability() const;

  void SetExitCallback(ExitCallback callback) override;
  absl::StatusOr<runner::Started> Start(const runner::StartSpec& spec) override;
  absl::Status Stop(const runner::InstanceKey& key, absl::Duration grace) override;
  absl::Status Kill(const runner::InstanceKey& key, int sig) override;
  absl::Status Remove(const runner::InstanceKey& key) override;
  absl::StatusOr<std::vector<runner::Adopted>> Adopt() override;
  absl::StatusOr<std::unique_ptr<runner::ExecProcess>> Exec(const runner::InstanceKey& key,
                                                            const runner::ExecSpec& spec) override;

 private:
  // A container of a live instance.
  struct Container {
    runner::InstanceKey key;
    std::string id;
    bool ended = false;  // guarded by DockerRunner::mu_
  };

  // Negotiation and network; updates the availability.
  absl::Status TryConnect();
  absl::Status EnsureNetwork();
  void MonitorLoop();
  // Follows /events until it ends; OK when cancelled.
  absl::Status FollowEvents(absl::Time since);
  void OnEvent(absl::string_view line);
  // Inspects every tracked container and ends those no longer running.
  void CheckTracked();
  void NotifyLoop();

  // An engine call; Unavailable errors mark the runner unavailable.
  absl::StatusOr<EngineResponse> Call(absl::string_view method, absl::string_view path,
                                      const google::protobuf::Value* body = nullptr,
                                      absl::Duration timeout = absl::ZeroDuration());
  void MarkUnavailable(const std::string& reason);
  absl::Status UnavailableError() const;

  absl::Status EnsureImage(const std::string& image);
  absl::Status RemoveContainer(const std::string& name_or_id);
  void Track(std::shared_ptr<Container> c);
  // Reports the end of `c` once (the callback runs on the notify thread).
  void Ended(const std::shared_ptr<Container>& c, runner::ExitStatus status);
  // Ends `c` from an inspect: true when it is no longer running.
  bool EndIfStopped(const std::shared_ptr<Container>& c);
  void StartFollower(const runner::InstanceKey& key, const std::string& id, bool resume);
  void FinishFollower(const runner::InstanceKey& key, absl::Duration grace);
  std::string LogPath(const runner::InstanceKey& key) const;

  EngineClient* const engine_;
  const DockerRunnerOptions options_;
  MountFiles mounts_;
  std::atomic<bool> shutting_down_{false};

  // Held while the notify thread runs callbacks, so that replacing a
  // callback waits for calls of the old one.
  absl::Mutex calling_mu_;
  mutable absl::Mutex mu_;
  bool connected_once_ ABSL_GUARDED_BY(mu_) = false;
  bool available_ ABSL_GUARDED_BY(mu_) = false;
  std::string reason_ ABSL_GUARDED_BY(mu_) = "not connected to the engine yet";
  bool kick_ ABSL_GUARDED_BY(mu_) = false;  // retry the connection now
  ExitCallback callback_ ABSL_GUARDED_BY(mu_);
  std::function<void()> availability_callback_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<runner::InstanceKey, std::shared_ptr<Container>> by_key_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<Container>> by_id_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<runner::InstanceKey, runner::ExitStatus>> exits_ ABSL_GUARDED_BY(mu_);
  bool notify_available_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex followers_mu_;
  absl::flat_hash_map<runner::InstanceKey, std::unique_ptr<LogFollower>> followers_
      ABSL_GUARDED_BY(followers_mu_);

  std::thread monitor_;
  std::thread notifier_;
};

}  // namespace rune::daemon::docker

#endif  // RUNE_RUNED_RUNNER_DOCKER_DOCKER_RUNNER_H_
