// Loopback servers for the registry client tests: an HTTP/1.1 server,
// plaintext or TLS, that answers each request with a handler and records
// what it received; a CONNECT proxy that tunnels to a loopback port; a
// listener that never answers; and a CA with a server certificate made with
// BoringSSL.
//
//   TestPki pki = TestPki::Make({"localhost"}, {"127.0.0.1"});
//   TestServer server([](const ReceivedRequest& r) { return HttpAnswer(200, "{}"); }, pki.server_ctx.get());
//   HttpsClientOptions options;
//   options.ca_file = pki.ca_file;
//   HttpsClient(options).Fetch({"GET", server.Url() + "/x", {}, ""});
#ifndef RUNE_RUNED_REGISTRY_TEST_SERVERS_H_
#define RUNE_RUNED_REGISTRY_TEST_SERVERS_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "openssl/ssl.h"

namespace rune::daemon::registry::testing {

// A CA (written to a PEM file under TEST_TMPDIR) and a server context whose
// certificate it signed, for the given DNS names and IP addresses.
struct TestPki {
  static TestPki Make(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips);

  std::string ca_file;
  bssl::UniquePtr<SSL_CTX> server_ctx;
};

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// The text of a response with a Content-Length body, or a chunked one (in
// chunks of at most 7 bytes, so the client sees several).
std::string HttpAnswer(int status, absl::string_view body, absl::string_view content_type = "application/json",
                       bool chunked = false);

// Accepts on 127.0.0.1 (port 0) and serves one request per connection on a
// thread of its own.
class TestServer {
 public:
  using Handler = std::function<std::string(const ReceivedRequest&)>;

  // `tls` null: plaintext. The context must outlive the server.
  explicit TestServer(Handler handler, SSL_CTX* tls = nullptr);
  ~TestServer();

  int port() const { return port_; }
  std::string Url() const;  // "http://127.0.0.1:<port>" or https://
  std::vector<ReceivedRequest> requests() const;
  // Connections accepted, whether or not a request came.
  int connections() const { return connections_.load(); }

 private:
  void Serve(int fd);

  Handler handler_;
  SSL_CTX* const tls_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable absl::Mutex mu_;
  std::vector<ReceivedRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// An HTTP proxy that accepts CONNECT only and tunnels every one to
// 127.0.0.1:<backend_port>, or answers 407 when `refuse`.
class ConnectProxy {
 public:
  explicit ConnectProxy(int backend_port, bool refuse = false);
  ~ConnectProxy();

  int port() const { return port_; }
  // The request heads received ("CONNECT host:443 HTTP/1.1\r\nHost: …").
  std::vector<std::string> heads() const;

 private:
  void Serve(int fd);

  const int backend_port_;
  const bool refuse_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mu_;
  std::vector<std::string> heads_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// A listening socket nobody accepts on: connections succeed, answers never
// come.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A loopback port with nothing listening (bound, then closed).
int UnusedPort();

}  // namespace rune::daemon::registry::testing

#endif  // RUNE_RUNED_REGISTRY_TEST_SERVERS_H_
