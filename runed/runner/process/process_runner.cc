#include "runed/runner/process/process_runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "runed/logging.h"
#include "runed/runner/process/exec_process.h"
#include "runed/runner/process/instance_files.h"
#include "runed/runner/process/launch.h"
#include "runed/runner/process/launch.pb.h"
#include "runed/runner/process/launch_request.h"
#include "runed/runner/process/spawn_supervisor.h"

namespace rune::daemon::runner::process {
namespace {

constexpr char kNoCgroupMessage[] =
    "resource limits not enforced: cgroup v2 delegation unavailable";
// How long Stop waits after SIGKILL, and Adopt for a supervisor that is
// still launching its process.
constexpr absl::Duration kKillWait = absl::Seconds(30);
constexpr absl::Duration kLaunchWait = absl::Seconds(5);

std::string KeyText(const InstanceKey& key) { return absl::StrCat(key.ns, "/", key.id); }

absl::Status NotRunning(const InstanceKey& key) {
  return absl::FailedPreconditionError(
      absl::StrCat("instance \"", KeyText(key), "\" is not running"));
}

// The parent pid of `pid` from /proc/<pid>/stat; 0 when unknown.
pid_t ParentOf(pid_t pid) {
  absl::StatusOr<std::string> stat = ReadWholeFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return 0;
  // "<pid> (<comm>) <state> <ppid> …"; comm may hold spaces and parentheses.
  const absl::string_view text(*stat);
  const size_t paren = text.rfind(')');
  if (paren == absl::string_view::npos || paren + 2 > text.size()) return 0;
  std::vector<absl::string_view> fields = absl::StrSplit(text.substr(paren + 2), ' ');
  int ppid = 0;
  if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &ppid)) return 0;
  return ppid;
}

// A pidfd of the service process, -1 unless it is still the supervisor's child.
int ChildPidfd(pid_t pid, pid_t supervisor) {
  if (pid <= 0) return -1;
  const int fd = PidfdOpen(pid);
  if (fd < 0) return -1;
  if (ParentOf(pid) != supervisor) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool Exited(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
    names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

ExitStatus MissingStatus() {
  ExitStatus s;
  s.exit_code = -1;
  s.message = "supervisor exited without a status";
  s.finished_at = absl::Now();
  return s;
}

}  // namespace

ProcessRunner::ProcessRunner(std::string runed_path, std::string data_dir, int64_t log_max_bytes,
                             bool am_root)
    : runed_path_(std::move(runed_path)),
      data_dir_(std::move(data_dir)),
      log_max_bytes_(log_max_bytes),
      am_root_(am_root),
      cgroups_(Cgroups::Detect()) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  // Out of descriptors at startup: runed cannot run services at all.
  if (epoll_fd_ < 0 || wake_fd_ < 0 || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    Log().Error(absl::StrCat("process runner: cannot create its event loop: ", ErrnoText(errno)));
    std::abort();
  }
  thread_ = std::thread([this] { EventLoop(); });
}

ProcessRunner::~ProcessRunner() {
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
  }
  const uint64_t one = 1;
  ssize_t unused = ::write(wake_fd_, &one, sizeof one);
  (void)unused;
  thread_.join();
  absl::MutexLock lock(&mu_);
  for (auto& [token, w] : by_token_) {
    if (w->supervisor_pidfd >= 0) ::close(w->supervisor_pidfd);
    if (w->pidfd >= 0) ::close(w->pidfd);
    w->ended = true;
  }
  by_token_.clear();
  by_key_.clear();
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void ProcessRunner::SetExitCallback(ExitCallback callback) {
  absl::MutexLock lock(&mu_);
  callback_ = std::move(callback);
}

absl::StatusOr<Started> ProcessRunner::Start(const StartSpec& spec) {
  const InstanceKey key{spec.ns, spec.id};
  {
    absl::MutexLock lock(&mu_);
    if (by_key_.contains(key)) {
      return absl::FailedPreconditionError(
          absl::StrCat("instance \"", KeyText(key), "\" is already running"));
    }
  }
  HostIdentity host;
  host.am_root = am_root_;
  host.uid = ::geteuid();
  host.gid = ::getegid();
  absl::StatusOr<SuperviseRequest> request = BuildSuperviseRequest(spec, host);
  if (!request.ok()) return request.status();

  const std::string dir = InstanceDir(data_dir_, key);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("failed to start process: create ", dir, ": ", ec.message()));
  }
  // A restart keeps the instance ID: nothing of the previous run may remain.
  for (const char* file : {kStatusFile, kPidFile, kLaunchFile, kSupervisorPidFile}) {
    ::unlink(absl::StrCat(dir, "/", file).c_str());
  }
  request->set_instance_dir(dir);
  request->set_log_path(InstanceLogPath(data_dir_, key));
  request->set_log_max_bytes(log_max_bytes_);

  Started started;
  const bool has_resources = HasResources(spec.spec.resources());
  if (cgroups_ != nullptr) {
    absl::StatusOr<std::string> cgroup = cgroups_->Create(key, spec.spec.resources());
    if (!cgroup.ok()) return cgroup.status();
    request->mutable_launch()->set_cgroup(*cgroup);
  } else if (has_resources) {
    started.message = kNoCgroupMessage;
    absl::MutexLock lock(&mu_);
    if (!warned_cgroups_) {
      warned_cgroups_ = true;
      Log().Warn(kNoCgroupMessage);
    }
  }

  std::string bytes = request->SerializeAsString();
  absl::StatusOr<SuperviseReply> reply = SpawnSupervisor(runed_path_, key, bytes);
  bytes.assign(bytes.size(), '\0');
  if (!reply.ok() || !reply->error().empty()) {
    if (!request->launch().cgroup().empty()) ::rmdir(request->launch().cgroup().c_str());
    if (!reply.ok()) return reply.status();
    return absl::FailedPreconditionError(reply->error());
  }

  auto w = std::make_shared<Watched>();
  w->key = key;
  w->supervisor_pid = static_cast<pid_t>(reply->supervisor_pid());
  w->pid = static_cast<pid_t>(reply->pid());
  w->pidfd = ChildPidfd(w->pid, w->supervisor_pid);
  w->started_at = absl::FromUnixNanos(reply->started_at_unix_nanos());
  started.pid = w->pid;
  started.started_at = w->started_at;
  Watch(std::move(w));
  return started;
}

void ProcessRunner::Watch(std::shared_ptr<Watched> w) {
  int fd = PidfdOpen(w->supervisor_pid);
  if (fd >= 0 && !IsSupervisorOf(w->supervisor_pid, w->key)) {
    ::close(fd);
    fd = -1;
  }
  absl::MutexLock lock(&mu_);
  w->token = next_token_++;
  w->supervisor_pidfd = fd;
  by_key_[w->key] = w;
  by_token_[w->token] = w;
  if (fd >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = w->token;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0) return;
  }
  // Already gone: report the end from the event thread like any other.
  ended_early_.push_back(w->token);
  const uint64_t one = 1;
  ssize_t unused = ::write(wake_fd_, &one, sizeof one);
  (void)unused;
}

void ProcessRunner::EventLoop() {
  epoll_event events[64];
  while (true) {
    const int n = ::epoll_wait(epoll_fd_, events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      Log().Error(absl::StrCat("process runner: epoll_wait: ", ErrnoText(errno)));
      return;
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t token = events[i].data.u64;
      if (token != 0) {
        Ended(token);
        continue;
      }
      uint64_t count;
      ssize_t unused = ::read(wake_fd_, &count, sizeof count);
      (void)unused;
      std::vector<uint64_t> early;
      {
        absl::MutexLock lock(&mu_);
        if (shutting_down_) return;
        early.swap(ended_early_);
      }
      for (uint64_t t : early) Ended(t);
    }
  }
}

void ProcessRunner::Ended(uint64_t token) {
  std::shared_ptr<Watched> w;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_token_.find(token);
    if (it == by_token_.end()) return;
    w = it->second;
  }
  // Read before `ended` is set: once Stop returns, the caller may Remove the
  // instance directory.
  absl::StatusOr<ExitRecord> record = ReadExitRecord(InstanceDir(data_dir_, w->key));
  const ExitStatus status = record.ok() ? ToExitStatus(*record) : MissingStatus();
  ExitCallback callback;
  {
    absl::MutexLock lock(&mu_);
    by_token_.erase(token);
    auto it = by_key_.find(w->key);
    if (it != by_key_.end() && it->second == w) by_key_.erase(it);
    w->ended = true;
    callback = callback_;
    if (w->supervisor_pidfd >= 0) {
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, w->supervisor_pidfd, nullptr);
      ::close(w->supervisor_pidfd);
      w->supervisor_pidfd = -1;
    }
    if (w->pidfd >= 0) {
      ::close(w->pidfd);
      w->pidfd = -1;
    }
  }
  if (callback) callback(w->key, status);
}

void ProcessRunner::SignalGroup(const Watched& w, int sig) {
  // Signal the group only while its leader is provably the instance's
  // process (alive or an unreaped zombie of the supervisor).
  if (w.ended || w.pid <= 0 || w.pidfd < 0 || Exited(w.pidfd)) return;
  ::kill(-w.pid, sig);
}

bool ProcessRunner::AwaitEnd(const std::shared_ptr<Watched>& w, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&w->ended), timeout);
}

absl::Status ProcessRunner::Stop(const InstanceKey& key, absl::Duration grace) {
  std::shared_ptr<Watched> w;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return absl::OkStatus();
    w = it->second;
    SignalGroup(*w, SIGTERM);
  }
  if (AwaitEnd(w, grace)) return absl::OkStatus();
  {
    absl::MutexLock lock(&mu_);
    SignalGroup(*w, SIGKILL);
  }
  if (AwaitEnd(w, kKillWait)) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("instance \"", KeyText(key), "\" did not stop within ",
                   absl::FormatDuration(grace + kKillWait)));
}

void ProcessRunner::StopAll(absl::Duration grace) {
  std::vector<std::shared_ptr<Watched>> all;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [key, w] : by_key_) {
      all.push_back(w);
      SignalGroup(*w, SIGTERM);
    }
  }
  const absl::Time deadline = absl::Now() + grace;
  for (const auto& w : all) AwaitEnd(w, deadline - absl::Now());
  {
    absl::MutexLock lock(&mu_);
    for (const auto& w : all) SignalGroup(*w, SIGKILL);
  }
  const absl::Time kill_deadline = absl::Now() + kKillWait;
  for (const auto& w : all) AwaitEnd(w, kill_deadline - absl::Now());
}

absl::Status ProcessRunner::Kill(const InstanceKey& key, int sig) {
  absl::MutexLock lock(&mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return NotRunning(key);
  SignalGroup(*it->second, sig);
  return absl::OkStatus();
}

absl::Status ProcessRunner::Remove(const InstanceKey& key) {
  {
    absl::MutexLock lock(&mu_);
    if (by_key_.contains(key)) {
      return absl::FailedPreconditionError(
          absl::StrCat("instance \"", KeyText(key), "\" is still running"));
    }
  }
  absl::Status s = RemoveTree(InstanceDir(data_dir_, key));
  ::rmdir(absl::StrCat(data_dir_, "/instances/", key.ns).c_str());  // only when empty
  return s;
}

absl::StatusOr<std::vector<Adopted>> ProcessRunner::Adopt() {
  std::vector<Adopted> out;
  const std::string root = absl::StrCat(data_dir_, "/instances");
  for (const std::string& ns : ListDir(root)) {
    for (const std::string& id : ListDir(absl::StrCat(root, "/", ns))) {
      const InstanceKey key{ns, id};
      {
        absl::MutexLock lock(&mu_);
        if (by_key_.contains(key)) continue;
      }
      const std::string dir = InstanceDir(data_dir_, key);
      absl::StatusOr<pid_t> supervisor = ReadPidFile(absl::StrCat(dir, "/", kSupervisorPidFile));
      bool alive = supervisor.ok() && IsSupervisorOf(*supervisor, key);
      // A supervisor that is still launching writes launch.pb (or status) soon.
      const absl::Time until = absl::Now() + kLaunchWait;
      absl::StatusOr<std::string> launch = ReadWholeFile(absl::StrCat(dir, "/", kLaunchFile));
      while (alive && !launch.ok() && absl::Now() < until &&
             !ReadExitRecord(dir).ok()) {
        absl::SleepFor(absl::Milliseconds(20));
        launch = ReadWholeFile(absl::StrCat(dir, "/", kLaunchFile));
        alive = IsSupervisorOf(*supervisor, key);
      }
      LaunchInfo info;
      if (launch.ok()) info.ParseFromString(*launch);

      Adopted a;
      a.key = key;
      a.pid = info.pid();
      a.started_at = absl::FromUnixNanos(info.started_at_unix_nanos());
      if (alive) {
        a.alive = true;
        auto w = std::make_shared<Watched>();
        w->key = key;
        w->supervisor_pid = *supervisor;
        w->pid = static_cast<pid_t>(info.pid());
        w->pidfd = ChildPidfd(w->pid, w->supervisor_pid);
        w->started_at = a.started_at;
        Watch(std::move(w));
      } else {
        absl::StatusOr<ExitRecord> record = ReadExitRecord(dir);
        a.exit = record.ok() ? ToExitStatus(*record) : MissingStatus();
      }
      out.push_back(std::move(a));
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<ExecProcess>> ProcessRunner::Exec(const InstanceKey& key,
                                                                 const ExecSpec& spec) {
  pid_t pid = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return NotRunning(key);
    const Watched& w = *it->second;
    if (w.pid <= 0 || w.pidfd < 0 || Exited(w.pidfd)) return NotRunning(key);
    pid = w.pid;
  }
  absl::StatusOr<std::string> launch =
      ReadWholeFile(absl::StrCat(InstanceDir(data_dir_, key), "/", kLaunchFile));
  LaunchInfo info;
  if (!launch.ok() || !info.ParseFromString(*launch)) {
    return absl::FailedPreconditionError(
        absl::StrCat("instance \"", KeyText(key), "\" has no launch description"));
  }
  return StartExec(info, pid, spec);
}

}  // namespace rune::daemon::runner::process
