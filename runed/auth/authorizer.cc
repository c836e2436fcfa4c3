#include "runed/auth/authorizer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "runed/api/request_id.h"
#include "runed/auth/rbac.h"

namespace rune::daemon::auth {
namespace {

std::optional<std::string> AuthorizationOf(const grpc::ServerContextBase& ctx) {
  const auto& md = ctx.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

CallCredentials CredentialsOf(const grpc::ServerContextBase& ctx) {
  return CallCredentials{MethodOf(&ctx), PeerOf(&ctx), AuthorizationOf(ctx)};
}

}  // namespace

std::string PeerIp(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) return std::string(peer.substr(0, peer.rfind(':')));
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    absl::ConsumePrefix(&peer, "[");
    return std::string(peer.substr(0, peer.find(']')));
  }
  return "";
}

bool IsLoopbackPeer(absl::string_view peer) {
  if (absl::StartsWith(peer, "unix:")) return true;
  const std::string ip = PeerIp(peer);
  return absl::StartsWith(ip, "127.") || ip == "::1" || absl::StartsWith(ip, "::ffff:127.");
}

int64_t Authorizer::ThrottledFor(const std::string& ip) {
  absl::MutexLock lock(&mu_);
  auto it = failures_.find(ip);
  if (it == failures_.end()) return 0;
  const absl::Duration left = it->second.blocked_until - now_();
  if (left <= absl::ZeroDuration()) return 0;
  return absl::ToInt64Seconds(absl::Ceil(left, absl::Seconds(1)));
}

void Authorizer::RecordFailure(const std::string& ip) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = now_();
  Failures& f = failures_[ip];
  f.recent.push_back(now);
  while (!f.recent.empty() && f.recent.front() <= now - absl::Minutes(1)) f.recent.pop_front();
  if (static_cast<int64_t>(f.recent.size()) > config_.max_failed_attempts_per_minute) {
    f.blocked_until = now + absl::Minutes(1);
    f.recent.clear();
  }
}

absl::StatusOr<Subject> Authorizer::Authenticate(const CallCredentials& call,
                                                 const std::string& ip) {
  if (!config_.enabled) return identity_->Anonymous();
  if (const int64_t wait = ThrottledFor(ip); wait > 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many failed authentication attempts; retry in ", wait, "s"));
  }
  const std::string raw = call.authorization.value_or("");
  const absl::string_view header = absl::StripAsciiWhitespace(raw);
  const size_t space = header.find(' ');
  if (!call.authorization.has_value() || space == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(header.substr(0, space), "bearer")) {
    return common::WithHint(absl::UnauthenticatedError("missing bearer token"),
                            "run 'rune login' again");
  }
  absl::StatusOr<Subject> subject =
      identity_->Authenticate(absl::StripAsciiWhitespace(header.substr(space + 1)));
  if (!subject.ok() && subject.status().code() == absl::StatusCode::kUnauthenticated) {
    RecordFailure(ip);
  }
  return subject;
}

absl::StatusOr<Subject> Authorizer::Check(const CallCredentials& call,
                                          const google::protobuf::Message* request,
                                          absl::string_view resource, absl::string_view verb,
                                          absl::string_view ns) {
  const RpcRule* rule = FindRpcRule(call.method);
  if (rule == nullptr) {
    return absl::InternalError(absl::StrCat("no authorization rule for method ", call.method));
  }
  if (rule->admin_locality && !config_.allow_remote_admin && !IsLoopbackPeer(call.peer)) {
    return common::WithHint(
        absl::PermissionDeniedError("admin operations are allowed only from localhost unless "
                                    "auth.allow_remote_admin is true"),
        "run the command on the runed host");
  }
  if (rule->check == RpcRule::Check::kNone) return Subject{};
  absl::StatusOr<Subject> subject = Authenticate(call, PeerIp(call.peer));
  if (!subject.ok() || rule->check == RpcRule::Check::kAuthenticated) return subject;
  const std::string r = resource.empty() ? rule->resource : std::string(resource);
  const std::string v = verb.empty() ? rule->verb : std::string(verb);
  std::string n(ns);
  if (n.empty()) n = request != nullptr ? RequestNamespace(*rule, *request) : "*";
  if (!PoliciesAllow(subject->policies, r, v, n)) {
    return absl::PermissionDeniedError(
        absl::StrCat("access denied for resource: ", r, " verb: ", v));
  }
  return subject;
}

absl::StatusOr<Subject> Authorizer::Authorize(const grpc::ServerContextBase& ctx,
                                              const google::protobuf::Message& request) {
  absl::StatusOr<Subject> s = Check(CredentialsOf(ctx), &request);
  if (s.ok() && !s->name.empty()) SetSubjectOf(&ctx, s->name);
  return s;
}

absl::StatusOr<Subject> Authorizer::AuthorizeAs(const grpc::ServerContextBase& ctx,
                                                absl::string_view resource, absl::string_view verb,
                                                absl::string_view ns) {
  absl::StatusOr<Subject> s = Check(CredentialsOf(ctx), nullptr, resource, verb, ns);
  if (s.ok() && !s->name.empty()) SetSubjectOf(&ctx, s->name);
  return s;
}

}  // namespace rune::daemon::auth
