// The HTTP listener over real sockets on loopback: /healthz and routing of
// the gateway before its channel is connected, keep-alive and pipelining,
// malformed input, the client's address, and streamed responses (chunked
// and HTTP/1.0 bodies, the close callback on a client disconnect and on
// Stop()).
#include "runed/rest/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "runed/rest/gateway.h"

namespace rune::daemon {
namespace {

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>([this](const HttpRequest& r) {
      if (handler_) return handler_(r);
      return gateway_.Handle(r);
    });
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

  // Everything the client receives until the server closes the connection.
  static std::string ReadAll(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

  ServingState state_;
  RestGateway gateway_{&state_};
  HttpHandler handler_;  // set: replaces the gateway
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
  // Before the gRPC server is up the gateway has no channel yet.
  const std::string early = Exchange(fd, "GET /v1/namespaces HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(early, "HTTP/1.1 503 ")) << early;
  EXPECT_TRUE(
      absl::StrContains(early, "\"code\":\"Unavailable\",\"message\":\"runed is starting\""))
      << early;
  close(fd);
  fd = Connect();
  EXPECT_TRUE(absl::StartsWith(Exchange(fd, "GARBAGE\r\n\r\n"), "HTTP/1.1 400 "));
  close(fd);
  fd = Connect();
  const std::string huge = "GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
  EXPECT_TRUE(absl::StartsWith(Exchange(fd, huge), "HTTP/1.1 431 "));
  close(fd);
}

TEST_F(HttpTest, HandlersSeeTheClientAddress) {
  std::string peer;
  handler_ = [&peer](const HttpRequest& r) {
    peer = r.peer;
    return HttpResponse{};
  };
  int fd = Connect();
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  Exchange(fd, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(peer, "ipv4:127.0.0.1:" + std::to_string(ntohs(local.sin_port)));
  close(fd);
}

TEST_F(HttpTest, StreamedBodiesAreChunkedAndCloseTheConnection) {
  handler_ = [](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/event-stream";
    r.headers.emplace_back("X-Rune-Request-Id", "0123456789abcdef");
    r.stream = [](HttpStream& out) {
      EXPECT_TRUE(out.Write("data: 1\n\n"));
      EXPECT_TRUE(out.Write(""));  // nothing, not the last chunk
      EXPECT_TRUE(out.Write("data: 22\n\n"));
    };
    return r;
  };
  int fd = Connect();
  const std::string request = "GET /logs HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  EXPECT_EQ(ReadAll(fd),
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            "Transfer-Encoding: chunked\r\nX-Rune-Request-Id: 0123456789abcdef\r\n"
            "Connection: close\r\n\r\n"
            "9\r\ndata: 1\n\n\r\na\r\ndata: 22\n\n\r\n0\r\n\r\n");
  close(fd);

  fd = Connect();  // HTTP/1.0: the raw body up to the close
  const std::string old = "GET /logs HTTP/1.0\r\n\r\n";
  ASSERT_EQ(send(fd, old.data(), old.size(), 0), static_cast<ssize_t>(old.size()));
  const std::string body = ReadAll(fd);
  EXPECT_FALSE(absl::StrContains(body, "chunked")) << body;
  EXPECT_TRUE(absl::EndsWith(body, "\r\n\r\ndata: 1\n\ndata: 22\n\n")) << body;
  close(fd);
}

TEST_F(HttpTest, AClientThatLeavesClosesTheStream) {
  absl::Notification writing, closed, returned;
  handler_ = [&](const HttpRequest&) {
    HttpResponse r;
    r.stream = [&](HttpStream& out) {
      out.OnClose([&closed] { closed.Notify(); });
      EXPECT_TRUE(out.Write("first"));
      writing.Notify();
      // A producer blocked on its source until the close callback fires.
      EXPECT_TRUE(closed.WaitForNotificationWithTimeout(absl::Seconds(10)));
      EXPECT_FALSE(out.Write("late"));
      returned.Notify();
    };
    return r;
  };
  int fd = Connect();
  const std::string request = "GET /follow HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  ASSERT_TRUE(writing.WaitForNotificationWithTimeout(absl::Seconds(10)));
  close(fd);
  EXPECT_TRUE(returned.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST_F(HttpTest, StopClosesOpenStreams) {
  absl::Notification writing, closed;
  handler_ = [&](const HttpRequest&) {
    HttpResponse r;
    r.stream = [&](HttpStream& out) {
      out.Write("first");
      writing.Notify();
      absl::Notification own;
      out.OnClose([&own, &closed] {
        closed.Notify();
        own.Notify();
      });
      own.WaitForNotification();
    };
    return r;
  };
  int fd = Connect();
  const std::string request = "GET /follow HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  ASSERT_TRUE(writing.WaitForNotificationWithTimeout(absl::Seconds(10)));
  server_->Stop();  // returns only once the stream's thread is done
  EXPECT_TRUE(closed.HasBeenNotified());
  close(fd);
}

}  // namespace
}  // namespace rune::daemon
