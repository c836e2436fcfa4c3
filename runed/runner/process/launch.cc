#include "runed/runner/process/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runed/runner/process/seccomp.h"

namespace rune::daemon::runner::process {
namespace {

// What the child was doing when it failed; sent over the status pipe.
enum Stage : int32_t {
  kSetsid = 1,
  kTty,
  kCgroup,
  kSetns,
  kUnshare,
  kPrivate,
  kReadOnly,
  kTmp,
  kMountDir,
  kMount,
  kMountFile,
  kBounding,
  kSetgroups,
  kSetgid,
  kSetuid,
  kCaps,
  kChdir,
  kStdio,
  kSeccomp,
  kExec,
  kNotInPath,
};

struct ChildFailure {
  int32_t stage = 0;
  int32_t err = 0;
  int32_t index = 0;   // mount index
  int32_t index2 = 0;  // file index within the mount
};

struct ChildFile {
  const char* path;
  const char* data;
  size_t size;
  mode_t mode;
};

struct ChildMount {
  const char* path;
  size_t dirs_begin, dirs_end;    // into ChildPlan::dirs
  size_t files_begin, files_end;  // into ChildPlan::files
};

struct Remount {
  const char* path;
  unsigned long flags;
};

// The mount_setattr(2) argument (struct mount_attr).
struct MountAttr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};
constexpr uint64_t kMountAttrReadOnly = 0x1;
constexpr int kAtRecursive = 0x8000;
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

// Everything the child reads, prepared before fork. Strings live in
// `storage` (a deque never moves its elements).
struct ChildPlan {
  std::deque<std::string> storage;
  const char* Keep(std::string s) {
    storage.push_back(std::move(s));
    return storage.back().c_str();
  }

  const char* path = nullptr;
  std::vector<char*> argv;
  std::vector<char*> envp;
  bool search_path = false;
  const char* path_list = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  const char* workdir = "/";

  int in = -1, out = -1, err = -1;
  bool controlling_tty = false;
  int cgroup_fd = -1;
  int join_ns_fd = -1;

  bool new_mount_ns = false;
  bool read_only = false;
  bool force_fallback = false;
  std::vector<Remount> remounts;
  std::vector<const char*> premake_dirs;  // inside the private /tmp
  std::vector<ChildMount> mounts;
  std::vector<const char*> dirs;
  std::vector<ChildFile> files;

  bool set_identity = false;
  // A user namespace whose creator denied setgroups(2) (rootless
  // containers, build sandboxes): supplementary groups cannot change.
  bool skip_setgroups = false;
  uid_t uid = 0;
  gid_t gid = 0;
  bool caps_set = false;
  uint64_t caps = 0;
  int last_cap = 40;

  std::vector<sock_filter> filter;
  sock_fprog fprog{};
};

// ---- child side: system calls only ------------------------------------------

[[noreturn]] void Fail(int status_fd, int32_t stage, int err, int32_t index = 0,
                       int32_t index2 = 0) {
  ChildFailure f;
  f.stage = stage;
  f.err = err;
  f.index = index;
  f.index2 = index2;
  ssize_t unused = ::write(status_fd, &f, sizeof f);
  (void)unused;
  _exit(127);
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Moves `fd` to a number >= 3 so that dup2 onto 0..2 cannot clobber it.
int Lift(int fd) {
  if (fd < 0 || fd > 2) return fd;
  return ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

void SetUpMounts(const ChildPlan& p, int sfd) {
  if (::unshare(CLONE_NEWNS) != 0) Fail(sfd, kUnshare, errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    Fail(sfd, kPrivate, errno);
  }
  if (p.read_only) {
    MountAttr attr{};
    attr.attr_set = kMountAttrReadOnly;
    const bool done = !p.force_fallback &&
                      ::syscall(SYS_mount_setattr, AT_FDCWD, "/", kAtRecursive, &attr,
                                sizeof attr) == 0;
    if (!done) {
      // Older kernels: remount every mount read-only, keeping its flags.
      for (const Remount& r : p.remounts) {
        if (::mount(nullptr, r.path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | r.flags,
                    nullptr) != 0 &&
            r.path[0] == '/' && r.path[1] == '\0') {
          Fail(sfd, kReadOnly, errno);
        }
      }
    }
    if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777") != 0) {
      Fail(sfd, kTmp, errno);
    }
    for (const char* dir : p.premake_dirs) {
      if (::mkdir(dir, 0755) != 0 && errno != EEXIST) Fail(sfd, kMountDir, errno);
    }
  }
  for (size_t i = 0; i < p.mounts.size(); ++i) {
    const ChildMount& m = p.mounts[i];
    const int32_t mi = static_cast<int32_t>(i);
    if (::mount("tmpfs", m.path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
      Fail(sfd, kMount, errno, mi);
    }
    for (size_t d = m.dirs_begin; d < m.dirs_end; ++d) {
      if (::mkdir(p.dirs[d], 0755) != 0 && errno != EEXIST) Fail(sfd, kMountDir, errno, mi);
    }
    for (size_t f = m.files_begin; f < m.files_end; ++f) {
      const ChildFile& file = p.files[f];
      const int32_t fi = static_cast<int32_t>(f - m.files_begin);
      const int fd = ::open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0) Fail(sfd, kMountFile, errno, mi, fi);
      if (!WriteAll(fd, file.data, file.size) || ::fchown(fd, p.uid, p.gid) != 0 ||
          ::fchmod(fd, file.mode) != 0) {
        Fail(sfd, kMountFile, errno, mi, fi);
      }
      ::close(fd);
    }
    if (::mount(nullptr, m.path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
                nullptr) != 0) {
      Fail(sfd, kMount, errno, mi);
    }
  }
}

void SetUpIdentity(const ChildPlan& p, int sfd) {
  if (p.caps_set) {
    for (int cap = 0; cap <= p.last_cap; ++cap) {
      if ((p.caps >> cap) & 1) continue;
      if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
        Fail(sfd, kBounding, errno);
      }
    }
  }
  if (p.set_identity) {
    if (p.caps_set && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) Fail(sfd, kCaps, errno);
    const gid_t groups[1] = {p.gid};
    if (!p.skip_setgroups && ::syscall(SYS_setgroups, 1, groups) != 0) {
      Fail(sfd, kSetgroups, errno);
    }
    if (::syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0) Fail(sfd, kSetgid, errno);
    if (::syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0) Fail(sfd, kSetuid, errno);
    if (p.caps_set && ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) Fail(sfd, kCaps, errno);
  }
  if (p.caps_set) {
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    __user_cap_data_struct data[2]{};
    const uint32_t low = static_cast<uint32_t>(p.caps);
    const uint32_t high = static_cast<uint32_t>(p.caps >> 32);
    data[0].effective = data[0].permitted = data[0].inheritable = low;
    data[1].effective = data[1].permitted = data[1].inheritable = high;
    if (::syscall(SYS_capset, &header, data) != 0) Fail(sfd, kCaps, errno);
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
      Fail(sfd, kCaps, errno);
    }
    for (int cap = 0; cap <= p.last_cap; ++cap) {
      if (((p.caps >> cap) & 1) == 0) continue;
      if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) Fail(sfd, kCaps, errno);
    }
  }
}

void Exec(const ChildPlan& p, int sfd) {
  if (!p.search_path) {
    ::execve(p.path, p.argv.data(), p.envp.data());
    Fail(sfd, kExec, errno);
  }
  // execvp without allocation: try each PATH entry in a stack buffer.
  char buf[4096];
  const size_t name_len = std::strlen(p.path);
  bool denied = false;
  const char* entry = p.path_list;
  while (true) {
    const char* end = std::strchr(entry, ':');
    size_t dir_len = end ? static_cast<size_t>(end - entry) : std::strlen(entry);
    if (dir_len == 0) {
      entry = ".";
      dir_len = 1;
    }
    if (dir_len + 1 + name_len + 1 <= sizeof buf) {
      std::memcpy(buf, entry, dir_len);
      buf[dir_len] = '/';
      std::memcpy(buf + dir_len + 1, p.path, name_len + 1);
      ::execve(buf, p.argv.data(), p.envp.data());
      if (errno == EACCES) {
        denied = true;
      } else if (errno != ENOENT && errno != ENOTDIR) {
        Fail(sfd, kExec, errno);
      }
    }
    if (end == nullptr) break;
    entry = end + 1;
  }
  if (denied) Fail(sfd, kExec, EACCES);
  Fail(sfd, kNotInPath, ENOENT);
}

[[noreturn]] void RunChild(const ChildPlan& p, int sfd) {
  if (::setsid() < 0) Fail(sfd, kSetsid, errno);
  if (p.controlling_tty && ::ioctl(p.in, TIOCSCTTY, 0) != 0) Fail(sfd, kTty, errno);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    ::sigaction(sig, &sa, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  if (p.cgroup_fd >= 0 && ::write(p.cgroup_fd, "0", 1) != 1) Fail(sfd, kCgroup, errno);
  if (p.join_ns_fd >= 0) {
    if (::setns(p.join_ns_fd, CLONE_NEWNS) != 0) Fail(sfd, kSetns, errno);
  } else if (p.new_mount_ns) {
    SetUpMounts(p, sfd);
  }
  SetUpIdentity(p, sfd);
  if (::chdir(p.workdir) != 0) Fail(sfd, kChdir, errno);

  const int lifted = Lift(sfd);
  if (lifted < 0) Fail(sfd, kStdio, errno);
  sfd = lifted;
  const int in = Lift(p.in), out = Lift(p.out), err = Lift(p.err);
  if (in < 0 || out < 0 || err < 0) Fail(sfd, kStdio, errno);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) Fail(sfd, kStdio, errno);
  if (sfd != 3) {
    if (::dup3(sfd, 3, O_CLOEXEC) < 0) Fail(sfd, kStdio, errno);
    sfd = 3;
  }
  if (::syscall(SYS_close_range, 4U, ~0U, 0U) != 0) {
    for (int fd = 4; fd < 65536; ++fd) ::close(fd);
  }
  if (!p.filter.empty()) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fail(sfd, kSeccomp, errno);
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p.fprog, 0, 0) != 0) {
      Fail(sfd, kSeccomp, errno);
    }
  }
  Exec(p, sfd);
  _exit(127);
}

// ---- parent side --------------------------------------------------------------

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
