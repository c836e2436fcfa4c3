#include "runed/runner/process/launch_child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace rune::daemon::runner::process {
namespace {

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

}  // namespace

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

}  // namespace rune::daemon::runner::process
