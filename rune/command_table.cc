#include "rune/command_table.h"

#include "absl/strings/str_cat.h"
#include "rune/commands.h"
#include "rune/table_helpers.h"

namespace rune::cli {

using common::cli::BoolFlag;
using common::cli::Command;
using common::cli::Completion;
using common::cli::DurationFlag;
using common::cli::EnumFlag;
using common::cli::Flag;
using common::cli::Positional;
using common::cli::StringFlag;

namespace {

absl::Status CheckShell(const std::string& shell) {
  if (shell == "bash" || shell == "zsh" || shell == "fish") return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("invalid shell \"", shell, "\": must be one of bash, zsh, fish"));
}

std::vector<Flag> GlobalFlags() {
  return {
      StringFlag("config", 0, "client context file (env RUNE_CLI_CONFIG)", "$HOME/.rune/config.yaml",
                 Completion::kFiles, "path"),
      StringFlag("api-server", 0,
                 "runed address host[:port]; https:// selects TLS (env RUNE_API_SERVER; default: "
                 "the context's server, else localhost:7863)",
                 "", Completion::kNone, "address"),
      StringFlag("namespace", 'n',
                 "target namespace (env RUNE_NAMESPACE; default: the context's namespace, else "
                 "default)",
                 "", Completion::kNamespaces),
      StringFlag("token", 0,
                 "bearer token for this command (env RUNE_TOKEN); visible in ps, prefer "
                 "--token-file"),
      StringFlag("token-file", 0, "file holding the bearer token (env RUNE_TOKEN_FILE)", "",
                 Completion::kFiles, "path"),
      DurationFlag("request-timeout", 0, "deadline of each request to runed (not of streams or waits)",
                   "30s"),
      EnumFlag("log-level", 0, "client diagnostics on stderr (env RUNE_LOG_LEVEL)",
               {"debug", "info", "warn", "error"}, "info"),
      BoolFlag("verbose", 'v',
               "same as --log-level debug: print the config file used and one line per request"),
      BoolFlag("no-color", 0, "disable colour (env NO_COLOR, RUNE_NO_COLOR)"),
  };
}

Command VersionCommand() {
  Command c;
  c.name = "version";
  c.short_help = "Print the version of rune (and of runed with --server)";
  c.long_help =
      "Print the version, commit, build time and platform of this rune binary. Works offline.\n"
      "\n"
      "With --server, also ask runed for its version (an unauthenticated request).";
  c.examples = {"rune version", "rune version --server -o json"};
  c.flags = {BoolFlag("server", 0, "also print the version of the runed being talked to"),
             OutputFlag({"text", "json", "yaml"}, "text")};
  c.run = &RunVersion;
  return c;
}

Command CompletionCommand() {
  Command c;
  c.name = "completion";
  c.short_help = "Print the shell completion script for bash, zsh or fish";
  c.long_help =
      "Print a completion script for the given shell on stdout.\n"
      "\n"
      "bash (needs bash-completion 2):\n"
      "  source <(rune completion bash)\n"
      "zsh:\n"
      "  rune completion zsh > \"${fpath[1]}/_rune\"\n"
      "fish:\n"
      "  rune completion fish > ~/.config/fish/completions/rune.fish";
  c.args_usage = "bash|zsh|fish";
  c.min_args = c.max_args = 1;
  Positional shell;
  shell.name = "shell";
  shell.completion = Completion::kChoices;
  shell.choices = {"bash", "zsh", "fish"};
  shell.choice_help = {"Bourne-again shell", "Z shell", "friendly interactive shell"};
  shell.check = &CheckShell;
  c.positionals = {shell};
  c.flags = {BoolFlag("no-descriptions", 0, "complete without descriptions")};
  c.examples = {"source <(rune completion bash)",
                "rune completion fish > ~/.config/fish/completions/rune.fish"};
  c.run = &RunCompletion;
  return c;
}

Command HelpCommand() {
  Command c;
  c.name = "help";
  c.short_help = "Help about any command";
  c.long_help = "Print the help of any command, e.g. 'rune help admin token create'.";
  c.args_usage = "[command]...";
  c.max_args = -1;
  c.positionals = {{"command", Completion::kCommands, {}, {}, true}};
  c.examples = {"rune help", "rune help admin token create"};
  c.run = &RunHelp;
  return c;
}

Command HiddenComplete(const char* name, common::cli::Handler run) {
  Command c;
  c.name = name;
  c.short_help = "Print completion candidates for the words given (shell scripts use it)";
  c.max_args = -1;
  c.hidden = true;
  // Every word after the command is data, flags included.
  c.flags_stop_after_args = 0;
  c.run = run;
  return c;
}

Command GenManCommand() {
  Command c;
  c.name = "__genman";
  c.short_help = "Write the man pages of rune into a directory";
  c.args_usage = "<directory>";
  c.min_args = c.max_args = 1;
  c.hidden = true;
  c.flags = {StringFlag("date", 0, "date printed in the page headers (YYYY-MM-DD)")};
  c.run = &RunGenMan;
  return c;
}

Command UseContextAlias() {
  Command c;
  c.name = "use-context";
  c.short_help = "Switch the current context (same as 'rune context use')";
  c.args_usage = "<name>";
  c.min_args = c.max_args = 1;
  c.positionals = {{"name", Completion::kContexts}};
  c.hidden = true;
  c.run = &RunContextUse;
  return c;
}

Command BuildRoot() {
  Command root;
  root.name = "rune";
  root.short_help = "Client for runed, the Rune service orchestrator";
  root.long_help =
      "rune talks to runed, which keeps declared services running on a host: native processes\n"
      "or Docker containers, with scaling, health probes, restarts, dependencies, logs, exec,\n"
      "secrets and RBAC.\n"
      "\n"
      "Start with 'rune cast <file.yaml>' to apply services, 'rune get services' to list them and\n"
      "'rune logs <service>' to read their output. Exit codes: 0 success, 1 failure, 2 usage,\n"
      "3 authentication, 4 not found, 5 conflict, 6 validation, 7 timeout (see rune(1)).";
  root.examples = {"rune login local --server 127.0.0.1:7863 --token-file root.token",
                   "rune cast api.yaml", "rune get services", "rune logs api -f",
                   "rune scale api 3", "rune exec api -- sh"};
  root.global_flags = GlobalFlags();
  root.flags = {BoolFlag("version", 0, "print the version line and exit")};
  root.subcommands = {
      CastCommand(),     GetCommand(),      DeleteCommand(),   ScaleCommand(),
      RestartCommand(),  StopCommand(),     StatusCommand(),   LogsCommand(),
      ExecCommand(),     HealthCommand(),   DepsCommand(),     LintCommand(),
      PackCommand(),     CreateCommand(),   RollbackCommand(), LoginCommand(),
      LogoutCommand(),   WhoamiCommand(),   ContextCommand(),  AdminCommand(),
      VersionCommand(),  CompletionCommand(), HelpCommand(),
      HiddenComplete("__complete", &RunComplete),
      HiddenComplete("__completeNoDesc", &RunCompleteNoDesc),
      GenManCommand(),   UseContextAlias(),
  };
  return root;
}

}  // namespace

const Command& RootCommand() {
  static const Command* const kRoot = new Command(BuildRoot());
  return *kRoot;
}

}  // namespace rune::cli
