// The runner interface the orchestrator drives (SPEC §5.8, §5.9, §5.10):
// start, stop and remove one instance, re-adopt instances that outlived a
// runed restart, report exits through a callback, and run exec sessions in an
// instance. The process runner (runner/process/) and the Docker runner
// (runner/docker/) implement it; RunnerSet (runner_set.h) routes between them.
//
//   runner->SetExitCallback([&](const InstanceKey& key, const ExitStatus& s) {
//     orchestrator.OnExit(key, s);   // called from the runner's event thread
//   });
//   absl::StatusOr<Started> started = runner->Start(spec);   // Running once OK
//   runner->Stop({"default", "api-instance-7c2e8a3b"}, absl::Seconds(10));
#ifndef RUNE_RUNED_RUNNER_RUNNER_H_
#define RUNE_RUNED_RUNNER_RUNNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/types.pb.h"

namespace rune::daemon::runner {

// Identifies an instance: its namespace and ID (`api-instance-7c2e8a3b`).
struct InstanceKey {
  std::string ns;
  std::string id;

  bool operator==(const InstanceKey& o) const { return ns == o.ns && id == o.id; }
  bool operator<(const InstanceKey& o) const {
    return ns != o.ns ? ns < o.ns : id < o.id;
  }
  template <typename H>
  friend H AbslHashValue(H h, const InstanceKey& k) {
    return H::combine(std::move(h), k.ns, k.id);
  }
};

// One file of a secret or config mount (SPEC §4.2 mount rules).
struct MountFile {
  std::string path;     // relative to the mount path (a key, or items[].path)
  std::string content;  // raw bytes; plaintext secrets live only in memory
  uint32_t mode = 0444; // secrets 0400, configs 0444
};

// A tmpfs mounted at `path` inside the instance, holding `files`.
struct Mount {
  std::string path;
  std::vector<MountFile> files;
};

// Everything needed to start one instance; the orchestrator resolves
// references (secrets, configmaps, built-in variables) before calling Start.
struct StartSpec {
  std::string ns;
  std::string service;
  std::string service_id;  // the service's metadata.id (label `rune.service.id`)
  std::string id;    // `<service>-instance-<8 hex>`
  std::string name;  // `<service>-<ordinal>`
  int ordinal = 0;
  int64_t generation = 0;
  api::ServiceSpec spec;  // the generation being started
  // The service environment after SPEC §4.5 precedence (envFrom < env <
  // built-ins), as KEY=VALUE. The runner adds PATH, HOME, USER and LOGNAME
  // of the run-as user first; nothing of runed's own environment is passed.
  std::vector<std::string> env;
  std::vector<Mount> mounts;
};

// How an instance's process ended (or failed to start).
struct ExitStatus {
  // True when the process never ran; `message` then holds the SPEC §2.6
  // runner text, e.g. `failed to start process: exec: "/x": file does not exist`.
  bool start_failed = false;
  int exit_code = 0;  // valid when signal == 0 and !start_failed
  int signal = 0;     // > 0 when killed by this signal
  // `exit code <n>`, `killed by signal <NAME>` or the start failure.
  std::string message;
  absl::Time finished_at = absl::InfinitePast();
};

// A started instance.
struct Started {
  int64_t pid = 0;  // the service process (not its supervisor)
  absl::Time started_at;
  std::string container_id;  // containers: the engine's container ID
  std::string ip;            // containers: the address on docker.network ("" = host network)
  // Set when the runner had to weaken the spec, e.g.
  // `resource limits not enforced: cgroup v2 delegation unavailable`.
  std::string message;
};

// An instance found by Adopt(): alive (re-adopted; its exit is reported
// through the callback later) or already ended (with `exit`).
struct Adopted {
  InstanceKey key;
  bool alive = false;
  int64_t pid = 0;
  absl::Time started_at;
  ExitStatus exit;  // when !alive
};

// What to run in an instance (SPEC §5.12).
struct ExecSpec {
  std::vector<std::string> argv;        // non-empty
  std::vector<std::string> extra_env;   // KEY=VALUE, on top of the instance's
  std::string workdir;                  // "" = the instance's
  bool tty = false;
  uint16_t rows = 24;
  uint16_t cols = 80;
};

// A running exec command. With a TTY, stdout_fd() is the PTY master (read
// all output, write input there too: stdin_fd() == stdout_fd()) and
// stderr_fd() is -1. File descriptors stay owned by the ExecProcess.
class ExecProcess {
 public:
  virtual ~ExecProcess() = default;
  virtual int stdin_fd() const = 0;
  virtual int stdout_fd() const = 0;
  virtual int stderr_fd() const = 0;
  // A pidfd: readable once the command has exited.
  virtual int pidfd() const = 0;
  // Closes the command's stdin (EOF). With a TTY, sends the terminal's EOF
  // character instead.
  virtual void CloseStdin() = 0;
  // Delivers `sig` to the command's process group.
  virtual absl::Status Signal(int sig) = 0;
  // TTY only: new window size (TIOCSWINSZ).
  virtual absl::Status Resize(uint16_t rows, uint16_t cols) = 0;
  // Reaps the command; blocks until it exits. exit_code / signal set.
  virtual ExitStatus Wait() = 0;
};

class Runner {
 public:
  using ExitCallback = std::function<void(const InstanceKey&, const ExitStatus&)>;

  virtual ~Runner() = default;

  // Called once for every instance exit (crash, stop, start failure after
  // Start returned, exit found on adoption is NOT reported here — Adopt
  // returns it). Set before Start/Adopt; runs on the runner's thread.
  virtual void SetExitCallback(ExitCallback callback) = 0;

  // Launches the instance and returns once its process runs (execve done).
  // FailedPrecondition whose message is the SPEC §2.6 runner text when it
  // cannot start (missing executable, unknown user, missing mountPath, …).
  virtual absl::StatusOr<Started> Start(const StartSpec& spec) = 0;

  // SIGTERM to the process group, SIGKILL after `grace`; returns once the
  // process is gone (the exit callback fires as well). OK when not running.
  virtual absl::Status Stop(const InstanceKey& key, absl::Duration grace) = 0;

  // Sends `sig` to the instance's process group (liveness kill, tests).
  virtual absl::Status Kill(const InstanceKey& key, int sig) = 0;

  // Removes the runner's state of a stopped instance (not its logs).
  virtual absl::Status Remove(const InstanceKey& key) = 0;

  // Called once at startup: every instance the runner knows from disk.
  virtual absl::StatusOr<std::vector<Adopted>> Adopt() = 0;

  // Runs a command in the running instance `key`, with its identity,
  // namespaces, environment (plus spec.extra_env) and workdir.
  // FailedPrecondition when the instance is not running.
  virtual absl::StatusOr<std::unique_ptr<ExecProcess>> Exec(const InstanceKey& key,
                                                            const ExecSpec& spec) = 0;
};

}  // namespace rune::daemon::runner

#endif  // RUNE_RUNED_RUNNER_RUNNER_H_
