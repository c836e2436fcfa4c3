#include "rune/client_config.h"

#include <fstream>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace rune::cli {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(LoadClientConfig, MissingFileIsEmpty) {
  absl::StatusOr<ClientConfig> c = LoadClientConfig("/nonexistent/config.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->contexts.empty());
}

TEST(LoadClientConfig, ReadsContexts) {
  absl::StatusOr<ClientConfig> c = LoadClientConfig(Write("a.yaml", R"(
current-context: dev
unknown-top: ignored
contexts:
  dev:
    server: localhost:7863
    defaultNamespace: legacy
    token: rune_x
  prod:
    server: https://runed.example.com
    namespace: prod
    token-file: /t
    tls:
      ca: /ca.crt
      server-name: runed.internal
)"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->current_context, "dev");
  ASSERT_EQ(c->contexts.size(), 2u);
  EXPECT_EQ(c->Find("dev")->namespace_name, "legacy");
  EXPECT_FALSE(c->Find("dev")->tls.has_value());
  EXPECT_EQ(c->Find("prod")->namespace_name, "prod");
  ASSERT_TRUE(c->Find("prod")->tls.has_value());
  EXPECT_EQ(c->Find("prod")->tls->server_name, "runed.internal");
}

TEST(LoadClientConfig, MalformedIsM43) {
  const std::string bad = Write("b.yaml", "contexts: [\n");
  absl::StatusOr<ClientConfig> c = LoadClientConfig(bad);
  ASSERT_FALSE(c.ok());
  common::ErrorReport r = common::Classify(c.status());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.message.rfind("failed to read client config " + bad + ": line ", 0) == 0) << r.message;
  EXPECT_EQ(r.hint, "fix or remove " + bad);

  const std::string types = Write("c.yaml", "contexts:\n  dev:\n    server: [a]\n");
  c = LoadClientConfig(types);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "failed to read client config " + types +
                                      ": contexts.dev.server: expected a string, got a list");

  const std::string both = Write("d.yaml", "contexts:\n  dev:\n    token: a\n    token-file: /b\n");
  c = LoadClientConfig(both);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "failed to read client config " + both +
                                      ": contexts.dev: token and token-file are mutually exclusive");
}

}  // namespace
}  // namespace rune::cli
