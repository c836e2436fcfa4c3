#include "runed/registry/ecr.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace rune::daemon::registry {
namespace {

using google::protobuf::Value;

constexpr char kTarget[] = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
constexpr char kContentType[] = "application/x-amz-json-1.1";
// A login is used until this long before it expires.
constexpr absl::Duration kRenewBefore = absl::Minutes(5);
constexpr size_t kMaxMessage = 300;

std::string Prefix(const std::string& region) { return absl::StrCat("ECR GetAuthorizationToken (", region, "): "); }

absl::Status WithPrefix(const std::string& region, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(Prefix(region), status.message()));
}

const Value* Field(const Value& object, const char* name) {
  if (!object.has_struct_value()) return nullptr;
  auto it = object.struct_value().fields().find(name);
  return it == object.struct_value().fields().end() ? nullptr : &it->second;
}

std::string StringField(const Value& object, const char* name) {
  const Value* v = Field(object, name);
  return v != nullptr && v->has_string_value() ? v->string_value() : std::string();
}

// "com.amazonaws.ecr#InvalidParameterException:http://…" → "InvalidParameterException".
std::string ShortType(absl::string_view type) {
  const size_t hash = type.rfind('#');
  if (hash != absl::string_view::npos) type.remove_prefix(hash + 1);
  return std::string(type.substr(0, type.find(':')));
}

// The first line of a body, shortened, for an error message.
std::string Excerpt(absl::string_view body) {
  body = absl::StripAsciiWhitespace(body);
  body = body.substr(0, body.find_first_of("\r\n"));
  if (body.size() > kMaxMessage) return absl::StrCat(body.substr(0, kMaxMessage), "…");
  return std::string(body);
}

absl::StatusCode CodeOfAwsError(int status, absl::string_view type) {
  static constexpr absl::string_view kRejected[] = {
      "UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException",
      "ExpiredTokenException",       "InvalidClientTokenId",      "SignatureDoesNotMatch",
      "MissingAuthenticationTokenException", "IncompleteSignatureException"};
  if (status == 401 || status == 403) return absl::StatusCode::kPermissionDenied;
  for (absl::string_view r : kRejected) {
    if (type == r) return absl::StatusCode::kPermissionDenied;
  }
  if (status == 429 || status >= 500 || absl::StrContains(type, "Throttl")) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kFailedPrecondition;
}

absl::Status Unexpected(const std::string& region, absl::string_view why) {
  return absl::UnavailableError(absl::StrCat(Prefix(region), "unexpected answer: ", why));
}

// The login in a 200 answer.
absl::StatusOr<EcrToken> ParseToken(const std::string& region, const std::string& body) {
  Value json;
  if (!google::protobuf::util::JsonStringToMessage(body, &json).ok() || !json.has_struct_value()) {
    return Unexpected(region, absl::StrCat("not a JSON object: ", Excerpt(body)));
  }
  const Value* data = Field(json, "authorizationData");
  if (data == nullptr || !data->has_list_value() || data->list_value().values_size() == 0) {
    return Unexpected(region, "no authorizationData");
  }
  const Value& first = data->list_value().values(0);
  std::string decoded;
  if (!absl::Base64Unescape(StringField(first, "authorizationToken"), &decoded) || decoded.empty()) {
    return Unexpected(region, "authorizationToken is missing or not base64");
  }
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos || colon == 0) {
    return Unexpected(region, "authorizationToken is not <user>:<password>");
  }
  EcrToken token;
  token.username = decoded.substr(0, colon);
  token.password = decoded.substr(colon + 1);
  token.proxy_endpoint = StringField(first, "proxyEndpoint");
  // Seconds since the epoch (a number with a fraction); an RFC 3339 string
  // is taken too.
  const Value* expires = Field(first, "expiresAt");
  std::string error;
  if (expires != nullptr && expires->has_number_value() && std::isfinite(expires->number_value())) {
    token.expires_at = absl::FromUnixMillis(static_cast<int64_t>(expires->number_value() * 1000));
    return token;
  }
  if (expires != nullptr && expires->has_string_value() &&
      absl::ParseTime(absl::RFC3339_full, expires->string_value(), &token.expires_at, &error)) {
    return token;
  }
  return Unexpected(region, "expiresAt is missing or not a time");
}

}  // namespace

EcrOptions EcrOptionsFromEnv(const std::map<std::string, std::string>& env) {
  const auto get = [&](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  EcrOptions options;
  options.endpoint = get("AWS_ENDPOINT_URL_ECR");
  if (options.endpoint.empty()) options.endpoint = get("AWS_ENDPOINT_URL");
  if (const std::string bundle = get("AWS_CA_BUNDLE"); !bundle.empty()) options.http.ca_file = bundle;
  options.http.proxy = ProxySettingsFromEnv(env);
  return options;
}

absl::StatusOr<AwsCredentials> AwsCredentialsFromEnv(const std::map<std::string, std::string>& env) {
  const auto get = [&](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  AwsCredentials credentials{get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"), get("AWS_SESSION_TOKEN")};
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return absl::FailedPreconditionError(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for runed or use from_secret");
  }
  return credentials;
}

absl::StatusOr<std::string> EcrEndpoint(const std::string& endpoint, const std::string& region) {
  const bool valid = !region.empty() && region.front() != '-' && region.back() != '-' &&
                     region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
  if (!valid) return absl::InvalidArgumentError(absl::StrCat("invalid AWS region \"", region, "\""));
  if (!endpoint.empty()) return endpoint;
  return absl::StrCat("https://api.ecr.", region, ".amazonaws.com", absl::StartsWith(region, "cn-") ? ".cn" : "");
}

EcrTokenSource::EcrTokenSource(EcrOptions options) : options_(std::move(options)), client_(options_.http) {}

absl::StatusOr<EcrToken> EcrTokenSource::Login(const std::string& region, const AwsCredentials& credentials) {
  absl::StatusOr<std::string> url = EcrEndpoint(options_.endpoint, region);
  if (!url.ok()) return WithPrefix(region, url.status());
  const Key key{region, credentials.access_key_id, *url};
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && Now() < it->second.expires_at - kRenewBefore) return it->second;
  }
  // Fetched without the lock: a slow region does not hold up the others; two
  // callers missing at once may both fetch, and either login is good.
  absl::StatusOr<EcrToken> token = Fetch(region, *url, credentials);
  if (!token.ok()) return token.status();
  absl::MutexLock lock(&mu_);
  cache_[key] = *token;
  return token;
}

absl::StatusOr<EcrToken> EcrTokenSource::Fetch(const std::string& region, const std::string& url,
                                               const AwsCredentials& credentials) const {
  absl::StatusOr<Url> parsed = ParseUrl(url);
  if (!parsed.ok()) return WithPrefix(region, parsed.status());
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(Prefix(region), "the AWS access key ID or secret is empty"));
  }

  SigV4Request signing;
  signing.method = "POST";
  signing.host = parsed->HostHeader();
  if (absl::StrContains(parsed->target, '?')) {
    return absl::InvalidArgumentError(absl::StrCat(Prefix(region), "the endpoint ", url, " must not have a query"));
  }
  signing.path = parsed->target;
  signing.headers = {{"Content-Type", kContentType}, {"X-Amz-Target", kTarget}};
  signing.body = "{}";

  ClientRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = signing.headers;
  for (auto& header : SignV4(signing, region, "ecr", credentials, Now())) request.headers.push_back(std::move(header));
  request.body = signing.body;

  absl::StatusOr<ClientResponse> response = client_.Fetch(request);
  if (!response.ok()) return WithPrefix(region, response.status());
  if (response->status == 200) return ParseToken(region, response->body);

  Value json;
  if (google::protobuf::util::JsonStringToMessage(response->body, &json).ok() && json.has_struct_value()) {
    const std::string type = ShortType(StringField(json, "__type"));
    std::string message = StringField(json, "message");
    if (message.empty()) message = StringField(json, "Message");
    if (!type.empty()) {
      return absl::Status(CodeOfAwsError(response->status, type),
                          absl::StrCat(Prefix(region), type, message.empty() ? "" : ": ", Excerpt(message)));
    }
  }
  std::string excerpt = Excerpt(response->body);
  if (excerpt.empty()) excerpt = "(empty body)";
  return absl::Status(CodeOfAwsError(response->status, ""),
                      absl::StrCat(Prefix(region), parsed->Authority(), " answered HTTP ", response->status, ": ",
                                   excerpt));
}

}  // namespace rune::daemon::registry
