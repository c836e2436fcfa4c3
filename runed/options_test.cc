#include "runed/options.h"

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"

namespace rune::daemon {
namespace {

absl::StatusOr<Options> Resolve(std::vector<std::string> args, Environment env) {
  absl::StatusOr<common::cli::ParsedCommand> p = common::cli::Parse(RunedCommand(), args);
  EXPECT_TRUE(p.ok()) << p.status();
  return ResolveOptions(*p, env);
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ResolveOptions, FlagBeatsEnvBeatsRunefileBeatsDefault) {
  const std::string rf = WriteTemp("a.yaml", "server:\n  grpc_address: \"127.0.0.1:1\"\n  http_address: \"127.0.0.1:2\"\nlog:\n  level: warn\ndata_dir: /from/runefile\n");
  absl::StatusOr<Options> o = Resolve({"--config", rf}, {{"RUNE_SERVER_HTTP_ADDRESS", "127.0.0.1:3"}});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->grpc_address, "127.0.0.1:1");
  EXPECT_EQ(o->http_address, "127.0.0.1:3");
  EXPECT_EQ(o->data_dir, "/from/runefile");
  EXPECT_EQ(o->log_level, LogLevel::kWarn);
  o = Resolve({"--config", rf, "--grpc-addr", "127.0.0.1:4", "--debug"}, {{"RUNE_SERVER_GRPC_ADDRESS", "127.0.0.1:5"}});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->grpc_address, "127.0.0.1:4");
  EXPECT_EQ(o->log_level, LogLevel::kDebug);
  o = Resolve({"--config", rf}, {{"RUNE_CONFIG", "/ignored"}, {"RUNE_SERVER_HTTP_ADDRESS", ""}});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->http_address, "");  // set but empty: disabled
}

TEST(ResolveOptions, ExplicitMissingRunefileIsAnError) {
  absl::StatusOr<Options> o = Resolve({"--config", "/nonexistent/runefile.yaml"}, {});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message(), "cannot read runefile /nonexistent/runefile.yaml: No such file or directory");
}

TEST(ResolveOptions, RunefileFindingsNameFileLineColumn) {
  const std::string rf = WriteTemp("b.yaml", "server:\n  grpc-addr: \":1\"\n");
  absl::StatusOr<Options> o = Resolve({"--config", rf}, {});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message(),
            "runefile " + rf + ":2:3: unknown field \"grpc-addr\" (did you mean \"server.grpc_address\"?)");
}

TEST(ResolveOptions, BadEnvironmentValues) {
  EXPECT_FALSE(Resolve({"--config", WriteTemp("c.yaml", "")}, {{"RUNE_LOG_LEVEL", "loud"}}).ok());
  EXPECT_FALSE(Resolve({"--config", WriteTemp("d.yaml", ""), "--grpc-addr", "x"}, {}).ok());
}

TEST(RunedCommand, BadFlagIsUsage) {
  EXPECT_FALSE(common::cli::Parse(RunedCommand(), {"--bogus"}).ok());
  EXPECT_FALSE(common::cli::Parse(RunedCommand(), {"--log-level", "loud"}).ok());
  EXPECT_FALSE(common::cli::Parse(RunedCommand(), {"extra"}).ok());
}

}  // namespace
}  // namespace rune::daemon
