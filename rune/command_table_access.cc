// The table entries for identity and administration: login, logout, whoami,
// context, admin.
#include "absl/strings/str_cat.h"
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
using common::cli::ListFlag;
using common::cli::Positional;
using common::cli::StringFlag;

namespace {

std::vector<Flag> TlsFlags() {
  return {StringFlag("tls-ca", 0, "PEM file of the CA that signed runed's certificate", "",
                     Completion::kFiles, "path"),
          StringFlag("tls-cert", 0, "client certificate for mutual TLS (needs --tls-key)", "",
                     Completion::kFiles, "path"),
          StringFlag("tls-key", 0, "private key of --tls-cert", "", Completion::kFiles, "path"),
          StringFlag("tls-server-name", 0, "name to verify runed's certificate against")};
}

Command Leaf(const char* name, const char* short_help, const char* args_usage, int min_args,
             int max_args, common::cli::Handler run) {
  Command c;
  c.name = name;
  c.short_help = short_help;
  c.args_usage = args_usage;
  c.min_args = min_args;
  c.max_args = max_args;
  c.run = run;
  return c;
}

Command ListLeaf(const char* short_help, common::cli::Handler run = &RunRemoteNotImplemented) {
  Command c = Leaf("list", short_help, "", 0, 0, run);
  c.flags = {OutputFlag({"table", "json", "yaml"}, "table")};
  return c;
}

Command ContextLeaf(const char* name, std::vector<std::string> aliases, const char* short_help,
                    common::cli::Handler run) {
  Command c = Leaf(name, short_help, "<name>", 1, 1, run);
  c.aliases = std::move(aliases);
  c.positionals = {{"name", Completion::kContexts}};
  return c;
}

Command UserCommand() {
  Command c;
  c.name = "user";
  c.short_help = "Manage users";
  Command create = Leaf("create", "Create a user, or update its email and add policies", "<name>", 1,
                        1, &RunAdminUserCreate);
  create.flags = {StringFlag("email", 0, "email address (replaces the stored one)"),
                  ArrayFlag("policy", 0, "attach this policy (repeatable)", Completion::kPolicies,
                            "name")};
  create.examples = {"rune admin user create alice --email alice@example.com --policy readwrite"};
  Command del = Leaf("delete", "Delete a user and revoke its tokens", "<name>", 1, 1,
                     &RunAdminUserDelete);
  del.positionals = {{"name", Completion::kUsers}};
  del.examples = {"rune admin user delete alice"};
  Command list = ListLeaf("List users", &RunAdminUserList);
  list.examples = {"rune admin user list", "rune admin user list -o yaml"};
  c.examples = {"rune admin user create alice --email alice@example.com --policy readwrite",
                "rune admin user list"};
  c.subcommands = {create, list, del};
  return c;
}

Command PolicyCommand() {
  Command c;
  c.name = "policy";
  c.short_help = "Manage RBAC policies";
  Command create = Leaf("create", "Create a policy from a YAML or JSON file", "", 0, 0,
                        &RunAdminPolicyCreate);
  create.flags = {StringFlag("file", 'f', "policy document (- for stdin)", "", Completion::kSpecFiles,
                             "path"),
                  BoolFlag("replace", 0, "overwrite an existing policy")};
  create.required_flags = {"file"};
  create.examples = {"rune admin policy create -f editor-prod.yaml"};
  Command get = Leaf("get", "Print a policy document", "<name>", 1, 1, &RunAdminPolicyGet);
  get.positionals = {{"name", Completion::kPolicies}};
  get.flags = {OutputFlag({"yaml", "json"}, "yaml")};
  get.examples = {"rune admin policy get readonly", "rune admin policy get editor-prod -o json"};
  Command attach = Leaf("attach", "Attach a policy to a user", "<policy>", 1, 1,
                        &RunAdminPolicyAttach);
  attach.positionals = {{"policy", Completion::kPolicies}};
  attach.flags = {StringFlag("to-user", 0, "user to attach the policy to", "", Completion::kUsers,
                             "name")};
  attach.required_flags = {"to-user"};
  attach.examples = {"rune admin policy attach editor-prod --to-user alice"};
  Command detach = Leaf("detach", "Detach a policy from a user", "<policy>", 1, 1,
                        &RunAdminPolicyDetach);
  detach.positionals = {{"policy", Completion::kPolicies}};
  detach.flags = {StringFlag("from-user", 0, "user to detach the policy from", "",
                             Completion::kUsers, "name")};
  detach.required_flags = {"from-user"};
  detach.examples = {"rune admin policy detach editor-prod --from-user alice"};
  Command del = Leaf("delete", "Delete a policy", "<name>", 1, 1, &RunAdminPolicyDelete);
  del.positionals = {{"name", Completion::kPolicies}};
  del.flags = {BoolFlag("force", 0, "detach the policy from its users first")};
  del.examples = {"rune admin policy delete editor-prod",
                  "rune admin policy delete editor-prod --force"};
  Command list = ListLeaf("List policies", &RunAdminPolicyList);
  list.examples = {"rune admin policy list", "rune admin policy list -o json"};
  c.examples = {"rune admin policy create -f editor-prod.yaml",
                "rune admin policy attach editor-prod --to-user alice", "rune admin policy list"};
  c.subcommands = {create, get, list, attach, detach, del};
  return c;
}

Command TokenCommand() {
  Command c;
  c.name = "token";
  c.short_help = "Manage API tokens";
  Command create = Leaf("create", "Issue a token; its secret is shown only once", "<name>", 1, 1,
                        &RunAdminTokenCreate);
  create.long_help =
      "Issue a token for a user (default: the calling user). The secret is printed on stdout, or\n"
      "written to --out-file with mode 0600, and cannot be shown again.";
  create.flags = {
      StringFlag("subject-name", 0, "user the token acts as", "", Completion::kUsers, "name"),
      StringFlag("subject-id", 0, "user ID the token acts as", "", Completion::kNone, "id"),
      ListFlag("policies", 0, "policies to attach to the subject if missing (comma-separated)",
               Completion::kPolicies),
      DurationFlag("ttl", 0, "lifetime of the token (0: no expiry)", "0"),
      StringFlag("description", 0, "free text"),
      StringFlag("out-file", 0, "write the token to this file (mode 0600)", "", Completion::kFiles,
                 "path"),
  };
  create.exclusive = {{"subject-name", "subject-id"}};
  create.examples = {"rune admin token create ci --subject-name deployer --ttl 30d --out-file ci.token"};
  Command list = ListLeaf("List tokens", &RunAdminTokenList);
  list.flags.push_back(StringFlag("user", 0, "only tokens of this user", "", Completion::kUsers, "name"));
  list.examples = {"rune admin token list", "rune admin token list --user deployer -o json"};
  Command revoke = Leaf("revoke", "Revoke a token", "<id>", 1, 1, &RunAdminTokenRevoke);
  revoke.positionals = {{"id", Completion::kTokens}};
  revoke.examples = {"rune admin token revoke 9f3c2a7b4e1d8605"};
  c.examples = {"rune admin token create ci --subject-name deployer --ttl 30d --out-file ci.token",
                "rune admin token list --user deployer",
                "rune admin token revoke 9f3c2a7b4e1d8605"};
  c.subcommands = {create, list, revoke};
  return c;
}

Command RegistryCommand() {
  Command c;
  c.name = "registry";
  c.aliases = {"registries"};
  c.short_help = "Manage container registry credentials";
  Command add = Leaf("add", "Add credentials for a container registry", "", 0, 0,
                     &RunAdminRegistryAdd);
  add.long_help =
      "Store credentials runed uses to pull images from a registry (host, or *.suffix).\n"
      "Credentials are encrypted at rest and never shown again. --type is inferred when omitted:\n"
      "--token-file gives token, --username gives basic, --region gives ecr.\n"
      "\n"
      "basic: --username and a password (--password-file or --password-stdin).\n"
      "token: a registry bearer token (--token-file).\n"
      "ecr: --region; the AWS access key ID as --username and the secret access key as the\n"
      "password, or neither to use AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN\n"
      "of runed. runed exchanges them for a registry login and renews it before it expires.\n"
      "dockerconfigjson: a Docker config.json (--password-file); its \"auths\" entry for the\n"
      "image's registry is used.\n"
      "--from-secret <ns>/<name> reads the credentials from a secret at every pull instead, from the\n"
      "keys username and password (basic), token (token), aws_access_key_id, aws_secret_access_key\n"
      "and aws_session_token (ecr), or .dockerconfigjson (dockerconfigjson).\n"
      "A server holds a host (ghcr.io, localhost:5000) or *.suffix; for an image the exact host\n"
      "wins over wildcards and a longer suffix over a shorter one.";
  add.flags = {
      StringFlag("name", 0, "name of this registry entry"),
      StringFlag("server", 0, "registry host, or *.suffix for a wildcard", "", Completion::kNone,
                 "host"),
      EnumFlag("type", 0, "credential type", {"basic", "token", "ecr", "dockerconfigjson"}, ""),
      StringFlag("username", 0, "user name (basic)"),
      StringFlag("password-file", 0, "file holding the password", "", Completion::kFiles, "path"),
      BoolFlag("password-stdin", 0, "read the password from stdin"),
      StringFlag("token-file", 0,
                 "file holding the registry's token (here it is not the bearer token for runed)", "",
                 Completion::kFiles, "path"),
      StringFlag("region", 0, "AWS region (ecr)"),
      StringFlag("from-secret", 0, "secret <ns>/<name> holding the credentials", "",
                 Completion::kNone, "ns/name"),
  };
  add.required_flags = {"name", "server"};
  add.exclusive = {{"password-file", "password-stdin"}};
  add.examples = {
      "rune admin registry add --name ghcr --server ghcr.io --username bot "
      "--password-file ghcr.password",
      "rune admin registry add --name internal --server '*.registry.example.com' "
      "--token-file internal.token",
      "rune admin registry add --name ecr --server 123456789012.dkr.ecr.eu-west-1.amazonaws.com "
      "--region eu-west-1"};
  Command remove = Leaf("remove", "Remove a registry added at runtime", "<name>", 1, 1,
                        &RunAdminRegistryRemove);
  remove.positionals = {{"name", Completion::kRegistries}};
  remove.examples = {"rune admin registry remove ghcr"};
  Command list = ListLeaf("List registries (credentials are never shown)", &RunAdminRegistryList);
  list.examples = {"rune admin registry list", "rune admin registry list -o json"};
  c.examples = {
      "rune admin registry add --name ghcr --server ghcr.io --username bot --password-stdin",
      "rune admin registry list"};
  c.subcommands = {add, list, remove};
  return c;
}

}  // namespace

Command LoginCommand() {
  Command c = Leaf("login", "Save a context with credentials and make it current", "[context]", 0,
                   1, &RunLogin);
  c.long_help =
      "Save the server address, credentials and namespace under a context name (default\n"
      "\"default\") in the client config file, after checking them against runed (unless\n"
      "--no-verify). Credentials come only from the flags, never from RUNE_* variables.";
  c.positionals = {{"context", Completion::kContexts}};
  c.flags = {
      StringFlag("server", 0, "runed address host[:port]; https:// selects TLS", "",
                 Completion::kNone, "address"),
      StringFlag("token", 0, "token to store inline"),
      StringFlag("token-file", 0, "file holding the token (stored by absolute path)", "",
                 Completion::kFiles, "path"),
      BoolFlag("token-stdin", 0, "read the token from stdin"),
      StringFlag("namespace", 'n', "default namespace of the context", "", Completion::kNamespaces),
      BoolFlag("no-verify", 0, "save without checking the credentials against runed"),
      BoolFlag("set-current", 0, "make this the current context", /*default_true=*/true),
  };
  for (Flag& f : TlsFlags()) c.flags.push_back(std::move(f));
  c.exclusive = {{"token", "token-file"}, {"token", "token-stdin"}, {"token-file", "token-stdin"}};
  c.examples = {"rune login local --server 127.0.0.1:7863 --token-file root.token",
                "rune login prod --server https://runed.example.com --tls-ca ca.crt --token-stdin"};
  return c;
}

Command LogoutCommand() {
  Command c = Leaf("logout", "Remove the credentials of a context", "[context]", 0, 1, &RunLogout);
  c.long_help =
      "Remove the token or token file of a context (default: the current one). With --revoke,\n"
      "first ask runed to revoke the token.";
  c.positionals = {{"context", Completion::kContexts}};
  c.flags = {BoolFlag("revoke", 0, "revoke the token on runed first")};
  c.examples = {"rune logout", "rune logout prod --revoke"};
  return c;
}

Command WhoamiCommand() {
  Command c = Leaf("whoami", "Show the current context and who runed thinks you are", "", 0, 0,
                   &RunWhoami);
  c.flags = {OutputFlag({"table", "json", "yaml"}, "table")};
  c.examples = {"rune whoami", "rune whoami -o json"};
  return c;
}

Command ContextCommand() {
  Command c;
  c.name = "context";
  c.aliases = {"config"};
  c.short_help = "Manage the contexts of the client config file (no network)";
  Command view = Leaf("view", "Print the current context (tokens masked)", "", 0, 0,
                      &RunContextView);
  view.flags = {OutputFlag({"yaml", "json"}, "yaml")};
  view.examples = {"rune context view", "rune context view -o json"};
  Command list = Leaf("list", "List contexts", "", 0, 0, &RunContextList);
  list.aliases = {"list-contexts"};
  list.flags = {OutputFlag({"table", "json", "yaml"}, "table")};
  list.examples = {"rune context list", "rune context list -o json"};
  Command set = ContextLeaf("set", {"set-context"}, "Create or update a context", &RunContextSet);
  set.long_help =
      "Create a context (--server is required then) or update the fields given. The first\n"
      "context ever created becomes current; otherwise the current context is unchanged.\n"
      "An empty value (--namespace \"\") removes that field. --token-file and the TLS files are\n"
      "stored as absolute paths.";
  set.flags = {StringFlag("server", 0, "runed address host[:port]; https:// selects TLS", "",
                          Completion::kNone, "address"),
               StringFlag("namespace", 'n', "default namespace of the context", "",
                          Completion::kNamespaces),
               StringFlag("token", 0, "token to store inline"),
               StringFlag("token-file", 0, "file holding the token", "", Completion::kFiles, "path")};
  for (Flag& f : TlsFlags()) set.flags.push_back(std::move(f));
  set.exclusive = {{"token", "token-file"}};
  set.examples = {
      "rune context set prod --server https://runed.example.com --tls-ca ca.crt "
      "--token-file ~/.rune/prod.token",
      "rune context set prod --namespace web"};
  Command use = ContextLeaf("use", {"use-context"}, "Switch the current context", &RunContextUse);
  use.examples = {"rune context use prod"};
  Command del = ContextLeaf("delete", {"delete-context"}, "Delete a context (not the current one)",
                            &RunContextDelete);
  del.examples = {"rune context delete staging"};
  c.examples = {"rune context list", "rune context use prod",
                "rune context set staging --server staging.example.com:7863 --namespace web"};
  c.subcommands = {view, list, use, set, del};
  return c;
}

Command AdminCommand() {
  Command c;
  c.name = "admin";
  c.short_help = "Administer runed: bootstrap, users, policies, tokens, registries";
  c.long_help =
      "Administrative commands. They run only from the runed host (loopback) unless\n"
      "auth.allow_remote_admin is set, and need a policy granting verb \"*\" on resource admin.";
  Command bootstrap = Leaf("bootstrap", "Create the first admin token (once)", "", 0, 0,
                           &RunAdminBootstrap);
  bootstrap.long_help =
      "Create user root with policy root and a token \"bootstrap\" without expiry. Works only\n"
      "while runed has no active token, and only from the runed host.";
  bootstrap.flags = {StringFlag("out-file", 0, "write the token to this file (mode 0600)", "",
                                Completion::kFiles, "path")};
  bootstrap.examples = {"rune admin bootstrap --out-file root.token"};
  c.examples = {"rune admin bootstrap --out-file root.token",
                "rune admin user create alice --policy readonly",
                "rune admin token create alice-laptop --subject-name alice --ttl 90d"};
  c.subcommands = {bootstrap, UserCommand(), PolicyCommand(), TokenCommand(), RegistryCommand()};
  return c;
}

}  // namespace rune::cli
