#include "common/runefile/schema.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace rune::common {
namespace {

using T = RunefileType;

RunefileKey Section(std::string path, std::string meaning) {
  RunefileKey k;
  k.path = std::move(path);
  k.type = T::kSection;
  k.meaning = std::move(meaning);
  return k;
}

RunefileKey Key(std::string path, RunefileType type, RunefileField (*field)(Runefile&),
                std::string meaning, std::string validation = "") {
  RunefileKey k;
  k.path = std::move(path);
  k.type = type;
  k.field = field;
  k.meaning = std::move(meaning);
  k.validation = std::move(validation);
  return k;
}

RunefileKey IntKey(std::string path, RunefileField (*field)(Runefile&), int64_t min, int64_t max,
                   std::string meaning) {
  RunefileKey k = Key(std::move(path), T::kInt, field, std::move(meaning));
  k.min = min;
  k.max = max;
  return k;
}

RunefileKey EnumKey(std::string path, RunefileField (*field)(Runefile&),
                    std::vector<std::string> choices, std::string meaning) {
  RunefileKey k = Key(std::move(path), T::kEnum, field, std::move(meaning));
  k.choices = std::move(choices);
  return k;
}

RunefileKey EntryKey(const char* name, RunefileType type, RunefileField (*field)(RunefileRegistry&),
                     std::string meaning) {
  RunefileKey k;
  k.path = absl::StrCat("docker.registries[].", name);
  k.type = type;
  k.entry_field = field;
  k.meaning = std::move(meaning);
  return k;
}

// The three limits of a secret or a configmap.
void AddLimits(std::vector<RunefileKey>* keys, const std::string& section, const char* what,
               RunefileField (*max_keys)(Runefile&), RunefileField (*max_value)(Runefile&),
               RunefileField (*max_total)(Runefile&)) {
  keys->push_back(Section(section, absl::StrCat("Size limits of every ", what, ".")));
  keys->push_back(IntKey(section + ".max_keys", max_keys, 1, std::numeric_limits<int64_t>::max(),
                         absl::StrCat("Most keys one ", what, " may hold.")));
  keys->push_back(IntKey(section + ".max_value_bytes", max_value, 1,
                         std::numeric_limits<int64_t>::max(),
                         absl::StrCat("Largest value of one key of a ", what, ", in bytes.")));
  keys->push_back(IntKey(section + ".max_total_bytes", max_total, 1,
                         std::numeric_limits<int64_t>::max(),
                         absl::StrCat("Largest sum of the values of one ", what, ", in bytes.")));
}

std::vector<RunefileKey> BuildKeys() {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<RunefileKey> k;
  k.push_back(Section("server", "The listeners: gRPC for rune, HTTP for /healthz and REST."));
  RunefileKey grpc = Key(
      "server.grpc_address", T::kAddress,
      [](Runefile& r) -> RunefileField { return &r.server.grpc_address; },
      "Address the gRPC API listens on; rune connects here. Overridden by --grpc-addr and "
      "RUNE_SERVER_GRPC_ADDRESS.");
  k.push_back(grpc);
  RunefileKey http = Key(
      "server.http_address", T::kAddress,
      [](Runefile& r) -> RunefileField { return &r.server.http_address; },
      "Address of the HTTP listener (/healthz and the read-only REST API). An empty string "
      "disables it. Overridden by --http-addr and RUNE_SERVER_HTTP_ADDRESS.");
  http.allow_empty = true;
  k.push_back(http);
  k.push_back(Section("server.tls", "TLS of the listeners."));
  k.push_back(Key("server.tls.enabled", T::kBool,
                  [](Runefile& r) -> RunefileField { return &r.server.tls.enabled; },
                  "Serve TLS instead of plaintext. Clients then connect with an https:// "
                  "server address.",
                  "When true, cert_file and key_file must name readable files."));
  k.push_back(Key("server.tls.cert_file", T::kPath,
                  [](Runefile& r) -> RunefileField { return &r.server.tls.cert_file; },
                  "PEM certificate chain runed presents.",
                  "Required when server.tls.enabled is true."));
  k.push_back(Key("server.tls.key_file", T::kPath,
                  [](Runefile& r) -> RunefileField { return &r.server.tls.key_file; },
                  "PEM private key of cert_file.", "Required when server.tls.enabled is true."));
  k.push_back(Key("server.tls.ca_file", T::kPath,
                  [](Runefile& r) -> RunefileField { return &r.server.tls.ca_file; },
                  "PEM CA certificates. When set, clients must present a certificate signed by "
                  "one of them (mutual TLS).",
                  "Must be readable when server.tls.enabled is true."));
  k.push_back(Key("server.reflection", T::kBool,
                  [](Runefile& r) -> RunefileField { return &r.server.reflection; },
                  "Offer gRPC server reflection to tools that list the API."));
  k.push_back(Key("server.shutdown_timeout", T::kDuration,
                  [](Runefile& r) -> RunefileField { return &r.server.shutdown_timeout; },
                  "How long a graceful shutdown (SIGTERM, SIGINT) waits for requests in flight."));
  RunefileKey data_dir = Key(
      "data_dir", T::kPath, [](Runefile& r) -> RunefileField { return &r.data_dir; },
      "Directory of runed's state: the store, the key file, logs and instance files. Created "
      "with mode 0700; one runed at a time holds its lock. Overridden by --data-dir and "
      "RUNE_DATA_DIR.");
  data_dir.default_text = "/var/lib/rune for root, else $XDG_DATA_HOME/rune or ~/.local/share/rune";
  k.push_back(data_dir);
  k.push_back(Section("log", "runed's own log, written to stderr (the journal under systemd)."));
  k.push_back(EnumKey("log.level", [](Runefile& r) -> RunefileField { return &r.log.level; },
                      {"debug", "info", "warn", "error"},
                      "Lowest level written; debug adds one line per request. Overridden by "
                      "--log-level, --debug and RUNE_LOG_LEVEL."));
  k.push_back(EnumKey("log.format", [](Runefile& r) -> RunefileField { return &r.log.format; },
                      {"text", "json"},
                      "text writes ts=... level=... msg=\"...\" k=v lines, json one object per "
                      "line. Overridden by --log-format, --pretty and RUNE_LOG_FORMAT."));
  k.push_back(Section("auth", "Authentication and authorization of API calls."));
  k.push_back(Key("auth.enabled", T::kBool,
                  [](Runefile& r) -> RunefileField { return &r.auth.enabled; },
                  "Require a bearer token on every call and check it against the RBAC policies "
                  "of its user. When false every client has full access and runed logs a warning "
                  "at start."));
  k.push_back(Key("auth.allow_remote_admin", T::kBool,
                  [](Runefile& r) -> RunefileField { return &r.auth.allow_remote_admin; },
                  "Accept rune admin commands from other hosts. When false they are accepted "
                  "only over loopback."));
  k.push_back(IntKey("auth.max_failed_attempts_per_minute",
                     [](Runefile& r) -> RunefileField {
                       return &r.auth.max_failed_attempts_per_minute;
                     },
                     1, kMax,
                     "Failed authentications one peer address may make within a minute; beyond "
                     "that its calls are refused for 60 seconds."));
  k.push_back(Section("secret", "Secrets: the key that encrypts them at rest, and their limits."));
  k.push_back(Section("secret.encryption", "Envelope encryption of secrets."));
  k.push_back(Section("secret.encryption.kek",
                      "The key-encryption key (KEK) that wraps each secret's data key."));
  k.push_back(EnumKey(
      "secret.encryption.kek.source", [](Runefile& r) -> RunefileField { return &r.kek.source; },
      {"file", "env", "generated"},
      "Where the KEK comes from: file reads secret.encryption.kek.file, env the variable named "
      "by secret.encryption.kek.env, generated makes a random key at every start (secrets stored "
      "before a restart become unreadable; for tests only)."));
  RunefileKey kek_file = Key(
      "secret.encryption.kek.file", T::kPath,
      [](Runefile& r) -> RunefileField { return &r.kek.file; },
      "File holding the KEK as base64 (whitespace trimmed), read when source is file.",
      "Must decode to exactly 32 bytes. Created with mode 0600 when missing and "
      "generate_if_missing is true.");
  kek_file.default_text = "<data_dir>/kek.b64";
  k.push_back(kek_file);
  k.push_back(Key("secret.encryption.kek.env", T::kString,
                  [](Runefile& r) -> RunefileField { return &r.kek.env; },
                  "Environment variable holding the KEK as base64, read when source is env.",
                  "The variable must be set and decode to exactly 32 bytes."));
  k.push_back(Key("secret.encryption.kek.generate_if_missing", T::kBool,
                  [](Runefile& r) -> RunefileField { return &r.kek.generate_if_missing; },
                  "With source file: create a random KEK file when none exists. When false a "
                  "missing file stops runed."));
  AddLimits(&k, "secret.limits", "secret",
            [](Runefile& r) -> RunefileField { return &r.secret_limits.max_keys; },
            [](Runefile& r) -> RunefileField { return &r.secret_limits.max_value_bytes; },
            [](Runefile& r) -> RunefileField { return &r.secret_limits.max_total_bytes; });
  k.push_back(Section("config", "Configmaps."));
  AddLimits(&k, "config.limits", "configmap",
            [](Runefile& r) -> RunefileField { return &r.config_limits.max_keys; },
            [](Runefile& r) -> RunefileField { return &r.config_limits.max_value_bytes; },
            [](Runefile& r) -> RunefileField { return &r.config_limits.max_total_bytes; });
  k.push_back(Section("docker", "The Docker runner, which runs services that name an image."));
  k.push_back(Key("docker.enabled", T::kBool,
                  [](Runefile& r) -> RunefileField { return &r.docker.enabled; },
                  "Run services that name an image. When false, runed refuses to apply them "
                  "(\"docker runner is disabled on this server\")."));
  k.push_back(Key("docker.socket", T::kPath,
                  [](Runefile& r) -> RunefileField { return &r.docker.socket; },
                  "Unix socket of the Docker Engine API."));
  k.push_back(Key("docker.api_version", T::kString,
                  [](Runefile& r) -> RunefileField { return &r.docker.api_version; },
                  "Engine API version to speak, e.g. \"1.43\". Empty: negotiate with the "
                  "engine's /_ping."));
  k.push_back(Key("docker.fallback_api_version", T::kString,
                  [](Runefile& r) -> RunefileField { return &r.docker.fallback_api_version; },
                  "API version used when negotiation does not answer in time."));
  k.push_back(IntKey("docker.negotiation_timeout_seconds",
                     [](Runefile& r) -> RunefileField {
                       return &r.docker.negotiation_timeout_seconds;
                     },
                     1, 300, "Seconds to wait for the engine's /_ping at start."));
  k.push_back(Key("docker.network", T::kString,
                  [](Runefile& r) -> RunefileField { return &r.docker.network; },
                  "User-defined bridge network containers join; created when missing."));
  RunefileKey registries = Key(
      "docker.registries", T::kRegistries,
      [](Runefile& r) -> RunefileField { return &r.docker.registries; },
      "Credentials for pulling images from private registries, one entry per registry. Entries "
      "here are read-only through the API; rune admin registry add stores more at runtime.");
  registries.default_text = "[]";
  k.push_back(registries);
  k.push_back(EntryKey("name", T::kString,
                       [](RunefileRegistry& e) -> RunefileField { return &e.name; },
                       "Name of the entry (rune admin registry list shows it)."));
  k.push_back(EntryKey("registry", T::kString,
                       [](RunefileRegistry& e) -> RunefileField { return &e.registry; },
                       "Registry host the credentials are for, or *.suffix for every host "
                       "under a domain."));
  RunefileKey type = EntryKey("type", T::kEnum,
                              [](RunefileRegistry& e) -> RunefileField { return &e.type; },
                              "Kind of credentials. Inferred when omitted: token or token_file "
                              "gives token, username gives basic, region gives ecr.");
  type.choices = {"basic", "token", "ecr", "dockerconfigjson"};
  type.default_text = "inferred";
  k.push_back(type);
  k.push_back(EntryKey("username", T::kString,
                       [](RunefileRegistry& e) -> RunefileField { return &e.username; },
                       "User name (basic)."));
  k.push_back(EntryKey("password", T::kString,
                       [](RunefileRegistry& e) -> RunefileField { return &e.password; },
                       "Password (basic); ${VAR} is replaced by the environment variable VAR."));
  k.push_back(EntryKey("password_file", T::kPath,
                       [](RunefileRegistry& e) -> RunefileField { return &e.password_file; },
                       "File holding the password (basic)."));
  k.push_back(EntryKey("token", T::kString,
                       [](RunefileRegistry& e) -> RunefileField { return &e.token; },
                       "Registry token; ${VAR} is replaced by the environment variable VAR."));
  k.push_back(EntryKey("token_file", T::kPath,
                       [](RunefileRegistry& e) -> RunefileField { return &e.token_file; },
                       "File holding the registry token."));
  k.push_back(EntryKey("region", T::kString,
                       [](RunefileRegistry& e) -> RunefileField { return &e.region; },
                       "AWS region (ecr)."));
  k.push_back(EntryKey("from_secret", T::kString,
                       [](RunefileRegistry& e) -> RunefileField { return &e.from_secret; },
                       "Secret <namespace>/<name> holding the credentials instead."));
  k.push_back(Section("process", "The process runner, which runs services that name a command."));
  k.push_back(Key("process.enabled", T::kBool,
                  [](Runefile& r) -> RunefileField { return &r.process_enabled; },
                  "Run services that name a command. When false, runed refuses to apply them "
                  "(\"process runner is disabled on this server\") and instances of those "
                  "stored before fail to start."));
  k.push_back(Section("orchestrator", "The control loop that keeps services at their spec."));
  k.push_back(Key("orchestrator.resync_interval", T::kDuration,
                  [](Runefile& r) -> RunefileField { return &r.orchestrator.resync_interval; },
                  "Period of the full reconcile that repairs drift; changes are otherwise "
                  "handled as they happen."));
  k.push_back(Key("orchestrator.progress_deadline", T::kDuration,
                  [](Runefile& r) -> RunefileField { return &r.orchestrator.progress_deadline; },
                  "How long a new instance of a rollout may take to become ready before the "
                  "rollout is reported stalled."));
  k.push_back(Key("orchestrator.stop_grace_period", T::kDuration,
                  [](Runefile& r) -> RunefileField { return &r.orchestrator.stop_grace_period; },
                  "Time between SIGTERM and SIGKILL when an instance is stopped."));
  k.push_back(IntKey("orchestrator.max_parallel_starts",
                     [](Runefile& r) -> RunefileField {
                       return &r.orchestrator.max_parallel_starts;
                     },
                     1, 1024, "Instance starts that may run at the same time."));
  k.push_back(Section("logs", "The stored output of instances."));
  k.push_back(IntKey("logs.max_bytes_per_instance",
                     [](Runefile& r) -> RunefileField { return &r.logs.max_bytes_per_instance; },
                     4096, kMax,
                     "Bytes of output kept per instance; the file rotates at half of it."));
  k.push_back(Key("logs.retain_deleted", T::kDuration,
                  [](Runefile& r) -> RunefileField { return &r.logs.retain_deleted; },
                  "How long the output of deleted instances is kept."));
  k.push_back(Section("store", "The embedded store under <data_dir>/store."));
  k.push_back(IntKey("store.history_limit",
                     [](Runefile& r) -> RunefileField { return &r.store.history_limit; }, 1, 1000,
                     "Service generations kept per service for rune rollback."));
  k.push_back(IntKey("store.max_size",
                     [](Runefile& r) -> RunefileField { return &r.store.max_size; },
                     int64_t{1} << 20, kMax,
                     "Largest size of the store in bytes; writes beyond it fail with \"store is "
                     "full\"."));
  k.push_back(Section("limits", "Limits of what clients may ask for."));
  k.push_back(IntKey("limits.max_scale", [](Runefile& r) -> RunefileField { return &r.max_scale; },
                     1, 100000, "Highest scale a service may have."));
  return k;
}

const RunefileRename kRenames[] = {
    {"server.grpc-addr", "server.grpc_address", RunefileRename::kExact},
    {"server.http-addr", "server.http_address", RunefileRename::kExact},
    {"server.data-dir", "data_dir", RunefileRename::kExact},
    {"server.log-level", "log.level", RunefileRename::kExact},
    {"server.log-format", "log.format", RunefileRename::kExact},
    {"auth.tls.cert-file", "server.tls.cert_file", RunefileRename::kExact},
    {"auth.tls.key-file", "server.tls.key_file", RunefileRename::kExact},
    {"crypto.kek.file-path", "secret.encryption.kek.file", RunefileRename::kExact},
    {"crypto.kek.env-var", "secret.encryption.kek.env", RunefileRename::kExact},
    {"crypto.kek.generate-if-missing", "secret.encryption.kek.generate_if_missing",
     RunefileRename::kExact},
    {"storage.secret-limits.max-keys-per-secret", "secret.limits.max_keys", RunefileRename::kExact},
    {"storage.secret-limits.max-value-size", "secret.limits.max_value_bytes",
     RunefileRename::kExact},
    {"runner.process.enabled", "process.enabled", RunefileRename::kExact},
    {"registries", "docker.registries", RunefileRename::kExact},
    {"auth.tls.", "server.tls.", RunefileRename::kPrefix},
    {"crypto.kek.", "secret.encryption.kek.", RunefileRename::kPrefix},
    {"runner.docker.", "docker.", RunefileRename::kPrefix},
    {"server", "registry", RunefileRename::kRegistry},
    {"password-file", "password_file", RunefileRename::kRegistry},
    {"token-file", "token_file", RunefileRename::kRegistry},
    {"from-secret", "from_secret", RunefileRename::kRegistry},
};

// A string as a runefile would hold it: quoted only when YAML needs it.
std::string YamlString(const std::string& s) {
  bool quote = s.empty() || s == "true" || s == "false" || s == "null" || s == "~" ||
               absl::ascii_isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' ||
               s[0] == ' ' || s.back() == ' ';
  for (char c : s) quote = quote || std::strchr(":#{}[],&*!|>'\"%@`", c) != nullptr;
  return quote ? absl::StrCat("\"", s, "\"") : s;
}

}  // namespace

const std::vector<RunefileKey>& RunefileKeys() {
  static const auto* const kKeys = new std::vector<RunefileKey>(BuildKeys());
  return *kKeys;
}

const RunefileKey* FindRunefileKey(const std::string& path) {
  for (const RunefileKey& key : RunefileKeys()) {
    if (key.path == path) return &key;
  }
  return nullptr;
}

std::string RunefileTypeName(const RunefileKey& key) {
  switch (key.type) {
    case T::kSection: return "mapping";
    case T::kString: return "string";
    case T::kPath: return "path";
    case T::kAddress: return "address";
    case T::kBool: return "boolean";
    case T::kInt: return "integer";
    case T::kDuration: return "duration";
    case T::kEnum: return "enum";
    case T::kRegistries: return "list of mappings";
  }
  return "";
}

std::string RunefileDefault(const RunefileKey& key) {
  if (!key.default_text.empty() || key.type == T::kSection) return key.default_text;
  Runefile defaults;
  RunefileRegistry entry;
  const RunefileField field = key.field != nullptr ? key.field(defaults)
                              : key.entry_field != nullptr ? key.entry_field(entry)
                                                           : RunefileField();
  if (auto* s = std::get_if<std::string*>(&field)) return YamlString(**s);
  if (auto* b = std::get_if<bool*>(&field)) return **b ? "true" : "false";
  if (auto* n = std::get_if<int64_t*>(&field)) return absl::StrCat(**n);
  if (auto* d = std::get_if<absl::Duration*>(&field)) return absl::FormatDuration(**d);
  return "";
}

std::string RunefileRange(const RunefileKey& key) {
  switch (key.type) {
    case T::kAddress:
      return key.allow_empty ? "[host]:port, or \"\"" : "[host]:port";
    case T::kInt:
      if (key.max == std::numeric_limits<int64_t>::max()) return absl::StrCat("at least ", key.min);
      return absl::StrCat("between ", key.min, " and ", key.max);
    case T::kDuration:
      return "e.g. 30s, 1h30m or 1.5h (units ns, us, ms, s, m, h, d)";
    case T::kEnum:
      return absl::StrCat("one of ", absl::StrJoin(key.choices, ", "));
    default:
      return "";
  }
}

const std::vector<RunefileRename>& RunefileRenames() {
  static const auto* const kList =
      new std::vector<RunefileRename>(std::begin(kRenames), std::end(kRenames));
  return *kList;
}

std::string RunefileSuggestion(const std::string& path) {
  for (const RunefileRename& r : kRenames) {
    if (r.kind == RunefileRename::kExact && path == r.from) return r.to;
  }
  for (const RunefileRename& r : kRenames) {
    if (r.kind == RunefileRename::kPrefix && absl::StartsWith(path, r.from)) {
      return absl::StrCat(r.to, absl::StrReplaceAll(path.substr(strlen(r.from)), {{"-", "_"}}));
    }
  }
  return "";
}

bool RunefileHasRenamesBelow(const std::string& path) {
  const std::string prefix = path + ".";
  for (const RunefileRename& r : kRenames) {
    if (r.kind == RunefileRename::kRegistry) continue;
    if (absl::StartsWith(r.from, prefix)) return true;
    if (r.kind == RunefileRename::kPrefix && r.from == prefix) return true;
  }
  return false;
}

}  // namespace rune::common
