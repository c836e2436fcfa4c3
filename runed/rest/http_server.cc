#include "runed/rest/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "http_parser.h"
#include "runed/http/header_reader.h"
#include "runed/logging.h"
#include "runed/net_address.h"

namespace rune::daemon {
namespace {

constexpr int kMaxConnections = 128;
constexpr int kIdleTimeoutMs = 60000;
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxBodyBytes = 1 << 20;

// Parser state of one connection.
struct Exchange {
  HttpRequest request;
  std::string url;
  http::HeaderReader headers;
  bool complete = false;
  bool too_large = false;
};

Exchange* Of(http_parser* p) { return static_cast<Exchange*>(p->data); }

const http_parser_settings& Settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_url = [](http_parser* p, const char* at, size_t n) {
      Of(p)->url.append(at, n);
      return 0;
    };
    s.on_header_field = [](http_parser* p, const char* at, size_t n) {
      Of(p)->headers.Field(at, n, &Of(p)->request.headers);
      return 0;
    };
    s.on_header_value = [](http_parser* p, const char* at, size_t n) {
      Of(p)->headers.Value(at, n);
      return 0;
    };
    s.on_headers_complete = [](http_parser* p) {
      Exchange* e = Of(p);
      e->headers.Flush(&e->request.headers);
      e->request.method = http_method_str(static_cast<http_method>(p->method));
      const size_t q = e->url.find('?');
      e->request.path = e->url.substr(0, q);
      if (q != std::string::npos) e->request.query = e->url.substr(q + 1);
      return 0;
    };
    s.on_body = [](http_parser* p, const char* at, size_t n) {
      Exchange* e = Of(p);
      if (e->request.body.size() + n > kMaxBodyBytes) {
        e->too_large = true;
        return 1;
      }
      e->request.body.append(at, n);
      return 0;
    };
    s.on_message_complete = [](http_parser* p) {
      Of(p)->complete = true;
      http_parser_pause(p, 1);  // one request at a time
      return 0;
    };
    return s;
  }();
  return settings;
}

// The client's address in gRPC's peer form.
std::string PeerOf(const sockaddr_storage& addr) {
  char ip[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    return absl::StrCat("ipv4:", ip, ":", ntohs(a->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    absl::string_view text = ip;
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && absl::ConsumePrefix(&text, "::ffff:")) {
      return absl::StrCat("ipv4:", text, ":", ntohs(a->sin6_port));
    }
    return absl::StrCat("ipv6:[", text, "]:", ntohs(a->sin6_port));
  }
  return "unknown";
}

// The streamed body of one response (see http_server.h). Write() runs on the
// connection's thread, Watch() on a second one until Finish().
class ChunkedStream final : public HttpStream {
 public:
  ChunkedStream(Connection& conn, bool chunked) : conn_(conn), chunked_(chunked) {
    if (::pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  }
  ~ChunkedStream() override {
    for (int fd : wake_) {
      if (fd >= 0) ::close(fd);
    }
  }

  bool Write(absl::string_view data) override {
    if (closed()) return false;
    if (data.empty()) return true;
    const bool sent =
        chunked_ ? conn_.Write(absl::StrCat(absl::Hex(data.size()), "\r\n", data, "\r\n"))
                 : conn_.Write(data);
    if (!sent) Close();
    return sent;
  }

  void OnClose(std::function<void()> on_close) override {
    {
      absl::MutexLock lock(&mu_);
      if (!closed_) {
        on_close_ = std::move(on_close);
        return;
      }
    }
    if (on_close) on_close();
  }

  // Until Finish(): the client leaving (EOF, reset, hang-up) closes the
  // stream. Bytes the client sends meanwhile are dropped: the connection
  // closes after a streamed response.
  void Watch() {
    char buf[4096];
    for (;;) {
      pollfd fds[2] = {{conn_.fd(), POLLIN | POLLRDHUP, 0}, {wake_[0], POLLIN, 0}};
      const int n = ::poll(fds, wake_[0] >= 0 ? 2 : 1, wake_[0] >= 0 ? -1 : 200);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Close();
      if (fds[1].revents != 0 || finished_) return;
      if ((fds[0].revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) != 0) return Close();
      // Under TLS a partial record reads as nothing yet (-1).
      if ((fds[0].revents & POLLIN) != 0 && conn_.Read(buf, sizeof(buf), 0) == 0) return Close();
    }
  }

  // Ends Watch(); the last chunk goes out if the client is still there.
  void Finish() {
    if (!closed() && chunked_) conn_.Write("0\r\n\r\n");
    finished_ = true;
    if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
  }

  bool closed() {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

  // The client is gone: later writes fail, the close callback runs.
  void Close() {
    std::function<void()> on_close;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      closed_ = true;
      on_close.swap(on_close_);
    }
    if (on_close) on_close();
  }

 private:
  Connection& conn_;
  const bool chunked_;
  int wake_[2];
  std::atomic<bool> finished_{false};
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> on_close_ ABSL_GUARDED_BY(mu_);
};

std::string StreamHeaders(const HttpResponse& r, bool chunked) {
  std::string out = absl::StrCat("HTTP/1.1 ", r.status, " ", HttpReason(r.status), "\r\n");
  absl::StrAppend(&out, "Content-Type: ", r.content_type, "\r\n");
  absl::StrAppend(&out, "Cache-Control: no-cache\r\n");
  if (chunked) absl::StrAppend(&out, "Transfer-Encoding: chunked\r\n");
  for (const auto& [k, v] : r.headers) absl::StrAppend(&out, k, ": ", v, "\r\n");
  absl::StrAppend(&out, "Connection: close\r\n\r\n");
  return out;
}

std::string Serialize(const HttpResponse& r, bool keep_alive) {
  std::string out = absl::StrCat("HTTP/1.1 ", r.status, " ", HttpReason(r.status), "\r\n");
  absl::StrAppend(&out, "Content-Type: ", r.content_type, "\r\n");
  absl::StrAppend(&out, "Content-Length: ", r.body.size(), "\r\n");
  for (const auto& [k, v] : r.headers) absl::StrAppend(&out, k, ": ", v, "\r\n");
  absl::StrAppend(&out, "Connection: ", keep_alive ? "keep-alive" : "close", "\r\n\r\n", r.body);
  return out;
}

HttpResponse PlainError(int status, const char* message) {
  HttpResponse r;
  r.status = status;
  r.body = absl::StrCat("{\"code\":\"InvalidArgument\",\"message\":\"", message, "\",\"request_id\":null}");
  return r;
}

}  // namespace

const char* HttpReason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

HttpServer::HttpServer(HttpHandler handler) : handler_(std::move(handler)) {
  http_parser_set_max_header_size(kMaxHeaderBytes);
}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<std::string> HttpServer::Listen(const std::string& address) {
  absl::StatusOr<SocketAddress> addr = ParseListenAddress(address);
  if (!addr.ok()) return addr.status();
  int fd = ::socket(addr->storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 && addr->any) {
    // No IPv6 on this host: listen on every IPv4 address instead.
    auto* a4 = reinterpret_cast<sockaddr_in*>(&addr->storage);
    const uint16_t port = reinterpret_cast<sockaddr_in6*>(&addr->storage)->sin6_port;
    std::memset(&addr->storage, 0, sizeof(addr->storage));
    a4->sin_family = AF_INET;
    a4->sin_addr.s_addr = htonl(INADDR_ANY);
    a4->sin_port = port;
    addr->length = sizeof(sockaddr_in);
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  const int one = 1;
  const int zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (addr->storage.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr->storage), addr->length) != 0 ||
      ::listen(fd, 128) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ": ", std::strerror(err)));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  listen_fd_ = fd;
  return FormatSocketAddress(reinterpret_cast<sockaddr*>(&bound));
}

void HttpServer::UseTls(std::shared_ptr<const TlsContext> tls, absl::Duration handshake_timeout) {
  tls_ = std::move(tls);
  handshake_timeout_ = handshake_timeout;
}

void HttpServer::Start() { accept_thread_ = std::thread([this] { AcceptLoop(); }); }

void HttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  absl::MutexLock lock(&mu_);
  for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &active_threads_));
}

void HttpServer::AcceptLoop() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, 200);
    if (ready <= 0 || stopping_) continue;
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    absl::MutexLock lock(&mu_);
    if (active_threads_ >= kMaxConnections) {
      // A TLS client would need a handshake on this thread first: it only
      // sees the connection close.
      std::unique_ptr<Connection> refused = Connection::Plain(fd);
      if (tls_ == nullptr) {
        refused->Write(Serialize(PlainError(503, "too many connections"), false));
      }
      continue;
    }
    ++active_threads_;
    connections_.insert(fd);
    std::thread([this, fd, peer = PeerOf(addr)] { Serve(fd, peer); }).detach();
  }
}

void HttpServer::Serve(int fd, const std::string& peer) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::unique_ptr<Connection> conn =
      tls_ != nullptr ? Connection::Tls(fd, *tls_) : Connection::Plain(fd);
  if (conn != nullptr) {
    const absl::Status handshake = conn->Handshake(handshake_timeout_);
    if (handshake.ok()) {
      Exchanges(*conn, peer);
    } else if (!stopping_) {
      Log().Debug("http tls handshake failed",
                  {{"peer", peer}, {"error", std::string(handshake.message())}});
    }
  }
  {
    absl::MutexLock lock(&mu_);
    connections_.erase(fd);  // before close: the number may be reused at once
  }
  if (conn != nullptr) {
    conn.reset();
  } else {
    ::close(fd);
  }
  absl::MutexLock lock(&mu_);
  --active_threads_;
}

void HttpServer::Exchanges(Connection& conn, const std::string& peer) {
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  Exchange exchange;
  parser.data = &exchange;
  char buf[8192];
  std::string pending;  // bytes read past the end of the previous request
  bool open = true;
  while (open && !stopping_) {
    size_t offset = 0;
    std::string chunk;
    if (!pending.empty()) {
      chunk.swap(pending);
    } else {
      const ssize_t n = conn.Read(buf, sizeof(buf), kIdleTimeoutMs);
      if (n <= 0) break;
      chunk.assign(buf, static_cast<size_t>(n));
    }
    const size_t parsed = http_parser_execute(&parser, &Settings(), chunk.data(), chunk.size());
    offset = parsed;
    const http_errno err = HTTP_PARSER_ERRNO(&parser);
    if (err != HPE_OK && err != HPE_PAUSED) {
      const int status = err == HPE_HEADER_OVERFLOW ? 431 : exchange.too_large ? 413 : 400;
      conn.Write(Serialize(PlainError(status, http_errno_description(err)), false));
      break;
    }
    if (!exchange.complete) continue;
    const bool keep_alive = http_should_keep_alive(&parser) != 0;
    exchange.request.peer = peer;
    HttpResponse response = handler_(exchange.request);
    if (response.stream) {
      // HTTP/1.0 clients get the raw body up to the connection's close.
      const bool chunked =
          parser.http_major > 1 || (parser.http_major == 1 && parser.http_minor >= 1);
      ChunkedStream stream(conn, chunked);
      // Without the headers out the producer still runs, to end its source.
      if (!conn.Write(StreamHeaders(response, chunked))) stream.Close();
      std::thread watcher([&stream] { stream.Watch(); });
      response.stream(stream);
      stream.OnClose(nullptr);
      stream.Finish();
      watcher.join();
      break;
    }
    if (!conn.Write(Serialize(response, keep_alive))) break;
    open = keep_alive;
    pending = chunk.substr(offset);
    exchange = Exchange();
    http_parser_pause(&parser, 0);
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = &exchange;
  }
}

}  // namespace rune::daemon
