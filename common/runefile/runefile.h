// The runefile of SPEC §5.2: runed's configuration file (snake_case keys).
//
// Decoding is strict: an unknown key is a finding with its line and column,
// and the documentation's old kebab-case names get a "did you mean" hint.
// runed refuses to start on any finding; `rune lint` prints them all.
//
//   RunefileResult r = ParseRunefile(text);
//   if (!r.findings.empty()) { … r.findings[0].line … }
//   const Runefile& config = r.runefile;   // defaults filled in
#ifndef RUNE_COMMON_RUNEFILE_RUNEFILE_H_
#define RUNE_COMMON_RUNEFILE_RUNEFILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rune::common {

struct RunefileTls {
  bool enabled = false;
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
};

struct RunefileServer {
  std::string grpc_address = ":7863";
  std::string http_address = ":7861";
  RunefileTls tls;
  bool reflection = false;
  absl::Duration shutdown_timeout = absl::Seconds(30);
};

struct RunefileLog {
  std::string level = "info";
  std::string format = "text";
};

struct RunefileAuth {
  bool enabled = true;
  bool allow_remote_admin = false;
  int64_t max_failed_attempts_per_minute = 10;
};

struct RunefileKek {
  std::string source = "file";
  std::string file;  // "" means <data_dir>/kek.b64
  std::string env = "RUNE_MASTER_KEY";
  bool generate_if_missing = true;
};

struct RunefileLimits {
  int64_t max_keys = 64;
  int64_t max_value_bytes = 65536;
  int64_t max_total_bytes = 1048576;
};

struct RunefileRegistry {
  std::string name;
  std::string registry;
  std::string type;
  std::string username;
  std::string password;
  std::string password_file;
  std::string token;
  std::string token_file;
  std::string region;
  std::string from_secret;
};

struct RunefileDocker {
  bool enabled = true;
  std::string socket = "/var/run/docker.sock";
  std::string api_version;
  std::string fallback_api_version = "1.43";
  int64_t negotiation_timeout_seconds = 3;
  std::string network = "rune";
  std::vector<RunefileRegistry> registries;
};

struct RunefileOrchestrator {
  absl::Duration resync_interval = absl::Seconds(30);
  absl::Duration progress_deadline = absl::Minutes(10);
  absl::Duration stop_grace_period = absl::Seconds(10);
  int64_t max_parallel_starts = 4;
};

struct RunefileLogs {
  int64_t max_bytes_per_instance = 10485760;
  absl::Duration retain_deleted = absl::Hours(24);
};

struct RunefileStore {
  int64_t history_limit = 10;
  int64_t max_size = int64_t{1} << 30;
};

struct Runefile {
  RunefileServer server;
  std::string data_dir;  // "" means the default for the user running runed
  RunefileLog log;
  RunefileAuth auth;
  RunefileKek kek;  // secret.encryption.kek
  RunefileLimits secret_limits;
  RunefileLimits config_limits;
  RunefileDocker docker;
  bool process_enabled = true;
  RunefileOrchestrator orchestrator;
  RunefileLogs logs;
  RunefileStore store;
  int64_t max_scale = 1000;  // limits.max_scale
};

// One problem found in a runefile.
struct RunefileFinding {
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string path;     // "server.grpc-addr"
  std::string message;  // "unknown field \"grpc-addr\""
  std::string hint;     // "did you mean \"server.grpc_address\"?" or ""
  std::string rule;     // lint rule: yaml-syntax, unknown-field, type, enum, range
};

struct RunefileResult {
  Runefile runefile;
  std::vector<RunefileFinding> findings;
};

// Decodes runefile text. Empty text gives the defaults.
RunefileResult ParseRunefile(absl::string_view text);

// The top-level keys of a runefile (used to recognise one by content).
const std::vector<std::string>& RunefileTopLevelKeys();

// True for "[host]:port" with a port 0–65535 (host optional; IPv6 bracketed).
bool IsListenAddress(absl::string_view address);

}  // namespace rune::common

#endif  // RUNE_COMMON_RUNEFILE_RUNEFILE_H_
