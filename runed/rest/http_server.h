// A small HTTP/1.1 server for /healthz and the REST read gateway (SPEC §5.4).
//
// Requests are parsed by http-parser (strict mode); this file only does the
// socket work: one thread per connection (bounded), keep-alive, a 60 s idle
// timeout, headers limited to 16 KiB, no request bodies beyond 1 MiB.
//
//   HttpServer server([](const HttpRequest& r) { return HttpResponse{200, …}; });
//   absl::StatusOr<std::string> bound = server.Listen("127.0.0.1:0");
//   server.Start();
//   …
//   server.Stop();
#ifndef RUNE_RUNED_REST_HTTP_SERVER_H_
#define RUNE_RUNED_REST_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace rune::daemon {

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // "/v1/version", percent-decoding left to the handler
  std::string query;   // after '?', without it
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
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
  // Starts accepting connections on a background thread.
  void Start();
  // Stops accepting, closes every connection and waits for the threads.
  void Stop();

 private:
  void AcceptLoop();
  void Serve(int fd);

  HttpHandler handler_;
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
