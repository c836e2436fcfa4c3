// Talking to runed: where (SPEC §3.4), with which credentials, and how an RPC
// outcome becomes a status under the error contract.
//
//   RUNE_ASSIGN_OR_RETURN(ConnectionSettings settings, ResolveConnection(inv));
//   RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(inv, settings));
//   grpc::ClientContext ctx;
//   conn->Prepare(&ctx);
//   absl::Time start = absl::Now();
//   grpc::Status s = stub->GetVersion(&ctx, request, &response);
//   RUNE_RETURN_IF_ERROR(conn->Finish("HealthService.GetVersion", ctx, s, start));
#ifndef RUNE_RUNE_CONNECTION_H_
#define RUNE_RUNE_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/health.pb.h"
#include "rune/client_config.h"
#include "rune/invocation.h"

namespace rune::cli {

struct ConnectionSettings {
  std::string config_path;
  std::string context;  // "" when no context applies
  std::string address;  // normalised host:port (IPv6 in brackets)
  bool tls = false;
  TlsFiles tls_files;
  std::string token;  // "" when none
  std::string namespace_name;
};

// The path of the client config file: --config > RUNE_CLI_CONFIG >
// $HOME/.rune/config.yaml.
std::string ClientConfigPath(const Invocation& inv);

// Strips http:// (plaintext) or https:// (TLS, sets *tls), appends :7863 when
// there is no port, brackets bare IPv6 addresses.
std::string NormalizeAddress(absl::string_view address, bool* tls);

// Applies the precedence rules (flag > environment > context > default) to
// address, TLS, token and namespace. Errors: M43 (config or token file), M44
// (RUNE_CONTEXT names a missing context), usage (missing --token-file).
absl::StatusOr<ConnectionSettings> ResolveConnection(Invocation& inv);

// The settings of one context alone, ignoring flags and RUNE_* variables
// (login verification, logout --revoke). An unreadable token file is M43.
absl::StatusOr<ConnectionSettings> ContextSettings(const std::string& config_path,
                                                   const ContextEntry& entry);

class Connection {
 public:
  // Creates the channel (no network traffic yet). Reading TLS files may fail
  // with M43.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(Invocation& inv,
                                                          const ConnectionSettings& settings);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const ConnectionSettings& settings() const { return settings_; }

  // Sets the --request-timeout deadline and the bearer token.
  void Prepare(grpc::ClientContext* ctx);
  // The bearer token only: streams (watch, follow) have no deadline.
  void PrepareStream(grpc::ClientContext* ctx);

  // Maps the outcome of one RPC: OK, a connection failure (M01), a client
  // deadline (M32) or the server's status with its request ID and hint.
  // Logs the "rpc …" line when verbose.
  absl::Status Finish(absl::string_view method, const grpc::ClientContext& ctx,
                      const grpc::Status& status, absl::Time start);

  // One unary RPC with the --request-timeout deadline and the token:
  //   conn->Call(stub.get(), &api::AdminService::Stub::Bootstrap,
  //              "AdminService.Bootstrap", request, &response);
  template <typename Stub, typename Request, typename Response>
  absl::Status Call(Stub* stub,
                    grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                    absl::string_view method, const Request& request, Response* response,
                    absl::Duration deadline = absl::ZeroDuration()) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    if (deadline > absl::ZeroDuration()) ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    const absl::Time start = absl::Now();
    const grpc::Status status = (stub->*rpc)(&ctx, request, response);
    return Finish(method, ctx, status, start);
  }

 private:
  Connection(Invocation& inv, ConnectionSettings settings, std::shared_ptr<grpc::Channel> channel)
      : inv_(inv), settings_(std::move(settings)), channel_(std::move(channel)) {}

  Invocation& inv_;
  ConnectionSettings settings_;
  std::shared_ptr<grpc::Channel> channel_;
};

// Resolves the settings (ResolveConnection) and opens the channel.
absl::StatusOr<std::unique_ptr<Connection>> Connect(Invocation& inv);

// Resolves the connection and asks runed for its version
// (HealthService.GetVersion, unauthenticated). Errors as ResolveConnection
// and Connection::Finish.
absl::StatusOr<api::GetVersionResponse> FetchServerVersion(Invocation& inv);

}  // namespace rune::cli

#endif  // RUNE_RUNE_CONNECTION_H_
