#include "runed/runner/process/launch_request.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/spec/syscalls.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rune::daemon::runner::process {
namespace {

using ::testing::ElementsAre;

class LaunchRequestTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = tmp ? tmp : "/tmp";
    host_.passwd_path = dir_ + "/lr_passwd";
    host_.group_path = dir_ + "/lr_group";
    std::ofstream(host_.passwd_path) << "root:x:0:0:root:/root:/bin/sh\n"
                                     << "me:x:1000:1000::/home/me:/bin/sh\n"
                                     << "other:x:1001:1001::/home/other:/bin/sh\n";
    std::ofstream(host_.group_path) << "me:x:1000:\nstaff:x:50:\n";
    host_.am_root = false;
    host_.uid = 1000;
    host_.gid = 1000;
    spec_.ns = "default";
    spec_.id = "api-instance-0000abcd";
    spec_.spec.mutable_process()->set_command("/bin/echo");
    spec_.spec.mutable_process()->add_args("hi");
  }

  api::ProcessSecurityContext* sc() {
    return spec_.spec.mutable_process()->mutable_security_context();
  }

  std::string Error() {
    absl::StatusOr<SuperviseRequest> r = BuildSuperviseRequest(spec_, host_);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
    return std::string(r.status().message());
  }

  std::string dir_;
  HostIdentity host_;
  StartSpec spec_;
};

TEST_F(LaunchRequestTest, EnvironmentIsRunAsIdentityThenService) {
  spec_.env = {"A=1", "HOME=/override", "B=2"};
  absl::StatusOr<SuperviseRequest> r = BuildSuperviseRequest(spec_, host_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->env(),
              ElementsAre("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "HOME=/override", "USER=me", "LOGNAME=me", "A=1", "B=2"));
  EXPECT_THAT(r->launch().argv(), ElementsAre("/bin/echo", "hi"));
  EXPECT_EQ(r->launch().workdir(), "/");
  EXPECT_EQ(r->launch().uid(), 1000u);
  EXPECT_FALSE(r->launch().set_identity());
  EXPECT_FALSE(r->launch().capabilities_set());
  EXPECT_EQ(r->launch().seccomp_mode(), SECCOMP_NONE);
}

TEST_F(LaunchRequestTest, RootOnlyFieldsNeedRoot) {
  sc()->set_user("other");
  EXPECT_EQ(Error(), "securityContext.user requires runed to run as root");
  sc()->set_user("me");
  sc()->set_group("staff");
  EXPECT_EQ(Error(), "securityContext.group requires runed to run as root");
  sc()->clear_group();
  sc()->set_read_only_fs(true);
  EXPECT_EQ(Error(), "securityContext.readOnlyFS requires runed to run as root");
  sc()->set_read_only_fs(false);
  sc()->set_capabilities_set(true);
  EXPECT_EQ(Error(), "securityContext.capabilities requires runed to run as root");
  sc()->set_capabilities_set(false);
  spec_.spec.add_secret_mounts()->set_name("s");
  spec_.mounts.push_back({dir_, {}});
  EXPECT_EQ(Error(), "secretMounts requires runed to run as root");
  // Seccomp needs no privilege.
  spec_.mounts.clear();
  sc()->add_denied_syscalls("mkdir");
  EXPECT_TRUE(BuildSuperviseRequest(spec_, host_).ok());
}

TEST_F(LaunchRequestTest, UnknownUser) {
  sc()->set_user("ghost");
  EXPECT_EQ(Error(), "unknown user \"ghost\"");
}

TEST_F(LaunchRequestTest, AsRootSetsIdentityCapabilitiesAndSyscalls) {
  host_.am_root = true;
  host_.uid = 0;
  host_.gid = 0;
  sc()->set_user("other");
  sc()->set_capabilities_set(true);
  sc()->add_capabilities("net_bind_service");
  sc()->add_capabilities("CAP_CHOWN");
  sc()->add_allowed_syscalls("read");
  sc()->add_allowed_syscalls("open");  // x86_64 only
  absl::StatusOr<SuperviseRequest> r = BuildSuperviseRequest(spec_, host_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->launch().set_identity());
  EXPECT_EQ(r->launch().uid(), 1001u);
  EXPECT_EQ(r->launch().gid(), 1001u);
  EXPECT_TRUE(r->launch().capabilities_set());
  EXPECT_EQ(r->launch().capabilities(), (uint64_t{1} << 10) | 1);
  EXPECT_EQ(r->launch().seccomp_mode(), SECCOMP_ALLOW);
  const auto arch = common::spec::HostSyscallArch();
  EXPECT_EQ(r->launch().syscalls(0), *common::spec::SyscallNumber("read", arch));
  EXPECT_EQ(r->launch().syscalls_size(), arch == common::spec::SyscallArch::kX86_64 ? 2 : 1);
  EXPECT_THAT(r->env(), testing::Contains("USER=other"));
}

TEST_F(LaunchRequestTest, EmptyCapabilityListDropsAll) {
  host_.am_root = true;
  sc()->set_capabilities_set(true);
  absl::StatusOr<SuperviseRequest> r = BuildSuperviseRequest(spec_, host_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->launch().capabilities_set());
  EXPECT_EQ(r->launch().capabilities(), 0u);
}

TEST_F(LaunchRequestTest, MountPathMustExistOnTheHost) {
  host_.am_root = true;
  const std::string file = dir_ + "/lr_not_a_dir";
  std::ofstream(file) << "x";
  spec_.mounts.push_back({dir_ + "/lr_missing", {{"k", "v", 0400}}});
  EXPECT_EQ(Error(), "mountPath " + dir_ + "/lr_missing does not exist on the host");
  spec_.mounts[0].path = file;
  EXPECT_EQ(Error(), "mountPath " + file + " does not exist on the host");
  spec_.mounts[0].path = dir_;
  absl::StatusOr<SuperviseRequest> r = BuildSuperviseRequest(spec_, host_);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->mounts_size(), 1);
  EXPECT_EQ(r->mounts(0).files(0).content(), "v");
  EXPECT_EQ(r->mounts(0).files(0).mode(), 0400u);
  EXPECT_THAT(r->launch().mount_paths(), ElementsAre(dir_));
}

}  // namespace
}  // namespace rune::daemon::runner::process
