// The HTTP listener over real sockets on loopback.
#include "runed/rest/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gtest/gtest.h"
#include "runed/rest/gateway.h"

namespace rune::daemon {
namespace {

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>([this](const HttpRequest& r) { return HandleRest(r, state_); });
    absl::StatusOr<std::string> bound = server_->Listen("127.0.0.1:0");
    ASSERT_TRUE(bound.ok()) << bound.status();
    ASSERT_TRUE(absl::SimpleAtoi(bound->substr(bound->rfind(':') + 1), &port_));
    server_->Start();
  }
  void TearDown() override { server_->Stop(); }

  int Connect() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    return fd;
  }
  static std::string Exchange(int fd, const std::string& request, size_t responses = 1) {
    EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    std::string out;
    char buf[4096];
    while (true) {
      size_t seen = 0;
      for (size_t pos = 0; (pos = out.find("HTTP/1.1 ", pos)) != std::string::npos; ++pos) ++seen;
      if (seen >= responses && absl::StrContains(out.substr(out.rfind("HTTP/1.1 ")), "\r\n\r\n")) {
        const std::string last = out.substr(out.rfind("HTTP/1.1 "));
        const size_t cl = last.find("Content-Length: ");
        size_t len = 0;
        (void)absl::SimpleAtoi(last.substr(cl + 16, last.find("\r\n", cl) - cl - 16), &len);
        if (last.size() - (last.find("\r\n\r\n") + 4) >= len) break;
      }
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  ServingState state_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpTest, HealthzFollowsTheServingState) {
  int fd = Connect();
  std::string r = Exchange(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 503 Service Unavailable\r\n")) << r;
  EXPECT_TRUE(absl::EndsWith(r, "{\"status\":\"unavailable\",\"reason\":\"starting\"}")) << r;
  state_.value = Serving::kReady;
  r = Exchange(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");  // same connection: keep-alive
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_TRUE(absl::EndsWith(r, "{\"status\":\"ok\"}")) << r;
  EXPECT_TRUE(absl::StrContains(r, "X-Rune-Request-Id: "));
  state_.value = Serving::kShuttingDown;
  r = Exchange(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(absl::EndsWith(r, "\"reason\":\"shutting down\"}")) << r;
  close(fd);
}

TEST_F(HttpTest, PipelinedRequests) {
  state_.value = Serving::kReady;
  int fd = Connect();
  std::string r = Exchange(
      fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n", 2);
  EXPECT_TRUE(absl::StrContains(r, "{\"status\":\"ok\"}")) << r;
  EXPECT_TRUE(absl::StrContains(r, "\"version\":\"dev\"")) << r;
  close(fd);
}

TEST_F(HttpTest, RoutesMethodsAndMalformedInput) {
  int fd = Connect();
  EXPECT_TRUE(absl::StartsWith(Exchange(fd, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"), "HTTP/1.1 404 "));
  EXPECT_TRUE(absl::StartsWith(Exchange(fd, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
                               "HTTP/1.1 405 "));
  EXPECT_TRUE(absl::StartsWith(Exchange(fd, "GET /v1/namespaces HTTP/1.1\r\nHost: x\r\n\r\n"),
                               "HTTP/1.1 501 "));
  close(fd);
  fd = Connect();
  EXPECT_TRUE(absl::StartsWith(Exchange(fd, "GARBAGE\r\n\r\n"), "HTTP/1.1 400 "));
  close(fd);
  fd = Connect();
  const std::string huge = "GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
  EXPECT_TRUE(absl::StartsWith(Exchange(fd, huge), "HTTP/1.1 431 "));
  close(fd);
}

}  // namespace
}  // namespace rune::daemon
