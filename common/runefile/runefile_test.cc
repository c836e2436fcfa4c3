#include "common/runefile/runefile.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/runefile/schema.h"
#include "gtest/gtest.h"

namespace rune::common {
namespace {

TEST(ParseRunefile, EmptyGivesDefaults) {
  RunefileResult r = ParseRunefile("");
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.runefile.server.grpc_address, ":7863");
  EXPECT_EQ(r.runefile.server.http_address, ":7861");
  EXPECT_EQ(r.runefile.server.shutdown_timeout, absl::Seconds(30));
  EXPECT_EQ(r.runefile.store.history_limit, 10);
  EXPECT_TRUE(r.runefile.auth.enabled);
}

TEST(ParseRunefile, ReadsEveryKnownKey) {
  RunefileResult r = ParseRunefile(R"(
server:
  grpc_address: "127.0.0.1:9000"
  http_address: ""
  tls: {enabled: false, cert_file: /c, key_file: /k, ca_file: /ca}
  reflection: true
  shutdown_timeout: 5s
data_dir: /tmp/rune
log: {level: debug, format: json}
auth: {enabled: false, allow_remote_admin: true, max_failed_attempts_per_minute: 3}
secret:
  encryption:
    kek: {source: env, file: /k.b64, env: MY_KEY, generate_if_missing: false}
  limits: {max_keys: 8, max_value_bytes: 100, max_total_bytes: 800}
config:
  limits: {max_keys: 9}
docker:
  enabled: false
  socket: /run/podman.sock
  network: net
  registries:
    - {name: ghcr, registry: ghcr.io, type: basic, username: bot, password_file: /p}
process: {enabled: false}
orchestrator: {resync_interval: 1m, progress_deadline: 2m, stop_grace_period: 3s, max_parallel_starts: 2}
logs: {max_bytes_per_instance: 8192, retain_deleted: 1h}
store: {history_limit: 3}
limits: {max_scale: 50}
)");
  ASSERT_TRUE(r.findings.empty()) << r.findings[0].path << ": " << r.findings[0].message;
  const Runefile& f = r.runefile;
  EXPECT_EQ(f.server.grpc_address, "127.0.0.1:9000");
  EXPECT_EQ(f.server.http_address, "");
  EXPECT_EQ(f.server.tls.ca_file, "/ca");
  EXPECT_EQ(f.server.shutdown_timeout, absl::Seconds(5));
  EXPECT_EQ(f.log.format, "json");
  EXPECT_EQ(f.kek.env, "MY_KEY");
  EXPECT_EQ(f.secret_limits.max_total_bytes, 800);
  EXPECT_EQ(f.config_limits.max_keys, 9);
  ASSERT_EQ(f.docker.registries.size(), 1u);
  EXPECT_EQ(f.docker.registries[0].registry, "ghcr.io");
  EXPECT_FALSE(f.process_enabled);
  EXPECT_EQ(f.orchestrator.resync_interval, absl::Minutes(1));
  EXPECT_EQ(f.max_scale, 50);
}

TEST(ParseRunefile, UnknownKeysWithPositionAndHints) {
  RunefileResult r = ParseRunefile(
      "server:\n  grpc-addr: \":1\"\n  bogus: 1\ncrypto:\n  kek:\n    file-path: /x\nregistries: []\n");
  ASSERT_EQ(r.findings.size(), 4u);
  EXPECT_EQ(r.findings[0].line, 2);
  EXPECT_EQ(r.findings[0].column, 3);
  EXPECT_EQ(r.findings[0].message, "unknown field \"grpc-addr\"");
  EXPECT_EQ(r.findings[0].hint, "did you mean \"server.grpc_address\"?");
  EXPECT_EQ(r.findings[1].message, "unknown field \"bogus\"");
  EXPECT_EQ(r.findings[1].hint, "");
  EXPECT_EQ(r.findings[2].path, "crypto.kek.file-path");
  EXPECT_EQ(r.findings[2].hint, "did you mean \"secret.encryption.kek.file\"?");
  EXPECT_EQ(r.findings[3].hint, "did you mean \"docker.registries\"?");
}

TEST(ParseRunefile, ValueErrors) {
  RunefileResult r = ParseRunefile(
      "server:\n  grpc_address: nope\nlog:\n  level: loud\nauth:\n  enabled: yes\nstore:\n  history_limit: 0\n");
  ASSERT_EQ(r.findings.size(), 4u);
  EXPECT_EQ(r.findings[0].message, "invalid address \"nope\": must be [host]:port");
  EXPECT_EQ(r.findings[1].message, "must be one of: debug, info, warn, error; got \"loud\"");
  EXPECT_EQ(r.findings[2].message, "expected a boolean, got a string");
  EXPECT_EQ(r.findings[3].message, "must be between 1 and 1000, got 0");
  EXPECT_EQ(r.findings[3].line, 8);
}

TEST(ParseRunefile, SyntaxError) {
  RunefileResult r = ParseRunefile("server: [\n");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].rule, "yaml-syntax");
}

// A valid value of `key` as YAML.
std::string SampleValue(const RunefileKey& key) {
  switch (key.type) {
    case RunefileType::kAddress: return "\"127.0.0.1:1\"";
    case RunefileType::kBool: return "false";
    case RunefileType::kInt: return absl::StrCat(key.min);
    case RunefileType::kDuration: return "1s";
    case RunefileType::kEnum: return key.choices.back();
    case RunefileType::kRegistries: return "[]";
    default: return "/sample";
  }
}

// `path` "a.b.c" with `value` as nested block mappings.
std::string Nested(const std::string& path, const std::string& value) {
  std::string out;
  std::string indent;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::StrAppend(&out, indent, parts[i], ":", i + 1 == parts.size() ? " " + value : "", "\n");
    indent += "  ";
  }
  return out;
}

TEST(RunefileSchema, EveryKeyOfTheTableIsDecoded) {
  int values = 0;
  for (const RunefileKey& key : RunefileKeys()) {
    if (key.type == RunefileType::kSection) continue;
    std::string text;
    const std::string entry_prefix = "docker.registries[].";
    if (key.path.rfind(entry_prefix, 0) == 0) {
      ASSERT_NE(key.entry_field, nullptr) << key.path;
      text = absl::StrCat("docker:\n  registries:\n    - ", key.path.substr(entry_prefix.size()),
                          ": ", SampleValue(key), "\n");
    } else {
      ASSERT_NE(key.field, nullptr) << key.path;
      text = Nested(key.path, SampleValue(key));
    }
    RunefileResult r = ParseRunefile(text);
    // A lone entry key breaks the entry's own rules (name and registry
    // required, …); only decoding is checked here.
    std::vector<RunefileFinding> decoding;
    for (const RunefileFinding& f : r.findings) {
      if (f.path.rfind("docker.registries[0]", 0) != 0 || f.rule == "type" ||
          f.rule == "unknown-field") {
        decoding.push_back(f);
      }
    }
    EXPECT_TRUE(decoding.empty()) << key.path << ": " << decoding[0].message << "\n" << text;
    // A bad value of the key's type is refused.
    const bool checked = key.type == RunefileType::kBool || key.type == RunefileType::kInt ||
                         key.type == RunefileType::kEnum || key.type == RunefileType::kDuration ||
                         key.type == RunefileType::kAddress;
    if (key.field != nullptr && checked) {
      RunefileResult bad = ParseRunefile(Nested(key.path, "\"not valid\""));
      ASSERT_EQ(bad.findings.size(), 1u) << key.path;
      EXPECT_NE(bad.findings[0].rule, "unknown-field") << key.path;
    }
    ++values;
  }
  EXPECT_GT(values, 40);
  EXPECT_EQ(FindRunefileKey("server.tls")->type, RunefileType::kSection);
  EXPECT_EQ(FindRunefileKey("server.grpc-addr"), nullptr);
}

TEST(RunefileSchema, DefaultsComeFromTheDecodedStruct) {
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("server.grpc_address")), "\":7863\"");
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("server.http_address")), "\":7861\"");
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("server.shutdown_timeout")), "30s");
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("orchestrator.progress_deadline")), "10m");
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("logs.retain_deleted")), "24h");
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("auth.enabled")), "true");
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("secret.limits.max_total_bytes")), "1048576");
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("docker.fallback_api_version")), "\"1.43\"");
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("docker.registries")), "[]");
  EXPECT_EQ(RunefileDefault(*FindRunefileKey("secret.encryption.kek.file")), "<data_dir>/kek.b64");
  EXPECT_EQ(RunefileRange(*FindRunefileKey("store.history_limit")), "between 1 and 1000");
  EXPECT_EQ(RunefileRange(*FindRunefileKey("log.format")), "one of text, json");
}

TEST(RunefileSchema, TopLevelKeysAreTheTableSections) {
  EXPECT_EQ(RunefileTopLevelKeys(),
            (std::vector<std::string>{"server", "data_dir", "log", "auth", "secret", "config",
                                      "docker", "process", "orchestrator", "logs", "store",
                                      "limits"}));
}

TEST(RunefileSchema, RegistryEntryKeysAreUnknownOutsideAnEntry) {
  RunefileResult r = ParseRunefile("docker:\n  registries[].name: x\n");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].rule, "unknown-field");
}

TEST(RunefileSchema, RegistryEntryOldNames) {
  RunefileResult r = ParseRunefile(
      "docker:\n  registries:\n    - {name: a, server: ghcr.io, password-file: /p}\n");
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].path, "docker.registries[0].server");
  EXPECT_EQ(r.findings[0].hint, "did you mean \"docker.registries[0].registry\"?");
  EXPECT_EQ(r.findings[1].hint, "did you mean \"docker.registries[0].password_file\"?");
  EXPECT_EQ(RunefileSuggestion("runner.docker.api-version"), "docker.api_version");
}

TEST(IsListenAddress, Forms) {
  EXPECT_TRUE(IsListenAddress(":7863"));
  EXPECT_TRUE(IsListenAddress("0.0.0.0:0"));
  EXPECT_TRUE(IsListenAddress("[::1]:7863"));
  EXPECT_TRUE(IsListenAddress("localhost:1"));
  EXPECT_FALSE(IsListenAddress("7863"));
  EXPECT_FALSE(IsListenAddress(":70000"));
  EXPECT_FALSE(IsListenAddress("a b:1"));
}

TEST(RunefileRegistries, EntryRulesAreFindingsAtTheField) {
  RunefileResult r = ParseRunefile(
      "docker:\n"
      "  registries:\n"
      "    - {name: ghcr, registry: ghcr.io, username: bot, password_file: /p}\n"
      "    - {name: ghcr, registry: \"https://x\", token: t}\n"
      "    - {name: ecr, registry: 1.dkr.ecr.eu-west-1.amazonaws.com, type: ecr}\n"
      "    - {name: s, registry: \"*.example.com\", type: basic, username: u, from_secret: ns/creds}\n");
  ASSERT_EQ(r.findings.size(), 4u);
  EXPECT_EQ(r.findings[0].path, "docker.registries[1].registry");
  EXPECT_EQ(r.findings[0].message, "must be a host, host:port or *.suffix, got \"https://x\"");
  EXPECT_EQ(r.findings[0].line, 4);
  EXPECT_EQ(r.findings[1].path, "docker.registries[1].name");
  EXPECT_EQ(r.findings[1].message, "duplicate name \"ghcr\"");
  EXPECT_EQ(r.findings[2].path, "docker.registries[2].region");
  EXPECT_EQ(r.findings[2].message, "required for type ecr");
  EXPECT_EQ(r.findings[3].path, "docker.registries[3].username");
  EXPECT_EQ(r.findings[3].message, "cannot be used together with from_secret");
  EXPECT_EQ(r.findings[3].rule, "conflict");
  EXPECT_EQ(r.findings[1].rule, "duplicate");
}

}  // namespace
}  // namespace rune::common
