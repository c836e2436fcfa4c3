#include "runed/registry/https_client.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/unique_fd.h"
#include "http_parser.h"
#include "openssl/err.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"
#include "runed/http/header_reader.h"

namespace rune::daemon::registry {
namespace {

constexpr size_t kReadSize = 16 * 1024;
constexpr size_t kMaxBodyBytes = 8 << 20;
constexpr size_t kMaxHeadBytes = 64 * 1024;

std::string ErrnoText(int err) { return absl::AsciiStrToLower(std::strerror(err)); }

using Fd = common::UniqueFd;

// The poll(2) timeout until `deadline`, rounded up so a poll never wakes
// just before it and spins.
int PollMillis(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(absl::ToInt64Milliseconds(left + absl::Microseconds(999)));
}

// Resolves `host` and connects to the first address that answers before
// `deadline`; `what` is "" or "proxy " for the messages.
absl::StatusOr<Fd> Dial(const std::string& host, int port, absl::Time deadline, absl::Duration timeout,
                        absl::string_view what) {
  const std::string authority = JoinHostPort(host, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int gai = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (gai != 0) {
    const std::string reason = gai == EAI_SYSTEM ? ErrnoText(errno) : absl::AsciiStrToLower(gai_strerror(gai));
    return absl::UnavailableError(absl::StrCat("cannot resolve ", what, host, ": ", reason));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, freeaddrinfo);
  int last_error = EHOSTUNREACH;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    Fd fd(socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (fd.get() < 0) {
      last_error = errno;
      continue;
    }
    if (connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) return fd;
    if (errno != EINPROGRESS) {
      last_error = errno;
      continue;
    }
    while (true) {
      pollfd p{fd.get(), POLLOUT, 0};
      const int ready = poll(&p, 1, PollMillis(deadline));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) {
        return absl::DeadlineExceededError(absl::StrCat("cannot connect to ", what, authority, ": no answer within ",
                                                        absl::FormatDuration(timeout)));
      }
      break;
    }
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
    if (so_error == 0) return fd;
    last_error = so_error;
  }
  return absl::UnavailableError(absl::StrCat("cannot connect to ", what, authority, ": ", ErrnoText(last_error)));
}

// BoringSSL's reason for the last failure, "wrong version number".
std::string TlsReason() {
  const uint32_t e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  if (reason == nullptr) return "connection closed";
  return absl::StrReplaceAll(absl::AsciiStrToLower(reason), {{"_", " "}});
}

// A connected socket, plaintext or TLS, whose calls give up at the
// request's deadline.
class Stream {
 public:
  Stream(Fd fd, std::string peer, absl::Time deadline, absl::Duration timeout)
      : fd_(std::move(fd)), peer_(std::move(peer)), deadline_(deadline), timeout_(timeout) {}

  absl::Status StartTls(SSL_CTX* ctx, const std::string& host) {
    ssl_.reset(SSL_new(ctx));
    if (ssl_ == nullptr) return absl::ResourceExhaustedError("cannot allocate a TLS connection");
    SSL_set_fd(ssl_.get(), fd_.get());
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
    if (IsIpLiteral(host)) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_.get(), host.c_str());
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, host.data(), host.size());
    }
    while (true) {
      ERR_clear_error();
      const int r = SSL_connect(ssl_.get());
      if (r == 1) return absl::OkStatus();
      const int err = SSL_get_error(ssl_.get(), r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        if (!Wait(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT)) {
          return absl::DeadlineExceededError(absl::StrCat("TLS handshake with ", peer_, ": no answer within ",
                                                          absl::FormatDuration(timeout_)));
        }
        continue;
      }
      const long verify = SSL_get_verify_result(ssl_.get());
      if (verify != X509_V_OK) {
        return absl::UnavailableError(absl::StrCat("TLS handshake with ", peer_, ": certificate verify failed: ",
                                                   absl::AsciiStrToLower(X509_verify_cert_error_string(verify))));
      }
      return absl::UnavailableError(absl::StrCat("TLS handshake with ", peer_, ": ", TlsReason()));
    }
  }

  absl::Status WriteAll(absl::string_view data) {
    while (!data.empty()) {
      int want = POLLOUT;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int r = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
        if (r > 0) {
          data.remove_prefix(static_cast<size_t>(r));
          continue;
        }
        const int err = SSL_get_error(ssl_.get(), r);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          return absl::UnavailableError(absl::StrCat("cannot send the request to ", peer_, ": ", TlsReason()));
        }
        want = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
      } else {
        const ssize_t n = send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
          data.remove_prefix(static_cast<size_t>(n));
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
          return absl::UnavailableError(absl::StrCat("cannot send the request to ", peer_, ": ", ErrnoText(errno)));
        }
      }
      if (!Wait(want)) return Timeout();
    }
    return absl::OkStatus();
  }

  // The byte count, 0 at the end of the stream.
  absl::StatusOr<size_t> Read(char* buf, size_t size) {
    while (true) {
      int want = POLLIN;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int r = SSL_read(ssl_.get(), buf, static_cast<int>(size));
        if (r > 0) return static_cast<size_t>(r);
        const int err = SSL_get_error(ssl_.get(), r);
        // A peer closing without close_notify ends the stream too; a cut
        // answer is caught by the parser.
        if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) return 0;
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          return absl::UnavailableError(absl::StrCat("cannot read the answer of ", peer_, ": ", TlsReason()));
        }
        want = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
      } else {
        const ssize_t n = recv(fd_.get(), buf, size, 0);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          return absl::UnavailableError(absl::StrCat("cannot read the answer of ", peer_, ": ", ErrnoText(errno)));
        }
      }
      if (!Wait(want)) return Timeout();
    }
  }

  absl::Status Timeout() const {
    return absl::DeadlineExceededError(
        absl::StrCat("no answer from ", peer_, " within ", absl::FormatDuration(timeout_)));
  }

  const std::string& peer() const { return peer_; }
  Fd Release() && { return std::move(fd_); }

 private:
  // Polls for `events` until the deadline; false when it passed first.
  bool Wait(short events) {
    while (true) {
      const int ms = PollMillis(deadline_);
      if (ms == 0) return false;
      pollfd p{fd_.get(), events, 0};
      const int ready = poll(&p, 1, ms);
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return true;  // the next call reports the error
    }
  }

  Fd fd_;
  const std::string peer_;
  const absl::Time deadline_;
  const absl::Duration timeout_;
  bssl::UniquePtr<SSL> ssl_;
};

// Parser state of one response.
struct Exchange {
  ClientResponse response;
  http::HeaderReader headers;
  std::string reason;        // the status line's reason phrase
  bool head_only = false;    // CONNECT: the head is the whole answer
  bool head_done = false;
  bool complete = false;
  bool too_large = false;
};

Exchange* Of(http_parser* p) { return static_cast<Exchange*>(p->data); }

const http_parser_settings& Settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_status = [](http_parser* p, const char* at, size_t n) {
      Of(p)->reason.append(at, n);
      return 0;
    };
    s.on_header_field = [](http_parser* p, const char* at, size_t n) {
      Of(p)->headers.Field(at, n, &Of(p)->response.headers);
      return 0;
    };
    s.on_header_value = [](http_parser* p, const char* at, size_t n) {
      Of(p)->headers.Value(at, n);
      return 0;
    };
    s.on_headers_complete = [](http_parser* p) {
      Exchange* e = Of(p);
      e->headers.Flush(&e->response.headers);
      e->response.status = static_cast<int>(p->status_code);
      e->head_done = true;
      return e->head_only ? 1 : 0;  // 1: no body follows
    };
    s.on_body = [](http_parser* p, const char* at, size_t n) {
      Exchange* e = Of(p);
      if (e->response.body.size() + n > kMaxBodyBytes) {
        e->too_large = true;
        return 1;
      }
      e->response.body.append(at, n);
      return 0;
    };
    s.on_message_complete = [](http_parser* p) {
      Of(p)->complete = true;
      http_parser_pause(p, 1);
      return 0;
    };
    return s;
  }();
  return settings;
}

// Reads one response from `stream` into `exchange`.
absl::Status ReadResponse(Stream& stream, Exchange& exchange) {
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &exchange;
  std::string buffer(kReadSize, '\0');
  size_t head_bytes = 0;
  while (true) {
    absl::StatusOr<size_t> n = stream.Read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status();
    const size_t parsed = http_parser_execute(&parser, &Settings(), buffer.data(), *n);
    if (exchange.too_large) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the answer of ", stream.peer(), " is larger than ", kMaxBodyBytes >> 20, " MiB"));
    }
    if (exchange.complete) {
      if (exchange.head_only && exchange.response.status == 200 && parsed != *n) {
        return absl::UnavailableError(
            absl::StrCat("proxy ", stream.peer(), " sent data before the tunnel was established"));
      }
      return absl::OkStatus();
    }
    if (*n == 0) {
      return absl::UnavailableError(absl::StrCat(stream.peer(), " closed the connection ",
                                                 exchange.head_done ? "before the end of its answer" : "without answering"));
    }
    const http_errno error = HTTP_PARSER_ERRNO(&parser);
    if (error != HPE_OK) {
      return absl::UnavailableError(
          absl::StrCat("malformed answer from ", stream.peer(), ": ", http_errno_description(error)));
    }
    if (!exchange.head_done && (head_bytes += *n) > kMaxHeadBytes) {
      return absl::UnavailableError(absl::StrCat("malformed answer from ", stream.peer(), ": header too large"));
    }
  }
}

bool ValidHeader(absl::string_view name, absl::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == ':' || c == 0x7f) return false;
  }
  return value.find_first_of("\r\n") == absl::string_view::npos;
}

bool Named(const HeaderList& headers, absl::string_view name) {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, name)) return true;
  }
  return false;
}

// Asks the proxy behind `tunnel` for a tunnel to the URL's host and port;
// the socket then carries the TLS connection to the server.
absl::StatusOr<Fd> Tunnel(Stream tunnel, const Proxy& proxy, const Url& url) {
  std::string head = absl::StrCat("CONNECT ", url.Authority(), " HTTP/1.1\r\nHost: ", url.Authority(), "\r\n");
  if (!proxy.authorization.empty()) absl::StrAppend(&head, "Proxy-Authorization: ", proxy.authorization, "\r\n");
  absl::StrAppend(&head, "User-Agent: runed\r\n\r\n");
  if (absl::Status s = tunnel.WriteAll(head); !s.ok()) return s;
  Exchange answer;
  answer.head_only = true;
  if (absl::Status s = ReadResponse(tunnel, answer); !s.ok()) return s;
  if (answer.response.status != 200) {
    return absl::UnavailableError(absl::StrCat("proxy ", proxy.Authority(), " refused CONNECT ", url.Authority(),
                                               ": HTTP ", answer.response.status, " ", answer.reason));
  }
  return std::move(tunnel).Release();
}

// The request's head and body; `http_proxy` set: sent to that proxy.
std::string RequestText(const ClientRequest& request, const Url& url, const Proxy* http_proxy) {
  const std::string target =
      http_proxy != nullptr ? absl::StrCat("http://", url.HostHeader(), url.target) : url.target;
  std::string text = absl::StrCat(request.method, " ", target, " HTTP/1.1\r\nHost: ", url.HostHeader(),
                                  "\r\nConnection: close\r\n");
  if (!Named(request.headers, "user-agent")) absl::StrAppend(&text, "User-Agent: runed\r\n");
  if (http_proxy != nullptr && !http_proxy->authorization.empty()) {
    absl::StrAppend(&text, "Proxy-Authorization: ", http_proxy->authorization, "\r\n");
  }
  for (const auto& [name, value] : request.headers) absl::StrAppend(&text, name, ": ", value, "\r\n");
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    absl::StrAppend(&text, "Content-Length: ", request.body.size(), "\r\n");
  }
  absl::StrAppend(&text, "\r\n", request.body);
  return text;
}

}  // namespace

HttpsClient::HttpsClient(HttpsClientOptions options) : options_(std::move(options)) {}

HttpsClient::~HttpsClient() = default;

absl::StatusOr<SSL_CTX*> HttpsClient::Context() const {
  absl::MutexLock lock(&mu_);
  if (ctx_ != nullptr) return ctx_.get();
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  if (ctx == nullptr) return absl::ResourceExhaustedError("cannot allocate a TLS context");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (FILE* f = std::fopen(options_.ca_file.c_str(), "r"); f != nullptr) {
    std::fclose(f);
  } else {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load the CA bundle ", options_.ca_file, ": ", ErrnoText(errno)));
  }
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(ctx.get(), options_.ca_file.c_str(), nullptr) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load the CA bundle ", options_.ca_file, ": ", TlsReason()));
  }
  ctx_ = std::move(ctx);
  return ctx_.get();
}

absl::StatusOr<ClientResponse> HttpsClient::Fetch(const ClientRequest& request) const {
  absl::StatusOr<Url> url = ParseUrl(request.url);
  if (!url.ok()) return url.status();
  for (const auto& [name, value] : request.headers) {
    if (!ValidHeader(name, value)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid request header \"", name, "\""));
    }
    if (absl::EqualsIgnoreCase(name, "host") || absl::EqualsIgnoreCase(name, "content-length") ||
        absl::EqualsIgnoreCase(name, "connection") || absl::EqualsIgnoreCase(name, "transfer-encoding")) {
      return absl::InvalidArgumentError(absl::StrCat("request header \"", name, "\" is set by the client"));
    }
  }
  if (request.method.empty() || request.method.find_first_of(" \r\n") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("invalid request method \"", request.method, "\""));
  }

  const bool https = url->scheme == "https";
  const std::string& proxy_text = https ? options_.proxy.https_proxy : options_.proxy.http_proxy;
  std::optional<Proxy> proxy;
  if (!proxy_text.empty() && !NoProxyMatches(options_.proxy.no_proxy, url->host, url->port)) {
    absl::StatusOr<Proxy> parsed = ParseProxy(proxy_text);
    if (!parsed.ok()) return parsed.status();
    proxy = *std::move(parsed);
  }
  SSL_CTX* ctx = nullptr;
  if (https) {
    absl::StatusOr<SSL_CTX*> c = Context();
    if (!c.ok()) return c.status();
    ctx = *c;
  }

  const absl::Time deadline = absl::Now() + options_.timeout;
  absl::StatusOr<Fd> fd = proxy.has_value()
                              ? Dial(proxy->host, proxy->port, deadline, options_.timeout, "proxy ")
                              : Dial(url->host, url->port, deadline, options_.timeout, "");
  if (!fd.ok()) return fd.status();
  if (proxy.has_value() && https) {
    fd = Tunnel(Stream(*std::move(fd), proxy->Authority(), deadline, options_.timeout), *proxy, *url);
    if (!fd.ok()) return fd.status();
  }

  Stream stream(*std::move(fd), url->Authority(), deadline, options_.timeout);
  if (https) {
    if (absl::Status s = stream.StartTls(ctx, url->host); !s.ok()) return s;
  }
  // Through a proxy, a plaintext request names the whole URL.
  const Proxy* http_proxy = proxy.has_value() && !https ? &*proxy : nullptr;
  if (absl::Status s = stream.WriteAll(RequestText(request, *url, http_proxy)); !s.ok()) return s;
  Exchange exchange;
  if (absl::Status s = ReadResponse(stream, exchange); !s.ok()) return s;
  return std::move(exchange.response);
}

}  // namespace rune::daemon::registry
