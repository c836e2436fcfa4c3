// URL and host:port parsing of the registry HTTP client.
#include "runed/registry/url.h"

#include "gtest/gtest.h"

namespace rune::daemon::registry {
namespace {

TEST(Url, Parses) {
  absl::StatusOr<Url> u = ParseUrl("HTTPS://API.ecr.eu-west-1.amazonaws.com");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "api.ecr.eu-west-1.amazonaws.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/");
  EXPECT_EQ(u->HostHeader(), "api.ecr.eu-west-1.amazonaws.com");
  EXPECT_EQ(u->Authority(), "api.ecr.eu-west-1.amazonaws.com:443");

  u = ParseUrl("http://[::1]:4566/a/b?c=d#frag");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 4566);
  EXPECT_EQ(u->target, "/a/b?c=d");
  EXPECT_EQ(u->HostHeader(), "[::1]:4566");

  u = ParseUrl("http://localhost?x=1");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->target, "/?x=1");
  EXPECT_EQ(u->HostHeader(), "localhost");

  EXPECT_EQ(ParseUrl("api.example.com").status().message(),
            "invalid URL \"api.example.com\": it must start with http:// or https://");
  EXPECT_EQ(ParseUrl("https://u:p@h/").status().message(),
            "invalid URL \"https://u:p@h/\": credentials in the URL are not supported");
  EXPECT_EQ(ParseUrl("https://h:99999/").status().message(), "invalid URL \"https://h:99999/\": invalid port \"99999\"");
  EXPECT_EQ(ParseUrl("https://h:/").status().message(), "invalid URL \"https://h:/\": invalid port \"\"");
  EXPECT_EQ(ParseUrl("https:///x").status().message(), "invalid URL \"https:///x\": no host");
  EXPECT_EQ(ParseUrl("http://h/a b").status().message(),
            "invalid URL \"http://h/a b\": spaces or control characters in the path");
}

TEST(Url, HostPortHelpers) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(SplitHostPort("Example.COM", 443, &host, &port).ok());
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, 443);
  ASSERT_TRUE(SplitHostPort("[fe80::1]:8443", 443, &host, &port).ok());
  EXPECT_EQ(host, "fe80::1");
  EXPECT_EQ(port, 8443);
  EXPECT_EQ(SplitHostPort("fe80::1", 443, &host, &port).message(), "an IPv6 address must be in brackets");
  EXPECT_EQ(SplitHostPort("[::1", 443, &host, &port).message(), "missing ']' after an IPv6 address");
  EXPECT_EQ(SplitHostPort("h:0", 443, &host, &port).message(), "invalid port \"0\"");
  EXPECT_EQ(SplitHostPort("h:+1", 443, &host, &port).message(), "invalid port \"+1\"");
  EXPECT_EQ(JoinHostPort("::1", 80), "[::1]:80");
  EXPECT_EQ(JoinHostPort("h", 80), "h:80");
  EXPECT_TRUE(IsIpLiteral("10.1.2.3"));
  EXPECT_TRUE(IsIpLiteral("::1"));
  EXPECT_FALSE(IsIpLiteral("localhost"));
}

}  // namespace
}  // namespace rune::daemon::registry
