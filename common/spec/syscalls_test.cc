#include "common/spec/syscalls.h"

#include <linux/capability.h>

#include <algorithm>

#include "gtest/gtest.h"

namespace rune::common::spec {
namespace {

TEST(Syscalls, KnowsBothArchitectures) {
  EXPECT_TRUE(IsKnownSyscall("openat"));
  EXPECT_EQ(SyscallNumber("openat", SyscallArch::kX86_64), 257);
  EXPECT_EQ(SyscallNumber("openat", SyscallArch::kAarch64), 56);
  EXPECT_EQ(SyscallNumber("read", SyscallArch::kX86_64), 0);
  EXPECT_EQ(SyscallNumber("read", SyscallArch::kAarch64), 63);
  // x86_64 only.
  EXPECT_TRUE(IsKnownSyscall("open"));
  EXPECT_EQ(SyscallNumber("open", SyscallArch::kX86_64), 2);
  EXPECT_EQ(SyscallNumber("open", SyscallArch::kAarch64), std::nullopt);
  // The aliases of the generic table resolve (__NR3264_*).
  EXPECT_EQ(SyscallNumber("fstat", SyscallArch::kAarch64), 80);
  EXPECT_EQ(SyscallNumber("clone3", SyscallArch::kAarch64), 435);
}

TEST(Syscalls, RejectsUnknownNames) {
  EXPECT_FALSE(IsKnownSyscall("frobnicate"));
  EXPECT_FALSE(IsKnownSyscall("OPENAT"));
  EXPECT_FALSE(IsKnownSyscall(""));
  EXPECT_FALSE(IsKnownSyscall("syscalls"));
  EXPECT_EQ(SyscallNumber("frobnicate", SyscallArch::kX86_64), std::nullopt);
}

TEST(Syscalls, TableIsSortedAndUnique) {
  std::vector<std::string> names = KnownSyscalls();
  EXPECT_GT(names.size(), 300u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  for (const std::string& n : names) EXPECT_TRUE(IsKnownSyscall(n)) << n;
}

TEST(Capabilities, AcceptSpellingsWithAndWithoutPrefix) {
  EXPECT_EQ(CanonicalCapability("net_bind_service"), "CAP_NET_BIND_SERVICE");
  EXPECT_EQ(CanonicalCapability("CAP_CHOWN"), "CAP_CHOWN");
  EXPECT_EQ(CanonicalCapability("Cap_Sys_Admin"), "CAP_SYS_ADMIN");
  EXPECT_EQ(CanonicalCapability("cap_frob"), std::nullopt);
  EXPECT_EQ(CanonicalCapability(""), std::nullopt);
  EXPECT_EQ(CanonicalCapability("CAP_"), std::nullopt);
}

TEST(Capabilities, NumbersMatchTheKernelHeader) {
  EXPECT_EQ(KnownCapabilities().size(), static_cast<size_t>(CAP_LAST_CAP + 1));
  EXPECT_EQ(CapabilityNumber("CHOWN"), CAP_CHOWN);
  EXPECT_EQ(CapabilityNumber("NET_ADMIN"), CAP_NET_ADMIN);
  EXPECT_EQ(CapabilityNumber("SYS_ADMIN"), CAP_SYS_ADMIN);
  EXPECT_EQ(CapabilityNumber("AUDIT_READ"), CAP_AUDIT_READ);
  EXPECT_EQ(CapabilityNumber("PERFMON"), CAP_PERFMON);
  EXPECT_EQ(CapabilityNumber("BPF"), CAP_BPF);
  EXPECT_EQ(CapabilityNumber("CHECKPOINT_RESTORE"), CAP_CHECKPOINT_RESTORE);
  EXPECT_EQ(CapabilityNumber("SETFCAP"), CAP_SETFCAP);
}

}  // namespace
}  // namespace rune::common::spec
