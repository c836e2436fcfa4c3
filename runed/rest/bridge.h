// How the REST gateway turns an HTTP request into a gRPC call of runed's own
// server and the call's outcome into an HTTP response (SPEC §5.4): the
// caller's `Authorization` header, address and the gateway key go out as
// call metadata (runed/api/request_id.h), replies come back as proto JSON
// (lowerCamelCase), errors as {"code","message","request_id"} with the
// status of SPEC §5.4 and the server's request ID in `X-Rune-Request-Id`.
//
//   std::unique_ptr<grpc::ClientContext> ctx = CallContext(http, absl::Seconds(60));
//   grpc::Status s = stub->GetService(ctx.get(), request, &reply);
//   const std::string id = FinishedRequestId(*ctx);
//   HttpResponse r = s.ok() ? MessageResponse(reply, id)
//                           : ErrorResponse(s.error_code(), s.error_message(), id);
#ifndef RUNE_RUNED_REST_BRIDGE_H_
#define RUNE_RUNED_REST_BRIDGE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "runed/rest/http_server.h"

namespace rune::daemon {

// The HTTP status of a gRPC code: InvalidArgument/OutOfRange 400,
// Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists/Aborted 409, FailedPrecondition 412, ResourceExhausted 429,
// Cancelled 499, Unimplemented 501, Unavailable 503, DeadlineExceeded 504,
// any other 500.
int HttpStatusOf(grpc::StatusCode code);

// A JSON error with the status of `code` (`http_status` overrides it); 401
// also says `WWW-Authenticate: Bearer`.
HttpResponse ErrorResponse(grpc::StatusCode code, absl::string_view message,
                           const std::string& request_id,
                           std::optional<int> http_status = std::nullopt);

// 200 with the proto JSON of `message`.
HttpResponse MessageResponse(const google::protobuf::Message& message,
                             const std::string& request_id);

// The compact proto JSON of `message` (lowerCamelCase keys, default values
// left out, bytes as base64).
std::string ProtoJson(const google::protobuf::Message& message);

// A context for a call made on behalf of `http`, ending after `deadline`
// (infinite: no deadline).
std::unique_ptr<grpc::ClientContext> CallContext(const HttpRequest& http, absl::Duration deadline);

// The `x-rune-request-id` of a finished call, from its trailing metadata;
// "" when the call never reached the server.
std::string FinishedRequestId(const grpc::ClientContext& ctx);

// The `x-rune-request-id` of a stream whose initial metadata arrived (after
// a successful Read()).
std::string StreamRequestId(const grpc::ClientContext& ctx);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_REST_BRIDGE_H_
