// AWS Signature Version 4 for one HTTP request (SPEC §5.10: ECR logins are
// signed requests to GetAuthorizationToken). Computes the headers a request
// must carry: X-Amz-Date, X-Amz-Security-Token when the credentials have a
// session token, and the AWS4-HMAC-SHA256 Authorization header. The host,
// every header passed in, X-Amz-Date and the session token are signed; the
// body is hashed into the signature.
//
//   SigV4Request r;
//   r.method = "POST";
//   r.host = "api.ecr.eu-west-1.amazonaws.com";
//   r.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
//   r.body = "{}";
//   for (const auto& [name, value] : SignV4(r, "eu-west-1", "ecr", credentials, absl::Now())) {
//     request.headers.emplace_back(name, value);
//   }
#ifndef RUNE_RUNED_REGISTRY_SIGV4_H_
#define RUNE_RUNED_REGISTRY_SIGV4_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rune::daemon::registry {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// An AWS access key; session_token is empty for long-term keys.
struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

struct SigV4Request {
  std::string method;  // "GET", "POST"…
  // The Host header exactly as sent ("host" or "host:port" for a port that
  // is not the scheme's default).
  std::string host;
  // The path of the request target exactly as sent (percent-encoded by the
  // caller where needed); the canonical form encodes it once more, as AWS
  // does for every service but S3.
  std::string path = "/";
  // Query parameters, not encoded. Send them as EncodeQuery(query) so the
  // request and its signature agree.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers to sign besides Host (Content-Type, X-Amz-Target…). A name given
  // more than once is signed as its values joined with ','.
  HeaderList headers;
  std::string body;
};

// The headers to add to the request: X-Amz-Date, X-Amz-Security-Token (with
// a session token) and Authorization, in that order.
HeaderList SignV4(const SigV4Request& request, absl::string_view region, absl::string_view service,
                  const AwsCredentials& credentials, absl::Time now);

// The pieces of the algorithm, for tests and for checking a received
// signature.

// The canonical request of `request` with `headers` as the complete set of
// signed headers (names in any case; Host is not added).
std::string CanonicalRequest(const SigV4Request& request, const HeaderList& headers);
// "content-type;host;x-amz-date": the sorted lower-case names of `headers`.
std::string SignedHeaderNames(const HeaderList& headers);
// The 32-byte signing key of a secret for a date ("20150830"), region and
// service.
std::string SigningKey(absl::string_view secret, absl::string_view date, absl::string_view region,
                       absl::string_view service);
// The hex signature of a canonical request at `amz_date` ("20150830T123600Z").
std::string SignatureOf(absl::string_view canonical_request, absl::string_view amz_date,
                        absl::string_view region, absl::string_view service, absl::string_view secret);

// "20150830T123600Z": the X-Amz-Date form of `t` in UTC.
std::string AmzDate(absl::Time t);
// Percent-encodes every byte but A-Z a-z 0-9 - . _ ~ (and '/' when
// keep_slash), with upper-case hex digits.
std::string UriEncode(absl::string_view s, bool keep_slash);
// "a=1&b=2": each name and value URI-encoded, sorted by name, then value.
std::string EncodeQuery(const std::vector<std::pair<std::string, std::string>>& query);
std::string HexSha256(absl::string_view data);
std::string HmacSha256(absl::string_view key, absl::string_view data);  // raw bytes
std::string HexOf(absl::string_view bytes);

}  // namespace rune::daemon::registry

#endif  // RUNE_RUNED_REGISTRY_SIGV4_H_
