// One accepted connection of the HTTP listener, plaintext or TLS, behind the
// same calls, so the HTTP server has one code path for both (SPEC §5.4 "TLS
// per server.tls"). The socket is non-blocking; every call waits with poll()
// for at most the time it is given. A TLS connection serializes its BoringSSL
// calls, so one thread may write a streamed body while another reads to
// notice the client leaving.
//
//   absl::StatusOr<std::shared_ptr<const TlsContext>> tls =
//       TlsContext::Load({"server.crt", "server.key", "ca.crt"});
//   std::unique_ptr<Connection> c = Connection::Tls(fd, **tls);
//   if (c->Handshake(absl::Seconds(10)).ok() && c->Read(buf, sizeof(buf), 60000) > 0) {
//     c->Write("HTTP/1.1 200 OK\r\n…");
//   }
//   c.reset();  // close_notify, then the socket is closed
#ifndef RUNE_RUNED_REST_CONNECTION_H_
#define RUNE_RUNED_REST_CONNECTION_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "openssl/ssl.h"

namespace rune::daemon {

// The PEM files of server.tls (SPEC §5.2).
struct TlsFiles {
  std::string cert_file;  // the certificate chain, leaf first
  std::string key_file;   // its private key
  std::string ca_file;    // set: clients must present a certificate it signed
};

// Server settings shared by every TLS connection: TLS 1.2 or later, the
// certificate chain and key, and with a CA file a required, verified client
// certificate.
class TlsContext {
 public:
  // InvalidArgument naming the runefile key and file when a file cannot be
  // read or parsed, or the key does not match the certificate.
  static absl::StatusOr<std::shared_ptr<const TlsContext>> Load(const TlsFiles& files);

  SSL_CTX* get() const { return ctx_.get(); }

 private:
  explicit TlsContext(bssl::UniquePtr<SSL_CTX> ctx) : ctx_(std::move(ctx)) {}
  bssl::UniquePtr<SSL_CTX> ctx_;
};

class Connection {
 public:
  // Takes ownership of the connected socket `fd` and makes it non-blocking.
  static std::unique_ptr<Connection> Plain(int fd);
  // Null, leaving `fd` to the caller, when BoringSSL cannot allocate.
  static std::unique_ptr<Connection> Tls(int fd, const TlsContext& context);
  ~Connection();  // a TLS connection sends close_notify; closes the socket
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs the server side of the TLS handshake (nothing for plaintext).
  // DeadlineExceeded when the client does not finish it within `timeout`,
  // Unavailable (with BoringSSL's reason, "HTTP_REQUEST",
  // "PEER_DID_NOT_RETURN_A_CERTIFICATE"…) when it fails.
  absl::Status Handshake(absl::Duration timeout);

  // Reads what is available, waiting up to `timeout_ms` (0: not at all) for
  // data. Returns the byte count, 0 once the client closed the connection or
  // it failed, -1 when nothing came in time.
  ssize_t Read(char* buf, size_t size, int timeout_ms);

  // Sends all of `data`; false when the connection failed or the client took
  // nothing for 60 s.
  bool Write(absl::string_view data);

  // The socket, for poll() and shutdown() only.
  int fd() const { return fd_; }

 private:
  Connection(int fd, bssl::UniquePtr<SSL> ssl);

  enum class Want { kDone, kRead, kWrite, kFailed };
  Want TryRead(char* buf, size_t size, ssize_t* n);
  Want TryWrite(absl::string_view data, ssize_t* n);
  Want WantOf(int result) ABSL_EXCLUSIVE_LOCKS_REQUIRED(ssl_mu_);
  // Polls for `want` until `deadline`; false when it passed first.
  bool Wait(Want want, absl::Time deadline);

  const int fd_;
  absl::Mutex ssl_mu_;
  const bssl::UniquePtr<SSL> ssl_ ABSL_PT_GUARDED_BY(ssl_mu_);  // null: plaintext
  bool established_ ABSL_GUARDED_BY(ssl_mu_) = false;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_REST_CONNECTION_H_
