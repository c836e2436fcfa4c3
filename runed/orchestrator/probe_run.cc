#include "runed/orchestrator/probe_run.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/version.h"
#include "http_parser.h"
#include "openssl/err.h"
#include "openssl/ssl.h"

namespace rune::daemon {
namespace {

// Closes a socket when the probe run ends.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// strerror in the lower-case form Go's net package prints.
std::string ErrnoText(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "connection refused";
    case ECONNRESET:
      return "connection reset by peer";
    case EHOSTUNREACH:
      return "no route to host";
    case ENETUNREACH:
      return "network is unreachable";
    case EPIPE:
      return "broken pipe";
    default: {
      std::string text = strerror(err);
      if (!text.empty()) text[0] = absl::ascii_tolower(static_cast<unsigned char>(text[0]));
      return text;
    }
  }
}

std::string HostPort(const std::string& ip, int port) {
  return ip.find(':') != std::string::npos ? absl::StrCat("[", ip, "]:", port)
                                           : absl::StrCat(ip, ":", port);
}

absl::Status TimedOut(absl::Duration timeout) {
  return absl::DeadlineExceededError(TimedOutMessage(timeout));
}

// Waits until `fd` has one of `events` (or an error/hangup) before
// `deadline`; DeadlineExceeded otherwise.
absl::Status WaitFor(int fd, short events, absl::Time deadline, absl::Duration timeout) {
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return TimedOut(timeout);
    pollfd p{fd, events, 0};
    const int ms = static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
    const int r = poll(&p, 1, std::max(ms, 1));
    if (r > 0) return absl::OkStatus();
    if (r < 0 && errno != EINTR) return absl::InternalError(absl::StrCat("poll: ", ErrnoText(errno)));
  }
}

// A non-blocking TCP connection to ip:port; the message of a failure is the
// probe's failure message.
absl::StatusOr<std::unique_ptr<Socket>> Dial(const std::string& ip, int port, absl::Time deadline,
                                             absl::Duration timeout) {
  const std::string where = absl::StrCat("dial tcp ", HostPort(ip, port), ": ");
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&addr); inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
             inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(where, "invalid IP address"));
  }
  auto sock = std::make_unique<Socket>(
      socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock->get() < 0) return absl::UnavailableError(absl::StrCat(where, ErrnoText(errno)));
  if (connect(sock->get(), reinterpret_cast<const sockaddr*>(&addr), len) == 0) return sock;
  if (errno != EINPROGRESS) return absl::UnavailableError(absl::StrCat(where, ErrnoText(errno)));
  if (absl::Status s = WaitFor(sock->get(), POLLOUT, deadline, timeout); !s.ok()) return s;
  int err = 0;
  socklen_t err_len = sizeof(err);
  if (getsockopt(sock->get(), SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
  if (err != 0) return absl::UnavailableError(absl::StrCat(where, ErrnoText(err)));
  return sock;
}

// A byte stream over a connected socket: plain or TLS.
class Stream {
 public:
  virtual ~Stream() = default;
  virtual absl::Status WriteAll(absl::string_view data, absl::Time deadline) = 0;
  // Bytes read (> 0), or 0 at the end of the stream.
  virtual absl::StatusOr<size_t> Read(char* buf, size_t size, absl::Time deadline) = 0;
};

class PlainStream : public Stream {
 public:
  PlainStream(int fd, absl::Duration timeout) : fd_(fd), timeout_(timeout) {}

  absl::Status WriteAll(absl::string_view data, absl::Time deadline) override {
    while (!data.empty()) {
      const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (absl::Status s = WaitFor(fd_, POLLOUT, deadline, timeout_); !s.ok()) return s;
      } else {
        return absl::UnavailableError(absl::StrCat("HTTP probe failed: ", ErrnoText(errno)));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> Read(char* buf, size_t size, absl::Time deadline) override {
    for (;;) {
      const ssize_t n = recv(fd_, buf, size, 0);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EAGAIN && errno != EINTR) {
        return absl::UnavailableError(absl::StrCat("HTTP probe failed: ", ErrnoText(errno)));
      }
      if (absl::Status s = WaitFor(fd_, POLLIN, deadline, timeout_); !s.ok()) return s;
    }
  }

 private:
  int fd_;
  absl::Duration timeout_;
};

// `WRONG_VERSION_NUMBER` → `wrong version number`.
std::string TlsReason() {
  const uint32_t err = ERR_get_error();
  ERR_clear_error();
  const char* reason = err != 0 ? ERR_reason_error_string(err) : nullptr;
  if (reason == nullptr) return "connection closed";
  return absl::AsciiStrToLower(absl::StrReplaceAll(reason, {{"_", " "}}));
}

// The client context of every https probe: certificates are not verified
// (SPEC §4.3).
SSL_CTX* ClientContext() {
  static SSL_CTX* const ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_method());
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return c;
  }();
  return ctx;
}

class TlsStream : public Stream {
 public:
  TlsStream(int fd, absl::Duration timeout)
      : fd_(fd), timeout_(timeout), ssl_(SSL_new(ClientContext())) {
    SSL_set_fd(ssl_.get(), fd);
    SSL_set_connect_state(ssl_.get());
  }

  absl::Status Handshake(absl::Time deadline) {
    ERR_clear_error();
    for (;;) {
      const int r = SSL_do_handshake(ssl_.get());
      if (r == 1) return absl::OkStatus();
      absl::Status s = AfterCall(r, deadline, "TLS handshake failed: ");
      if (!s.ok()) return s;
    }
  }

  absl::Status WriteAll(absl::string_view data, absl::Time deadline) override {
    while (!data.empty()) {
      const int r = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
      if (r > 0) {
        data.remove_prefix(static_cast<size_t>(r));
        continue;
      }
      if (absl::Status s = AfterCall(r, deadline, "HTTP probe failed: "); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> Read(char* buf, size_t size, absl::Time deadline) override {
    for (;;) {
      const int r = SSL_read(ssl_.get(), buf, static_cast<int>(size));
      if (r > 0) return static_cast<size_t>(r);
      const int e = SSL_get_error(ssl_.get(), r);
      if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 &&
                                         (r == 0 || errno == ECONNRESET))) {
        ERR_clear_error();
        return 0;
      }
      if (absl::Status s = AfterCall(r, deadline, "HTTP probe failed: "); !s.ok()) return s;
    }
  }

 private:
  // OK after waiting when the call wants to be repeated; the failure otherwise.
  absl::Status AfterCall(int r, absl::Time deadline, absl::string_view prefix) {
    const int e = SSL_get_error(ssl_.get(), r);
    if (e == SSL_ERROR_WANT_READ) return WaitFor(fd_, POLLIN, deadline, timeout_);
    if (e == SSL_ERROR_WANT_WRITE) return WaitFor(fd_, POLLOUT, deadline, timeout_);
    if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      const int err = errno;
      ERR_clear_error();
      return absl::UnavailableError(
          absl::StrCat(prefix, r == 0 || err == 0 ? "connection closed" : ErrnoText(err)));
    }
    return absl::UnavailableError(absl::StrCat(prefix, TlsReason()));
  }

  int fd_;
  absl::Duration timeout_;
  bssl::UniquePtr<SSL> ssl_;
};

// Bytes outside the request-target grammar (controls, space, DEL, non-ASCII)
// percent-encoded, so a path can never break the request line.
std::string RequestTarget(const std::string& path) {
  std::string out;
  for (const char c : path.empty() ? std::string("/") : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      absl::StrAppendFormat(&out, "%%%02X", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::string> BuildRequest(const api::Probe& probe, const std::string& host) {
  // Sorted for a stable request; proto maps have no order.
  const std::map<std::string, std::string> headers(probe.headers().begin(), probe.headers().end());
  bool host_set = false;
  bool agent_set = false;
  std::string extra;
  for (const auto& [name, value] : headers) {
    if (absl::StrContains(value, '\r') || absl::StrContains(value, '\n') ||
        name.find_first_of(" :\r\n") != std::string::npos || name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("HTTP probe failed: invalid header \"", name, "\""));
    }
    host_set |= absl::EqualsIgnoreCase(name, "host");
    agent_set |= absl::EqualsIgnoreCase(name, "user-agent");
    absl::StrAppend(&extra, name, ": ", value, "\r\n");
  }
  std::string request = absl::StrCat("GET ", RequestTarget(probe.path()), " HTTP/1.1\r\n");
  if (!host_set) absl::StrAppend(&request, "Host: ", host, "\r\n");
  if (!agent_set) {
    absl::StrAppend(&request, "User-Agent: rune-probe/", common::CurrentBuild().version, "\r\n");
  }
  absl::StrAppend(&request, "Accept: */*\r\n", extra, "Connection: close\r\n\r\n");
  return request;
}

// Reads until the response's status and headers are complete; returns the
// status code.
absl::StatusOr<int> ReadStatus(Stream& stream, absl::Time deadline) {
  struct State {
    int status = 0;
  } state;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_headers_complete = [](http_parser* p) {
    // 1xx interim responses (but 101) are followed by the real one.
    if (p->status_code >= 200 || p->status_code == 101) {
      static_cast<State*>(p->data)->status = p->status_code;
      http_parser_pause(p, 1);
    }
    return 0;
  };
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &state;
  char buf[4096];
  for (;;) {
    absl::StatusOr<size_t> n = stream.Read(buf, sizeof(buf), deadline);
    if (!n.ok()) return n.status();
    http_parser_execute(&parser, &settings, buf, *n);
    if (state.status != 0) return state.status;
    const http_errno err = HTTP_PARSER_ERRNO(&parser);
    if (err != HPE_OK) {
      return absl::DataLossError(
          absl::StrCat("HTTP probe failed: malformed response (", http_errno_description(err), ")"));
    }
    if (*n == 0) {
      return absl::UnavailableError("HTTP probe failed: connection closed before the response");
    }
  }
}

}  // namespace

api::Probe ProbeWithDefaults(const api::Probe& in) {
  api::Probe p = in;
  if (!p.has_initial_delay_seconds()) p.set_initial_delay_seconds(0);
  if (!p.has_interval_seconds()) p.set_interval_seconds(10);
  if (!p.has_timeout_seconds()) p.set_timeout_seconds(1);
  if (!p.has_failure_threshold()) p.set_failure_threshold(3);
  if (!p.has_success_threshold()) p.set_success_threshold(1);
  if (p.type() == api::Probe::HTTP) {
    if (p.path().empty()) p.set_path("/");
    if (p.scheme() == api::Probe::SCHEME_UNSPECIFIED) p.set_scheme(api::Probe::SCHEME_HTTP);
  }
  return p;
}

int ResolveProbePort(const api::Probe& probe, const api::ServiceSpec& spec, std::string* error) {
  if (probe.type() == api::Probe::EXEC) return 0;
  int number = 0;
  if (absl::SimpleAtoi(probe.port(), &number) && number >= 1 && number <= 65535) return number;
  for (const api::ServicePort& p : spec.ports()) {
    if (p.name() == probe.port()) return p.has_target_port() ? p.target_port() : p.port();
  }
  *error = absl::StrCat("port \"", probe.port(), "\" is not a port of the service");
  return 0;
}

std::string TimedOutMessage(absl::Duration timeout) {
  return absl::StrCat("timed out after ", absl::FormatDuration(timeout));
}

ProbeOutcome RunHttpProbe(const api::Probe& probe, const std::string& ip, int port,
                          absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<std::string> request = BuildRequest(probe, HostPort(ip, port));
  if (!request.ok()) return {false, std::string(request.status().message())};
  absl::StatusOr<std::unique_ptr<Socket>> sock = Dial(ip, port, deadline, timeout);
  if (!sock.ok()) return {false, std::string(sock.status().message())};
  std::unique_ptr<Stream> stream;
  if (probe.scheme() == api::Probe::SCHEME_HTTPS) {
    auto tls = std::make_unique<TlsStream>((*sock)->get(), timeout);
    if (absl::Status s = tls->Handshake(deadline); !s.ok()) return {false, std::string(s.message())};
    stream = std::move(tls);
  } else {
    stream = std::make_unique<PlainStream>((*sock)->get(), timeout);
  }
  if (absl::Status s = stream->WriteAll(*request, deadline); !s.ok()) {
    return {false, std::string(s.message())};
  }
  absl::StatusOr<int> status = ReadStatus(*stream, deadline);
  if (!status.ok()) return {false, std::string(status.status().message())};
  if (*status >= 200 && *status <= 399) return {true, ""};
  return {false, absl::StrCat("HTTP probe failed with status ", *status)};
}

ProbeOutcome RunTcpProbe(const std::string& ip, int port, absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<Socket>> sock = Dial(ip, port, absl::Now() + timeout, timeout);
  if (!sock.ok()) return {false, std::string(sock.status().message())};
  return {true, ""};
}

ProbeOutcome RunExecProbe(runner::Runner* runner, const runner::InstanceKey& key,
                          const std::vector<std::string>& argv, absl::Duration timeout) {
  if (runner == nullptr) return {false, "exec probes are not available for this instance"};
  if (argv.empty()) return {false, "exec probe has no command"};
  const absl::Time deadline = absl::Now() + timeout;
  runner::ExecSpec spec;
  spec.argv = argv;
  spec.tty = false;
  absl::StatusOr<std::unique_ptr<runner::ExecProcess>> started = runner->Exec(key, spec);
  if (!started.ok()) return {false, std::string(started.status().message())};
  runner::ExecProcess& process = **started;
  process.CloseStdin();
  // Output is read and dropped so a chatty command never blocks on a full
  // pipe; the exit is seen on the pidfd.
  int out[2] = {process.stdout_fd(), process.stderr_fd()};
  bool timed_out = false;
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      timed_out = true;
      break;
    }
    pollfd fds[3] = {{process.pidfd(), POLLIN, 0}, {out[0], POLLIN, 0}, {out[1], POLLIN, 0}};
    const int ms = static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
    const int r = poll(fds, 3, std::max(ms, 1));
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    if (fds[0].revents != 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i + 1].revents == 0) continue;
      char buf[4096];
      const ssize_t n = read(out[i], buf, sizeof(buf));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) out[i] = -1;  // poll ignores -1
    }
  }
  if (timed_out) (void)process.Signal(SIGKILL);
  const runner::ExitStatus status = process.Wait();
  if (timed_out) return {false, TimedOutMessage(timeout)};
  if (status.start_failed) return {false, status.message};
  if (status.signal > 0) {
    const char* name = sigabbrev_np(status.signal);
    return {false, absl::StrCat("exec probe killed by signal ",
                                name != nullptr ? std::string(name) : absl::StrCat(status.signal))};
  }
  if (status.exit_code != 0) return {false, absl::StrCat("exec probe exited with ", status.exit_code)};
  return {true, ""};
}

}  // namespace rune::daemon
