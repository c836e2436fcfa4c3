// The registry HTTP client against loopback servers: plaintext and TLS
// (certificates made here), Content-Length, chunked and until-close bodies,
// certificate and host name failures, refused and silent ports, a CONNECT
// proxy (with credentials and refusing), an http:// proxy, NO_PROXY, and the
// URL, proxy and environment helpers.
#include "runed/registry/https_client.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runed/registry/test_servers.h"

namespace rune::daemon::registry {
namespace {

using ::rune::daemon::registry::testing::ConnectProxy;
using ::rune::daemon::registry::testing::HttpAnswer;
using ::rune::daemon::registry::testing::ReceivedRequest;
using ::rune::daemon::registry::testing::SilentListener;
using ::rune::daemon::registry::testing::TestPki;
using ::rune::daemon::registry::testing::TestServer;
using ::rune::daemon::registry::testing::UnusedPort;

TestServer::Handler Answer(std::string text) {
  return [text](const ReceivedRequest&) { return text; };
}

HttpsClientOptions Trusting(const TestPki& pki) {
  HttpsClientOptions options;
  options.ca_file = pki.ca_file;
  return options;
}

TEST(HttpsClient, PlainGetWithContentLength) {
  TestServer server(Answer(HttpAnswer(200, "{\"ok\":true}")));
  absl::StatusOr<ClientResponse> r = HttpsClient({}).Fetch({"GET", server.Url() + "/v2/?a=1", {{"X-Test", "1"}}, ""});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"ok\":true}");
  EXPECT_EQ(r->headers["content-type"], "application/json");
  ASSERT_EQ(server.requests().size(), 1u);
  const ReceivedRequest got = server.requests()[0];
  EXPECT_EQ(got.method, "GET");
  EXPECT_EQ(got.target, "/v2/?a=1");
  EXPECT_EQ(got.headers.at("host"), absl::StrCat("127.0.0.1:", server.port()));
  EXPECT_EQ(got.headers.at("connection"), "close");
  EXPECT_EQ(got.headers.at("user-agent"), "runed");
  EXPECT_EQ(got.headers.at("x-test"), "1");
  EXPECT_EQ(got.headers.count("content-length"), 0u);
}

TEST(HttpsClient, PostSendsItsBody) {
  TestServer server(Answer(HttpAnswer(201, "")));
  absl::StatusOr<ClientResponse> r =
      HttpsClient({}).Fetch({"POST", server.Url(), {{"Content-Type", "application/json"}}, "{\"a\":1}"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 201);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/");
  EXPECT_EQ(server.requests()[0].body, "{\"a\":1}");
  EXPECT_EQ(server.requests()[0].headers.at("content-length"), "7");
}

TEST(HttpsClient, ChunkedBodyIsJoined) {
  const std::string body = "a body sent in several small chunks of seven bytes";
  TestServer server(Answer(HttpAnswer(200, body, "text/plain", /*chunked=*/true)));
  absl::StatusOr<ClientResponse> r = HttpsClient({}).Fetch({"GET", server.Url() + "/x", {}, ""});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, body);
  EXPECT_EQ(r->headers["transfer-encoding"], "chunked");
}

TEST(HttpsClient, BodyUntilTheServerCloses) {
  TestServer server(Answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it"));
  absl::StatusOr<ClientResponse> r = HttpsClient({}).Fetch({"GET", server.Url() + "/", {}, ""});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "all of it");
}

TEST(HttpsClient, ErrorStatusIsAResponse) {
  TestServer server(Answer(HttpAnswer(403, "{\"message\":\"no\"}")));
  absl::StatusOr<ClientResponse> r = HttpsClient({}).Fetch({"GET", server.Url() + "/", {}, ""});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body, "{\"message\":\"no\"}");
}

TEST(HttpsClient, CutAnswerIsAnError) {
  TestServer server(Answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
  absl::StatusOr<ClientResponse> r = HttpsClient({}).Fetch({"GET", server.Url() + "/", {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            absl::StrCat("127.0.0.1:", server.port(), " closed the connection before the end of its answer"));
}

TEST(HttpsClient, NoAnswerIsAnError) {
  TestServer server(Answer(""));
  absl::StatusOr<ClientResponse> r = HttpsClient({}).Fetch({"GET", server.Url() + "/", {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), absl::StrCat("127.0.0.1:", server.port(), " closed the connection without answering"));
}

TEST(HttpsClient, MalformedAnswerIsAnError) {
  TestServer server(Answer("NOT HTTP AT ALL\r\n\r\n"));
  absl::StatusOr<ClientResponse> r = HttpsClient({}).Fetch({"GET", server.Url() + "/", {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(r.status().message(), absl::StrCat("malformed answer from 127.0.0.1:", server.port(), ": ")))
      << r.status();
}

TEST(HttpsClient, RefusedConnection) {
  const int port = UnusedPort();
  absl::StatusOr<ClientResponse> r = HttpsClient({}).Fetch({"GET", absl::StrCat("http://127.0.0.1:", port, "/"), {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), absl::StrCat("cannot connect to 127.0.0.1:", port, ": connection refused"));
}

TEST(HttpsClient, SilentServerTimesOut) {
  SilentListener silent;
  HttpsClientOptions options;
  options.timeout = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  absl::StatusOr<ClientResponse> r =
      HttpsClient(options).Fetch({"GET", absl::StrCat("http://127.0.0.1:", silent.port(), "/"), {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(), absl::StrCat("no answer from 127.0.0.1:", silent.port(), " within 300ms"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(HttpsClient, SilentTlsServerTimesOutInTheHandshake) {
  SilentListener silent;
  TestPki pki = TestPki::Make({"localhost"}, {"127.0.0.1"});
  HttpsClientOptions options = Trusting(pki);
  options.timeout = absl::Milliseconds(300);
  absl::StatusOr<ClientResponse> r =
      HttpsClient(options).Fetch({"GET", absl::StrCat("https://127.0.0.1:", silent.port(), "/"), {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(),
            absl::StrCat("TLS handshake with 127.0.0.1:", silent.port(), ": no answer within 300ms"));
}

TEST(HttpsClient, TlsWithTheRightCa) {
  TestPki pki = TestPki::Make({"localhost"}, {"127.0.0.1"});
  TestServer server(Answer(HttpAnswer(200, "secure", "text/plain", /*chunked=*/true)), pki.server_ctx.get());
  HttpsClient client(Trusting(pki));
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    absl::StatusOr<ClientResponse> r = client.Fetch({"GET", absl::StrCat("https://", host, ":", server.port(), "/v2/"), {}, ""});
    ASSERT_TRUE(r.ok()) << host << ": " << r.status();
    EXPECT_EQ(r->body, "secure");
  }
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[1].headers.at("host"), absl::StrCat("localhost:", server.port()));
}

TEST(HttpsClient, TlsWithAnotherCaFailsVerification) {
  TestPki pki = TestPki::Make({"localhost"}, {"127.0.0.1"});
  TestPki other = TestPki::Make({"localhost"}, {"127.0.0.1"});
  TestServer server(Answer(HttpAnswer(200, "x")), pki.server_ctx.get());
  absl::StatusOr<ClientResponse> r = HttpsClient(Trusting(other)).Fetch({"GET", server.Url() + "/", {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(r.status().message(), absl::StrCat("TLS handshake with 127.0.0.1:", server.port(),
                                                                   ": certificate verify failed: ")))
      << r.status();
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpsClient, TlsWithAnotherHostNameFailsVerification) {
  TestPki pki = TestPki::Make({"registry.example.test"}, {});
  TestServer server(Answer(HttpAnswer(200, "x")), pki.server_ctx.get());
  HttpsClient client(Trusting(pki));
  absl::StatusOr<ClientResponse> r = client.Fetch({"GET", absl::StrCat("https://localhost:", server.port(), "/"), {}, ""});
  EXPECT_EQ(r.status().message(), absl::StrCat("TLS handshake with localhost:", server.port(),
                                               ": certificate verify failed: hostname mismatch"));
  r = client.Fetch({"GET", server.Url() + "/", {}, ""});
  EXPECT_EQ(r.status().message(), absl::StrCat("TLS handshake with 127.0.0.1:", server.port(),
                                               ": certificate verify failed: ip address mismatch"));
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpsClient, PlaintextServerOnAnHttpsUrl) {
  TestPki pki = TestPki::Make({"localhost"}, {"127.0.0.1"});
  TestServer server(Answer(HttpAnswer(400, "plain")));
  absl::StatusOr<ClientResponse> r =
      HttpsClient(Trusting(pki)).Fetch({"GET", absl::StrCat("https://127.0.0.1:", server.port(), "/"), {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(r.status().message(), absl::StrCat("TLS handshake with 127.0.0.1:", server.port(), ": ")))
      << r.status();
}

TEST(HttpsClient, MissingCaBundle) {
  HttpsClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  absl::StatusOr<ClientResponse> r = HttpsClient(options).Fetch({"GET", "https://127.0.0.1:1/", {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "cannot load the CA bundle /nonexistent/ca.pem: no such file or directory");
}

TEST(HttpsClient, HttpsThroughAConnectProxy) {
  // The client never resolves the registry's name: only the proxy does.
  TestPki pki = TestPki::Make({"registry.example.test"}, {});
  TestServer server(Answer(HttpAnswer(200, "tunnelled")), pki.server_ctx.get());
  ConnectProxy proxy(server.port());
  HttpsClientOptions options = Trusting(pki);
  options.proxy.https_proxy = absl::StrCat("http://user:p%40ss@127.0.0.1:", proxy.port());
  options.proxy.http_proxy = "http://127.0.0.1:1";  // not used for https://
  absl::StatusOr<ClientResponse> r =
      HttpsClient(options).Fetch({"POST", "https://registry.example.test/v2/token", {}, "x=1"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "tunnelled");
  ASSERT_EQ(proxy.heads().size(), 1u);
  const std::string head = proxy.heads()[0];
  EXPECT_TRUE(absl::StartsWith(head, "CONNECT registry.example.test:443 HTTP/1.1\r\n")) << head;
  EXPECT_TRUE(absl::StrContains(head, "\r\nHost: registry.example.test:443\r\n")) << head;
  EXPECT_TRUE(absl::StrContains(head, absl::StrCat("\r\nProxy-Authorization: Basic ", absl::Base64Escape("user:p@ss"))))
      << head;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/v2/token");
  EXPECT_EQ(server.requests()[0].headers.at("host"), "registry.example.test");
  EXPECT_EQ(server.requests()[0].headers.count("proxy-authorization"), 0u);
  EXPECT_EQ(server.requests()[0].body, "x=1");
}

TEST(HttpsClient, ProxyRefusingConnect) {
  ConnectProxy proxy(1, /*refuse=*/true);
  HttpsClientOptions options;
  options.ca_file = TestPki::Make({"x"}, {}).ca_file;
  options.proxy.https_proxy = absl::StrCat("127.0.0.1:", proxy.port());
  absl::StatusOr<ClientResponse> r = HttpsClient(options).Fetch({"GET", "https://registry.example.test:5000/v2/", {}, ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            absl::StrCat("proxy 127.0.0.1:", proxy.port(),
                         " refused CONNECT registry.example.test:5000: HTTP 407 Proxy Authentication Required"));
}

TEST(HttpsClient, UnreachableProxy) {
  const int port = UnusedPort();
  HttpsClientOptions options;
  options.proxy.http_proxy = absl::StrCat("http://127.0.0.1:", port);
  absl::StatusOr<ClientResponse> r = HttpsClient(options).Fetch({"GET", "http://registry.example.test/", {}, ""});
  EXPECT_EQ(r.status().message(), absl::StrCat("cannot connect to proxy 127.0.0.1:", port, ": connection refused"));
}

TEST(HttpsClient, HttpThroughAProxySendsTheAbsoluteUri) {
  TestServer proxy(Answer(HttpAnswer(200, "via proxy")));
  HttpsClientOptions options;
  options.proxy.http_proxy = absl::StrCat("http://u:pw@127.0.0.1:", proxy.port(), "/");
  absl::StatusOr<ClientResponse> r =
      HttpsClient(options).Fetch({"GET", "http://plain.example.test:8080/path?q=1", {}, ""});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "via proxy");
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, "http://plain.example.test:8080/path?q=1");
  EXPECT_EQ(proxy.requests()[0].headers.at("host"), "plain.example.test:8080");
  EXPECT_EQ(proxy.requests()[0].headers.at("proxy-authorization"), absl::StrCat("Basic ", absl::Base64Escape("u:pw")));
}

TEST(HttpsClient, NoProxyGoesDirect) {
  TestServer server(Answer(HttpAnswer(200, "direct")));
  HttpsClientOptions options;
  options.proxy.http_proxy = absl::StrCat("http://127.0.0.1:", UnusedPort());
  options.proxy.no_proxy = "registry.internal, 127.0.0.1";
  absl::StatusOr<ClientResponse> r = HttpsClient(options).Fetch({"GET", server.Url() + "/", {}, ""});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "direct");
  EXPECT_EQ(server.requests()[0].target, "/");
}

TEST(HttpsClient, RequestsItCannotSend) {
  HttpsClient client({});
  EXPECT_EQ(client.Fetch({"GET", "http://h/", {{"Host", "other"}}, ""}).status().message(),
            "request header \"Host\" is set by the client");
  EXPECT_EQ(client.Fetch({"GET", "http://h/", {{"X-A", "b\r\nX-Injected: 1"}}, ""}).status().message(),
            "invalid request header \"X-A\"");
  EXPECT_EQ(client.Fetch({"GET", "ftp://h/", {}, ""}).status().message(),
            "invalid URL \"ftp://h/\": it must start with http:// or https://");
  HttpsClientOptions options;
  options.proxy.http_proxy = "socks5://127.0.0.1:1080";
  EXPECT_EQ(HttpsClient(options).Fetch({"GET", "http://h/", {}, ""}).status().message(),
            "invalid proxy \"socks5://127.0.0.1:1080\": only http:// proxies are supported");
}

}  // namespace
}  // namespace rune::daemon::registry
