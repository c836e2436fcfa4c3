// runed speaks the sd_notify protocol the systemd unit's Type=notify relies on
// (SPEC §5.3): READY=1, with its listening line as STATUS and its own pid as
// MAINPID, on the $NOTIFY_SOCKET datagram socket once its listeners accept
// calls; STOPPING=1 on SIGTERM, then exit 0.
//
//   sd_notify_test <path to runed>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "re2/re2.h"

namespace {

std::string g_runed;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The next datagram within `timeout_ms`, or "" when none came.
std::string Receive(int sock, int timeout_ms) {
  pollfd p{sock, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return "";
  char buf[4096];
  const ssize_t n = recv(sock, buf, sizeof(buf), 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

bool CanConnect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

class SdNotify : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rune-notify.XXXXXX";  // short: sun_path holds 108 bytes
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    socket_path_ = dir_ + "/notify";
    sock_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
    ASSERT_EQ(bind(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << strerror(errno);
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(sock_);
    std::system(("rm -rf " + dir_).c_str());
  }

  void StartRuned() {
    log_ = dir_ + "/runed.log";
    const std::string data = dir_ + "/data";
    std::vector<std::string> args = {g_runed,       "--config",       "/dev/null",   "--grpc-addr",
                                     "127.0.0.1:0", "--http-addr",    "127.0.0.1:0", "--data-dir",
                                     data,          "--stop-instances-on-exit"};
    std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=" + dir_,
                                    "NOTIFY_SOCKET=" + socket_path_};
    std::vector<char*> argv, envp;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_EQ(posix_spawn(&pid_, g_runed.c_str(), &actions, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&actions);
  }

  std::string dir_, socket_path_, log_;
  int sock_ = -1;
  pid_t pid_ = -1;
};

TEST_F(SdNotify, ReadyOnceServingThenStoppingOnSigterm) {
  StartRuned();
  const std::string ready = Receive(sock_, 30000);
  ASSERT_TRUE(absl::StartsWith(ready, "READY=1\n")) << "got \"" << ready << "\"; log:\n"
                                                    << ReadFile(log_);
  EXPECT_TRUE(absl::StrContains(ready, absl::StrCat("\nMAINPID=", pid_, "\n"))) << ready;
  int grpc_port = 0, http_port = 0;
  ASSERT_TRUE(RE2::PartialMatch(
      ready, R"(\nSTATUS=runed \S+ listening grpc=127\.0\.0\.1:(\d+) http=127\.0\.0\.1:(\d+) )",
      &grpc_port, &http_port))
      << ready;
  // Serving already: both listeners accept, and the log has the same line.
  EXPECT_TRUE(CanConnect(grpc_port));
  EXPECT_TRUE(CanConnect(http_port));
  EXPECT_TRUE(absl::StrContains(ReadFile(log_), absl::StrCat("listening grpc=127.0.0.1:", grpc_port)));

  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  EXPECT_EQ(Receive(sock_, 30000), "STOPPING=1\n");
  int status = 0;
  ASSERT_EQ(waitpid(pid_, &status, 0), pid_);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << "; log:\n"
                                                             << ReadFile(log_);
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::cerr << "usage: sd_notify_test <runed>\n";
    return 2;
  }
  g_runed = argv[1];
  return RUN_ALL_TESTS();
}
