// A small HTTP/1.1 server for /healthz and the REST read gateway (SPEC §5.4).
//
// Requests are parsed by http-parser (strict mode); this file only does the
// socket work: one thread per connection (bounded), keep-alive, a 60 s idle
// timeout, headers limited to 16 KiB, no request bodies beyond 1 MiB.
// A response either carries its whole body or streams it (server-sent
// events): the headers go out with `Transfer-Encoding: chunked`, the
// response's `stream` function writes the chunks on the connection's thread
// while another thread watches the socket, and the connection closes after
// the last chunk. A client that disconnects, or Stop(), fires the stream's
// close callback so a producer blocked on its source can give up.
// With UseTls() every connection is HTTPS (server.tls, SPEC §5.2): the
// handshake runs on the connection's thread under a deadline, and the rest
// is the same code over a TLS connection (see connection.h).
//
//   HttpServer server([](const HttpRequest& r) { return HttpResponse{200, …}; });
//   absl::StatusOr<std::string> bound = server.Listen("127.0.0.1:0");
//   server.UseTls(*TlsContext::Load({"server.crt", "server.key", ""}));  // optional
//   server.Start();
//   …
//   server.Stop();
#ifndef RUNE_RUNED_REST_HTTP_SERVER_H_
#define RUNE_RUNED_REST_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "runed/rest/connection.h"

namespace rune::daemon {

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // "/v1/version", percent-decoding left to the handler
  std::string query;   // after '?', without it
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  // The client's address in gRPC's peer form: "ipv4:10.0.0.7:51234",
  // "ipv6:[2001:db8::1]:51234" (IPv4-mapped IPv6 addresses as ipv4).
  std::string peer;
};

// The body of a streamed response, written by its `stream` function.
class HttpStream {
 public:
  virtual ~HttpStream() = default;
  // Sends `data` as one chunk (empty data sends nothing); false once the
  // client is gone or the server is stopping.
  virtual bool Write(absl::string_view data) = 0;
  // Runs `on_close` (on another thread) when the client disconnects or the
  // server stops while the stream is open; at once if that already
  // happened. A later call replaces the callback; null clears it.
  virtual void OnClose(std::function<void()> on_close) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set: `body` is ignored, the body is streamed (see the file comment).
  std::function<void(HttpStream&)> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  explicit HttpServer(HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; returns the bound address ("127.0.0.1:41234").
  absl::StatusOr<std::string> Listen(const std::string& address);
  // Serves TLS with `tls` on every connection; a client that has not
  // finished its handshake within `handshake_timeout` is dropped, and a
  // failed handshake is logged at debug level. Call before Start().
  void UseTls(std::shared_ptr<const TlsContext> tls,
              absl::Duration handshake_timeout = absl::Seconds(10));
  // Starts accepting connections on a background thread.
  void Start();
  // Stops accepting, closes every connection and waits for the threads.
  void Stop();

 private:
  void AcceptLoop();
  void Serve(int fd, const std::string& peer);
  // The requests and responses of one connection, after its handshake.
  void Exchanges(Connection& conn, const std::string& peer);

  HttpHandler handler_;
  std::shared_ptr<const TlsContext> tls_;  // null: plaintext
  absl::Duration handshake_timeout_ = absl::Seconds(10);
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  absl::Mutex mu_;
  std::set<int> connections_ ABSL_GUARDED_BY(mu_);
  int active_threads_ ABSL_GUARDED_BY(mu_) = 0;
};

// The reason phrase of a status code ("Not Found").
const char* HttpReason(int status);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_REST_HTTP_SERVER_H_
