// The HTTP routes of runed (SPEC §5.4): /healthz, /v1/version, and the /v1
// read endpoints (which answer 501 until the REST gateway is built).
//
//   ServingState state;
//   HttpServer server([&state](const HttpRequest& r) { return HandleRest(r, state); });
#ifndef RUNE_RUNED_REST_GATEWAY_H_
#define RUNE_RUNED_REST_GATEWAY_H_

#include <atomic>

#include "runed/rest/http_server.h"

namespace rune::daemon {

// What /healthz reports.
enum class Serving { kStarting, kReady, kShuttingDown };

struct ServingState {
  std::atomic<Serving> value{Serving::kStarting};
};

HttpResponse HandleRest(const HttpRequest& request, const ServingState& state);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_REST_GATEWAY_H_
