#include "runed/rest/connection.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/x509.h"

namespace rune::daemon {
namespace {

// How long a write may wait for the client to take more bytes.
constexpr absl::Duration kWriteStall = absl::Seconds(60);

// BoringSSL's own socket BIO writes with write(2), which raises SIGPIPE on a
// connection the client reset; this one sends with MSG_NOSIGNAL.
int SocketOf(BIO* bio) { return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio))); }

int BioWrite(BIO* bio, const char* in, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n;
  do {
    n = ::send(SocketOf(bio), in, static_cast<size_t>(size), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int BioRead(BIO* bio, char* out, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n;
  do {
    n = ::recv(SocketOf(bio), out, static_cast<size_t>(size), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

long BioCtrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

const BIO_METHOD* SocketMethod() {
  static const BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOCKET, "runed socket");
    BIO_meth_set_write(m, BioWrite);
    BIO_meth_set_read(m, BioRead);
    BIO_meth_set_ctrl(m, BioCtrl);
    return m;
  }();
  return method;
}

// BoringSSL's reason for the first failure queued on this thread
// ("NO_START_LINE"); the later ones only say which layer passed it on.
std::string SslReason(int saved_errno = 0) {
  const uint32_t packed = ERR_peek_error();
  if (packed != 0) {
    const char* reason = ERR_reason_error_string(packed);
    return reason != nullptr ? reason : absl::StrCat("error ", packed);
  }
  if (saved_errno != 0) return std::strerror(saved_errno);
  return "connection closed by the client";
}

absl::Status FileProblem(absl::string_view key, const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("server.tls.", key, " ", path, ": ", what, " (", SslReason(), ")"));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const TlsContext>> TlsContext::Load(const TlsFiles& files) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr) return absl::InternalError("cannot create a TLS context");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Write() hands over what is left after a partial write.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert_file.c_str()) != 1) {
    return FileProblem("cert_file", files.cert_file, "cannot load the certificate chain");
  }
  const bool key_loaded =
      SSL_CTX_use_PrivateKey_file(ctx.get(), files.key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  const uint32_t key_error = ERR_peek_last_error();
  if (!key_loaded && !(ERR_GET_LIB(key_error) == ERR_LIB_X509 &&
                       ERR_GET_REASON(key_error) == X509_R_KEY_VALUES_MISMATCH)) {
    return FileProblem("key_file", files.key_file, "cannot load the private key");
  }
  if (!key_loaded || SSL_CTX_check_private_key(ctx.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("server.tls.key_file ", files.key_file,
                                                   ": does not match server.tls.cert_file ",
                                                   files.cert_file));
  }
  if (!files.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), files.ca_file.c_str(), nullptr) != 1) {
      return FileProblem("ca_file", files.ca_file, "cannot load the CA certificates");
    }
    // Tells clients which CA their certificate must come from.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx.get(), names);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  // Resumed sessions are only accepted under the same settings.
  static constexpr char kSessionContext[] = "runed http";
  SSL_CTX_set_session_id_context(ctx.get(), reinterpret_cast<const uint8_t*>(kSessionContext),
                                 sizeof(kSessionContext) - 1);
  ERR_clear_error();
  return std::shared_ptr<const TlsContext>(new TlsContext(std::move(ctx)));
}

Connection::Connection(int fd, bssl::UniquePtr<SSL> ssl) : fd_(fd), ssl_(std::move(ssl)) {
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

std::unique_ptr<Connection> Connection::Plain(int fd) {
  return std::unique_ptr<Connection>(new Connection(fd, nullptr));
}

std::unique_ptr<Connection> Connection::Tls(int fd, const TlsContext& context) {
  bssl::UniquePtr<SSL> ssl(SSL_new(context.get()));
  BIO* bio = ssl != nullptr ? BIO_new(SocketMethod()) : nullptr;
  if (bio == nullptr) return nullptr;
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl.get(), bio, bio);  // one reference, owned by the SSL
  SSL_set_accept_state(ssl.get());
  return std::unique_ptr<Connection>(new Connection(fd, std::move(ssl)));
}

Connection::~Connection() {
  {
    absl::MutexLock lock(&ssl_mu_);
    if (ssl_ != nullptr && established_) {
      ERR_clear_error();
      SSL_shutdown(ssl_.get());  // close_notify if the socket takes it now
    }
  }
  ::close(fd_);
}

Connection::Want Connection::WantOf(int result) {
  switch (SSL_get_error(ssl_.get(), result)) {
    case SSL_ERROR_WANT_READ: return Want::kRead;
    case SSL_ERROR_WANT_WRITE: return Want::kWrite;
    default: return Want::kFailed;
  }
}

absl::Status Connection::Handshake(absl::Duration timeout) {
  if (ssl_ == nullptr) return absl::OkStatus();
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    Want want;
    std::string reason;
    {
      absl::MutexLock lock(&ssl_mu_);
      ERR_clear_error();
      errno = 0;
      const int result = SSL_do_handshake(ssl_.get());
      const int saved_errno = errno;
      if (result == 1) {
        established_ = true;
        return absl::OkStatus();
      }
      want = WantOf(result);
      if (want == Want::kFailed) reason = SslReason(saved_errno);
      ERR_clear_error();
    }
    if (want == Want::kFailed) return absl::UnavailableError(reason);
    if (!Wait(want, deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("TLS handshake not finished within ", absl::FormatDuration(timeout)));
    }
  }
}

Connection::Want Connection::TryRead(char* buf, size_t size, ssize_t* n) {
  if (ssl_ == nullptr) {
    do {
      *n = ::recv(fd_, buf, size, 0);
    } while (*n < 0 && errno == EINTR);
    if (*n > 0) return Want::kDone;
    if (*n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Want::kRead;
    return Want::kFailed;
  }
  absl::MutexLock lock(&ssl_mu_);
  if (!established_) return Want::kFailed;
  ERR_clear_error();
  const int result = SSL_read(ssl_.get(), buf, static_cast<int>(std::min<size_t>(size, INT_MAX)));
  *n = result;
  const Want want = result > 0 ? Want::kDone : WantOf(result);
  ERR_clear_error();
  return want;
}

Connection::Want Connection::TryWrite(absl::string_view data, ssize_t* n) {
  if (ssl_ == nullptr) {
    do {
      *n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    } while (*n < 0 && errno == EINTR);
    if (*n > 0) return Want::kDone;
    if (*n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Want::kWrite;
    return Want::kFailed;
  }
  absl::MutexLock lock(&ssl_mu_);
  if (!established_) return Want::kFailed;
  ERR_clear_error();
  const int result =
      SSL_write(ssl_.get(), data.data(), static_cast<int>(std::min<size_t>(data.size(), INT_MAX)));
  *n = result;
  const Want want = result > 0 ? Want::kDone : WantOf(result);
  ERR_clear_error();
  return want;
}

bool Connection::Wait(Want want, absl::Time deadline) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      timeout_ms = static_cast<int>(
          std::max<int64_t>(0, absl::ToInt64Milliseconds(absl::Ceil(deadline - absl::Now(),
                                                                      absl::Milliseconds(1)))));
    }
    pollfd p{fd_, static_cast<short>(want == Want::kWrite ? POLLOUT : POLLIN), 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    // Errors and hang-ups count as ready: the next try reports them.
    return ready != 0;
  }
}

ssize_t Connection::Read(char* buf, size_t size, int timeout_ms) {
  const absl::Time deadline = absl::Now() + absl::Milliseconds(timeout_ms);
  for (;;) {
    ssize_t n = 0;
    const Want want = TryRead(buf, size, &n);
    if (want == Want::kDone) return n;
    if (want == Want::kFailed) return 0;
    if (!Wait(want, deadline)) return -1;
  }
}

bool Connection::Write(absl::string_view data) {
  absl::Time deadline = absl::Now() + kWriteStall;
  while (!data.empty()) {
    ssize_t n = 0;
    const Want want = TryWrite(data, &n);
    if (want == Want::kFailed) return false;
    if (want == Want::kDone) {
      data.remove_prefix(static_cast<size_t>(n));
      deadline = absl::Now() + kWriteStall;
    } else if (!Wait(want, deadline)) {
      return false;
    }
  }
  return true;
}

}  // namespace rune::daemon
