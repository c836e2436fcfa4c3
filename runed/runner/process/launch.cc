#include "runed/runner/process/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runed/runner/process/launch_child.h"
#include "runed/runner/process/seccomp.h"

namespace rune::daemon::runner::process {
namespace {

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

// MS_* flags of a mountinfo per-mount option list ("rw,nosuid,relatime").
unsigned long MountFlags(absl::string_view options) {
  unsigned long flags = 0;
  for (absl::string_view o : absl::StrSplit(options, ',')) {
    if (o == "nosuid") flags |= MS_NOSUID;
    if (o == "nodev") flags |= MS_NODEV;
    if (o == "noexec") flags |= MS_NOEXEC;
    if (o == "noatime") flags |= MS_NOATIME;
    if (o == "nodiratime") flags |= MS_NODIRATIME;
    if (o == "relatime") flags |= MS_RELATIME;
    if (o == "strictatime") flags |= MS_STRICTATIME;
  }
  return flags;
}

// Decodes the octal escapes of mountinfo paths (\040 for a space).
std::string Unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (size_t k = 1; k <= 3; ++k) {
        if (s[i + k] < '0' || s[i + k] > '7') ok = false;
        v = v * 8 + (s[i + k] - '0');
      }
      if (ok) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

void AddRemounts(ChildPlan* plan) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    if (f.size() < 6) continue;
    plan->remounts.push_back({plan->Keep(Unescape(f[4])), MountFlags(f[5])});
  }
}

bool SetgroupsDenied() {
  std::ifstream in("/proc/self/setgroups");
  std::string word;
  return in >> word && word == "deny";
}

int LastCap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int n = 0;
  if (in >> n && n > 0 && n < 64) return n;
  return 40;
}

bool UnderTmp(const std::string& path) { return absl::StartsWith(path, "/tmp/"); }

absl::Status PrepareMounts(const LaunchParams& params, ChildPlan* plan) {
  std::set<std::string> premake;
  for (const MountSpec& m : params.mounts) {
    ChildMount cm{};
    cm.path = plan->Keep(m.path());
    if (plan->read_only && UnderTmp(m.path())) {
      // The private /tmp hides the host's directories: recreate the path.
      std::string prefix;
      for (absl::string_view part : absl::StrSplit(m.path(), '/', absl::SkipEmpty())) {
        absl::StrAppend(&prefix, "/", part);
        if (prefix != "/tmp") premake.insert(prefix);
      }
    }
    std::set<std::string> dirs;
    for (const MountFile& f : m.files()) {
      std::vector<absl::string_view> parts = absl::StrSplit(f.path(), '/', absl::SkipEmpty());
      std::string dir = m.path();
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        absl::StrAppend(&dir, "/", parts[i]);
        dirs.insert(dir);
      }
    }
    cm.dirs_begin = plan->dirs.size();
    for (const std::string& d : dirs) plan->dirs.push_back(plan->Keep(d));  // parents sort first
    cm.dirs_end = plan->dirs.size();
    cm.files_begin = plan->files.size();
    for (const MountFile& f : m.files()) {
      plan->files.push_back({plan->Keep(absl::StrCat(m.path(), "/", f.path())), f.content().data(),
                             f.content().size(), static_cast<mode_t>(f.mode() & 07777)});
    }
    cm.files_end = plan->files.size();
    plan->mounts.push_back(cm);
  }
  for (const std::string& d : premake) plan->premake_dirs.push_back(plan->Keep(d));
  return absl::OkStatus();
}

std::string FailureText(const ChildFailure& f, const LaunchParams& params, const ChildPlan& plan) {
  const std::string why = ErrnoText(f.err);
  const LaunchInfo& info = *params.info;
  auto mount_path = [&]() -> std::string {
    if (f.index >= 0 && static_cast<size_t>(f.index) < params.mounts.size()) {
      return params.mounts[f.index].path();
    }
    return "?";
  };
  std::string what;
  switch (f.stage) {
    case kExec:
      what = absl::StrCat("exec: \"", plan.path, "\": ", why);
      break;
    case kNotInPath:
      what = absl::StrCat("exec: \"", plan.path, "\": executable file not found in $PATH");
      break;
    case kChdir:
      what = absl::StrCat("chdir ", plan.workdir, ": ", why);
      break;
    case kSetsid:
      what = absl::StrCat("setsid: ", why);
      break;
    case kTty:
      what = absl::StrCat("controlling terminal: ", why);
      break;
    case kCgroup:
      what = absl::StrCat("join cgroup ", info.cgroup(), ": ", why);
      break;
    case kSetns:
      what = absl::StrCat("join mount namespace: ", why);
      break;
    case kUnshare:
      what = absl::StrCat("create mount namespace: ", why);
      break;
    case kPrivate:
      what = absl::StrCat("make / private: ", why);
      break;
    case kReadOnly:
      what = absl::StrCat("make / read-only: ", why);
      break;
    case kTmp:
      what = absl::StrCat("mount tmpfs on /tmp: ", why);
      break;
    case kMountDir:
    case kMount:
      what = absl::StrCat("mount ", mount_path(), ": ", why);
      break;
    case kMountFile: {
      std::string file = "?";
      if (f.index >= 0 && static_cast<size_t>(f.index) < params.mounts.size() &&
          f.index2 >= 0 && f.index2 < params.mounts[f.index].files_size()) {
        file = params.mounts[f.index].files(f.index2).path();
      }
      what = absl::StrCat("write ", mount_path(), "/", file, ": ", why);
      break;
    }
    case kBounding:
    case kCaps:
      what = absl::StrCat("set capabilities: ", why);
      break;
    case kSetgroups:
      what = absl::StrCat("setgroups: ", why);
      break;
    case kSetgid:
      what = absl::StrCat("setgid ", info.gid(), ": ", why);
      break;
    case kSetuid:
      what = absl::StrCat("setuid ", info.uid(), ": ", why);
      break;
    case kStdio:
      what = absl::StrCat("standard streams: ", why);
      break;
    case kSeccomp:
      what = absl::StrCat("install seccomp filter: ", why);
      break;
    default:
      what = why;
  }
  return absl::StrCat("failed to start process: ", what);
}

}  // namespace

std::string ErrnoText(int err) {
  if (err == ENOENT) return "file does not exist";
  if (err == EACCES) return "permission denied";
  char buf[256];
  const char* text = ::strerror_r(err, buf, sizeof buf);
  return absl::AsciiStrToLower(text);
}

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

absl::StatusOr<Launched> Launch(const LaunchParams& params) {
  const LaunchInfo& info = *params.info;
  ChildPlan plan;
  const std::vector<std::string> argv_source =
      !params.argv.empty() ? params.argv
                           : std::vector<std::string>(info.argv().begin(), info.argv().end());
  if (argv_source.empty()) return absl::InvalidArgumentError("empty argv");
  for (const std::string& a : argv_source) plan.argv.push_back(const_cast<char*>(plan.Keep(a)));
  plan.argv.push_back(nullptr);
  plan.path = plan.argv[0];
  plan.search_path = params.search_path && argv_source[0].find('/') == std::string::npos;
  for (const std::string& e : params.env) {
    plan.envp.push_back(const_cast<char*>(e.c_str()));
    if (absl::StartsWith(e, "PATH=")) plan.path_list = e.c_str() + 5;
  }
  plan.envp.push_back(nullptr);
  plan.workdir = plan.Keep(!params.workdir.empty()  ? params.workdir
                           : !info.workdir().empty() ? info.workdir()
                                                     : "/");
  plan.controlling_tty = params.stdio.controlling_tty;
  plan.join_ns_fd = params.join_mount_ns_fd;
  plan.set_identity = info.set_identity();
  if (plan.set_identity) plan.skip_setgroups = SetgroupsDenied();
  plan.uid = info.uid();
  plan.gid = info.gid();
  plan.caps_set = info.capabilities_set();
  plan.caps = info.capabilities();
  if (plan.caps_set) plan.last_cap = LastCap();
  plan.filter = SeccompProgram(
      info.seccomp_mode(), std::vector<int>(info.syscalls().begin(), info.syscalls().end()));
  plan.fprog.len = static_cast<unsigned short>(plan.filter.size());
  plan.fprog.filter = plan.filter.data();
  if (params.join_mount_ns_fd < 0) {
    plan.read_only = info.read_only_fs();
    plan.new_mount_ns = plan.read_only || !params.mounts.empty();
    plan.force_fallback = params.force_remount_fallback;
    if (plan.read_only) AddRemounts(&plan);
    absl::Status s = PrepareMounts(params, &plan);
    if (!s.ok()) return s;
  }

  // Descriptors the child uses; closed here after fork.
  std::vector<int> to_close;
  auto cleanup = [&to_close]() {
    for (int fd : to_close) ::close(fd);
  };
  int devnull = -1;
  if (params.stdio.in < 0 || params.stdio.out < 0 || params.stdio.err < 0) {
    devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) return absl::InternalError(absl::StrCat("open /dev/null: ", ErrnoText(errno)));
    to_close.push_back(devnull);
  }
  plan.in = params.stdio.in >= 0 ? params.stdio.in : devnull;
  plan.out = params.stdio.out >= 0 ? params.stdio.out : devnull;
  plan.err = params.stdio.err >= 0 ? params.stdio.err : devnull;
  if (!info.cgroup().empty()) {
    plan.cgroup_fd = ::open(absl::StrCat(info.cgroup(), "/cgroup.procs").c_str(),
                            O_WRONLY | O_CLOEXEC);
    if (plan.cgroup_fd < 0) {
      const int e = errno;
      cleanup();
      return absl::FailedPreconditionError(absl::StrCat(
          "failed to start process: join cgroup ", info.cgroup(), ": ", ErrnoText(e)));
    }
    to_close.push_back(plan.cgroup_fd);
  }
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    cleanup();
    return absl::InternalError(absl::StrCat("pipe: ", ErrnoText(e)));
  }

  // No signal handler of this process may run in the child before it resets
  // dispositions.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(status_pipe[0]);
    RunChild(plan, status_pipe[1]);
  }
  const int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(status_pipe[1]);
  cleanup();
  if (pid < 0) {
    ::close(status_pipe[0]);
    return absl::InternalError(absl::StrCat("fork: ", ErrnoText(fork_errno)));
  }
  Launched launched;
  launched.pid = pid;
  launched.pidfd = PidfdOpen(pid);

  ChildFailure failure;
  size_t got = 0;
  while (got < sizeof failure) {
    ssize_t n = ::read(status_pipe[0], reinterpret_cast<char*>(&failure) + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(status_pipe[0]);
  if (got == 0) return launched;  // execve closed the pipe

  if (launched.pidfd >= 0) ::close(launched.pidfd);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (got < sizeof failure) {
    return absl::FailedPreconditionError("failed to start process: the launch was interrupted");
  }
  return absl::FailedPreconditionError(FailureText(failure, params, plan));
}

}  // namespace rune::daemon::runner::process
