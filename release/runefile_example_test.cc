// The shipped runefile.example.yaml (installed as /etc/rune/runefile.yaml)
// decodes without findings to exactly the built-in defaults of SPEC §5.2,
// data_dir spelled out as /var/lib/rune.
//
//   runefile_example_test release/runefile.example.yaml
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "common/runefile/runefile.h"
#include "gtest/gtest.h"

namespace rune::common {
namespace {

std::string g_path;

std::string ReadExample() {
  std::ifstream in(g_path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << g_path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void ExpectSameLimits(const RunefileLimits& got, const RunefileLimits& want) {
  EXPECT_EQ(got.max_keys, want.max_keys);
  EXPECT_EQ(got.max_value_bytes, want.max_value_bytes);
  EXPECT_EQ(got.max_total_bytes, want.max_total_bytes);
}

TEST(RunefileExample, DecodesToTheDefaults) {
  const std::string text = ReadExample();
  RunefileResult r = ParseRunefile(text);
  for (const RunefileFinding& f : r.findings) {
    ADD_FAILURE() << g_path << ":" << f.line << ":" << f.column << ": " << f.message << " " << f.hint;
  }
  const Runefile want;
  const Runefile& got = r.runefile;
  EXPECT_EQ(got.server.grpc_address, want.server.grpc_address);
  EXPECT_EQ(got.server.http_address, want.server.http_address);
  EXPECT_EQ(got.server.tls.enabled, want.server.tls.enabled);
  EXPECT_EQ(got.server.tls.cert_file, want.server.tls.cert_file);
  EXPECT_EQ(got.server.tls.key_file, want.server.tls.key_file);
  EXPECT_EQ(got.server.tls.ca_file, want.server.tls.ca_file);
  EXPECT_EQ(got.server.reflection, want.server.reflection);
  EXPECT_EQ(got.server.shutdown_timeout, want.server.shutdown_timeout);
  EXPECT_EQ(got.data_dir, "/var/lib/rune");
  EXPECT_EQ(got.log.level, want.log.level);
  EXPECT_EQ(got.log.format, want.log.format);
  EXPECT_EQ(got.auth.enabled, want.auth.enabled);
  EXPECT_EQ(got.auth.allow_remote_admin, want.auth.allow_remote_admin);
  EXPECT_EQ(got.auth.max_failed_attempts_per_minute, want.auth.max_failed_attempts_per_minute);
  EXPECT_EQ(got.kek.source, want.kek.source);
  EXPECT_EQ(got.kek.file, want.kek.file);
  EXPECT_EQ(got.kek.env, want.kek.env);
  EXPECT_EQ(got.kek.generate_if_missing, want.kek.generate_if_missing);
  ExpectSameLimits(got.secret_limits, want.secret_limits);
  ExpectSameLimits(got.config_limits, want.config_limits);
  EXPECT_EQ(got.docker.enabled, want.docker.enabled);
  EXPECT_EQ(got.docker.socket, want.docker.socket);
  EXPECT_EQ(got.docker.api_version, want.docker.api_version);
  EXPECT_EQ(got.docker.fallback_api_version, want.docker.fallback_api_version);
  EXPECT_EQ(got.docker.negotiation_timeout_seconds, want.docker.negotiation_timeout_seconds);
  EXPECT_EQ(got.docker.network, want.docker.network);
  EXPECT_TRUE(got.docker.registries.empty());
  EXPECT_EQ(got.process_enabled, want.process_enabled);
  EXPECT_EQ(got.orchestrator.resync_interval, want.orchestrator.resync_interval);
  EXPECT_EQ(got.orchestrator.progress_deadline, want.orchestrator.progress_deadline);
  EXPECT_EQ(got.orchestrator.stop_grace_period, want.orchestrator.stop_grace_period);
  EXPECT_EQ(got.orchestrator.max_parallel_starts, want.orchestrator.max_parallel_starts);
  EXPECT_EQ(got.logs.max_bytes_per_instance, want.logs.max_bytes_per_instance);
  EXPECT_EQ(got.logs.retain_deleted, want.logs.retain_deleted);
  EXPECT_EQ(got.store.history_limit, want.store.history_limit);
  EXPECT_EQ(got.store.max_size, want.store.max_size);
  EXPECT_EQ(got.max_scale, want.max_scale);
}

// The commented registry entry is a valid one once uncommented.
TEST(RunefileExample, RegistryExampleIsValid) {
  std::string text = ReadExample();
  std::string uncommented;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  registries: []", 0) == 0) {
      uncommented += "  registries:\n";
      continue;
    }
    if (line.rfind("  # ", 0) == 0 && line.find(':') != std::string::npos) {
      line = "  " + line.substr(4);
    }
    uncommented += line + "\n";
  }
  RunefileResult r = ParseRunefile(uncommented);
  for (const RunefileFinding& f : r.findings) {
    ADD_FAILURE() << f.line << ":" << f.column << ": " << f.message << "\n" << uncommented;
  }
  ASSERT_EQ(r.runefile.docker.registries.size(), 1u);
  EXPECT_EQ(r.runefile.docker.registries[0].name, "ghcr-private");
  EXPECT_EQ(r.runefile.docker.registries[0].password_file, "/etc/rune/ghcr.token");
}

}  // namespace
}  // namespace rune::common

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::cerr << "usage: runefile_example_test <runefile.example.yaml>\n";
    return 2;
  }
  rune::common::g_path = argv[1];
  return RUN_ALL_TESTS();
}
