// Listen addresses "[host]:port" (SPEC §5.2) as sockets and as gRPC targets.
//
// An empty host listens on every address (IPv6 and IPv4 when the host has
// IPv6); hosts are IP literals or "localhost" — names are not resolved, so
// the static binary never needs NSS.
//
//   absl::StatusOr<SocketAddress> a = ParseListenAddress(":7861");
//   std::string grpc = GrpcListenAddress(":7863");   // "[::]:7863"
#ifndef RUNE_RUNED_NET_ADDRESS_H_
#define RUNE_RUNED_NET_ADDRESS_H_

#include <sys/socket.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::daemon {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  bool any = false;  // the host part was empty
};

absl::StatusOr<SocketAddress> ParseListenAddress(absl::string_view address);

// The address in the form gRPC's ServerBuilder takes.
std::string GrpcListenAddress(absl::string_view address);

// "host:port" of a bound socket ("[::1]:41234" for IPv6).
std::string FormatSocketAddress(const sockaddr* addr);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_NET_ADDRESS_H_
