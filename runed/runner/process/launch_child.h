// The pre-exec half of a launch (SPEC §5.9): the plan a child follows
// between fork and execve, and the code that follows it. The child of a
// multi-threaded process may only make system calls, so everything here is
// prepared by launch.cc before fork and only read afterwards. Internal to
// the :launch target.
//
//   ChildPlan plan;             // filled in by Launch()
//   if (fork() == 0) RunChild(plan, status_pipe[1]);   // never returns
#ifndef RUNE_RUNED_RUNNER_PROCESS_LAUNCH_CHILD_H_
#define RUNE_RUNED_RUNNER_PROCESS_LAUNCH_CHILD_H_

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace rune::daemon::runner::process {

// What the child was doing when it failed; sent over the status pipe.
enum ChildStage : int32_t {
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

// Applies `plan` and execs; on failure writes a ChildFailure to `status_fd`
// and exits 127.
[[noreturn]] void RunChild(const ChildPlan& plan, int status_fd);

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_LAUNCH_CHILD_H_
