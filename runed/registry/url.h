// http:// and https:// URLs and "host:port" authorities for the registry
// HTTP client (SPEC §5.10): parsing, the Host header and the address to
// connect to, IPv6 addresses in brackets.
//
//   absl::StatusOr<Url> u = ParseUrl("https://api.ecr.eu-west-1.amazonaws.com");
//   u->HostHeader();  // "api.ecr.eu-west-1.amazonaws.com"
//   u->Authority();   // "api.ecr.eu-west-1.amazonaws.com:443"
//   u->target;        // "/"
#ifndef RUNE_RUNED_REGISTRY_URL_H_
#define RUNE_RUNED_REGISTRY_URL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::daemon::registry {

// An http:// or https:// URL.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower case; an IPv6 address without brackets
  int port = 0;        // the scheme's default when the URL has none
  std::string target;  // path and query, "/" when the URL has no path

  // "host" or "host:port" when the port is not the scheme's default.
  std::string HostHeader() const;
  // "host:port", always with the port.
  std::string Authority() const;
};

// InvalidArgument `invalid URL "<url>": <reason>`; user information
// ("user:password@") is refused.
absl::StatusOr<Url> ParseUrl(absl::string_view url);

// Splits "host", "host:port", "[v6]" or "[v6]:port"; the port is
// `default_port` when absent. InvalidArgument with a short reason ("no host",
// `invalid port "x"`).
absl::Status SplitHostPort(absl::string_view authority, int default_port, std::string* host, int* port);

// "host:port", or "[v6]:port" for an IPv6 address.
std::string JoinHostPort(absl::string_view host, int port);

// Whether `host` is an IPv4 or IPv6 address rather than a name.
bool IsIpLiteral(const std::string& host);

}  // namespace rune::daemon::registry

#endif  // RUNE_RUNED_REGISTRY_URL_H_
