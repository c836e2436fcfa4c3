// The table entries for resources: cast, get, delete, create, lint, pack, deps.
#include "absl/strings/str_cat.h"
#include "common/cli/parser.h"
#include "rune/command_table.h"
#include "rune/commands.h"
#include "rune/table_helpers.h"

namespace rune::cli {

using common::cli::ArrayFlag;
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

constexpr const char* kResourceTypes[][2] = {
    {"services", "service"},   {"services", "svc"},        {"instances", "instance"},
    {"instances", "inst"},     {"namespaces", "namespace"}, {"namespaces", "ns"},
    {"secrets", "secret"},     {"configmaps", "configmap"}, {"configmaps", "configs"},
    {"configmaps", "config"},  {"configmaps", "cm"},
};


absl::Status CheckResourceType(const std::string& word) {
  if (!CanonicalType(word).empty()) return absl::OkStatus();
  if (word == "jobs" || word == "job") {
    return absl::InvalidArgumentError(absl::StrCat("resource type \"", word, "\" is not supported yet"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("invalid resource type \"", word,
                   "\": must be one of services, instances, namespaces, secrets, configmaps"));
}

// `get <type> <name>`: names of that type.
Completion NamesOfType(const ParsedCommand& p) {
  const std::string type = p.args.empty() ? "" : CanonicalType(p.args[0]);
  if (type == "services") return Completion::kServices;
  if (type == "instances") return Completion::kInstances;
  if (type == "namespaces") return Completion::kNamespaces;
  if (type == "secrets") return Completion::kSecrets;
  if (type == "configmaps") return Completion::kConfigmaps;
  return Completion::kNone;
}

absl::Status ValidateGet(const ParsedCommand& p) {
  const std::string type = CanonicalType(p.args[0]);
  const bool named = p.args.size() > 1;
  if (named && p.Bool("all-namespaces")) {
    return absl::InvalidArgumentError("a resource name cannot be combined with --all-namespaces");
  }
  if (named && p.IsSet("selector")) {
    return absl::InvalidArgumentError("a resource name cannot be combined with --selector");
  }
  if (p.Bool("watch") && (type == "secrets" || type == "configmaps")) {
    return absl::InvalidArgumentError(absl::StrCat("--watch is not supported for ", type));
  }
  if (p.Bool("watch") && p.String("output") == "yaml") {
    return absl::InvalidArgumentError("--watch supports -o table or json");
  }
  if (p.IsSet("service") && type != "instances") {
    return absl::InvalidArgumentError("--service is only valid for instances");
  }
  return absl::OkStatus();
}

// Runeset-only flags on a plain source are caught when sources are expanded;
// here only what the flags alone decide.
absl::Status ValidateCast(const ParsedCommand& p) {
  if (p.Bool("render") && p.Bool("dry-run")) {
    return absl::InvalidArgumentError("flags --render and --dry-run cannot be used together");
  }
  return absl::OkStatus();
}

absl::Status ValidateDepsValidate(const ParsedCommand& p) {
  if (p.args.empty() && !p.IsSet("file")) {
    return absl::InvalidArgumentError("requires a service name or --file");
  }
  if (!p.args.empty() && p.IsSet("file")) {
    return absl::InvalidArgumentError("a service name cannot be combined with --file");
  }
  return absl::OkStatus();
}

std::vector<Flag> RunesetValueFlags() {
  return {
      ArrayFlag("values", 'f', "runesets: values file, later ones win (repeatable)",
                Completion::kSpecFiles, "path"),
      KeyValueFlag("set", 0, "runesets: set a value, parsed as a YAML scalar (repeatable)",
                   "path=value"),
      KeyValueFlag("set-string", 0, "runesets: set a value, kept as a string (repeatable)",
                   "path=value"),
  };
}

Positional SourceArg() {
  Positional p;
  p.name = "source";
  p.completion = Completion::kSpecFiles;
  p.repeated = true;
  return p;
}

Command DeleteKind(const char* name, std::vector<std::string> aliases, const char* what,
                   const char* arg, Completion completion, bool waits,
                   common::cli::Handler run = &RunRemoteNotImplemented) {
  Command c;
  c.name = name;
  c.aliases = std::move(aliases);
  c.short_help = absl::StrCat("Delete a ", what);
  c.args_usage = absl::StrCat("<", arg, ">");
  c.min_args = c.max_args = 1;
  c.positionals = {{arg, completion}};
  c.flags = {BoolFlag("force", 0, "skip the dependents, references and non-empty checks"),
             BoolFlag("ignore-not-found", 0, "treat a missing object as success"),
             BoolFlag("dry-run", 0, "only check on the server whether the deletion would succeed"),
             OutputFlag({"text", "json", "yaml"}, "text")};
  if (waits) {
    for (Flag& f : WaitFlags("5m")) c.flags.push_back(std::move(f));
    c.exclusive = {WaitExclusive()};
  }
  c.run = run;
  return c;
}

Command CreateData(const char* name, std::vector<std::string> aliases, const char* what,
                   common::cli::Handler run) {
  Command c;
  c.name = name;
  c.aliases = std::move(aliases);
  c.short_help = absl::StrCat("Create a ", what, " from literals and files");
  c.long_help = absl::StrCat(
      "Create a ", what,
      " from --from-literal key=value pairs and --from-file [key=]path files (raw bytes; the key "
      "defaults to the file's base name).\n"
      "\n"
      "An existing ", what,
      " is an error unless --replace is given; 'rune cast' is the idempotent way to apply one.");
  c.args_usage = "<name>";
  c.min_args = c.max_args = 1;
  c.flags = {
      KeyValueFlag("from-literal", 0, "add a key with the value after the first '=' (repeatable)"),
      ArrayFlag("from-file", 0, "add a key from a file: [key=]path (repeatable)", Completion::kFiles,
                "[key=]path"),
      KeyValueFlag("label", 0, "add a label k=v (repeatable)"),
      BoolFlag("replace", 0, "overwrite an existing object (its version goes up by one)"),
      BoolFlag("create-namespace", 0, "create the namespace first when it does not exist"),
  };
  c.one_required = {{"from-literal", "from-file"}};
  c.examples = {absl::StrCat(
      "rune create ", name,
      std::string(name) == "secret"
          ? " db --from-literal user=app --from-file password=./pw.txt"
          : " web-config --from-file nginx.conf --from-literal log_level=debug")};
  c.run = run;
  return c;
}

Command DepsSub(const char* name, const char* short_help, std::vector<std::string> formats,
                const char* default_format, common::cli::Handler run) {
  Command c;
  c.name = name;
  c.short_help = short_help;
  c.args_usage = "<service>";
  c.min_args = c.max_args = 1;
  c.positionals = {ServiceArg()};
  c.flags = {OutputFlag(std::move(formats), default_format)};
  c.examples = {absl::StrCat("rune deps ", name, " web"),
                absl::StrCat("rune deps ", name, " web -o json")};
  c.run = run;
  return c;
}

}  // namespace

std::string CanonicalType(const std::string& word) {
  for (const auto& names : kResourceTypes) {
    if (word == names[0] || word == names[1]) return names[0];
  }
  return "";
}

Command CastCommand() {
  Command c;
  c.name = "cast";
  c.aliases = {"apply"};
  c.short_help = "Apply services, secrets, configmaps and namespaces from YAML files or runesets";
  c.long_help =
      "Apply the objects declared in YAML (or JSON) files, directories, globs, stdin (-) or a\n"
      "runeset, then wait until every applied service is ready.\n"
      "\n"
      "All documents are parsed and validated before anything is sent; any finding stops the\n"
      "command with exit code 6. Objects are applied in the order namespaces, configmaps,\n"
      "secrets, services (services in dependency order). Casting an unchanged spec is a no-op.";
  c.args_usage = "<source>...";
  c.min_args = 1;
  c.max_args = -1;
  c.positionals = {SourceArg()};
  c.flags = {
      BoolFlag("recursive", 'r', "descend into subdirectories"),
      BoolFlag("dry-run", 0, "parse, render and validate locally; apply nothing (no network)"),
      BoolFlag("detach", 0, "do not wait for the services to become ready"),
      DurationFlag("timeout", 0, "how long to wait for readiness", "5m"),
      BoolFlag("force", 0, "write a new generation even when the spec is unchanged"),
      BoolFlag("create-namespace", 0, "create missing namespaces first"),
      StringFlag("tag", 0, "label stored with each new service generation (see rollback --list)"),
      BoolFlag("render", 0, "runesets: print the rendered YAML and exit (no network)"),
      StringFlag("release", 0, "runesets: release name (default: the runeset's name)"),
      OutputFlag({"text", "json"}, "text"),
  };
  for (Flag& f : RunesetValueFlags()) c.flags.push_back(std::move(f));
  c.examples = {"rune cast api.yaml", "rune cast -r deploy/ --timeout 10m",
                "rune cast ./my-app --set replicas=3 --render"};
  c.validate = &ValidateCast;
  c.run = &RunCast;
  return c;
}

Command GetCommand() {
  Command c;
  c.name = "get";
  c.short_help = "List or show services, instances, namespaces, secrets and configmaps";
  c.long_help =
      "List objects of a type, or show one by name.\n"
      "\n"
      "Types: services (service, svc), instances (instance, inst), namespaces (namespace, ns),\n"
      "secrets (secret), configmaps (configmap, configs, config, cm).\n"
      "\n"
      "-o json and -o yaml print documents that 'rune cast' accepts again.";
  c.args_usage = "<type> [name]";
  c.min_args = 1;
  c.max_args = 2;
  Positional type;
  type.name = "type";
  type.completion = Completion::kChoices;
  type.choices = {"services", "instances", "namespaces", "secrets", "configmaps"};
  type.choice_help = {"services and their status", "instances of services", "namespaces",
                      "secrets (metadata only)", "configmaps"};
  type.check = &CheckResourceType;
  Positional name;
  name.name = "name";
  name.completion_for = &NamesOfType;
  c.positionals = {type, name};
  Flag selector = StringFlag("selector", 'l', "label selector: k=v, k==v, k!=v, k, !k; comma means AND");
  selector.type = ValueType::kSelector;
  c.flags = {
      AllNamespacesFlag(),
      OutputFlag({"table", "json", "yaml"}, "table"),
      BoolFlag("watch", 'w', "after the list, print changes as they happen"),
      selector,
      StringFlag("service", 0, "instances of this service only", "", Completion::kServices),
      BoolFlag("show-labels", 0, "add a LABELS column"),
      BoolFlag("no-headers", 0, "omit the header row"),
  };
  c.examples = {"rune get services", "rune get svc api -o yaml > api.yaml",
                "rune get instances --service api -w", "rune get services -A -l tier=web"};
  c.validate = &ValidateGet;
  c.run = &RunGet;
  return c;
}

Command DeleteCommand() {
  Command c = DeleteKind("delete", {"remove", "rm"}, "service", "service-name",
                         Completion::kServices, /*waits=*/true, &RunDeleteService);
  c.short_help = "Delete services, secrets, configmaps, namespaces and instances";
  c.long_help =
      "Delete an object. 'rune delete <name>' deletes a service; the other kinds have their\n"
      "own subcommand. A service deletion runs as an operation on runed: instances are stopped,\n"
      "then the records removed. There is no confirmation prompt.\n"
      "\n"
      "Without --force, a service other services require, a secret or configmap services\n"
      "reference, and a non-empty namespace are not deleted (exit code 5).";
  c.examples = {"rune delete api", "rune delete secret db-creds --force",
                "rune delete namespace staging --force --no-wait"};
  Command list;
  list.name = "list";
  list.short_help = "List deletion operations, newest first";
  list.flags = {AllNamespacesFlag(),
                EnumFlag("status", 0, "only operations in this state",
                         {"pending", "deleting-instances", "running-finalizers", "completed", "failed"},
                         ""),
                OutputFlag({"table", "json", "yaml"}, "table")};
  list.examples = {"rune delete list", "rune delete list -A --status failed"};
  list.run = &RunDeleteList;
  Command status;
  status.name = "status";
  status.short_help = "Show the progress of a deletion operation";
  status.args_usage = "<operation-id>";
  status.min_args = status.max_args = 1;
  status.flags = {OutputFlag({"text", "json", "yaml"}, "text")};
  status.examples = {"rune delete status delete-default-api-1777142400"};
  status.run = &RunDeleteStatus;
  Command service = DeleteKind("service", {"svc"}, "service", "name", Completion::kServices, true,
                               &RunDeleteService);
  service.examples = {"rune delete service api --no-wait", "rune delete service api --dry-run"};
  Command secret =
      DeleteKind("secret", {}, "secret", "name", Completion::kSecrets, false, &RunDeleteSecret);
  secret.examples = {"rune delete secret db-creds", "rune delete secret db-creds --force"};
  Command configmap = DeleteKind("configmap", {"config", "cm"}, "configmap", "name",
                                 Completion::kConfigmaps, false, &RunDeleteConfigmap);
  configmap.examples = {"rune delete configmap web-config",
                        "rune delete cm web-config --ignore-not-found"};
  Command ns = DeleteKind("namespace", {"ns"}, "namespace and, with --force, everything in it",
                          "name", Completion::kNamespaces, true, &RunDeleteNamespace);
  ns.examples = {"rune delete namespace staging", "rune delete ns staging --force --timeout 10m"};
  Command instance = DeleteKind("instance", {"inst"}, "instance (the service replaces it)",
                                "id-or-name", Completion::kInstances, false, &RunDeleteInstance);
  instance.examples = {"rune delete instance api-0", "rune delete inst api-instance-7c2e8a3b"};
  c.subcommands = {service, secret, configmap, ns, instance, list, status};
  return c;
}

Command CreateCommand() {
  Command c;
  c.name = "create";
  c.short_help = "Create a namespace, secret or configmap";
  Command ns;
  ns.name = "namespace";
  ns.aliases = {"ns"};
  ns.short_help = "Create a namespace";
  ns.args_usage = "<name>";
  ns.min_args = ns.max_args = 1;
  ns.flags = {StringFlag("description", 0, "free text, at most 256 characters"),
              KeyValueFlag("label", 0, "add a label k=v (repeatable)")};
  ns.examples = {"rune create namespace prod --label env=prod"};
  ns.run = &RunCreateNamespace;
  c.examples = {"rune create namespace prod --label env=prod",
                "rune create secret db --from-literal user=app --from-file password=./pw.txt",
                "rune create configmap web-config --from-file nginx.conf"};
  c.subcommands = {ns, CreateData("secret", {}, "secret", &RunCreateSecret),
                   CreateData("configmap", {"config", "cm"}, "configmap", &RunCreateConfigmap)};
  return c;
}

Command LintCommand() {
  Command c;
  c.name = "lint";
  c.short_help = "Check cast files, runefiles and runesets offline";
  c.long_help =
      "Check YAML and JSON files, directories, globs, stdin (-) and runesets with the same\n"
      "validator runed uses, without contacting it. Findings are printed compiler-style\n"
      "(file:line:col) with the offending source line.\n"
      "\n"
      "Exit codes: 0 clean (warnings allowed unless --strict), 6 when errors were found,\n"
      "2 for paths that do not exist.";
  c.args_usage = "<path>...";
  c.min_args = 1;
  c.max_args = -1;
  c.positionals = {SourceArg()};
  c.flags = {
      BoolFlag("recursive", 'r', "descend into subdirectories"),
      EnumFlag("format", 0, "output format", {"text", "json"}, "text"),
      IntFlag("context", 0, "source lines shown around a finding", "1", 0),
      BoolFlag("expand-context", 0, "same as --context 3"),
      BoolFlag("quiet", 0, "print findings only, no per-file and summary lines"),
      BoolFlag("exit-on-fail", 0, "stop after the first file with errors"),
      BoolFlag("fix", 0, "apply safe fixes in place, then lint again"),
      BoolFlag("strict", 0, "count warnings as errors"),
  };
  for (Flag& f : RunesetValueFlags()) c.flags.push_back(std::move(f));
  c.examples = {"rune lint services/", "rune lint -r . --format json", "rune lint --fix api.yaml"};
  c.run = &RunLint;
  return c;
}

Command PackCommand() {
  Command c;
  c.name = "pack";
  c.short_help = "Package a runeset directory into a reproducible .runeset.tgz";
  c.long_help =
      "Check a runeset (its runeset.yaml and that its templates render with the defaults) and\n"
      "write it as a gzip'd tar archive whose bytes depend only on the content and\n"
      "SOURCE_DATE_EPOCH. Dotfiles, node_modules/, *.local.yaml and .runesetignore patterns are\n"
      "left out.";
  c.args_usage = "<runeset-dir>";
  c.min_args = c.max_args = 1;
  c.positionals = {{"runeset-dir", Completion::kDirectories}};
  c.flags = {StringFlag("output", 'o', "archive to write (default ./<basename>.runeset.tgz)", "",
                        Completion::kFiles, "path"),
             BoolFlag("sha256", 0, "also write <output>.sha256")};
  c.examples = {"rune pack ./my-app --sha256"};
  c.run = &RunLocalNotImplemented;
  return c;
}

Command DepsCommand() {
  Command c;
  c.name = "deps";
  c.short_help = "Inspect and check service dependencies";
  c.examples = {"rune deps graph web", "rune deps check web", "rune deps dependents db",
                "rune deps validate -f services.yaml"};
  Command validate;
  validate.name = "validate";
  validate.short_help = "Check that dependencies exist and form no cycle";
  validate.long_help =
      "With a service name, ask runed whether every dependency of the service exists and the\n"
      "dependency graph has no cycle. With -f, check the services of a local file offline.";
  validate.args_usage = "[service]";
  validate.max_args = 1;
  validate.positionals = {ServiceArg()};
  validate.flags = {StringFlag("file", 'f', "check the services of this file offline", "",
                               Completion::kSpecFiles, "path"),
                    OutputFlag({"text", "json", "yaml"}, "text")};
  validate.examples = {"rune deps validate web", "rune deps validate -f services.yaml"};
  validate.validate = &ValidateDepsValidate;
  validate.run = &RunDepsValidate;
  c.subcommands = {
      DepsSub("graph", "Print the dependency tree of a service", {"text", "json", "yaml"}, "text",
              &RunDepsGraph),
      DepsSub("check", "Check whether the dependencies of a service are satisfied",
              {"text", "json", "yaml"}, "text", &RunDepsCheck),
      validate,
      DepsSub("dependents", "List the services that depend on a service", {"text", "json", "yaml"},
              "text", &RunDepsDependents),
  };
  return c;
}

}  // namespace rune::cli
