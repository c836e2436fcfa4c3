// Linux system call and capability names known to the build (SPEC §4.2.1):
// the validator accepts exactly these names in `process.securityContext`, and
// the process runner turns them into numbers for seccomp and capset.
//
//   IsKnownSyscall("openat");                          // true
//   SyscallNumber("openat", SyscallArch::kX86_64);     // 257
//   SyscallNumber("open", SyscallArch::kAarch64);      // nullopt (no such call)
//   CanonicalCapability("net_bind_service");           // "CAP_NET_BIND_SERVICE"
//   CapabilityNumber("CAP_SYS_ADMIN");                 // 21
#ifndef RUNE_COMMON_SPEC_SYSCALLS_H_
#define RUNE_COMMON_SPEC_SYSCALLS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace rune::common::spec {

enum class SyscallArch { kX86_64, kAarch64 };

// The architecture this binary was built for.
SyscallArch HostSyscallArch();

// True when `name` (exact, lower case) is a system call of x86_64 or aarch64.
bool IsKnownSyscall(absl::string_view name);

// The number of `name` on `arch`, or nullopt when that architecture has no
// such call (or the name is unknown).
std::optional<int> SyscallNumber(absl::string_view name, SyscallArch arch);

// Every known system call name, sorted.
std::vector<std::string> KnownSyscalls();

// "CAP_NET_ADMIN" for "net_admin", "CAP_NET_ADMIN", "Cap_Net_Admin", …;
// nullopt for a name that is not a Linux capability.
std::optional<std::string> CanonicalCapability(absl::string_view name);

// The capability's bit number (CAP_CHOWN = 0 … CAP_CHECKPOINT_RESTORE = 40),
// accepting the same spellings as CanonicalCapability.
std::optional<int> CapabilityNumber(absl::string_view name);

// Every capability name ("CAP_CHOWN", …), in bit order.
std::vector<std::string> KnownCapabilities();

}  // namespace rune::common::spec

#endif  // RUNE_COMMON_SPEC_SYSCALLS_H_
