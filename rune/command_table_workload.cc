// The table entries for running services: scale, restart, stop, status, logs,
// exec, health, rollback.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/cli/parser.h"
#include "rune/command_table.h"
#include "rune/commands.h"
#include "rune/table_helpers.h"

namespace rune::cli {

using common::cli::BoolFlag;
using common::cli::Command;
using common::cli::Completion;
using common::cli::DurationFlag;
using common::cli::EnumFlag;
using common::cli::Flag;
using common::cli::IntFlag;
using common::cli::KeyValueFlag;
using common::cli::ParsedCommand;
using common::cli::Positional;
using common::cli::StringFlag;
using common::cli::ValueType;

namespace {

absl::Status CheckReplicas(const std::string& value) {
  int64_t n;
  if (!absl::SimpleAtoi(value, &n) || n < 0 || n > 1000 || value.empty() || value[0] == '+') {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid replicas \"", value, "\": must be an integer between 0 and 1000"));
  }
  return absl::OkStatus();
}

absl::Status ValidateScale(const ParsedCommand& p) {
  if (p.String("mode") != "gradual") {
    for (const char* flag : {"step", "interval", "rollback-on-fail"}) {
      if (p.IsSet(flag)) {
        return absl::InvalidArgumentError(absl::StrCat("flag --", flag, " requires --mode gradual"));
      }
    }
  }
  if (p.IsSet("interval") && p.Duration("interval") < absl::Seconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid argument \"", p.String("interval"),
                                                   "\" for \"--interval\" flag: must be >= 1s"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLogs(const ParsedCommand& p) {
  if (p.IsSet("until") && p.Bool("follow")) {
    return absl::InvalidArgumentError("flags --until and --follow cannot be used together");
  }
  return absl::OkStatus();
}

absl::Status ValidateExec(const ParsedCommand& p) {
  for (const std::string& kv : p.Strings("env")) {
    const std::string key = kv.substr(0, kv.find('='));
    bool ok = !key.empty() && !(key[0] >= '0' && key[0] <= '9');
    for (char ch : key) {
      ok = ok && ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                  ch == '_');
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid argument \"", kv,
          "\" for \"--env\" flag: KEY must match ^[A-Za-z_][A-Za-z0-9_]*$"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRollback(const ParsedCommand& p) {
  if (p.Bool("list")) {
    for (const char* flag : {"wait", "no-wait", "timeout"}) {
      if (p.IsSet(flag)) {
        return absl::InvalidArgumentError(absl::StrCat("flags --", flag, " and --list cannot be used together"));
      }
    }
  } else if (p.IsSet("output")) {
    return absl::InvalidArgumentError("flag --output requires --list");
  }
  return absl::OkStatus();
}

// With two arguments the first says what the second names.
absl::Status ValidateHealth(const ParsedCommand& p) {
  if (p.args.size() < 2) return absl::OkStatus();
  for (const char* kind : {"service", "svc", "instance", "inst", "node"}) {
    if (p.args[0] == kind) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid kind \"", p.args[0], "\": must be one of service, svc, instance, inst, node"));
}

// `health <kind> <name>`: names of that kind (none after `node` or a name).
Completion HealthTargetCompletion(const ParsedCommand& p) {
  const std::string kind = p.args.empty() ? "" : p.args[0];
  if (kind == "service" || kind == "svc") return Completion::kServices;
  if (kind == "instance" || kind == "inst") return Completion::kInstances;
  return Completion::kNone;
}

Positional TargetArg() {
  Positional p;
  p.name = "target";
  p.completion = Completion::kServicesAndInstances;
  return p;
}

}  // namespace

Command ScaleCommand() {
  Command c;
  c.name = "scale";
  c.short_help = "Change the number of instances of a service";
  c.long_help =
      "Set the scale of a service and wait until that many instances are ready.\n"
      "\n"
      "--mode gradual moves --step instances at a time, waiting --interval after each step, and\n"
      "with --rollback-on-fail (the default) returns to the old scale when a step fails.";
  c.args_usage = "<service> <replicas>";
  c.min_args = c.max_args = 2;
  Positional replicas;
  replicas.name = "replicas";
  replicas.check = &CheckReplicas;
  c.positionals = {ServiceArg(), replicas};
  c.flags = {EnumFlag("mode", 0, "how to get there", {"immediate", "gradual"}, "immediate"),
             IntFlag("step", 0, "gradual: instances added or removed per step", "1", 1),
             DurationFlag("interval", 0, "gradual: pause after each step (at least 1s)", "30s"),
             BoolFlag("rollback-on-fail", 0, "gradual: return to the old scale when a step fails",
                      /*default_true=*/true)};
  for (Flag& f : WaitFlags("5m")) c.flags.push_back(std::move(f));
  c.exclusive = {WaitExclusive()};
  c.examples = {"rune scale api 3", "rune scale api 10 --mode gradual --step 2 --interval 1m"};
  c.validate = &ValidateScale;
  c.run = &RunScale;
  return c;
}

Command RestartCommand() {
  Command c;
  c.name = "restart";
  c.short_help = "Replace every instance of a service";
  c.long_help =
      "Replace the instances of a service without changing its scale. By default all instances\n"
      "are stopped, then started again (recreate); --rolling replaces one at a time, each new\n"
      "instance ready before the next old one stops.";
  c.args_usage = "<service>";
  c.min_args = c.max_args = 1;
  c.positionals = {ServiceArg()};
  c.flags = WaitFlags("10m");
  c.flags.push_back(BoolFlag("rolling", 0, "replace one instance at a time, readiness-gated"));
  c.exclusive = {WaitExclusive()};
  c.examples = {"rune restart api", "rune restart api --rolling"};
  c.run = &RunRestart;
  return c;
}

Command StopCommand() {
  Command c;
  c.name = "stop";
  c.short_help = "Stop a service (scale 0), remembering its scale";
  c.long_help =
      "Set the scale of a service to 0 and wait until its instances are gone. The previous\n"
      "scale is kept in metadata.lastNonZeroScale.";
  c.args_usage = "<service>";
  c.min_args = c.max_args = 1;
  c.positionals = {ServiceArg()};
  c.flags = WaitFlags("5m");
  c.exclusive = {WaitExclusive()};
  c.examples = {"rune stop api"};
  c.run = &RunStop;
  return c;
}

Command StatusCommand() {
  Command c;
  c.name = "status";
  c.short_help = "Summarise the services of a namespace, worst first";
  c.flags = {AllNamespacesFlag(), OutputFlag({"table", "json", "yaml"}, "table")};
  c.examples = {"rune status", "rune status -A"};
  c.run = &RunStatus;
  return c;
}

Command LogsCommand() {
  Command c;
  c.name = "logs";
  c.aliases = {"log"};
  c.short_help = "Print the output of a service or an instance";
  c.long_help =
      "Print the stored output of a service (all its instances, merged by time) or of one\n"
      "instance. TARGET is NAME, service/NAME, svc/NAME, instance/ID-or-NAME or inst/…; a bare\n"
      "name is looked up as a service first, then as an instance.";
  c.args_usage = "<target>";
  c.min_args = c.max_args = 1;
  c.positionals = {TargetArg()};
  Flag grep = StringFlag("grep", 0, "only lines matching this RE2 regular expression", "",
                         Completion::kNone, "regex");
  grep.type = ValueType::kRegex;
  c.flags = {
      BoolFlag("follow", 'f', "keep printing new lines, including those of new instances"),
      IntFlag("tail", 0, "last N lines of the history; -1 all, 0 none", "100", -1),
      StringFlag("since", 0, "only lines at or after now-DURATION or an RFC 3339 time", "",
                 Completion::kNone, "time"),
      StringFlag("until", 0, "only lines before now-DURATION or an RFC 3339 time", "",
                 Completion::kNone, "time"),
      grep,
      BoolFlag("timestamps", 0, "prefix each line with its time"),
      BoolFlag("prefix", 0, "prefix each line with [instance-name] (default: on for services)"),
      OutputFlag({"text", "json"}, "text"),
  };
  c.examples = {"rune logs api --tail 20", "rune logs api -f --grep 'error|warn'",
                "rune logs instance/api-0 --since 10m --timestamps"};
  c.validate = &ValidateLogs;
  c.run = &RunLogs;
  return c;
}

Command ExecCommand() {
  Command c;
  c.name = "exec";
  c.aliases = {"e"};
  c.short_help = "Run a command inside a running instance";
  c.long_help =
      "Run a command in an instance of a service (the ready one with the lowest ordinal) or in\n"
      "a given instance, with its identity, environment and filesystem view. stdin is\n"
      "forwarded; a terminal is allocated when stdin and stdout are terminals (or with -t).\n"
      "\n"
      "The exit code is the remote command's (128+N when killed by signal N, 124 when --timeout\n"
      "expired). Failures before the command starts always print an Error: line.";
  c.args_usage = "<target> [--] <command> [args...]";
  c.min_args = 2;
  c.max_args = -1;
  c.missing_args_message = "requires a command to run, e.g. 'rune exec api sh'";
  c.flags_stop_after_args = 1;
  c.positionals = {TargetArg(), {"command", Completion::kNone}};
  c.flags = {StringFlag("workdir", 0, "working directory inside the instance", "",
                        Completion::kNone, "path"),
             KeyValueFlag("env", 0, "extra environment KEY=VALUE (repeatable)"),
             BoolFlag("tty", 't', "allocate a terminal even when not attached to one"),
             BoolFlag("no-tty", 0, "never allocate a terminal"),
             DurationFlag("timeout", 0, "kill the command after this long (0: never)", "0")};
  c.exclusive = {{"tty", "no-tty"}};
  c.examples = {"rune exec api -- sh -c 'echo $RUNE_INSTANCE_NAME'", "rune exec -t api sh",
                "rune exec instance/api-1 --timeout 30s -- ./healthcheck"};
  c.validate = &ValidateExec;
  c.run = &RunExec;
  return c;
}

Command HealthCommand() {
  Command c;
  c.name = "health";
  c.short_help = "Show the health of a service, an instance or the node";
  c.long_help =
      "Show readiness and restarts of a service or an instance, or the node's resources.\n"
      "One argument names a service (then an instance); 'rune health' alone and\n"
      "'rune health node' report the node. --checks adds every probe's recent results.\n"
      "The exit code is 0 whenever the query succeeds, whatever the health.";
  c.args_usage = "[service|svc|instance|inst|node] [name]";
  c.max_args = 2;
  Positional kind;
  kind.name = "kind";
  kind.completion = Completion::kServicesAndInstances;  // beside the kinds, a name alone
  kind.choices = {"service", "instance", "node"};
  kind.choice_help = {"a service", "an instance", "this host"};
  Positional target = TargetArg();
  target.completion_for = &HealthTargetCompletion;
  c.positionals = {kind, target};
  c.flags = {BoolFlag("checks", 0, "show every probe and its recent results"),
             OutputFlag({"table", "json", "yaml"}, "table")};
  c.examples = {"rune health api --checks", "rune health node"};
  c.validate = &ValidateHealth;
  c.run = &RunHealth;
  return c;
}

Command RollbackCommand() {
  Command c;
  c.name = "rollback";
  c.short_help = "Return a service to an earlier generation, or list its generations";
  c.long_help =
      "Write a new generation of the service whose spec equals an earlier one (--to, default the\n"
      "generation before the current one), keeping the current scale, and wait like 'rune cast'.\n"
      "--list prints the generations runed keeps (store.history_limit).";
  c.args_usage = "<service>";
  c.min_args = c.max_args = 1;
  c.positionals = {ServiceArg()};
  c.flags = {IntFlag("to", 0, "generation to return to", "", 1),
             BoolFlag("list", 0, "list the stored generations instead")};
  for (Flag& f : WaitFlags("5m")) c.flags.push_back(std::move(f));
  c.flags.push_back(OutputFlag({"table", "json", "yaml"}, "table"));
  c.exclusive = {WaitExclusive(), {"to", "list"}};
  c.examples = {"rune rollback api --list", "rune rollback api --to 3"};
  c.validate = &ValidateRollback;
  c.run = &RunRollback;
  return c;
}

}  // namespace rune::cli
