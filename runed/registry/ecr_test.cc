// EcrTokenSource against a loopback fake of the ECR API that checks each
// request the way AWS does: it recomputes the SigV4 signature from the
// request it received (method, path, the signed headers' values, body) with
// the secret it knows and answers 403 InvalidSignatureException when it
// differs; it checks X-Amz-Target and the content type, counts calls and
// hands out a token valid for 12 hours of the test's clock.
#include "runed/registry/ecr.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "runed/registry/test_servers.h"

namespace rune::daemon::registry {
namespace {

using ::rune::daemon::registry::testing::ConnectProxy;
using ::rune::daemon::registry::testing::HttpAnswer;
using ::rune::daemon::registry::testing::ReceivedRequest;
using ::rune::daemon::registry::testing::TestPki;
using ::rune::daemon::registry::testing::TestServer;
using ::rune::daemon::registry::testing::UnusedPort;

constexpr char kKeyId[] = "AKIAEXAMPLEKEY";
constexpr char kSecret[] = "s3cr3t/Key+Material";
constexpr char kRegion[] = "eu-west-1";

// A clock the test moves.
class FakeClock {
 public:
  absl::Time Now() const {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 9, 0, 0), absl::UTCTimeZone());
};

std::string AwsError(int status, const std::string& type, const std::string& message) {
  return HttpAnswer(status, absl::StrCat("{\"__type\":\"", type, "\",\"message\":\"", message, "\"}"),
                    "application/x-amz-json-1.1");
}

// Why the request's signature is not the one AWS would compute for it; ""
// when it is.
std::string SignatureProblem(const ReceivedRequest& r, const std::string& secret, const std::string& token) {
  auto header = [&](const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  };
  const std::string authorization = header("authorization");
  absl::string_view auth = authorization;
  if (!absl::ConsumePrefix(&auth, "AWS4-HMAC-SHA256 ")) return "not AWS4-HMAC-SHA256";
  std::map<std::string, std::string> parts;
  for (absl::string_view part : absl::StrSplit(auth, ", ")) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    parts[kv.first] = kv.second;
  }
  const std::string amz_date = header("x-amz-date");
  if (amz_date.size() != 16) return "no X-Amz-Date";
  if (parts["Credential"] != absl::StrCat(kKeyId, "/", amz_date.substr(0, 8), "/", kRegion, "/ecr/aws4_request")) {
    return "credential scope " + parts["Credential"];
  }
  if (header("x-amz-security-token") != token) return "session token";
  SigV4Request request;
  request.method = r.method;
  request.host = header("host");
  request.path = r.target.substr(0, r.target.find('?'));
  request.body = r.body;
  HeaderList signed_headers;
  for (absl::string_view name : absl::StrSplit(parts["SignedHeaders"], ';')) {
    const std::string n(name);
    if (r.headers.count(n) == 0) return "signed header missing: " + n;
    signed_headers.emplace_back(n, r.headers.at(n));
  }
  for (const char* required : {"host", "x-amz-date", "content-type", "x-amz-target"}) {
    if (!absl::StrContains(absl::StrCat(";", parts["SignedHeaders"], ";"), absl::StrCat(";", required, ";"))) {
      return absl::StrCat(required, " is not signed");
    }
  }
  const std::string expected =
      SignatureOf(CanonicalRequest(request, signed_headers), amz_date, kRegion, "ecr", secret);
  return expected == parts["Signature"] ? "" : "signature differs";
}

// The fake ECR API.
class FakeEcr {
 public:
  FakeEcr(const FakeClock* clock, SSL_CTX* tls = nullptr, std::string session_token = "")
      : clock_(clock),
        token_(std::move(session_token)),
        server_([this](const ReceivedRequest& r) { return Handle(r); }, tls) {}

  std::string Url() const { return server_.Url(); }
  int port() const { return server_.port(); }
  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  void Answer(std::string raw) {
    absl::MutexLock lock(&mu_);
    canned_ = std::move(raw);
  }
  std::vector<ReceivedRequest> requests() const { return server_.requests(); }
  absl::Time expires_at() const {
    absl::MutexLock lock(&mu_);
    return expires_at_;
  }

 private:
  std::string Handle(const ReceivedRequest& r) {
    absl::MutexLock lock(&mu_);
    ++calls_;
    if (!canned_.empty()) return canned_;
    if (r.method != "POST" || r.target != "/") return AwsError(404, "UnknownOperationException", r.target);
    if (r.headers.count("x-amz-target") == 0 ||
        r.headers.at("x-amz-target") != "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken") {
      return AwsError(400, "UnknownOperationException", "no such target");
    }
    if (r.headers.count("content-type") == 0 || r.headers.at("content-type") != "application/x-amz-json-1.1") {
      return AwsError(400, "SerializationException", "content type");
    }
    if (std::string problem = SignatureProblem(r, kSecret, token_); !problem.empty()) {
      return AwsError(403, "InvalidSignatureException",
                      "The request signature we calculated does not match the signature you provided (" + problem +
                          ")");
    }
    if (r.body != "{}") return AwsError(400, "SerializationException", "body");
    expires_at_ = clock_->Now() + absl::Hours(12);
    return HttpAnswer(200,
                      absl::StrCat("{\"authorizationData\":[{\"authorizationToken\":\"",
                                   absl::Base64Escape(absl::StrCat("AWS:password-", calls_)),
                                   "\",\"expiresAt\":", absl::ToUnixSeconds(expires_at_), ".0",
                                   ",\"proxyEndpoint\":\"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com\"}]}"),
                      "application/x-amz-json-1.1");
  }

  const FakeClock* const clock_;
  const std::string token_;
  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::string canned_ ABSL_GUARDED_BY(mu_);
  absl::Time expires_at_ ABSL_GUARDED_BY(mu_);
  TestServer server_;  // last: stops before the fields it uses go away
};

EcrOptions OptionsFor(const FakeEcr& fake, const FakeClock& clock) {
  EcrOptions options;
  options.endpoint = fake.Url();
  options.clock = [&clock] { return clock.Now(); };
  return options;
}

AwsCredentials Keys(const std::string& secret = kSecret, const std::string& token = "") {
  return {kKeyId, secret, token};
}

TEST(Ecr, LoginIsSignedAndParsed) {
  FakeClock clock;
  FakeEcr fake(&clock);
  EcrTokenSource ecr(OptionsFor(fake, clock));
  absl::StatusOr<EcrToken> login = ecr.Login(kRegion, Keys());
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->username, "AWS");
  EXPECT_EQ(login->password, "password-1");
  EXPECT_EQ(login->proxy_endpoint, "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com");
  EXPECT_EQ(login->expires_at, clock.Now() + absl::Hours(12));
  ASSERT_EQ(fake.calls(), 1);
  const ReceivedRequest r = fake.requests()[0];
  EXPECT_EQ(r.headers.at("x-amz-date"), "20260301T090000Z");
  EXPECT_EQ(r.headers.count("x-amz-security-token"), 0u);
  EXPECT_TRUE(absl::StrContains(r.headers.at("authorization"),
                                "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="))
      << r.headers.at("authorization");
}

TEST(Ecr, SessionTokenIsSentAndSigned) {
  FakeClock clock;
  FakeEcr fake(&clock, nullptr, "session-token/123");
  EcrTokenSource ecr(OptionsFor(fake, clock));
  absl::StatusOr<EcrToken> login = ecr.Login(kRegion, Keys(kSecret, "session-token/123"));
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_TRUE(absl::StrContains(fake.requests()[0].headers.at("authorization"),
                                "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"));
}

TEST(Ecr, WrongSecretIsRejectedAndNotCached) {
  FakeClock clock;
  FakeEcr fake(&clock);
  EcrTokenSource ecr(OptionsFor(fake, clock));
  absl::StatusOr<EcrToken> login = ecr.Login(kRegion, Keys("another secret"));
  EXPECT_EQ(login.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(login.status().message(),
            "ECR GetAuthorizationToken (eu-west-1): InvalidSignatureException: The request signature we calculated "
            "does not match the signature you provided (signature differs)");
  EXPECT_FALSE(ecr.Login(kRegion, Keys("another secret")).ok());
  EXPECT_EQ(fake.calls(), 2);
  EXPECT_TRUE(ecr.Login(kRegion, Keys()).ok());
  EXPECT_EQ(fake.calls(), 3);
}

TEST(Ecr, CachedUntilFiveMinutesBeforeExpiry) {
  FakeClock clock;
  FakeEcr fake(&clock);
  EcrTokenSource ecr(OptionsFor(fake, clock));
  ASSERT_TRUE(ecr.Login(kRegion, Keys()).ok());
  const absl::Time expires = fake.expires_at();

  clock.Advance(absl::Hours(1));
  absl::StatusOr<EcrToken> again = ecr.Login(kRegion, Keys());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->password, "password-1");
  EXPECT_EQ(fake.calls(), 1);

  clock.Advance(expires - absl::Minutes(5) - absl::Seconds(1) - clock.Now());
  EXPECT_EQ(ecr.Login(kRegion, Keys())->password, "password-1");
  EXPECT_EQ(fake.calls(), 1);

  clock.Advance(absl::Seconds(1));  // exactly five minutes left
  absl::StatusOr<EcrToken> renewed = ecr.Login(kRegion, Keys());
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(renewed->password, "password-2");
  EXPECT_EQ(fake.calls(), 2);
  EXPECT_EQ(ecr.Login(kRegion, Keys())->password, "password-2");
  EXPECT_EQ(fake.calls(), 2);
}

TEST(Ecr, CacheIsPerRegionKeyAndEndpoint) {
  FakeClock clock;
  FakeEcr fake(&clock);
  FakeEcr other_endpoint(&clock);
  EcrTokenSource ecr(OptionsFor(fake, clock));
  ASSERT_TRUE(ecr.Login(kRegion, Keys()).ok());
  // Another region signs with another scope, which this fake refuses: the
  // cache did not answer for it.
  EXPECT_EQ(ecr.Login("us-east-1", Keys()).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(fake.calls(), 2);
  AwsCredentials another_key = Keys();
  another_key.access_key_id = "AKIAOTHER";
  EXPECT_FALSE(ecr.Login(kRegion, another_key).ok());
  EXPECT_EQ(fake.calls(), 3);

  EcrTokenSource second(OptionsFor(other_endpoint, clock));
  ASSERT_TRUE(second.Login(kRegion, Keys()).ok());
  EXPECT_EQ(other_endpoint.calls(), 1);
  EXPECT_EQ(fake.calls(), 3);
}

TEST(Ecr, ConcurrentLoginsShareTheCache) {
  FakeClock clock;
  FakeEcr fake(&clock);
  EcrTokenSource ecr(OptionsFor(fake, clock));
  ASSERT_TRUE(ecr.Login(kRegion, Keys()).ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 50; ++j) {
        if (ecr.Login(kRegion, Keys()).ok()) ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_EQ(fake.calls(), 1);
}

TEST(Ecr, AwsErrorAnswer) {
  FakeClock clock;
  FakeEcr fake(&clock);
  fake.Answer(AwsError(400, "com.amazonaws.ecr#InvalidParameterException", "Invalid parameter at 'registryIds'"));
  EcrTokenSource ecr(OptionsFor(fake, clock));
  absl::StatusOr<EcrToken> login = ecr.Login(kRegion, Keys());
  EXPECT_EQ(login.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(login.status().message(),
            "ECR GetAuthorizationToken (eu-west-1): InvalidParameterException: Invalid parameter at 'registryIds'");

  fake.Answer(AwsError(400, "UnrecognizedClientException", "The security token included in the request is invalid."));
  login = ecr.Login(kRegion, Keys());
  EXPECT_EQ(login.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(login.status().message(),
            "ECR GetAuthorizationToken (eu-west-1): UnrecognizedClientException: The security token included in the "
            "request is invalid.");

  fake.Answer(AwsError(400, "ThrottlingException", "Rate exceeded"));
  EXPECT_EQ(ecr.Login(kRegion, Keys()).status().code(), absl::StatusCode::kUnavailable);
}

TEST(Ecr, OtherErrorAnswer) {
  FakeClock clock;
  FakeEcr fake(&clock);
  fake.Answer(HttpAnswer(502, "<html>Bad Gateway</html>\nmore", "text/html"));
  EcrTokenSource ecr(OptionsFor(fake, clock));
  absl::StatusOr<EcrToken> login = ecr.Login(kRegion, Keys());
  EXPECT_EQ(login.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(login.status().message(), absl::StrCat("ECR GetAuthorizationToken (eu-west-1): 127.0.0.1:", fake.port(),
                                                   " answered HTTP 502: <html>Bad Gateway</html>"));
  fake.Answer(HttpAnswer(403, ""));
  EXPECT_EQ(ecr.Login(kRegion, Keys()).status().message(),
            absl::StrCat("ECR GetAuthorizationToken (eu-west-1): 127.0.0.1:", fake.port(),
                         " answered HTTP 403: (empty body)"));
}

TEST(Ecr, UnexpectedSuccessAnswers) {
  FakeClock clock;
  FakeEcr fake(&clock);
  EcrTokenSource ecr(OptionsFor(fake, clock));
  const auto with = [&](const std::string& body) {
    fake.Answer(HttpAnswer(200, body));
    return std::string(ecr.Login(kRegion, Keys()).status().message());
  };
  EXPECT_EQ(with("{\"authorizationData\":[]}"),
            "ECR GetAuthorizationToken (eu-west-1): unexpected answer: no authorizationData");
  EXPECT_EQ(with("[1]"), "ECR GetAuthorizationToken (eu-west-1): unexpected answer: not a JSON object: [1]");
  EXPECT_EQ(with("{\"authorizationData\":[{\"authorizationToken\":\"!!\"}]}"),
            "ECR GetAuthorizationToken (eu-west-1): unexpected answer: authorizationToken is missing or not base64");
  EXPECT_EQ(with(absl::StrCat("{\"authorizationData\":[{\"authorizationToken\":\"", absl::Base64Escape("nocolon"),
                              "\"}]}")),
            "ECR GetAuthorizationToken (eu-west-1): unexpected answer: authorizationToken is not <user>:<password>");
  EXPECT_EQ(with(absl::StrCat("{\"authorizationData\":[{\"authorizationToken\":\"", absl::Base64Escape("AWS:x"),
                              "\"}]}")),
            "ECR GetAuthorizationToken (eu-west-1): unexpected answer: expiresAt is missing or not a time");
  fake.Answer(HttpAnswer(200, absl::StrCat("{\"authorizationData\":[{\"authorizationToken\":\"",
                                           absl::Base64Escape("AWS:pw:with:colons"),
                                           "\",\"expiresAt\":\"2026-03-01T21:00:00Z\"}]}")));
  absl::StatusOr<EcrToken> login = ecr.Login(kRegion, Keys());
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->password, "pw:with:colons");
  EXPECT_EQ(login->expires_at, clock.Now() + absl::Hours(12));
  EXPECT_EQ(login->proxy_endpoint, "");

  // AWS writes the time as seconds with a fraction, in E notation.
  clock.Advance(absl::Hours(12));
  fake.Answer(HttpAnswer(200, absl::StrCat("{\"authorizationData\":[{\"authorizationToken\":\"",
                                           absl::Base64Escape("AWS:pw"), "\",\"expiresAt\":1.7724456005E9}]}")));
  login = ecr.Login(kRegion, Keys());
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->expires_at, absl::FromUnixMillis(1772445600500));
}

TEST(Ecr, UnreachableEndpoint) {
  FakeClock clock;
  EcrOptions options;
  const int port = UnusedPort();
  options.endpoint = absl::StrCat("http://127.0.0.1:", port);
  EcrTokenSource ecr(options);
  absl::StatusOr<EcrToken> login = ecr.Login(kRegion, Keys());
  EXPECT_EQ(login.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(login.status().message(),
            absl::StrCat("ECR GetAuthorizationToken (eu-west-1): cannot connect to 127.0.0.1:", port,
                         ": connection refused"));
}

TEST(Ecr, DefaultEndpointOverTlsThroughAProxy) {
  // No endpoint override: the request goes to api.ecr.eu-west-1.amazonaws.com
  // through HTTPS_PROXY, which tunnels to the fake (holding a certificate for
  // that name). Nothing leaves the host.
  FakeClock clock;
  TestPki pki = TestPki::Make({"api.ecr.eu-west-1.amazonaws.com"}, {});
  FakeEcr fake(&clock, pki.server_ctx.get());
  ConnectProxy proxy(fake.port());
  EcrOptions options = EcrOptionsFromEnv({{"HTTPS_PROXY", absl::StrCat("http://127.0.0.1:", proxy.port())},
                                          {"AWS_CA_BUNDLE", pki.ca_file}});
  options.clock = [&clock] { return clock.Now(); };
  EcrTokenSource ecr(options);
  absl::StatusOr<EcrToken> login = ecr.Login(kRegion, Keys());
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->password, "password-1");
  ASSERT_EQ(proxy.heads().size(), 1u);
  EXPECT_TRUE(absl::StartsWith(proxy.heads()[0], "CONNECT api.ecr.eu-west-1.amazonaws.com:443 HTTP/1.1\r\n"));
  EXPECT_EQ(fake.requests()[0].headers.at("host"), "api.ecr.eu-west-1.amazonaws.com");
}

TEST(Ecr, InvalidRegion) {
  EcrTokenSource ecr({});
  EXPECT_EQ(ecr.Login("eu-west-1.evil.example/", Keys()).status().message(),
            "ECR GetAuthorizationToken (eu-west-1.evil.example/): invalid AWS region \"eu-west-1.evil.example/\"");
  EXPECT_EQ(ecr.Login("", Keys()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Ecr, Endpoints) {
  EXPECT_EQ(*EcrEndpoint("", "eu-west-1"), "https://api.ecr.eu-west-1.amazonaws.com");
  EXPECT_EQ(*EcrEndpoint("", "cn-north-1"), "https://api.ecr.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(*EcrEndpoint("http://localhost:4566", "eu-west-1"), "http://localhost:4566");
  EXPECT_EQ(EcrEndpoint("", "EU-WEST-1").status().message(), "invalid AWS region \"EU-WEST-1\"");
}

TEST(Ecr, OptionsFromEnvironment) {
  EcrOptions o = EcrOptionsFromEnv({{"AWS_ENDPOINT_URL", "http://all:1"},
                                    {"AWS_ENDPOINT_URL_ECR", "http://ecr:2"},
                                    {"HTTPS_PROXY", "http://proxy:3"},
                                    {"NO_PROXY", ".internal"}});
  EXPECT_EQ(o.endpoint, "http://ecr:2");
  EXPECT_EQ(o.http.ca_file, "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(o.http.proxy.https_proxy, "http://proxy:3");
  EXPECT_EQ(o.http.proxy.no_proxy, ".internal");
  o = EcrOptionsFromEnv({{"AWS_ENDPOINT_URL", "http://all:1"}, {"AWS_CA_BUNDLE", "/etc/corp-ca.pem"}});
  EXPECT_EQ(o.endpoint, "http://all:1");
  EXPECT_EQ(o.http.ca_file, "/etc/corp-ca.pem");
  EXPECT_EQ(EcrOptionsFromEnv({}).endpoint, "");
}

TEST(Ecr, CredentialsFromEnvironment) {
  absl::StatusOr<AwsCredentials> c = AwsCredentialsFromEnv(
      {{"AWS_ACCESS_KEY_ID", "AKIA1"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_SESSION_TOKEN", "t"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AKIA1");
  EXPECT_EQ(c->secret_access_key, "s");
  EXPECT_EQ(c->session_token, "t");
  c = AwsCredentialsFromEnv({{"AWS_ACCESS_KEY_ID", "AKIA1"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->session_token, "");
  for (const std::map<std::string, std::string>& env :
       std::vector<std::map<std::string, std::string>>{{}, {{"AWS_ACCESS_KEY_ID", "AKIA1"}},
                                                       {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", "s"}}}) {
    c = AwsCredentialsFromEnv(env);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(c.status().message(),
              "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for runed or use from_secret");
  }
}

}  // namespace
}  // namespace rune::daemon::registry
