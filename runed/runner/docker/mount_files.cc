#include "runed/runner/docker/mount_files.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rune::daemon::docker {
namespace {

std::string ErrnoText(int err) { return absl::AsciiStrToLower(std::strerror(err)); }

// True when `path` is a tmpfs mount point of its own (not just a directory
// on a tmpfs such as /run).
bool IsTmpfsMountPoint(const std::string& path) {
  struct statfs fs {};
  if (statfs(path.c_str(), &fs) != 0 || fs.f_type != TMPFS_MAGIC) return false;
  struct stat self {}, parent {};
  if (stat(path.c_str(), &self) != 0) return false;
  if (stat(absl::StrCat(path, "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev;
}

absl::Status MakeDir(const std::string& path, mode_t mode) {
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("mkdir ", path, ": ", ErrnoText(errno)));
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::string& path, absl::string_view content, mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("create ", path, ": ", ErrnoText(errno)));
  while (!content.empty()) {
    const ssize_t n = write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return absl::InternalError(absl::StrCat("write ", path, ": ", ErrnoText(err)));
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  fchmod(fd, mode);
  close(fd);
  return absl::OkStatus();
}

// The name of the mount at `path` in the spec's mount lists.
std::string MountName(const api::ServiceSpec& spec, const std::string& path, size_t index) {
  for (const api::SecretMount& m : spec.secret_mounts()) {
    if (m.mount_path() == path) return m.name();
  }
  for (const api::ConfigMount& m : spec.config_mounts()) {
    if (m.mount_path() == path) return m.name();
  }
  return absl::StrCat("mount-", index);
}

}  // namespace

absl::Status MountFiles::EnsureTmpfs() {
  absl::MutexLock lock(&mu_);
  if (mounted_) return absl::OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  auto failed = [this](const std::string& what, int err) {
    std::string message = absl::StrCat("secret and config mounts need a tmpfs at ", root_, ": ",
                                       what, ": ", ErrnoText(err));
    if ((err == EPERM || err == EACCES) && geteuid() != 0) {
      absl::StrAppend(&message, " (runed is not running as root)");
    }
    return absl::FailedPreconditionError(message);
  };
  if (ec) return failed("mkdir", ec.value());
  if (!IsTmpfsMountPoint(root_)) {
    if (mount("tmpfs", root_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") != 0) {
      return failed("mount", errno);
    }
  }
  chmod(root_.c_str(), 0700);
  mounted_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> MountFiles::Write(const std::string& instance_id,
                                                           const std::vector<runner::Mount>& mounts,
                                                           const api::ServiceSpec& spec) {
  std::vector<std::string> binds;
  if (mounts.empty()) return binds;
  if (absl::Status s = EnsureTmpfs(); !s.ok()) return s;
  if (absl::Status s = Remove(instance_id); !s.ok()) return s;
  const std::string dir = absl::StrCat(root_, "/", instance_id);
  absl::Status s = MakeDir(dir, 0700);
  for (size_t i = 0; s.ok() && i < mounts.size(); ++i) {
    const runner::Mount& m = mounts[i];
    const std::string mount_dir = absl::StrCat(dir, "/", MountName(spec, m.path, i));
    std::vector<std::string> made = {mount_dir};
    s = MakeDir(mount_dir, 0700);
    for (const runner::MountFile& f : m.files) {
      if (!s.ok()) break;
      // items[].path may name subdirectories.
      std::string at = mount_dir;
      std::vector<std::string> parts = absl::StrSplit(f.path, '/', absl::SkipEmpty());
      for (size_t p = 0; s.ok() && p + 1 < parts.size(); ++p) {
        at = absl::StrCat(at, "/", parts[p]);
        s = MakeDir(at, 0700);
        made.push_back(at);
      }
      if (s.ok()) s = WriteFile(absl::StrCat(mount_dir, "/", f.path), f.content, 0444);
    }
    for (const std::string& d : made) chmod(d.c_str(), 0555);
    binds.push_back(absl::StrCat(mount_dir, ":", m.path, ":ro"));
  }
  chmod(dir.c_str(), 0555);
  if (!s.ok()) {
    (void)Remove(instance_id);
    return s;
  }
  return binds;
}

absl::Status MountFiles::Remove(const std::string& instance_id) {
  const std::string dir = absl::StrCat(root_, "/", instance_id);
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return absl::OkStatus();
  // Read-only directories: writable again so that a non-root runed can
  // remove them too.
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) chmod(it->path().c_str(), 0700);
  }
  chmod(dir.c_str(), 0700);
  std::filesystem::remove_all(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("remove ", dir, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace rune::daemon::docker
