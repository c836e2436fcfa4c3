// ECR logins for image pulls (SPEC §5.10 "ECR via SigV4
// GetAuthorizationToken cached until expiry", §7.3 items 2 and 3): AWS keys
// from runed's environment or a secret are exchanged for the registry's
// user name and password with a signed POST to the ECR API, through the
// configured proxies; instance metadata is never asked. Logins are cached
// per (region, access key ID, endpoint) until five minutes before they
// expire.
//
//   EcrTokenSource ecr(EcrOptionsFromEnv(env));
//   RUNE_ASSIGN_OR_RETURN(AwsCredentials keys, AwsCredentialsFromEnv(env));
//   RUNE_ASSIGN_OR_RETURN(EcrToken login, ecr.Login("eu-west-1", keys));
//   // login.username == "AWS", login.password for X-Registry-Auth,
//   // login.proxy_endpoint == "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
#ifndef RUNE_RUNED_REGISTRY_ECR_H_
#define RUNE_RUNED_REGISTRY_ECR_H_

#include <functional>
#include <map>
#include <string>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "runed/registry/https_client.h"
#include "runed/registry/sigv4.h"

namespace rune::daemon::registry {

// One GetAuthorizationToken answer.
struct EcrToken {
  std::string username;        // "AWS"
  std::string password;
  std::string proxy_endpoint;  // "https://<account>.dkr.ecr.<region>.amazonaws.com"
  absl::Time expires_at;
};

struct EcrOptions {
  // CA bundle, proxies and timeout of the HTTPS requests.
  HttpsClientOptions http;
  // The ECR API's URL for every region; empty: EcrEndpoint's default.
  std::string endpoint;
  // Signing time and cache expiry; null: absl::Now.
  std::function<absl::Time()> clock;
};

// Options from runed's environment: endpoint AWS_ENDPOINT_URL_ECR, else
// AWS_ENDPOINT_URL; CA bundle AWS_CA_BUNDLE, else the system bundle; the
// proxies of ProxySettingsFromEnv.
EcrOptions EcrOptionsFromEnv(const std::map<std::string, std::string>& env);

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (optional)
// of `env`. FailedPrecondition `no AWS credentials: set AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY for runed or use from_secret` when either key is
// missing or empty.
absl::StatusOr<AwsCredentials> AwsCredentialsFromEnv(const std::map<std::string, std::string>& env);

// The ECR API URL for `region`: `endpoint` when set, else
// https://api.ecr.<region>.amazonaws.com (amazonaws.com.cn for cn-*
// regions). InvalidArgument `invalid AWS region "<region>"` unless the
// region is lower-case letters, digits and '-'.
absl::StatusOr<std::string> EcrEndpoint(const std::string& endpoint, const std::string& region);

// Thread-safe; one per runed.
class EcrTokenSource {
 public:
  explicit EcrTokenSource(EcrOptions options);

  // The cached login for (region, credentials.access_key_id, endpoint) while
  // it has more than five minutes left, else a new one from
  // GetAuthorizationToken. Failures are not cached. Every error starts with
  // `ECR GetAuthorizationToken (<region>): `, followed by the client's error
  // (its code kept: Unavailable, DeadlineExceeded…), by `<type>: <message>`
  // of an AWS error answer (PermissionDenied for 401/403 and rejected keys
  // or signatures, Unavailable for throttling and 5xx, FailedPrecondition
  // otherwise), by `<host>:<port> answered HTTP <status>: <body>` for
  // another error answer, or by `unexpected answer: <why>` (Unavailable).
  // InvalidArgument for a bad region or endpoint.
  absl::StatusOr<EcrToken> Login(const std::string& region, const AwsCredentials& credentials);

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // region, key ID, endpoint

  absl::Time Now() const { return options_.clock ? options_.clock() : absl::Now(); }
  absl::StatusOr<EcrToken> Fetch(const std::string& region, const std::string& url,
                                 const AwsCredentials& credentials) const;

  const EcrOptions options_;
  const HttpsClient client_;
  absl::Mutex mu_;
  std::map<Key, EcrToken> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon::registry

#endif  // RUNE_RUNED_REGISTRY_ECR_H_
