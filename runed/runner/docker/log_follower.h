// One container's log follower (SPEC §5.10, §5.11): a thread that streams
// `GET /containers/{id}/logs?follow=1&stdout=1&stderr=1&timestamps=1` and
// appends every line to the instance's log file, the same file (and record
// format) the process runner's supervisors write, so `rune logs` reads
// containers and processes alike. Resuming (after a runed restart, or when
// the stream drops while the container still runs) starts at the last
// stored line with `since=` and drops the lines already stored.
//
//   LogFollower logs(&engine, container_id, "/var/lib/rune/logs/default/api-instance-7c2e8a3b.log",
//                    10 << 20, /*resume=*/false);
//   logs.Start();
//   …
//   logs.Finish(absl::Seconds(2));   // lets the stream end by itself, then cancels
//
//   CatchUp(&engine, container_id, path, 10 << 20);   // an exited container's last lines
#ifndef RUNE_RUNED_RUNNER_DOCKER_LOG_FOLLOWER_H_
#define RUNE_RUNED_RUNNER_DOCKER_LOG_FOLLOWER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "runed/runner/docker/engine_client.h"

namespace rune::daemon::docker {

class LogFollower {
 public:
  // `resume`: the log file may already hold lines of this container.
  LogFollower(EngineClient* engine, std::string container_id, std::string log_path,
              int64_t max_bytes, bool resume);
  // Cancels and joins.
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  void Start();
  // Waits up to `grace` for the stream to end by itself (the container
  // stopped), then cancels it; returns once the thread is gone.
  void Finish(absl::Duration grace);

 private:
  void Run();
  bool Cancelled() const { return cancel_.load(); }

  EngineClient* const engine_;
  const std::string container_id_;
  const std::string log_path_;
  const int64_t max_bytes_;
  const bool resume_;
  std::atomic<bool> cancel_{false};
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Appends the lines of container `container_id` the log file does not hold
// yet (no follow): the output of a container that exited while runed was
// not running.
absl::Status CatchUp(EngineClient* engine, const std::string& container_id,
                     const std::string& log_path, int64_t max_bytes);

}  // namespace rune::daemon::docker

#endif  // RUNE_RUNED_RUNNER_DOCKER_LOG_FOLLOWER_H_
