#include "runed/registry/url.h"

#include <arpa/inet.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace rune::daemon::registry {

bool IsIpLiteral(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

std::string JoinHostPort(absl::string_view host, int port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::Status SplitHostPort(absl::string_view authority, int default_port, std::string* host, int* port) {
  absl::string_view rest;
  bool has_port = false;
  if (absl::ConsumePrefix(&authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return absl::InvalidArgumentError("missing ']' after an IPv6 address");
    *host = std::string(authority.substr(0, close));
    rest = authority.substr(close + 1);
    if (!rest.empty() && !absl::ConsumePrefix(&rest, ":")) {
      return absl::InvalidArgumentError("unexpected text after ']'");
    }
    has_port = authority.size() > close + 1;
  } else {
    const size_t colon = authority.find(':');
    *host = std::string(authority.substr(0, colon));
    has_port = colon != absl::string_view::npos;
    if (has_port) rest = authority.substr(colon + 1);
    if (absl::StrContains(rest, ':')) return absl::InvalidArgumentError("an IPv6 address must be in brackets");
  }
  *host = absl::AsciiStrToLower(*host);
  if (host->empty()) return absl::InvalidArgumentError("no host");
  for (char c : *host) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '/' || c == '@' || c == '[' || c == ']') {
      return absl::InvalidArgumentError("invalid character in the host");
    }
  }
  *port = default_port;
  if (has_port && (rest.empty() || rest.find_first_not_of("0123456789") != absl::string_view::npos ||
                   !absl::SimpleAtoi(rest, port) || *port < 1 || *port > 65535)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid port \"", rest, "\""));
  }
  return absl::OkStatus();
}

std::string Url::HostHeader() const {
  const int default_port = scheme == "https" ? 443 : 80;
  if (port == default_port) return absl::StrContains(host, ':') ? absl::StrCat("[", host, "]") : host;
  return Authority();
}

std::string Url::Authority() const { return JoinHostPort(host, port); }

absl::StatusOr<Url> ParseUrl(absl::string_view text) {
  const auto invalid = [&](absl::string_view reason) {
    return absl::InvalidArgumentError(absl::StrCat("invalid URL \"", text, "\": ", reason));
  };
  Url url;
  absl::string_view rest = text;
  const size_t scheme_end = rest.find("://");
  if (scheme_end == absl::string_view::npos) return invalid("it must start with http:// or https://");
  url.scheme = absl::AsciiStrToLower(rest.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") return invalid("it must start with http:// or https://");
  rest.remove_prefix(scheme_end + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  const absl::string_view authority = rest.substr(0, authority_end);
  if (absl::StrContains(authority, '@')) return invalid("credentials in the URL are not supported");
  if (absl::Status s = SplitHostPort(authority, url.scheme == "https" ? 443 : 80, &url.host, &url.port); !s.ok()) {
    return invalid(s.message());
  }
  rest = authority_end == absl::string_view::npos ? absl::string_view() : rest.substr(authority_end);
  rest = rest.substr(0, rest.find('#'));
  url.target = absl::StartsWith(rest, "/") ? std::string(rest) : absl::StrCat("/", rest);
  for (char c : url.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return invalid("spaces or control characters in the path");
  }
  return url;
}

}  // namespace rune::daemon::registry
