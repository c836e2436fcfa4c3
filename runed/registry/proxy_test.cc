// NO_PROXY matching, proxy URLs and proxy settings from an environment map.
#include "runed/registry/proxy.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace rune::daemon::registry {
namespace {

TEST(NoProxy, Matches) {
  EXPECT_TRUE(NoProxyMatches("*", "anything.example", 443));
  EXPECT_TRUE(NoProxyMatches("example.com", "example.com", 443));
  EXPECT_TRUE(NoProxyMatches("example.com", "api.example.com", 443));
  EXPECT_TRUE(NoProxyMatches(".example.com", "api.example.com", 443));
  EXPECT_TRUE(NoProxyMatches(".example.com", "example.com", 443));
  EXPECT_TRUE(NoProxyMatches("EXAMPLE.com.", "Api.Example.COM", 443));
  EXPECT_FALSE(NoProxyMatches("example.com", "notexample.com", 443));
  EXPECT_FALSE(NoProxyMatches("api.example.com", "example.com", 443));
  EXPECT_TRUE(NoProxyMatches("a.test, ,b.test", "x.b.test", 80));
  EXPECT_TRUE(NoProxyMatches("example.com:5000", "example.com", 5000));
  EXPECT_FALSE(NoProxyMatches("example.com:5000", "example.com", 443));
  EXPECT_TRUE(NoProxyMatches("10.0.0.1", "10.0.0.1", 443));
  EXPECT_FALSE(NoProxyMatches("0.0.1", "10.0.0.1", 443));
  EXPECT_TRUE(NoProxyMatches("::1", "::1", 443));
  EXPECT_TRUE(NoProxyMatches("[::1]:443", "::1", 443));
  EXPECT_FALSE(NoProxyMatches("", "example.com", 443));
}

TEST(ProxySettings, FromEnvironment) {
  ProxySettings p = ProxySettingsFromEnv(
      {{"HTTPS_PROXY", "http://upper:1"}, {"https_proxy", "http://lower:1"}, {"http_proxy", "http://lower:2"},
       {"no_proxy", "localhost"}, {"NO_PROXY", ""}});
  EXPECT_EQ(p.https_proxy, "http://upper:1");
  EXPECT_EQ(p.http_proxy, "http://lower:2");
  EXPECT_EQ(p.no_proxy, "localhost");
  p = ProxySettingsFromEnv({});
  EXPECT_EQ(p.https_proxy, "");
  EXPECT_EQ(p.http_proxy, "");
  EXPECT_EQ(p.no_proxy, "");
}

TEST(Proxy, Parses) {
  absl::StatusOr<Proxy> p = ParseProxy("http://proxy.corp:3128");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->host, "proxy.corp");
  EXPECT_EQ(p->port, 3128);
  EXPECT_EQ(p->authorization, "");
  EXPECT_EQ(p->Authority(), "proxy.corp:3128");

  p = ParseProxy(" proxy.corp ");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->Authority(), "proxy.corp:80");

  p = ParseProxy("HTTP://us%3Aer:p%40ss:word@[::1]:8080/");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->Authority(), "[::1]:8080");
  EXPECT_EQ(p->authorization, "Basic " + absl::Base64Escape("us:er:p@ss:word"));

  p = ParseProxy("http://user@proxy:1");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->authorization, "Basic " + absl::Base64Escape("user"));

  EXPECT_EQ(ParseProxy("https://proxy:443").status().message(),
            "invalid proxy \"https://proxy:443\": only http:// proxies are supported");
  EXPECT_EQ(ParseProxy("http://proxy:x").status().message(), "invalid proxy \"http://proxy:x\": invalid port \"x\"");
  EXPECT_EQ(ParseProxy("http://").status().message(), "invalid proxy \"http://\": no host");
}

}  // namespace
}  // namespace rune::daemon::registry
