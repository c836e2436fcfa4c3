// The HTTP routes of runed (SPEC §5.4): /healthz, /v1/version and the
// authenticated /v1 read endpoints. Each read endpoint is one RPC of runed's
// own gRPC server, called over its in-process channel with the caller's
// bearer token and address (runed/rest/bridge.h), so authentication,
// throttling, RBAC, request IDs and RPC logging are exactly those of the
// gRPC API. `{ns}` `_all` means every namespace.
//
//   ServingState state;
//   RestGateway gateway(&state);
//   HttpServer http([&gateway](const HttpRequest& r) { return gateway.Handle(r); });
//   …                               // build and start the gRPC server
//   gateway.Connect(server->InProcessChannel(RestGateway::ChannelArguments()));
#ifndef RUNE_RUNED_REST_GATEWAY_H_
#define RUNE_RUNED_REST_GATEWAY_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"
#include "runed/rest/http_server.h"
#include "runed/rest/url.h"

namespace rune::daemon {

// What /healthz reports.
enum class Serving { kStarting, kReady, kShuttingDown };

struct ServingState {
  std::atomic<Serving> value{Serving::kStarting};
};

struct RouteMatch;

class RestGateway {
 public:
  explicit RestGateway(const ServingState* state) : state_(state) {}

  // Arguments for the in-process channel (no limit on reply sizes).
  static grpc::ChannelArguments ChannelArguments();

  // The channel to runed's gRPC server; /v1 reads other than /v1/version
  // answer 503 until it is set.
  void Connect(std::shared_ptr<grpc::Channel> channel) ABSL_LOCKS_EXCLUDED(mu_);

  // Answers one request: 404 for unknown paths, 405 for methods other than
  // GET, 400 for unknown or malformed query parameters, else the endpoint's
  // answer. Logs one `http` line at debug level.
  HttpResponse Handle(const HttpRequest& request) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  HttpResponse Route(const HttpRequest& request, const std::string& id) ABSL_LOCKS_EXCLUDED(mu_);
  HttpResponse Call(const RouteMatch& match, const QueryParams& query, const HttpRequest& request,
                    const std::shared_ptr<grpc::Channel>& channel, const std::string& id);

  const ServingState* state_;
  absl::Mutex mu_;
  std::shared_ptr<grpc::Channel> channel_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_REST_GATEWAY_H_
