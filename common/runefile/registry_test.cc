#include "common/runefile/registry.h"

#include "gtest/gtest.h"

namespace rune::common {
namespace {

std::vector<std::string> Fields(const RunefileRegistry& r) {
  std::vector<std::string> out;
  for (const RegistryProblem& p : CheckRegistry(r)) out.push_back(p.field + ": " + p.reason);
  return out;
}

TEST(Registry, TypeIsInferredAsTheSpecSays) {
  EXPECT_EQ(EffectiveRegistryType({.username = "u", .token_file = "/t"}), "token");
  EXPECT_EQ(EffectiveRegistryType({.username = "u"}), "basic");
  EXPECT_EQ(EffectiveRegistryType({.region = "eu-west-1"}), "ecr");
  EXPECT_EQ(EffectiveRegistryType({.type = "dockerconfigjson", .username = "u"}), "dockerconfigjson");
  EXPECT_EQ(EffectiveRegistryType({.from_secret = "a/b"}), "");
}

TEST(Registry, Servers) {
  for (const char* ok : {"ghcr.io", "localhost:5000", "127.0.0.1:5000", "*.example.com", "registry",
                         "a-b.example.com:443"}) {
    EXPECT_TRUE(IsRegistryServer(ok)) << ok;
  }
  for (const char* bad : {"", "https://ghcr.io", "ghcr.io/path", "*.", "*", "*.x.com:5000",
                          "Ghcr.io", "host:0", "host:99999", "a..b", "*.localhost"}) {
    EXPECT_FALSE(IsRegistryServer(bad)) << bad;
  }
}

TEST(Registry, ImageHosts) {
  EXPECT_EQ(ImageRegistryHost("busybox"), "docker.io");
  EXPECT_EQ(ImageRegistryHost("library/busybox:1"), "docker.io");
  EXPECT_EQ(ImageRegistryHost("ghcr.io/acme/api:1.2"), "ghcr.io");
  EXPECT_EQ(ImageRegistryHost("localhost:5000/api"), "localhost:5000");
  EXPECT_EQ(ImageRegistryHost("localhost/busybox:test"), "localhost");
  EXPECT_EQ(ImageRegistryHost("index.docker.io/library/nginx"), "docker.io");
  EXPECT_EQ(ImageRegistryHost("reg@sha256:abc"), "docker.io");
}

TEST(Registry, ExactBeatsLongerWildcardBeatsShorter) {
  EXPECT_EQ(RegistryMatch("ghcr.io", "ghcr.io"), 1000);
  EXPECT_EQ(RegistryMatch("ghcr.io", "ghcr.io:443"), 0);
  EXPECT_EQ(RegistryMatch("index.docker.io", "docker.io"), 1000);
  const int short_suffix = RegistryMatch("*.com", "eu.example.com:5000");
  const int long_suffix = RegistryMatch("*.example.com", "eu.example.com:5000");
  EXPECT_GT(short_suffix, 0);
  EXPECT_GT(long_suffix, short_suffix);
  EXPECT_LT(long_suffix, 1000);
  EXPECT_EQ(RegistryMatch("*.example.com", "example.com"), 0);
  EXPECT_EQ(RegistryMatch("*.example.com", "badexample.com"), 0);
}

TEST(Registry, RulesPerType) {
  EXPECT_TRUE(Fields({.name = "a", .registry = "ghcr.io", .username = "u", .password = "p"}).empty());
  EXPECT_TRUE(Fields({.name = "a", .registry = "ghcr.io", .type = "basic", .from_secret = "ns/x"}).empty());
  EXPECT_TRUE(Fields({.name = "a", .registry = "x.io", .region = "eu-west-1"}).empty());
  EXPECT_TRUE(Fields({.name = "a", .registry = "x.io", .type = "dockerconfigjson",
                      .password_file = "/c.json"}).empty());
  EXPECT_EQ(Fields({.name = "A", .registry = "", .type = "magic"}),
            (std::vector<std::string>{
                "name: invalid name \"A\": must consist of lowercase letters, digits and '-', start "
                "and end with a letter or digit, and be at most 63 characters",
                "registry: required",
                "type: must be one of: basic, token, ecr, dockerconfigjson, got \"magic\""}));
  EXPECT_EQ(Fields({.name = "a", .registry = "x.io", .username = "u"}),
            (std::vector<std::string>{"password: required for type basic: set password or "
                                      "password_file (or from_secret)"}));
  EXPECT_EQ(Fields({.name = "a", .registry = "x.io", .type = "token", .username = "u",
                    .token = "t", .token_file = "/t"}),
            (std::vector<std::string>{"token_file: cannot be used together with token",
                                      "username: not used with type token"}));
  EXPECT_EQ(Fields({.name = "a", .registry = "x.io", .type = "ecr", .username = "AKIA",
                    .region = "r"}),
            (std::vector<std::string>{"password: the access key ID (username) and secret access "
                                      "key (password) go together for type ecr"}));
  EXPECT_EQ(Fields({.name = "a", .registry = "x.io", .from_secret = "nope"}),
            (std::vector<std::string>{
                "from_secret: must be <namespace>/<name>, got \"nope\"",
                "type: cannot be inferred: set it to one of basic, token, ecr, dockerconfigjson"}));
}

}  // namespace
}  // namespace rune::common
