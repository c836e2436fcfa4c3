#include "runed/rest/bridge.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/document.h"
#include "common/errors.h"
#include "google/protobuf/util/json_util.h"
#include "runed/api/request_id.h"

namespace rune::daemon {
namespace {

std::string Find(const std::multimap<grpc::string_ref, grpc::string_ref>& md, const char* key) {
  auto it = md.find(key);
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

}  // namespace

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::FAILED_PRECONDITION: return 412;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    default: return 500;
  }
}

HttpResponse ErrorResponse(grpc::StatusCode code, absl::string_view message,
                           const std::string& request_id, std::optional<int> http_status) {
  HttpResponse r;
  r.status = http_status.value_or(HttpStatusOf(code));
  r.body = common::ToJson(common::Value::Object()
                              .Set("code", common::CodeName(static_cast<absl::StatusCode>(code)))
                              .Set("message", message)
                              .Set("request_id", request_id),
                          false);
  r.headers.emplace_back("X-Rune-Request-Id", request_id);
  if (r.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

std::string ProtoJson(const google::protobuf::Message& message) {
  std::string out;
  // Only fails for an Any of an unknown type; the API has none.
  (void)google::protobuf::util::MessageToJsonString(message, &out);
  return out;
}

HttpResponse MessageResponse(const google::protobuf::Message& message,
                             const std::string& request_id) {
  HttpResponse r;
  r.body = ProtoJson(message);
  r.headers.emplace_back("X-Rune-Request-Id", request_id);
  return r;
}

std::unique_ptr<grpc::ClientContext> CallContext(const HttpRequest& http, absl::Duration deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (deadline != absl::InfiniteDuration()) {
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  }
  auto auth = http.headers.find("authorization");
  if (auth != http.headers.end()) {
    // Metadata values are printable ASCII; anything else cannot be a valid
    // token anyway, and the authorizer still sees (and counts) a bad one.
    std::string value = auth->second;
    for (char& c : value) {
      if (c < 0x20 || c > 0x7e) c = '?';
    }
    ctx->AddMetadata("authorization", value);
  }
  ctx->AddMetadata(kHttpPeerKey, http.peer);
  ctx->AddMetadata(kGatewayKeyKey, GatewayKey());
  return ctx;
}

std::string FinishedRequestId(const grpc::ClientContext& ctx) {
  return Find(ctx.GetServerTrailingMetadata(), kRequestIdKey);
}

std::string StreamRequestId(const grpc::ClientContext& ctx) {
  return Find(ctx.GetServerInitialMetadata(), kRequestIdKey);
}

}  // namespace rune::daemon
