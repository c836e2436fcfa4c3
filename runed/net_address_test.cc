#include "runed/net_address.h"

#include <netinet/in.h>

#include "gtest/gtest.h"

namespace rune::daemon {
namespace {

TEST(ParseListenAddress, Forms) {
  absl::StatusOr<SocketAddress> a = ParseListenAddress(":7861");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->any);
  EXPECT_EQ(a->storage.ss_family, AF_INET6);
  a = ParseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->storage.ss_family, AF_INET);
  a = ParseListenAddress("[::1]:80");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->storage.ss_family, AF_INET6);
  EXPECT_EQ(FormatSocketAddress(reinterpret_cast<sockaddr*>(&a->storage)), "[::1]:80");
  a = ParseListenAddress("localhost:9");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(FormatSocketAddress(reinterpret_cast<sockaddr*>(&a->storage)), "127.0.0.1:9");
  EXPECT_FALSE(ParseListenAddress("example.com:80").ok());
  EXPECT_FALSE(ParseListenAddress("nohost").ok());
}

TEST(GrpcListenAddress, Forms) {
  EXPECT_EQ(GrpcListenAddress(":7863"), "[::]:7863");
  EXPECT_EQ(GrpcListenAddress("127.0.0.1:0"), "127.0.0.1:0");
  EXPECT_EQ(GrpcListenAddress("[::1]:5"), "[::1]:5");
}

}  // namespace
}  // namespace rune::daemon
