#include "runed/runner/process/users.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace rune::daemon::runner::process {
namespace {

class UsersTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = tmp ? tmp : "/tmp";
    passwd_ = dir_ + "/passwd";
    group_ = dir_ + "/group";
    std::ofstream(passwd_) << "root:x:0:0:root:/root:/bin/bash\n"
                           << "# a comment\n"
                           << "broken line\n"
                           << "app:x:1001:1002:App:/srv/app:/usr/sbin/nologin\n"
                           << "nohome:x:1003:1003:::/bin/sh\n";
    std::ofstream(group_) << "root:x:0:\n"
                          << "web:x:33:app\n";
  }

  absl::StatusOr<RunAs> Resolve(const std::string& user, const std::string& group) {
    return ResolveRunAs(user, group, 500, 501, passwd_, group_);
  }

  std::string dir_, passwd_, group_;
};

TEST_F(UsersTest, NameTakesUidPrimaryGroupAndHome) {
  absl::StatusOr<RunAs> who = Resolve("app", "");
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->uid, 1001u);
  EXPECT_EQ(who->gid, 1002u);
  EXPECT_EQ(who->name, "app");
  EXPECT_EQ(who->home, "/srv/app");
}

TEST_F(UsersTest, GroupNameOverridesPrimaryGroup) {
  absl::StatusOr<RunAs> who = Resolve("app", "web");
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->gid, 33u);
}

TEST_F(UsersTest, NumbersNeedNoEntry) {
  absl::StatusOr<RunAs> who = Resolve("4242", "77");
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->uid, 4242u);
  EXPECT_EQ(who->gid, 77u);
  EXPECT_EQ(who->name, "4242");
  EXPECT_EQ(who->home, "/");
  // A listed number takes the entry's name and primary group.
  who = Resolve("1001", "");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->name, "app");
  EXPECT_EQ(who->gid, 1002u);
}

TEST_F(UsersTest, EmptyUserIsRunedsOwn) {
  absl::StatusOr<RunAs> who = Resolve("", "");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->uid, 500u);
  EXPECT_EQ(who->gid, 501u);
  who = Resolve("", "web");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->uid, 500u);
  EXPECT_EQ(who->gid, 33u);
}

TEST_F(UsersTest, EmptyHomeIsRoot) {
  absl::StatusOr<RunAs> who = Resolve("nohome", "");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->home, "/");
}

TEST_F(UsersTest, UnknownNamesFail) {
  absl::StatusOr<RunAs> who = Resolve("bob", "");
  EXPECT_EQ(who.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(who.status().message(), "unknown user \"bob\"");
  who = Resolve("app", "staff");
  EXPECT_EQ(who.status().message(), "unknown group \"staff\"");
}

}  // namespace
}  // namespace rune::daemon::runner::process
