#include "runed/runner/process/seccomp.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "common/spec/syscalls.h"

namespace rune::daemon::runner::process {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
// x32 system calls carry this bit; they would bypass a filter on numbers.
constexpr uint32_t kX32Bit = 0x40000000;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
#error "the process runner supports x86_64 and aarch64"
#endif

constexpr uint32_t kRetErrnoEperm = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);

sock_filter Stmt(uint16_t code, uint32_t k) { return BPF_STMT(code, k); }
sock_filter Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}

}  // namespace

std::vector<sock_filter> SeccompProgram(SeccompMode mode, const std::vector<int>& syscalls) {
  if (mode == SECCOMP_NONE) return {};
  std::vector<int> numbers = syscalls;
  const bool allow_list = mode == SECCOMP_ALLOW;
  if (allow_list) {
    for (const char* name : {"execve", "execveat", "exit", "exit_group", "rt_sigreturn"}) {
      std::optional<int> n =
          common::spec::SyscallNumber(name, common::spec::HostSyscallArch());
      if (n) numbers.push_back(*n);
    }
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());

  const uint32_t on_match = allow_list ? SECCOMP_RET_ALLOW : kRetErrnoEperm;
  const uint32_t otherwise = allow_list ? kRetErrnoEperm : SECCOMP_RET_ALLOW;
  std::vector<sock_filter> prog;
  prog.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  prog.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0));
  prog.push_back(Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  prog.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
#if defined(__x86_64__)
  prog.push_back(Jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0, 1));
  prog.push_back(Stmt(BPF_RET | BPF_K, kRetErrnoEperm));
#endif
  // One compare-and-return pair per number: jumps stay within 8-bit offsets
  // however long the list is.
  for (int n : numbers) {
    prog.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(n), 0, 1));
    prog.push_back(Stmt(BPF_RET | BPF_K, on_match));
  }
  prog.push_back(Stmt(BPF_RET | BPF_K, otherwise));
  return prog;
}

}  // namespace rune::daemon::runner::process
