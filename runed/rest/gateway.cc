#include "runed/rest/gateway.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/document.h"
#include "common/version.h"
#include "runed/api/request_id.h"

namespace rune::daemon {
namespace {

HttpResponse Json(int status, const common::Value& doc, const std::string& request_id) {
  HttpResponse r;
  r.status = status;
  r.body = common::ToJson(doc, false);
  if (!request_id.empty()) r.headers.emplace_back("X-Rune-Request-Id", request_id);
  return r;
}

HttpResponse Error(int status, const char* code, const std::string& message,
                   const std::string& request_id) {
  return Json(status,
              common::Value::Object()
                  .Set("code", code)
                  .Set("message", message)
                  .Set("request_id", request_id),
              request_id);
}

}  // namespace

HttpResponse HandleRest(const HttpRequest& request, const ServingState& state) {
  const std::string id = NewRequestId();
  const std::string& path = request.path;
  const bool known = path == "/healthz" || path == "/v1/version" || absl::StartsWith(path, "/v1/");
  if (!known) return Error(404, "NotFound", absl::StrCat("no route for ", path), id);
  if (request.method != "GET") {
    HttpResponse r = Error(405, "InvalidArgument", absl::StrCat("method ", request.method, " is not allowed"), id);
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (path == "/healthz") {
    switch (state.value.load()) {
      case Serving::kReady:
        return Json(200, common::Value::Object().Set("status", "ok"), id);
      case Serving::kStarting:
        return Json(503, common::Value::Object().Set("status", "unavailable").Set("reason", "starting"), id);
      case Serving::kShuttingDown:
        return Json(503,
                    common::Value::Object().Set("status", "unavailable").Set("reason", "shutting down"),
                    id);
    }
  }
  if (path == "/v1/version") {
    const common::BuildInfo b = common::CurrentBuild();
    return Json(200,
                common::Value::Object()
                    .Set("version", b.version)
                    .Set("commit", b.commit)
                    .Set("buildTime", b.build_time)
                    .Set("platform", b.platform),
                id);
  }
  return Error(501, "Unimplemented",
               absl::StrCat("GET ", path, " is not implemented yet (feature: REST read gateway)"), id);
}

}  // namespace rune::daemon
