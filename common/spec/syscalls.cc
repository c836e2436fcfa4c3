#include "common/spec/syscalls.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace rune::common::spec {
namespace {

struct SyscallEntry {
  const char* name;
  int x86_64;
  int aarch64;
};

constexpr SyscallEntry kSyscalls[] = {
#include "common/spec/syscalls.inc"
};

// Bit order of <linux/capability.h>.
constexpr const char* kCapabilities[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

const SyscallEntry* FindSyscall(absl::string_view name) {
  const SyscallEntry* end = std::end(kSyscalls);
  const SyscallEntry* it = std::lower_bound(
      std::begin(kSyscalls), end, name,
      [](const SyscallEntry& e, absl::string_view n) { return absl::string_view(e.name) < n; });
  if (it == end || absl::string_view(it->name) != name) return nullptr;
  return it;
}

}  // namespace

SyscallArch HostSyscallArch() {
#if defined(__aarch64__)
  return SyscallArch::kAarch64;
#else
  return SyscallArch::kX86_64;
#endif
}

bool IsKnownSyscall(absl::string_view name) { return FindSyscall(name) != nullptr; }

std::optional<int> SyscallNumber(absl::string_view name, SyscallArch arch) {
  const SyscallEntry* e = FindSyscall(name);
  if (e == nullptr) return std::nullopt;
  const int n = arch == SyscallArch::kX86_64 ? e->x86_64 : e->aarch64;
  if (n < 0) return std::nullopt;
  return n;
}

std::vector<std::string> KnownSyscalls() {
  std::vector<std::string> out;
  for (const SyscallEntry& e : kSyscalls) out.emplace_back(e.name);
  return out;
}

std::optional<int> CapabilityNumber(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  if (!absl::StartsWith(upper, "CAP_")) upper = absl::StrCat("CAP_", upper);
  for (size_t i = 0; i < std::size(kCapabilities); ++i) {
    if (upper == kCapabilities[i]) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::optional<std::string> CanonicalCapability(absl::string_view name) {
  std::optional<int> n = CapabilityNumber(name);
  if (!n.has_value()) return std::nullopt;
  return std::string(kCapabilities[*n]);
}

std::vector<std::string> KnownCapabilities() {
  return std::vector<std::string>(std::begin(kCapabilities), std::end(kCapabilities));
}

}  // namespace rune::common::spec
