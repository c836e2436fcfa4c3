// SigV4 against AWS's published examples: the IAM ListUsers example and its
// signing key from the Signature Version 4 documentation, and cases of AWS's
// signing test suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z,
// us-east-1, service "service", host example.amazonaws.com). Only the
// inputs and the expected hex values come from those examples.
#include "runed/registry/sigv4.h"

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace rune::daemon::registry {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

absl::Time ExampleTime() {
  return absl::FromCivil(absl::CivilSecond(2015, 8, 30, 12, 36, 0), absl::UTCTimeZone());
}

AwsCredentials Example(const std::string& token = "") { return {"AKIDEXAMPLE", kSecret, token}; }

std::string Find(const HeaderList& headers, const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "<missing " + name + ">";
}

std::string SuiteAuthorization(const std::string& signed_headers, const std::string& signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
         signed_headers + ", Signature=" + signature;
}

// A request of the test suite: host example.amazonaws.com.
SigV4Request Suite(const std::string& method, const std::string& path = "/") {
  SigV4Request r;
  r.method = method;
  r.host = "example.amazonaws.com";
  r.path = path;
  return r;
}

std::string SignSuite(const SigV4Request& r, const std::string& token = "") {
  return Find(SignV4(r, "us-east-1", "service", Example(token), ExampleTime()), "Authorization");
}

TEST(SigV4, SigningKeyOfTheDocumentation) {
  EXPECT_EQ(HexOf(SigningKey(kSecret, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4, IamListUsersExample) {
  SigV4Request r;
  r.method = "GET";
  r.host = "iam.amazonaws.com";
  r.query = {{"Action", "ListUsers"}, {"Version", "2010-05-08"}};
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  const HeaderList added = SignV4(r, "us-east-1", "iam", Example(), ExampleTime());

  HeaderList all = r.headers;
  all.emplace_back("Host", r.host);
  all.emplace_back("X-Amz-Date", "20150830T123600Z");
  EXPECT_EQ(HexSha256(CanonicalRequest(r, all)), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");

  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0], (std::pair<std::string, std::string>("X-Amz-Date", "20150830T123600Z")));
  EXPECT_EQ(added[1].first, "Authorization");
  EXPECT_EQ(added[1].second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, SuiteGetVanilla) {
  EXPECT_EQ(SignSuite(Suite("GET")),
            SuiteAuthorization("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST(SigV4, SuitePostVanilla) {
  EXPECT_EQ(SignSuite(Suite("POST")),
            SuiteAuthorization("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
}

TEST(SigV4, SuiteQueryIsSortedByName) {
  SigV4Request r = Suite("GET");
  r.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  EXPECT_EQ(SignSuite(r),
            SuiteAuthorization("host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
  EXPECT_EQ(EncodeQuery(r.query), "Param1=value1&Param2=value2");
}

TEST(SigV4, SuiteQueryIsSortedByValueForOneName) {
  SigV4Request r = Suite("GET");
  r.query = {{"Param1", "value2"}, {"Param1", "value1"}};
  EXPECT_EQ(SignSuite(r),
            SuiteAuthorization("host;x-amz-date", "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"));
}

TEST(SigV4, SuiteQueryUnreservedCharactersStay) {
  const std::string unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  SigV4Request r = Suite("GET");
  r.query = {{unreserved, unreserved}};
  EXPECT_EQ(SignSuite(r),
            SuiteAuthorization("host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"));
}

TEST(SigV4, SuiteUtf8QueryIsPercentEncoded) {
  SigV4Request r = Suite("GET");
  r.query = {{"\xE1\x88\xB4", "bar"}};
  EXPECT_EQ(SignSuite(r),
            SuiteAuthorization("host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"));
  EXPECT_EQ(EncodeQuery(r.query), "%E1%88%B4=bar");
}

TEST(SigV4, SuitePostWithQuery) {
  SigV4Request r = Suite("POST");
  r.query = {{"Param1", "value1"}};
  EXPECT_EQ(SignSuite(r),
            SuiteAuthorization("host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"));
}

TEST(SigV4, SuiteUnreservedPath) {
  EXPECT_EQ(SignSuite(Suite("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")),
            SuiteAuthorization("host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"));
}

TEST(SigV4, SuiteUtf8Path) {
  EXPECT_EQ(SignSuite(Suite("GET", "/\xE1\x88\xB4")),
            SuiteAuthorization("host;x-amz-date", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"));
}

TEST(SigV4, SuiteSpaceInPath) {
  EXPECT_EQ(SignSuite(Suite("GET", "/example space/")),
            SuiteAuthorization("host;x-amz-date", "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"));
}

TEST(SigV4, SuiteHeaderValuesAreTrimmed) {
  SigV4Request r = Suite("GET");
  r.headers = {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}};
  EXPECT_EQ(SignSuite(r), SuiteAuthorization("host;my-header1;my-header2;x-amz-date",
                                             "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"));
}

TEST(SigV4, SuiteHeaderNamesAreLowerCased) {
  SigV4Request r = Suite("POST");
  r.headers = {{"MY-HEADER1", "value1"}};
  EXPECT_EQ(SignSuite(r), SuiteAuthorization("host;my-header1;x-amz-date",
                                             "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"));
}

TEST(SigV4, SuiteRepeatedHeaderKeepsValueOrder) {
  SigV4Request r = Suite("GET");
  r.headers = {{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}};
  EXPECT_EQ(SignSuite(r), SuiteAuthorization("host;my-header1;x-amz-date",
                                             "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"));
}

TEST(SigV4, SuiteBodyIsHashed) {
  SigV4Request r = Suite("POST");
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r.body = "Param1=value1";
  EXPECT_EQ(SignSuite(r), SuiteAuthorization("content-type;host;x-amz-date",
                                             "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"));
}

TEST(SigV4, SuiteSessionTokenIsSentAndSigned) {
  const std::string token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  const HeaderList added = SignV4(Suite("GET"), "us-east-1", "service", Example(token), ExampleTime());
  ASSERT_EQ(added.size(), 3u);
  EXPECT_EQ(Find(added, "X-Amz-Security-Token"), token);
  EXPECT_EQ(Find(added, "Authorization"),
            SuiteAuthorization("host;x-amz-date;x-amz-security-token",
                               "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"));
}

TEST(SigV4, AnotherSecretRegionOrTimeChangesTheSignature) {
  const std::string base = SignSuite(Suite("GET"));
  AwsCredentials other = Example();
  other.secret_access_key = "another";
  EXPECT_NE(Find(SignV4(Suite("GET"), "us-east-1", "service", other, ExampleTime()), "Authorization"), base);
  EXPECT_NE(Find(SignV4(Suite("GET"), "eu-west-1", "service", Example(), ExampleTime()), "Authorization"), base);
  EXPECT_NE(Find(SignV4(Suite("GET"), "us-east-1", "service", Example(), ExampleTime() + absl::Seconds(1)),
                 "Authorization"),
            base);
}

TEST(SigV4, EncodingHelpers) {
  EXPECT_EQ(UriEncode("a b/c+d%", false), "a%20b%2Fc%2Bd%25");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(AmzDate(ExampleTime()), "20150830T123600Z");
  EXPECT_EQ(HexSha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace rune::daemon::registry
