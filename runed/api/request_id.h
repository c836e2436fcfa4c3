// Per-RPC request IDs (SPEC §2.2) and the RPC log line (SPEC §5.1).
//
// Every call gets 16 lowercase hex characters (64 random bits), sent in both
// initial and trailing metadata as `x-rune-request-id`; handlers find it with
// RequestIdOf(ctx) to log or embed it. When the call ends one line is logged:
// at debug level, or at info for errors other than NotFound/AlreadyExists.
//
// Calls of the REST gateway (runed/rest) reach the server over its
// in-process channel, where gRPC knows no network peer; they carry the HTTP
// client's address, and PeerOf() believes it only next to the process's
// gateway key, which never leaves runed.
//
//   builder.experimental().SetInterceptorCreators(RequestIdInterceptors());
//   std::string id = RequestIdOf(ctx);
//   std::string peer = PeerOf(ctx);   // "ipv4:10.0.0.7:51234"
#ifndef RUNE_RUNED_API_REQUEST_ID_H_
#define RUNE_RUNED_API_REQUEST_ID_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"

namespace rune::daemon {

inline constexpr char kRequestIdKey[] = "x-rune-request-id";
inline constexpr char kHintKey[] = "x-rune-hint";
// Metadata of the REST gateway's calls: the HTTP client's address (gRPC peer
// form) and GatewayKey().
inline constexpr char kHttpPeerKey[] = "x-rune-http-peer";
inline constexpr char kGatewayKeyKey[] = "x-rune-gateway-key";

// A fresh random request ID.
std::string NewRequestId();

// The interceptor factories to install on the server.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
RequestIdInterceptors();

// The request ID of a call in progress ("" if the call is unknown).
std::string RequestIdOf(const grpc::ServerContextBase* ctx);

// The full method name of a call in progress ("/rune.api.X/Y"; "" if unknown).
std::string MethodOf(const grpc::ServerContextBase* ctx);

// 32 random hex characters chosen once per process, sent only by the REST
// gateway on its in-process calls.
const std::string& GatewayKey();

// The address a call is judged by (failed-attempt throttling, admin
// locality) and logged with: the transport's peer ("ipv4:127.0.0.1:5000"),
// or the HTTP client's address for a call that carries the gateway key.
std::string PeerOf(const grpc::ServerContextBase* ctx);

// Records who made the call, for the RPC log line.
void SetSubjectOf(const grpc::ServerContextBase* ctx, absl::string_view subject);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_REQUEST_ID_H_
