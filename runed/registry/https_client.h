// A small HTTP/1.1 client for one request and its response over TCP, with
// TLS through BoringSSL for https:// URLs (the server certificate is verified
// against a CA bundle and the URL's host name, SNI is sent) and plaintext for
// http:// URLs. Registry logins use it (SPEC §5.10), through the proxies of
// SPEC §7.3 item 2: an https:// request through a proxy is tunnelled with
// CONNECT, an http:// one is sent to the proxy with its absolute URI, and
// NO_PROXY exempts hosts. Nothing is read from the environment here; callers
// pass what they read (ProxySettingsFromEnv). Names are resolved with
// getaddrinfo, whose files and DNS lookups work in runed's static binary.
//
//   HttpsClientOptions options;
//   options.proxy = ProxySettingsFromEnv(env);
//   HttpsClient client(options);
//   absl::StatusOr<ClientResponse> r = client.Fetch(
//       {"POST", "https://api.ecr.eu-west-1.amazonaws.com/", {{"Content-Type", "application/json"}}, "{}"});
//   if (r.ok() && r->status == 200) Use(r->body);
#ifndef RUNE_RUNED_REGISTRY_HTTPS_CLIENT_H_
#define RUNE_RUNED_REGISTRY_HTTPS_CLIENT_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "openssl/ssl.h"
#include "runed/registry/proxy.h"
#include "runed/registry/url.h"

namespace rune::daemon::registry {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpsClientOptions {
  // PEM bundle of the CAs trusted for https:// (AWS_CA_BUNDLE, when a caller
  // honours it, goes here).
  std::string ca_file = "/etc/ssl/certs/ca-certificates.crt";
  ProxySettings proxy;
  // For the whole exchange: connecting, CONNECT, the TLS handshake, sending
  // and reading the response. Name resolution (getaddrinfo) runs first, under
  // the resolver's own timeouts.
  absl::Duration timeout = absl::Seconds(10);
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  // Sent as given; Host, Connection: close and Content-Length (for a body,
  // POST and PUT) are added by the client, User-Agent: runed unless given.
  HeaderList headers;
  std::string body;
};

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
};

// One client per set of options; Fetch may be called from several threads.
class HttpsClient {
 public:
  explicit HttpsClient(HttpsClientOptions options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Sends `request` on a new connection and reads the whole response, of
  // any status. Errors: InvalidArgument (bad URL, proxy or header),
  // FailedPrecondition (the CA bundle cannot be loaded), Unavailable
  // ("cannot resolve <host>: …", "cannot connect to <host>:<port>: connection
  // refused", "cannot connect to proxy …", "proxy <proxy> refused CONNECT
  // <host>:<port>: HTTP 407 …", "TLS handshake with <host>:<port>: certificate
  // verify failed: …", a malformed or cut answer), DeadlineExceeded ("no
  // answer from <host>:<port> within 10s"), ResourceExhausted (a body over
  // 8 MiB).
  absl::StatusOr<ClientResponse> Fetch(const ClientRequest& request) const;

  const HttpsClientOptions& options() const { return options_; }

 private:
  // The TLS client context, made on the first https:// request.
  absl::StatusOr<SSL_CTX*> Context() const;

  const HttpsClientOptions options_;
  mutable absl::Mutex mu_;
  mutable bssl::UniquePtr<SSL_CTX> ctx_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon::registry

#endif  // RUNE_RUNED_REGISTRY_HTTPS_CLIENT_H_
