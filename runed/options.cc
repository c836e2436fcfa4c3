#include "runed/options.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rune::daemon {
namespace {

using common::cli::BoolFlag;
using common::cli::Command;
using common::cli::Completion;
using common::cli::EnumFlag;
using common::cli::StringFlag;

constexpr char kDefaultRunefile[] = "/etc/rune/runefile.yaml";

Command BuildCommand() {
  Command c;
  c.name = "runed";
  c.short_help = "The Rune service orchestrator daemon";
  c.long_help =
      "runed keeps the services declared through rune running on this host: native processes or\n"
      "Docker containers, with scaling, health probes, restarts, dependencies, logs, exec,\n"
      "secrets and RBAC. It serves gRPC (default :7863) for rune and HTTP (default :7861) for\n"
      "/healthz and read-only REST.\n"
      "\n"
      "Settings apply in the order flag, environment variable, runefile, built-in default.\n"
      "SIGTERM or SIGINT shut down gracefully (a second signal exits at once); SIGHUP is ignored.\n"
      "Exit codes: 0 clean shutdown, 1 fatal error, 2 usage.";
  c.flags = {
      StringFlag("config", 0,
                 "runefile to load (env RUNE_CONFIG; default /etc/rune/runefile.yaml when it "
                 "exists, else built-in defaults)",
                 "", Completion::kFiles, "path"),
      StringFlag("grpc-addr", 0,
                 "gRPC listen address [host]:port (env RUNE_SERVER_GRPC_ADDRESS; default \":7863\")",
                 "", Completion::kNone, "address"),
      StringFlag("http-addr", 0,
                 "HTTP listen address [host]:port, \"\" disables it (env RUNE_SERVER_HTTP_ADDRESS; "
                 "default \":7861\")",
                 "", Completion::kNone, "address"),
      StringFlag("data-dir", 0,
                 "state directory (env RUNE_DATA_DIR; default /var/lib/rune for root, else "
                 "$XDG_DATA_HOME/rune or ~/.local/share/rune)",
                 "", Completion::kDirectories, "path"),
      EnumFlag("log-level", 0, "log level (env RUNE_LOG_LEVEL; default info)",
               {"debug", "info", "warn", "error"}, ""),
      EnumFlag("log-format", 0, "log format (env RUNE_LOG_FORMAT; default text)", {"text", "json"},
               ""),
      BoolFlag("debug", 0, "same as --log-level debug"),
      BoolFlag("pretty", 0, "same as --log-format text"),
      BoolFlag("version", 0, "print the version line and exit"),
      BoolFlag("stop-instances-on-exit", 0,
               "stop process instances and containers on a clean shutdown instead of leaving them "
               "running"),
      StringFlag("genman", 0, "write runed.8 and runefile.5 into this directory and exit", "",
                 Completion::kNone,
                 "dir"),
  };
  c.flags.back().hidden = true;
  c.examples = {
      "# As root with the installed runefile (what the systemd unit runs)\n"
      "sudo runed --config /etc/rune/runefile.yaml",
      "# A private runed for development: own state, loopback only, no HTTP listener\n"
      "runed --data-dir /tmp/rune-dev --grpc-addr 127.0.0.1:7863 --http-addr \"\" --debug &\n"
      "rune admin bootstrap --out-file dev.token\n"
      "rune login dev --server 127.0.0.1:7863 --token-file dev.token",
      "# Under systemd: start now and at boot, then follow the log\n"
      "sudo systemctl enable --now runed\n"
      "journalctl -u runed -f",
      "# Check a changed runefile, then restart to apply it\n"
      "rune lint /etc/rune/runefile.yaml\n"
      "sudo systemctl restart runed",
  };
  return c;
}

std::string Get(const Environment& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

bool Has(const Environment& env, const char* name) { return env.find(name) != env.end(); }

std::string DefaultDataDir(const Environment& env) {
  if (geteuid() == 0) return "/var/lib/rune";
  if (!Get(env, "XDG_DATA_HOME").empty()) return Get(env, "XDG_DATA_HOME") + "/rune";
  return Get(env, "HOME") + "/.local/share/rune";
}

}  // namespace

const Command& RunedCommand() {
  static const Command* const kCommand = new Command(BuildCommand());
  return *kCommand;
}

absl::StatusOr<Options> ResolveOptions(const common::cli::ParsedCommand& p, const Environment& env) {
  Options o;
  if (p.IsSet("config")) {
    o.config_path = p.String("config");
  } else if (!Get(env, "RUNE_CONFIG").empty()) {
    o.config_path = Get(env, "RUNE_CONFIG");
  } else {
    struct stat st;
    if (stat(kDefaultRunefile, &st) == 0) o.config_path = kDefaultRunefile;
  }
  if (!o.config_path.empty()) {
    std::ifstream file(o.config_path, std::ios::binary);
    if (!file) {
      const int err = errno;
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read runefile ", o.config_path, ": ", std::strerror(err)));
    }
    std::stringstream text;
    text << file.rdbuf();
    common::RunefileResult result = common::ParseRunefile(text.str());
    if (!result.findings.empty()) {
      std::vector<std::string> lines;
      for (const common::RunefileFinding& f : result.findings) {
        std::string line = absl::StrCat("runefile ", o.config_path, ":", f.line, ":", f.column, ": ");
        if (f.rule != "unknown-field" && f.rule != "yaml-syntax" && !f.path.empty()) {
          absl::StrAppend(&line, f.path, ": ");
        }
        absl::StrAppend(&line, f.message);
        if (!f.hint.empty()) absl::StrAppend(&line, " (", f.hint, ")");
        lines.push_back(std::move(line));
      }
      return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
    }
    o.runefile = std::move(result.runefile);
  }
  const common::Runefile& r = o.runefile;

  // Addresses and directories: flag > env > runefile > default.
  if (p.IsSet("grpc-addr")) {
    o.grpc_address = p.String("grpc-addr");
  } else if (!Get(env, "RUNE_SERVER_GRPC_ADDRESS").empty()) {
    o.grpc_address = Get(env, "RUNE_SERVER_GRPC_ADDRESS");
  } else {
    o.grpc_address = r.server.grpc_address;
  }
  if (!common::IsListenAddress(o.grpc_address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid gRPC address \"", o.grpc_address, "\": must be [host]:port"));
  }
  if (p.IsSet("http-addr")) {
    o.http_address = p.String("http-addr");
  } else if (Has(env, "RUNE_SERVER_HTTP_ADDRESS")) {
    o.http_address = Get(env, "RUNE_SERVER_HTTP_ADDRESS");
  } else {
    o.http_address = r.server.http_address;
  }
  if (!o.http_address.empty() && !common::IsListenAddress(o.http_address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid HTTP address \"", o.http_address, "\": must be [host]:port"));
  }
  if (p.IsSet("data-dir")) {
    o.data_dir = p.String("data-dir");
  } else if (!Get(env, "RUNE_DATA_DIR").empty()) {
    o.data_dir = Get(env, "RUNE_DATA_DIR");
  } else if (!r.data_dir.empty()) {
    o.data_dir = r.data_dir;
  } else {
    o.data_dir = DefaultDataDir(env);
  }

  std::string level = r.log.level;
  if (p.Bool("debug")) {
    level = "debug";
  } else if (p.IsSet("log-level")) {
    level = p.String("log-level");
  } else if (!Get(env, "RUNE_LOG_LEVEL").empty()) {
    level = Get(env, "RUNE_LOG_LEVEL");
  }
  if (!ParseLogLevel(level, &o.log_level)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid log level \"", level, "\": must be one of debug, info, warn, error"));
  }
  std::string format = r.log.format;
  if (p.Bool("pretty")) {
    format = "text";
  } else if (p.IsSet("log-format")) {
    format = p.String("log-format");
  } else if (!Get(env, "RUNE_LOG_FORMAT").empty()) {
    format = Get(env, "RUNE_LOG_FORMAT");
  }
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid log format \"", format, "\": must be one of text, json"));
  }
  o.log_json = format == "json";
  o.stop_instances_on_exit = p.Bool("stop-instances-on-exit");
  return o;
}

}  // namespace rune::daemon
