#include "rune/connection.h"

#include <fstream>
#include <sstream>

#include "common/cli/parser.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "rune/command_table.h"

namespace rune::cli {
namespace {

TEST(NormalizeAddress, Forms) {
  bool tls = false;
  EXPECT_EQ(NormalizeAddress("localhost", &tls), "localhost:7863");
  EXPECT_FALSE(tls);
  EXPECT_EQ(NormalizeAddress("http://10.0.0.1:99", &tls), "10.0.0.1:99");
  EXPECT_FALSE(tls);
  EXPECT_EQ(NormalizeAddress("https://runed.example.com", &tls), "runed.example.com:7863");
  EXPECT_TRUE(tls);
  tls = false;
  EXPECT_EQ(NormalizeAddress("[::1]", &tls), "[::1]:7863");
  EXPECT_EQ(NormalizeAddress("::1", &tls), "[::1]:7863");
  EXPECT_EQ(NormalizeAddress("[::1]:5", &tls), "[::1]:5");
}

class ResolveTest : public ::testing::Test {
 protected:
  absl::StatusOr<ConnectionSettings> Resolve(std::vector<std::string> args, Environment env) {
    parsed_ = common::cli::Parse(RootCommand(), args);
    EXPECT_TRUE(parsed_.ok()) << parsed_.status();
    env_ = std::move(env);
    inv_ = std::make_unique<Invocation>(*parsed_, env_, Streams{&in_, &out_, &err_}, false);
    return ResolveConnection(*inv_);
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  absl::StatusOr<common::cli::ParsedCommand> parsed_;
  Environment env_;
  std::unique_ptr<Invocation> inv_;
  std::istringstream in_;
  std::ostringstream out_, err_;
};

TEST_F(ResolveTest, Defaults) {
  absl::StatusOr<ConnectionSettings> s = Resolve({"status"}, {{"HOME", "/nonexistent"}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->config_path, "/nonexistent/.rune/config.yaml");
  EXPECT_EQ(s->address, "localhost:7863");
  EXPECT_EQ(s->namespace_name, "default");
  EXPECT_EQ(s->token, "");
  EXPECT_FALSE(s->tls);
}

TEST_F(ResolveTest, FlagBeatsEnvBeatsContext) {
  const std::string cfg = Write("cfg.yaml",
                                "current-context: dev\ncontexts:\n  dev:\n    server: ctx:1\n    "
                                "namespace: ctxns\n    token: ctxtoken\n  other:\n    server: other:2\n");
  absl::StatusOr<ConnectionSettings> s = Resolve({"status"}, {{"RUNE_CLI_CONFIG", cfg}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->context, "dev");
  EXPECT_EQ(s->address, "ctx:1");
  EXPECT_EQ(s->namespace_name, "ctxns");
  EXPECT_EQ(s->token, "ctxtoken");
  s = Resolve({"status"}, {{"RUNE_CLI_CONFIG", cfg}, {"RUNE_API_SERVER", "env:3"},
                           {"RUNE_NAMESPACE", "envns"}, {"RUNE_TOKEN", "envtoken"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->address, "env:3");
  EXPECT_EQ(s->namespace_name, "envns");
  EXPECT_EQ(s->token, "envtoken");
  s = Resolve({"status", "--api-server", "flag", "-n", "flagns", "--token", "flagtoken"},
              {{"RUNE_CLI_CONFIG", cfg}, {"RUNE_API_SERVER", "env:3"}, {"RUNE_TOKEN", "envtoken"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->address, "flag:7863");
  EXPECT_EQ(s->namespace_name, "flagns");
  EXPECT_EQ(s->token, "flagtoken");
  s = Resolve({"status"}, {{"RUNE_CLI_CONFIG", cfg}, {"RUNE_CONTEXT", "other"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->address, "other:2");
}

TEST_F(ResolveTest, ContextAndTokenFileErrors) {
  const std::string cfg = Write("cfg2.yaml", "contexts:\n  dev:\n    token-file: /nonexistent/t\n");
  absl::StatusOr<ConnectionSettings> s =
      Resolve({"status"}, {{"RUNE_CLI_CONFIG", cfg}, {"RUNE_CONTEXT", "missing"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(common::Classify(s.status()).exit_code, 4);
  EXPECT_EQ(s.status().message(), "context \"missing\" not found");

  s = Resolve({"status"}, {{"RUNE_CLI_CONFIG", cfg}, {"RUNE_CONTEXT", "dev"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(common::Classify(s.status()).exit_code, 1);
  EXPECT_EQ(s.status().message(),
            "failed to read token file /nonexistent/t: No such file or directory");

  s = Resolve({"status", "--token-file", "/nonexistent/t"}, {{"RUNE_CLI_CONFIG", cfg}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(common::Classify(s.status()).exit_code, 2);
  EXPECT_EQ(s.status().message(), "path \"/nonexistent/t\" does not exist");

  const std::string token = Write("token", "  rune_abc \n");
  s = Resolve({"status", "--token-file", token}, {{"RUNE_CLI_CONFIG", cfg}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->token, "rune_abc");
}

}  // namespace
}  // namespace rune::cli
