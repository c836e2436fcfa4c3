#include "runed/runner/process/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rune::daemon::runner::process {
namespace {

using ::testing::HasSubstr;

std::string TestTmp() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp ? tmp : "/tmp";
}

// Runs `script` with `info`'s launch settings; returns its stdout+stderr and
// exit code.
std::pair<std::string, int> RunScript(LaunchInfo info, const std::string& script,
                                bool force_fallback = false) {
  info.clear_argv();
  info.add_argv("/bin/sh");
  info.add_argv("-c");
  info.add_argv(script);
  int out[2];
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  LaunchParams p;
  p.info = &info;
  p.env = {"PATH=/usr/bin:/bin"};
  p.stdio.out = out[1];
  p.stdio.err = out[1];
  p.force_remount_fallback = force_fallback;
  absl::StatusOr<Launched> child = Launch(p);
  ::close(out[1]);
  if (!child.ok()) {
    ::close(out[0]);
    return {std::string(child.status().message()), -1};
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(child->pid, &status, 0);
  if (child->pidfd >= 0) ::close(child->pidfd);
  return {text, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
}

TEST(LaunchTest, OwnSessionDefaultSignalsAndNoExtraDescriptors) {
  // An ignored signal in the parent must not stay ignored in the child.
  ::signal(SIGUSR1, SIG_IGN);
  auto [out, code] = RunScript(LaunchInfo(), "kill -USR1 $$; echo survived");
  ::signal(SIGUSR1, SIG_DFL);
  EXPECT_EQ(code, 128 + SIGUSR1);
  EXPECT_EQ(out, "");

  const int leak = ::open("/dev/null", O_RDONLY);  // not close-on-exec
  std::tie(out, code) = RunScript(LaunchInfo(), "ls /proc/self/fd | sort -n | tr '\\n' ' '; "
                                          "test $(ps -o sid= -p $$) -eq $$ && echo own-session");
  ::close(leak);
  EXPECT_EQ(code, 0);
  // 0-2 and the descriptor ls itself opens for /proc/self/fd.
  EXPECT_EQ(out, "0 1 2 3 own-session\n");
}

TEST(LaunchTest, ErrnoTexts) {
  EXPECT_EQ(ErrnoText(ENOENT), "file does not exist");
  EXPECT_EQ(ErrnoText(EACCES), "permission denied");
  EXPECT_EQ(ErrnoText(EPERM), "operation not permitted");
  EXPECT_EQ(ErrnoText(EROFS), "read-only file system");
  EXPECT_EQ(ErrnoText(ENOEXEC), "exec format error");
}

TEST(LaunchTest, ReadOnlyRootThroughRemountFallback) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  LaunchInfo info;
  info.set_read_only_fs(true);
  const std::string file = TestTmp() + "/fallback-write";
  const std::string script = absl::StrCat("echo x > ", file, " || echo denied; echo y > /tmp/t && cat /tmp/t");
  for (bool fallback : {false, true}) {
    auto [out, code] = RunScript(info, script, fallback);
    EXPECT_EQ(code, 0) << out;
    EXPECT_THAT(out, HasSubstr("Read-only file system")) << "fallback " << fallback;
    EXPECT_THAT(out, HasSubstr("denied\ny\n"));
    EXPECT_FALSE(std::filesystem::exists(file));
  }
}

TEST(LaunchTest, MountsUnderPrivateTmpAreCreated) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  LaunchInfo info;
  info.set_read_only_fs(true);
  LaunchParams p;
  MountSpec m;
  m.set_path("/tmp/conf/app");
  MountFile* f = m.add_files();
  f->set_path("a/b/c.txt");
  f->set_content("deep");
  f->set_mode(0444);
  info.add_argv("/bin/sh");
  info.add_argv("-c");
  info.add_argv("cat /tmp/conf/app/a/b/c.txt; stat -c %a /tmp/conf/app/a/b/c.txt");
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  p.info = &info;
  p.mounts = {m};
  p.stdio.out = out[1];
  p.stdio.err = out[1];
  absl::StatusOr<Launched> child = Launch(p);
  ::close(out[1]);
  ASSERT_TRUE(child.ok()) << child.status();
  std::string text;
  char buf[256];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  ::waitpid(child->pid, nullptr, 0);
  EXPECT_EQ(text, "deep444\n");
}

}  // namespace
}  // namespace rune::daemon::runner::process
