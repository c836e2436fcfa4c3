#include "runed/runner/process/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/spec/quantity.h"
#include "runed/runner/process/instance_files.h"
#include "runed/runner/process/launch.h"

namespace rune::daemon::runner::process {
namespace {

constexpr int64_t kCpuPeriodMicros = 100000;

// The cgroup2 mount point, from /proc/self/mountinfo.
std::string Cgroup2Mount() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    const size_t sep = line.find(" - ");
    if (sep == std::string::npos) continue;
    const absl::string_view view(line);
    std::vector<absl::string_view> tail = absl::StrSplit(view.substr(sep + 3), ' ');
    std::vector<absl::string_view> head = absl::StrSplit(view.substr(0, sep), ' ');
    if (!tail.empty() && tail[0] == "cgroup2" && head.size() > 4) return std::string(head[4]);
  }
  return "";
}

// This process's cgroup v2 path ("0::<path>" of /proc/self/cgroup).
std::string OwnCgroup() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "0::")) return line.substr(3);
  }
  return "";
}

bool WriteText(const std::string& path, absl::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

bool HasControllers(const std::string& dir) {
  absl::StatusOr<std::string> list = ReadWholeFile(dir + "/cgroup.controllers");
  if (!list.ok()) return false;
  std::vector<absl::string_view> names = absl::StrSplit(absl::StripAsciiWhitespace(*list), ' ');
  return std::find(names.begin(), names.end(), "cpu") != names.end() &&
         std::find(names.begin(), names.end(), "memory") != names.end();
}

bool MakeDir(const std::string& dir) { return ::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST; }

}  // namespace

int CpuWeight(int64_t millis) {
  const int64_t shares = std::max<int64_t>(2, millis * 1024 / 1000);
  const int64_t weight = 1 + ((shares - 2) * 9999) / 262142;
  return static_cast<int>(std::clamp<int64_t>(weight, 1, 10000));
}

bool HasResources(const api::ResourceRequirements& r) {
  return !r.cpu().request().empty() || !r.cpu().limit().empty() ||
         !r.memory().request().empty() || !r.memory().limit().empty();
}

std::unique_ptr<Cgroups> Cgroups::Detect() {
  const std::string mount = Cgroup2Mount();
  std::string own = OwnCgroup();
  // The root cgroup is never a delegated subtree.
  if (mount.empty() || own.empty() || own == "/") return nullptr;
  std::string base = mount + own;
  // A runed started again inside the leaf an earlier runed moved into.
  if (absl::EndsWith(own, "/runed")) {
    const std::string parent = base.substr(0, base.size() - 6);
    struct stat st;
    if (::stat((parent + "/instances").c_str(), &st) == 0) base = parent;
  }
  if (!HasControllers(base) || ::access(base.c_str(), W_OK) != 0 ||
      ::access((base + "/cgroup.subtree_control").c_str(), W_OK) != 0) {
    return nullptr;
  }
  // Processes of `base` (runed, supervisors of an earlier runed) move to the
  // leaf, so that `base` may enable controllers for its children.
  const std::string leaf = base + "/runed";
  if (!MakeDir(leaf)) return nullptr;
  absl::StatusOr<std::string> procs = ReadWholeFile(base + "/cgroup.procs");
  if (!procs.ok()) return nullptr;
  for (absl::string_view pid : absl::StrSplit(*procs, '\n', absl::SkipEmpty())) {
    WriteText(leaf + "/cgroup.procs", pid);
  }
  if (!WriteText(leaf + "/cgroup.procs", absl::StrCat(::getpid()))) return nullptr;
  if (!WriteText(base + "/cgroup.subtree_control", "+cpu +memory")) return nullptr;
  const std::string instances = base + "/instances";
  if (!MakeDir(instances) || !WriteText(instances + "/cgroup.subtree_control", "+cpu +memory")) {
    return nullptr;
  }
  return std::unique_ptr<Cgroups>(new Cgroups(base));
}

absl::StatusOr<std::string> Cgroups::Create(const InstanceKey& key,
                                            const api::ResourceRequirements& r) const {
  const std::string dir = absl::StrCat(base_, "/instances/", key.ns, ".", key.id);
  auto fail = [&](absl::string_view what) {
    return absl::FailedPreconditionError(
        absl::StrCat("failed to start process: cgroup ", dir, ": ", what, ": ", ErrnoText(errno)));
  };
  if (!MakeDir(dir)) return fail("create");
  std::vector<std::pair<std::string, std::string>> limits;
  if (!r.cpu().limit().empty()) {
    absl::StatusOr<int64_t> millis = common::spec::ParseCpuMillis(r.cpu().limit());
    if (millis.ok()) {
      limits.emplace_back("cpu.max",
                          absl::StrCat(*millis * kCpuPeriodMicros / 1000, " ", kCpuPeriodMicros));
    }
  }
  if (!r.cpu().request().empty()) {
    absl::StatusOr<int64_t> millis = common::spec::ParseCpuMillis(r.cpu().request());
    if (millis.ok()) limits.emplace_back("cpu.weight", absl::StrCat(CpuWeight(*millis)));
  }
  if (!r.memory().limit().empty()) {
    absl::StatusOr<int64_t> bytes = common::spec::ParseMemoryBytes(r.memory().limit());
    if (bytes.ok()) limits.emplace_back("memory.max", absl::StrCat(*bytes));
  }
  if (!r.memory().request().empty()) {
    absl::StatusOr<int64_t> bytes = common::spec::ParseMemoryBytes(r.memory().request());
    if (bytes.ok()) limits.emplace_back("memory.low", absl::StrCat(*bytes));
  }
  for (const auto& [file, value] : limits) {
    if (!WriteText(absl::StrCat(dir, "/", file), value)) return fail(file);
  }
  return dir;
}

}  // namespace rune::daemon::runner::process
