#include "runed/registry/proxy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runed/registry/url.h"

namespace rune::daemon::registry {
namespace {

// %XX sequences decoded; anything else kept as it is.
std::string PercentDecode(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int byte = 0;
    if (s[i] == '%' && i + 3 <= s.size() && absl::ascii_isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        absl::ascii_isxdigit(static_cast<unsigned char>(s[i + 2])) && absl::SimpleHexAtoi(s.substr(i + 1, 2), &byte)) {
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

ProxySettings ProxySettingsFromEnv(const std::map<std::string, std::string>& env) {
  const auto get = [&](const char* upper, const char* lower) {
    for (const char* name : {upper, lower}) {
      auto it = env.find(name);
      if (it != env.end() && !it->second.empty()) return it->second;
    }
    return std::string();
  };
  return {get("HTTPS_PROXY", "https_proxy"), get("HTTP_PROXY", "http_proxy"), get("NO_PROXY", "no_proxy")};
}

bool NoProxyMatches(absl::string_view no_proxy, absl::string_view host, int port) {
  const std::string h = absl::AsciiStrToLower(absl::StripSuffix(host, "."));
  for (absl::string_view entry : absl::StrSplit(no_proxy, ',')) {
    entry = absl::StripAsciiWhitespace(entry);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    std::string name;
    int entry_port = 0;
    absl::string_view spec = entry;
    absl::ConsumePrefix(&spec, ".");
    if (!SplitHostPort(spec, 0, &name, &entry_port).ok()) {
      // "::1" and other bare IPv6 addresses have no brackets.
      name = absl::AsciiStrToLower(spec);
      entry_port = 0;
    }
    name = std::string(absl::StripSuffix(name, "."));
    if (entry_port != 0 && entry_port != port) continue;
    if (h == name) return true;
    if (!IsIpLiteral(h) && absl::EndsWith(h, absl::StrCat(".", name))) return true;
  }
  return false;
}

std::string Proxy::Authority() const { return JoinHostPort(host, port); }

absl::StatusOr<Proxy> ParseProxy(absl::string_view text) {
  const auto invalid = [&](absl::string_view reason) {
    return absl::InvalidArgumentError(absl::StrCat("invalid proxy \"", text, "\": ", reason));
  };
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  const size_t scheme_end = rest.find("://");
  if (scheme_end != absl::string_view::npos) {
    if (absl::AsciiStrToLower(rest.substr(0, scheme_end)) != "http") {
      return invalid("only http:// proxies are supported");
    }
    rest.remove_prefix(scheme_end + 3);
  }
  rest = rest.substr(0, rest.find('/'));
  Proxy proxy;
  const size_t at = rest.rfind('@');
  if (at != absl::string_view::npos) {
    const absl::string_view userinfo = rest.substr(0, at);
    const size_t colon = userinfo.find(':');
    std::string user_pass = PercentDecode(userinfo.substr(0, colon));
    if (colon != absl::string_view::npos) absl::StrAppend(&user_pass, ":", PercentDecode(userinfo.substr(colon + 1)));
    proxy.authorization = absl::StrCat("Basic ", absl::Base64Escape(user_pass));
    rest = rest.substr(at + 1);
  }
  if (absl::Status s = SplitHostPort(rest, 80, &proxy.host, &proxy.port); !s.ok()) return invalid(s.message());
  return proxy;
}

}  // namespace rune::daemon::registry
