#include "runed/rest/gateway.h"

#include <algorithm>
#include <optional>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/document.h"
#include "common/duration.h"
#include "common/proto_time.h"
#include "common/version.h"
#include "grpcpp/grpcpp.h"
#include "proto/auth.grpc.pb.h"
#include "proto/configmap.grpc.pb.h"
#include "proto/health.grpc.pb.h"
#include "proto/instance.grpc.pb.h"
#include "proto/log.grpc.pb.h"
#include "proto/namespace.grpc.pb.h"
#include "proto/secret.grpc.pb.h"
#include "proto/service.grpc.pb.h"
#include "runed/api/request_id.h"
#include "runed/logging.h"
#include "runed/rest/bridge.h"
#include "runed/rest/log_events.h"

namespace rune::daemon {
namespace {

constexpr absl::Duration kUnaryDeadline = absl::Seconds(60);

enum class Endpoint {
  kHealthz,
  kVersion,
  kNamespaces,
  kNamespace,
  kServices,
  kService,
  kServiceHistory,
  kDependents,
  kInstances,
  kInstance,
  kSecrets,
  kSecret,
  kConfigmaps,
  kConfigmap,
  kServiceHealth,
  kInstanceHealth,
  kNodeHealth,
  kWhoAmI,
  kLogs,
};

// One route: `{ns}` and `{name}` match one non-empty segment, `{target...}`
// the rest of the path (a typed log target such as `service/api` spans two).
struct RouteSpec {
  const char* pattern;
  Endpoint endpoint;
  std::vector<std::string> params;  // the query parameters it takes
};

const std::vector<RouteSpec>& Routes() {
  static const auto* const kRoutes = new std::vector<RouteSpec>{
      {"/healthz", Endpoint::kHealthz, {}},
      {"/v1/version", Endpoint::kVersion, {}},
      {"/v1/namespaces", Endpoint::kNamespaces, {}},
      {"/v1/namespaces/{ns}", Endpoint::kNamespace, {}},
      {"/v1/namespaces/{ns}/services", Endpoint::kServices, {"selector"}},
      {"/v1/namespaces/{ns}/services/{name}", Endpoint::kService, {}},
      {"/v1/namespaces/{ns}/services/{name}/history", Endpoint::kServiceHistory, {}},
      {"/v1/namespaces/{ns}/services/{name}/dependents", Endpoint::kDependents, {}},
      {"/v1/namespaces/{ns}/instances", Endpoint::kInstances, {"service"}},
      {"/v1/namespaces/{ns}/instances/{name}", Endpoint::kInstance, {}},
      {"/v1/namespaces/{ns}/secrets", Endpoint::kSecrets, {}},
      {"/v1/namespaces/{ns}/secrets/{name}", Endpoint::kSecret, {}},
      {"/v1/namespaces/{ns}/configmaps", Endpoint::kConfigmaps, {}},
      {"/v1/namespaces/{ns}/configmaps/{name}", Endpoint::kConfigmap, {}},
      {"/v1/namespaces/{ns}/health/services/{name}", Endpoint::kServiceHealth, {"checks"}},
      {"/v1/namespaces/{ns}/health/instances/{name}", Endpoint::kInstanceHealth, {"checks"}},
      {"/v1/health/node", Endpoint::kNodeHealth, {}},
      {"/v1/auth/whoami", Endpoint::kWhoAmI, {}},
      {"/v1/namespaces/{ns}/logs/{target...}",
       Endpoint::kLogs,
       {"follow", "tail", "since", "until", "grep"}},
  };
  return *kRoutes;
}

}  // namespace

// A request path matched to its route.
struct RouteMatch {
  const RouteSpec* route = nullptr;
  std::string ns;    // `_all` already turned into `*`
  std::string name;  // the instance ID or log target for those routes
};

namespace {

std::optional<RouteMatch> MatchRoute(const std::vector<std::string>& segments) {
  for (const RouteSpec& route : Routes()) {
    const std::vector<absl::string_view> pattern =
        absl::StrSplit(absl::string_view(route.pattern).substr(1), '/');
    RouteMatch m;
    m.route = &route;
    bool ok = true;
    size_t i = 0;
    for (; ok && i < pattern.size(); ++i) {
      if (i >= segments.size() || segments[i].empty()) {
        ok = false;
      } else if (pattern[i] == "{target...}") {
        for (size_t j = i; j < segments.size(); ++j) ok = ok && !segments[j].empty();
        m.name =
            absl::StrJoin(segments.begin() + static_cast<std::ptrdiff_t>(i), segments.end(), "/");
        i = segments.size();
        break;
      } else if (pattern[i] == "{ns}") {
        m.ns = segments[i] == "_all" ? "*" : segments[i];
      } else if (pattern[i] == "{name}") {
        m.name = segments[i];
      } else {
        ok = pattern[i] == segments[i];
      }
    }
    if (ok && i == segments.size()) return m;
  }
  return std::nullopt;
}

HttpResponse BadParameter(absl::string_view name, absl::string_view value, absl::string_view why,
                          const std::string& id) {
  return ErrorResponse(
      grpc::StatusCode::INVALID_ARGUMENT,
      absl::StrCat("invalid value \"", value, "\" for query parameter \"", name, "\": ", why), id);
}

// A query parameter's value; "" when absent or empty (`?grep=` = no grep).
std::string Text(const QueryParams& query, const char* name) {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second.value_or("");
}

// true, false, 1, 0 (any case); a bare name (`?follow`) is true, an empty
// value the default (false).
absl::StatusOr<bool> Flag(const QueryParams& query, const char* name) {
  auto it = query.find(name);
  if (it == query.end()) return false;
  if (!it->second.has_value()) return true;
  const std::string v = absl::AsciiStrToLower(*it->second);
  if (v.empty() || v == "false" || v == "0") return false;
  if (v == "true" || v == "1") return true;
  return absl::InvalidArgumentError("must be true or false");
}

// A duration back from now or an RFC 3339 time, as for `rune logs --since`.
absl::StatusOr<absl::Time> LogTime(absl::string_view value, absl::Time now) {
  if (absl::StatusOr<absl::Duration> d = common::ParseDuration(value); d.ok()) return now - *d;
  absl::Time t;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, std::string(value), &t, &error)) return t;
  return absl::InvalidArgumentError("invalid duration or RFC 3339 time");
}

// The StreamLogs request of a logs URL, or the 400 answer.
std::variant<api::StreamLogsRequest, HttpResponse> LogsRequest(const RouteMatch& m,
                                                               const QueryParams& query,
                                                               const std::string& id) {
  api::StreamLogsRequest request;
  request.set_namespace_(m.ns);
  request.set_target(m.name);
  absl::StatusOr<bool> follow = Flag(query, "follow");
  if (!follow.ok())
    return BadParameter("follow", Text(query, "follow"), follow.status().message(), id);
  request.set_follow(*follow);
  if (const std::string tail = Text(query, "tail"); !tail.empty()) {
    int32_t n = 0;
    if (!absl::SimpleAtoi(tail, &n)) return BadParameter("tail", tail, "not an integer", id);
    request.set_tail(n);
  }
  const absl::Time now = absl::Now();
  for (const char* name : {"since", "until"}) {
    const std::string value = Text(query, name);
    if (value.empty()) continue;
    absl::StatusOr<absl::Time> t = LogTime(value, now);
    if (!t.ok()) return BadParameter(name, value, t.status().message(), id);
    common::ToTimestamp(*t, name[0] == 's' ? request.mutable_since() : request.mutable_until());
  }
  request.set_grep(Text(query, "grep"));
  return request;
}

// Calls `method` of `Service` with the caller's credentials; the reply as
// proto JSON, or the error.
template <typename Stub, typename Request, typename Response>
HttpResponse Unary(const std::shared_ptr<grpc::Channel>& channel, const HttpRequest& http,
                   const std::string& fallback_id,
                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                   const Request& request) {
  Stub stub(channel);
  std::unique_ptr<grpc::ClientContext> ctx = CallContext(http, kUnaryDeadline);
  Response response;
  const grpc::Status status = (stub.*method)(ctx.get(), request, &response);
  std::string id = FinishedRequestId(*ctx);
  if (id.empty()) id = fallback_id;
  if (!status.ok()) return ErrorResponse(status.error_code(), status.error_message(), id);
  return MessageResponse(response, id);
}

HttpResponse Healthz(Serving serving, const std::string& id) {
  HttpResponse r;
  common::Value doc = common::Value::Object();
  switch (serving) {
    case Serving::kReady: doc.Set("status", "ok"); break;
    case Serving::kStarting:
      r.status = 503;
      doc.Set("status", "unavailable").Set("reason", "starting");
      break;
    case Serving::kShuttingDown:
      r.status = 503;
      doc.Set("status", "unavailable").Set("reason", "shutting down");
      break;
  }
  r.body = common::ToJson(doc, false);
  r.headers.emplace_back("X-Rune-Request-Id", id);
  return r;
}

HttpResponse Version(const std::string& id) {
  const common::BuildInfo b = common::CurrentBuild();
  HttpResponse r;
  r.body = common::ToJson(common::Value::Object()
                              .Set("version", b.version)
                              .Set("commit", b.commit)
                              .Set("buildTime", b.build_time)
                              .Set("platform", b.platform),
                          false);
  r.headers.emplace_back("X-Rune-Request-Id", id);
  return r;
}

template <typename Request>
Request Named(const RouteMatch& m) {
  Request r;
  r.set_namespace_(m.ns);
  r.set_name(m.name);
  return r;
}

api::GetHealthRequest Health(api::GetHealthRequest::Kind kind, const RouteMatch& m, bool checks) {
  api::GetHealthRequest r;
  r.set_kind(kind);
  r.set_namespace_(m.ns);
  r.set_name(m.name);
  r.set_include_checks(checks);
  return r;
}

}  // namespace

grpc::ChannelArguments RestGateway::ChannelArguments() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  return args;
}

void RestGateway::Connect(std::shared_ptr<grpc::Channel> channel) {
  absl::MutexLock lock(&mu_);
  channel_ = std::move(channel);
}

HttpResponse RestGateway::Handle(const HttpRequest& request) {
  const absl::Time start = absl::Now();
  const std::string local_id = NewRequestId();
  HttpResponse r = Route(request, local_id);
  if (Log().Enabled(LogLevel::kDebug)) {
    std::string id = local_id;
    for (const auto& [k, v] : r.headers) {
      if (k == "X-Rune-Request-Id") id = v;
    }
    Log().Debug("http",
                {{"method", request.method},
                 {"path", request.path},
                 {"status", absl::StrCat(r.status)},
                 {"request_id", id},
                 {"peer", request.peer},
                 {"duration_ms", absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - start))}});
  }
  return r;
}

HttpResponse RestGateway::Route(const HttpRequest& request, const std::string& id) {
  absl::StatusOr<std::vector<std::string>> segments = PathSegments(request.path);
  if (!segments.ok()) {
    return ErrorResponse(grpc::StatusCode::INVALID_ARGUMENT, segments.status().message(), id);
  }
  const std::optional<RouteMatch> match = MatchRoute(*segments);
  if (!match.has_value()) {
    return ErrorResponse(grpc::StatusCode::NOT_FOUND, absl::StrCat("no route for ", request.path),
                         id);
  }
  if (request.method != "GET") {
    HttpResponse r = ErrorResponse(
        grpc::StatusCode::UNIMPLEMENTED,
        absl::StrCat("method ", request.method, " is not allowed on ", request.path, "; use GET"),
        id, 405);
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  absl::StatusOr<QueryParams> query = ParseQuery(request.query);
  if (!query.ok()) {
    return ErrorResponse(grpc::StatusCode::INVALID_ARGUMENT, query.status().message(), id);
  }
  for (const auto& [name, value] : *query) {
    const std::vector<std::string>& known = match->route->params;
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    return ErrorResponse(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("unknown query parameter \"", name, "\" for ", request.path,
                     known.empty() ? " (it takes none)"
                                   : absl::StrCat(" (it takes ", absl::StrJoin(known, ", "), ")")),
        id);
  }
  switch (match->route->endpoint) {
    case Endpoint::kHealthz: return Healthz(state_->value.load(), id);
    case Endpoint::kVersion: return Version(id);
    default: break;
  }
  std::shared_ptr<grpc::Channel> channel;
  {
    absl::MutexLock lock(&mu_);
    channel = channel_;
  }
  if (channel == nullptr) {
    return ErrorResponse(grpc::StatusCode::UNAVAILABLE, "runed is starting", id);
  }
  return Call(*match, *query, request, channel, id);
}

HttpResponse RestGateway::Call(const RouteMatch& m, const QueryParams& query,
                               const HttpRequest& http,
                               const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& id) {
  switch (m.route->endpoint) {
    case Endpoint::kNamespaces:
      return Unary(channel, http, id, &api::NamespaceService::Stub::ListNamespaces,
                   api::ListNamespacesRequest());
    case Endpoint::kNamespace: {
      api::GetNamespaceRequest r;
      r.set_name(m.ns);
      return Unary(channel, http, id, &api::NamespaceService::Stub::GetNamespace, r);
    }
    case Endpoint::kServices: {
      api::ListServicesRequest r;
      r.set_namespace_(m.ns);
      r.set_selector(Text(query, "selector"));
      return Unary(channel, http, id, &api::ServiceService::Stub::ListServices, r);
    }
    case Endpoint::kService:
      return Unary(channel, http, id, &api::ServiceService::Stub::GetService,
                   Named<api::GetServiceRequest>(m));
    case Endpoint::kServiceHistory:
      return Unary(channel, http, id, &api::ServiceService::Stub::GetServiceHistory,
                   Named<api::GetServiceHistoryRequest>(m));
    case Endpoint::kDependents:
      return Unary(channel, http, id, &api::ServiceService::Stub::ListDependents,
                   Named<api::ListDependentsRequest>(m));
    case Endpoint::kInstances: {
      api::ListInstancesRequest r;
      r.set_namespace_(m.ns);
      r.set_service(Text(query, "service"));
      return Unary(channel, http, id, &api::InstanceService::Stub::ListInstances, r);
    }
    case Endpoint::kInstance: {
      api::GetInstanceRequest r;
      r.set_namespace_(m.ns);
      r.set_id(m.name);
      return Unary(channel, http, id, &api::InstanceService::Stub::GetInstance, r);
    }
    case Endpoint::kSecrets: {
      api::ListSecretsRequest r;
      r.set_namespace_(m.ns);
      return Unary(channel, http, id, &api::SecretService::Stub::ListSecrets, r);
    }
    case Endpoint::kSecret:
      return Unary(channel, http, id, &api::SecretService::Stub::GetSecret,
                   Named<api::GetSecretRequest>(m));
    case Endpoint::kConfigmaps: {
      api::ListConfigmapsRequest r;
      r.set_namespace_(m.ns);
      return Unary(channel, http, id, &api::ConfigmapService::Stub::ListConfigmaps, r);
    }
    case Endpoint::kConfigmap:
      return Unary(channel, http, id, &api::ConfigmapService::Stub::GetConfigmap,
                   Named<api::GetConfigmapRequest>(m));
    case Endpoint::kServiceHealth:
    case Endpoint::kInstanceHealth: {
      absl::StatusOr<bool> checks = Flag(query, "checks");
      if (!checks.ok())
        return BadParameter("checks", Text(query, "checks"), checks.status().message(), id);
      const bool service = m.route->endpoint == Endpoint::kServiceHealth;
      return Unary(
          channel, http, id, &api::HealthService::Stub::GetHealth,
          Health(service ? api::GetHealthRequest::SERVICE : api::GetHealthRequest::INSTANCE, m,
                 *checks));
    }
    case Endpoint::kNodeHealth:
      return Unary(channel, http, id, &api::HealthService::Stub::GetHealth,
                   Health(api::GetHealthRequest::NODE, m, false));
    case Endpoint::kWhoAmI:
      return Unary(channel, http, id, &api::AuthService::Stub::WhoAmI, api::WhoAmIRequest());
    case Endpoint::kLogs: {
      std::variant<api::StreamLogsRequest, HttpResponse> request = LogsRequest(m, query, id);
      if (auto* bad = std::get_if<HttpResponse>(&request)) return std::move(*bad);
      return StreamLogEvents(channel, http, std::get<api::StreamLogsRequest>(request), id);
    }
    case Endpoint::kHealthz:
    case Endpoint::kVersion: break;
  }
  return ErrorResponse(grpc::StatusCode::INTERNAL, "unrouted endpoint", id);
}

}  // namespace rune::daemon
