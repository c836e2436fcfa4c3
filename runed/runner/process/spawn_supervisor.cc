#include "runed/runner/process/spawn_supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "runed/runner/process/instance_files.h"
#include "runed/runner/process/launch.h"

namespace rune::daemon::runner::process {
namespace {

// Writes to a pipe whose reader may be gone, without a process-wide SIGPIPE.
void WriteToPipe(int fd, const std::string& data) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  bool broken = false;
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken = errno == EPIPE;
      break;
    }
    off += static_cast<size_t>(n);
  }
  if (broken) {
    const timespec zero{0, 0};
    while (::sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace

absl::StatusOr<SuperviseReply> SpawnSupervisor(const std::string& runed_path,
                                             const InstanceKey& key, const std::string& request) {
  int req[2], rep[2];
  if (::pipe2(req, O_CLOEXEC) != 0) return absl::InternalError("pipe: " + ErrnoText(errno));
  if (::pipe2(rep, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(req[0]);
    ::close(req[1]);
    return absl::InternalError("pipe: " + ErrnoText(e));
  }
  // Opened here, not by the spawn: a missing /dev/null (a bare root) must not
  // read as a missing runed binary.
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) {
    const int e = errno;
    for (int fd : {req[0], req[1], rep[0], rep[1]}) ::close(fd);
    return absl::InternalError("failed to start process: open /dev/null: " + ErrnoText(e));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, req[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, rep[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, devnull, STDERR_FILENO);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  std::string marker = absl::StrCat(key.ns, "/", key.id);
  std::string path = runed_path;
  std::string mode = kSuperviseArg;
  char* argv[] = {path.data(), mode.data(), marker.data(), nullptr};
  // Nothing of runed's environment (it may hold RUNE_MASTER_KEY).
  char* envp[] = {nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(req[0]);
  ::close(rep[1]);
  ::close(devnull);
  if (rc != 0) {
    ::close(req[1]);
    ::close(rep[0]);
    return absl::InternalError(
        absl::StrCat("failed to start process: start supervisor ", runed_path, ": ", ErrnoText(rc)));
  }
  WriteToPipe(req[1], request);
  ::close(req[1]);
  // The intermediate process exits as soon as the supervisor is forked.
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  std::string reply_bytes;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(rep[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply_bytes.append(buf, static_cast<size_t>(n));
  }
  ::close(rep[0]);
  SuperviseReply reply;
  if (reply_bytes.empty() || !reply.ParseFromString(reply_bytes)) {
    return absl::InternalError("failed to start process: the supervisor exited before the process started");
  }
  return reply;
}

}  // namespace rune::daemon::runner::process
