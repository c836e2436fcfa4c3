// The REST logs endpoint (SPEC §5.4, §5.11): LogService.StreamLogs of runed's
// own server as server-sent events, one `data: <LogLine proto JSON>` event per
// line. Errors before the first message (authentication, RBAC, validation,
// an unknown target) are plain JSON errors with their HTTP status; an error
// after it (runed shutting down: M46) ends the stream with one
// `event: error` whose data is the JSON error. A client that disconnects
// cancels the call.
//
//   api::StreamLogsRequest request = …;
//   HttpResponse r = StreamLogEvents(channel, http, request);
#ifndef RUNE_RUNED_REST_LOG_EVENTS_H_
#define RUNE_RUNED_REST_LOG_EVENTS_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "proto/log.pb.h"
#include "runed/rest/http_server.h"

namespace rune::daemon {

// Starts the call and waits for its first message (runed sends one as soon
// as a follow is established) or its end. `fallback_id` is the request ID of
// an error the server never saw (the call could not start).
HttpResponse StreamLogEvents(const std::shared_ptr<grpc::Channel>& channel, const HttpRequest& http,
                             const api::StreamLogsRequest& request, const std::string& fallback_id);

// The events of one batch of lines.
std::string LogEvents(const api::StreamLogsResponse& batch);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_REST_LOG_EVENTS_H_
