#include "runed/genman.h"

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/runefile/schema.h"
#include "common/version.h"
#include "runed/logging.h"

namespace rune::daemon {
namespace {

using common::RunefileKey;
using common::RunefileRename;
using common::RunefileType;
using common::cli::Command;
using common::cli::ManInfo;
using common::cli::ManSection;

constexpr char kRunefileExample[] =
    R"(# /etc/rune/runefile.yaml for a host that runs both processes and containers.
# Every key is shown with its default unless the comment says otherwise.
server:
  grpc_address: ":7863"              # rune connects here
  http_address: ":7861"              # /healthz and read-only REST; "" turns it off
  tls:
    enabled: false                   # true needs cert_file and key_file
    cert_file: ""                    # e.g. /etc/rune/tls/runed.crt
    key_file: ""                     # e.g. /etc/rune/tls/runed.key
    ca_file: ""                      # set to require client certificates (mTLS)
  reflection: false
  shutdown_timeout: 30s
data_dir: /var/lib/rune              # default for root
log:
  level: info                        # debug, info, warn or error
  format: json                       # default text; json suits log collectors
auth:
  enabled: true                      # false gives every client full access
  allow_remote_admin: false          # rune admin only from this host
  max_failed_attempts_per_minute: 10
secret:
  encryption:
    kek:
      source: file                   # file, env or generated
      file: /var/lib/rune/kek.b64    # default <data_dir>/kek.b64; back it up
      env: RUNE_MASTER_KEY           # read when source is env
      generate_if_missing: true
  limits:
    max_keys: 64
    max_value_bytes: 65536
    max_total_bytes: 1048576
config:
  limits:
    max_keys: 64
    max_value_bytes: 65536
    max_total_bytes: 1048576
docker:
  enabled: true
  socket: /var/run/docker.sock
  api_version: ""                    # "" negotiates with the engine
  fallback_api_version: "1.43"
  negotiation_timeout_seconds: 3
  network: rune
  registries:                        # default none
    - name: ghcr-private
      registry: ghcr.io
      type: basic                    # inferred when omitted
      username: bot
      password_file: /etc/rune/ghcr.password    # or password: ${GHCR_PASSWORD}
    - name: internal
      registry: "*.registry.example.com"        # every host under the domain
      token_file: /etc/rune/internal.token      # or token: ${INTERNAL_TOKEN}
    - name: ecr
      registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com
      region: eu-west-1              # type ecr is inferred
    - name: quay
      registry: quay.io
      type: basic                    # needed with from_secret alone
      from_secret: ops/quay-pull     # a secret with keys username, password
process:
  enabled: true
orchestrator:
  resync_interval: 30s
  progress_deadline: 10m
  stop_grace_period: 10s
  max_parallel_starts: 4
logs:
  max_bytes_per_instance: 10485760   # 10 MiB per instance
  retain_deleted: 24h
store:
  history_limit: 10                  # generations kept for rune rollback
  max_size: 1073741824               # 1 GiB
limits:
  max_scale: 1000
)";

// One key of the runefile: meaning, then type and default, then its rules.
std::pair<std::string, std::string> KeyItem(const RunefileKey& key) {
  if (key.type == RunefileType::kSection) return {key.path, key.meaning};
  std::string type = common::RunefileTypeName(key);
  const std::string range = common::RunefileRange(key);
  if (key.type == RunefileType::kEnum) {
    type = range;
  } else if (!range.empty()) {
    absl::StrAppend(&type, ", ", range);
  }
  std::string body = absl::StrCat(key.meaning, "\nType: ", type, ". Default: ",
                                  common::RunefileDefault(key), ".");
  if (!key.validation.empty()) absl::StrAppend(&body, "\n", key.validation);
  return {key.path, body};
}

ManSection KeysSection() {
  ManSection s;
  s.title = "KEYS";
  s.text =
      "Keys are written below by their path from the top of the file: server.tls.enabled is the "
      "key enabled in the mapping tls in the mapping server. docker.registries[].name is the key "
      "name of each entry of the list docker.registries.";
  for (const RunefileKey& key : common::RunefileKeys()) s.items.push_back(KeyItem(key));
  return s;
}

ManSection OldNamesSection() {
  ManSection s;
  s.title = "OLD KEY NAMES";
  s.text =
      "Earlier documentation spelled some keys differently. These spellings are not accepted: "
      "each one is reported as an unknown field with a hint naming the key to use, e.g.\n"
      "  unknown field \"grpc-addr\" (did you mean \"server.grpc_address\"?)";
  for (const RunefileRename& r : common::RunefileRenames()) {
    switch (r.kind) {
      case RunefileRename::kExact:
        s.items.push_back({r.from, absl::StrCat("Use ", r.to, ".")});
        break;
      case RunefileRename::kPrefix:
        s.items.push_back(
            {absl::StrCat(r.from, "*"),
             absl::StrCat("Use ", r.to, "*, with '_' for '-' in the rest of the key.")});
        break;
      case RunefileRename::kRegistry:
        s.items.push_back({absl::StrCat("docker.registries[].", r.from),
                           absl::StrCat("Use docker.registries[].", r.to, ".")});
        break;
    }
  }
  return s;
}

common::cli::ManDocument RunefileDocument() {
  common::cli::ManDocument doc;
  doc.name = "runefile";
  doc.summary = "configuration file of runed";
  doc.synopsis = "/etc/rune/runefile.yaml\nruned --config <path>";
  ManSection description;
  description.title = "DESCRIPTION";
  description.text =
      "runed(8) reads its settings from a runefile: one YAML document, a mapping with snake_case "
      "keys. runed uses /etc/rune/runefile.yaml when that file exists and neither --config nor "
      "RUNE_CONFIG names another file; without a runefile it runs on the built-in defaults. A key "
      "that is left out keeps its default, so an empty file means all defaults.\n"
      "\n"
      "Each setting is taken from its flag, else its environment variable, else the runefile, "
      "else the default: --grpc-addr, --http-addr, --data-dir, --log-level and --log-format and "
      "the RUNE_* variables of runed(8) override the keys they name.\n"
      "\n"
      "runed reads the runefile only when it starts; a change takes effect at the next start. "
      "Registries added with 'rune admin registry add' are kept by runed itself and need no "
      "restart.";
  ManSection validation;
  validation.title = "VALIDATION";
  validation.text =
      "runed checks the whole file before anything else and does not start (exit status 1) when "
      "it finds a problem; the error names each one with its line and column:\n"
      "  runefile /etc/rune/runefile.yaml:2:3: unknown field \"grpc-addr\" (did you mean "
      "\"server.grpc_address\"?)\n"
      "  runefile /etc/rune/runefile.yaml:4:10: log.level: must be one of: debug, info, warn, "
      "error; got \"loud\"\n"
      "\n"
      "Unknown keys, values of the wrong type, numbers out of range, unknown enum values, "
      "addresses that are not [host]:port and durations that do not parse are errors. "
      "'rune lint <file>' runs the same checks without runed and prints every finding with the "
      "offending line.\n"
      "\n"
      "When runed starts it also checks what the file points at: with server.tls.enabled, the "
      "certificate and key files (and ca_file when set) must be readable; the KEK, from a file or "
      "a variable, must be base64 of exactly 32 bytes and must be the key that encrypted the "
      "secrets already stored.";
  ManSection examples;
  examples.title = "EXAMPLES";
  examples.text =
      "A complete runefile. Check it with 'rune lint /etc/rune/runefile.yaml' and restart runed "
      "to apply it.";
  examples.verbatim = RunefileExample();
  examples.verbatim.pop_back();  // the final newline
  doc.sections = {description, KeysSection(), validation, OldNamesSection(), examples};
  doc.see_also = {"runed(8)", "rune(1)", "rune-lint(1)"};
  return doc;
}

std::vector<ManSection> RunedSections(const std::vector<const Command*>&) {
  return {
      {"SIGNALS",
       "",
       "",
       {{"SIGTERM, SIGINT",
         "Graceful shutdown: /healthz answers 503, new calls are refused, open streams (logs, "
         "watches, exec) end with \"Unavailable: server is shutting down\" and exec'd commands are "
         "killed, calls in flight get up to server.shutdown_timeout, the orchestrator stops and "
         "the store is synced and closed; then runed exits with 0. Process instances and "
         "containers keep running and are adopted at the next start, unless "
         "--stop-instances-on-exit is given. A second signal exits at once with 1."},
        {"SIGHUP", "Logged (\"SIGHUP ignored: reload is not supported\") and otherwise ignored."},
        {"SIGPIPE", "Ignored."}}},
      {"EXIT STATUS",
       "",
       "",
       {{"0", "Clean shutdown; also --help and --version."},
        {"1",
         "Fatal error, logged before exiting: an invalid runefile or setting, a --config or "
         "RUNE_CONFIG file that cannot be read, a store or KEK problem, a listener that cannot "
         "bind, a data directory locked by another runed."},
        {"2", "Usage: unknown flag or bad flag value."}}},
      {"ENVIRONMENT",
       "Each setting is taken from its flag, else its environment variable, else the runefile, "
       "else the built-in default.",
       "",
       {{"RUNE_CONFIG", "Runefile to load, when --config is not given."},
        {"RUNE_SERVER_GRPC_ADDRESS", "gRPC listen address (server.grpc_address)."},
        {"RUNE_SERVER_HTTP_ADDRESS",
         "HTTP listen address (server.http_address); set and empty turns the listener off."},
        {"RUNE_DATA_DIR", "State directory (data_dir)."},
        {"RUNE_LOG_LEVEL", "debug, info, warn or error (log.level)."},
        {"RUNE_LOG_FORMAT", "text or json (log.format)."},
        {"RUNE_MASTER_KEY",
         "The KEK as base64 of 32 bytes when secret.encryption.kek.source is env (the variable's "
         "name is secret.encryption.kek.env)."},
        {"NOTIFY_SOCKET",
         "Set by systemd for Type=notify units: runed sends READY=1 there once it serves."},
        {"XDG_DATA_HOME, HOME", "Default state directory of a runed not running as root."}}},
      {"FILES",
       "",
       "",
       {{"/etc/rune/runefile.yaml",
         "The runefile read when --config and RUNE_CONFIG are unset and the file exists; see "
         "runefile(5)."},
        {"/var/lib/rune",
         "State directory of a runed running as root; $XDG_DATA_HOME/rune or "
         "~/.local/share/rune for other users. Created with mode 0700."},
        {"<data_dir>/runed.lock",
         "Lock held by the running runed; a second runed on the same directory exits with 1 "
         "(\"data directory <dir> is locked by another runed (pid <n>)\")."},
        {"<data_dir>/store/",
         "The embedded store (LMDB): every object, its history and the users."},
        {"<data_dir>/kek.b64",
         "The key-encryption key of secrets (secret.encryption.kek.file), mode 0600. Without it "
         "stored secrets cannot be read: back it up."},
        {"<data_dir>/logs/<namespace>/<instance-id>.log", "Output of each instance."},
        {"<data_dir>/instances/<namespace>/<instance-id>/",
         "State of each process instance, kept by its supervisor."},
        {"/etc/rune/runed.env",
         "Environment file of the systemd unit, e.g. for RUNE_MASTER_KEY."}}},
  };
}

ManInfo Info(int section, const std::string& date) {
  ManInfo info;
  info.section = section;
  info.date = date;
  info.source = absl::StrCat("runed ", common::CurrentBuild().version);
  info.manual = "Rune Manual";
  return info;
}

}  // namespace

const std::string& RunefileExample() {
  static const auto* const kExample = new std::string(kRunefileExample);
  return *kExample;
}

std::vector<common::cli::ManPage> RunedManPages(const std::string& date) {
  ManInfo runed = Info(8, date);
  runed.sections = &RunedSections;
  runed.see_also = {"rune(1)", "runefile(5)"};
  std::vector<common::cli::ManPage> pages = common::cli::RenderManPages(RunedCommand(), runed);
  pages.push_back(common::cli::RenderManDocument(RunefileDocument(), Info(5, date)));
  return pages;
}

int WriteManPages(const std::string& dir, const Environment& env) {
  std::string date;
  auto epoch_text = env.find("SOURCE_DATE_EPOCH");
  int64_t epoch;
  if (epoch_text != env.end() && absl::SimpleAtoi(epoch_text->second, &epoch)) {
    date = absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(epoch), absl::UTCTimeZone());
  }
  for (const common::cli::ManPage& page : RunedManPages(date)) {
    const std::string path = absl::StrCat(dir, "/", page.file_name);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << page.content;
    file.close();
    if (!file) {
      Log().Error(absl::StrCat("cannot write ", path));
      return 1;
    }
  }
  return 0;
}

}  // namespace rune::daemon
