#include "runed/net_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace rune::daemon {
namespace {

bool SplitHostPort(absl::string_view address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return false;
  if (!absl::SimpleAtoi(address.substr(colon + 1), port) || *port < 0 || *port > 65535) return false;
  absl::string_view h = address.substr(0, colon);
  if (absl::StartsWith(h, "[") && absl::EndsWith(h, "]")) h = h.substr(1, h.size() - 2);
  *host = std::string(h);
  return true;
}

}  // namespace

absl::StatusOr<SocketAddress> ParseListenAddress(absl::string_view address) {
  std::string host;
  int port;
  if (!SplitHostPort(address, &host, &port)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid address \"", address, "\": must be [host]:port"));
  }
  SocketAddress out;
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty() || host == "::") {
    out.any = host.empty();
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    a6->sin6_family = AF_INET6;
    a6->sin6_addr = in6addr_any;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    out.length = sizeof(sockaddr_in6);
    return out;
  }
  auto* a4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(port));
    out.length = sizeof(sockaddr_in);
    return out;
  }
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    out.length = sizeof(sockaddr_in6);
    return out;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid address \"", address, "\": the host must be an IP address or localhost"));
}

std::string GrpcListenAddress(absl::string_view address) {
  std::string host;
  int port;
  if (!SplitHostPort(address, &host, &port)) return std::string(address);
  if (host.empty()) return absl::StrCat("[::]:", port);
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

std::string FormatSocketAddress(const sockaddr* addr) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr->sa_family == AF_INET) {
    const auto* a4 = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof(buf));
    return absl::StrCat(buf, ":", ntohs(a4->sin_port));
  }
  const auto* a6 = reinterpret_cast<const sockaddr_in6*>(addr);
  inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof(buf));
  return absl::StrCat("[", buf, "]:", ntohs(a6->sin6_port));
}

}  // namespace rune::daemon
