// Proxy settings for registry requests (SPEC §7.3 item 2: pulls honour
// HTTPS_PROXY, HTTP_PROXY and NO_PROXY): reading them from an environment
// map, deciding whether a host bypasses the proxy, and parsing a proxy URL.
// Nothing here reads the process environment; callers pass theirs.
//
//   ProxySettings p = ProxySettingsFromEnv(env);
//   if (!p.https_proxy.empty() && !NoProxyMatches(p.no_proxy, "api.ecr.eu-west-1.amazonaws.com", 443)) {
//     absl::StatusOr<Proxy> proxy = ParseProxy(p.https_proxy);  // connect to proxy->host:proxy->port
//   }
#ifndef RUNE_RUNED_REGISTRY_PROXY_H_
#define RUNE_RUNED_REGISTRY_PROXY_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::daemon::registry {

// Proxy settings as the usual environment variables spell them. A proxy is
// "http://[user:password@]host[:port]" or "host[:port]" (port 80 when
// absent); only http:// proxies are supported.
struct ProxySettings {
  std::string https_proxy;  // for https:// URLs
  std::string http_proxy;   // for http:// URLs
  // Comma-separated hosts that bypass the proxy: "*" (all), an exact host or
  // IP address, a domain ("example.com" or ".example.com": the domain and
  // every name below it), each optionally with ":port".
  std::string no_proxy;
};

// HTTPS_PROXY, HTTP_PROXY and NO_PROXY of `env`, each falling back to its
// lower-case spelling.
ProxySettings ProxySettingsFromEnv(const std::map<std::string, std::string>& env);

// Whether `no_proxy` (the NO_PROXY syntax above) exempts host:port.
bool NoProxyMatches(absl::string_view no_proxy, absl::string_view host, int port);

// An http:// proxy: where to connect and its Proxy-Authorization value.
struct Proxy {
  std::string host;
  int port = 80;
  std::string authorization;  // "Basic <base64 of user:password>" or empty

  std::string Authority() const;  // "host:port"
};

// InvalidArgument `invalid proxy "<text>": <reason>` (another scheme than
// http://, a bad host or port). The user and password are percent-decoded.
absl::StatusOr<Proxy> ParseProxy(absl::string_view text);

}  // namespace rune::daemon::registry

#endif  // RUNE_RUNED_REGISTRY_PROXY_H_
