// A small command table for the cli library's tests.
#ifndef RUNE_COMMON_CLI_TEST_TABLE_H_
#define RUNE_COMMON_CLI_TEST_TABLE_H_

#include "common/cli/command.h"

namespace rune::common::cli {

inline absl::Status Noop(rune::cli::Invocation&) { return absl::OkStatus(); }

inline const Command& TestRoot() {
  static const Command* const kRoot = [] {
    auto* root = new Command();
    root->name = "tool";
    root->short_help = "A test tool";
    root->global_flags = {StringFlag("namespace", 'n', "target namespace", "", Completion::kNamespaces),
                          BoolFlag("verbose", 'v', "say more"),
                          DurationFlag("request-timeout", 0, "deadline", "30s")};
    root->flags = {BoolFlag("version", 0, "print the version")};

    Command scale;
    scale.name = "scale";
    scale.short_help = "Scale a service";
    scale.args_usage = "<service> <replicas>";
    scale.min_args = scale.max_args = 2;
    scale.positionals = {{"service", Completion::kServices}, {"replicas"}};
    scale.flags = {EnumFlag("mode", 0, "how", {"immediate", "gradual"}, "immediate"),
                   IntFlag("step", 0, "per step", "1", 1),
                   BoolFlag("wait", 0, "wait", true), BoolFlag("no-wait", 0, "do not wait"),
                   BoolFlag("all", 'A', "all"), BoolFlag("recursive", 'r', "rec"),
                   ArrayFlag("set", 0, "set", Completion::kNone),
                   ListFlag("policies", 0, "policies")};
    scale.exclusive = {{"wait", "no-wait"}};
    scale.run = &Noop;

    Command cast;
    cast.name = "cast";
    cast.aliases = {"apply"};
    cast.short_help = "Apply files";
    cast.args_usage = "<source>...";
    cast.min_args = 1;
    cast.max_args = -1;
    cast.positionals = {{"source", Completion::kSpecFiles, {}, {}, true}};
    cast.flags = {EnumFlag("output", 'o', "format", {"text", "json"}, "text"),
                  StringFlag("config", 0, "file", "", Completion::kFiles)};
    cast.run = &Noop;

    Command exec;
    exec.name = "exec";
    exec.short_help = "Run a command";
    exec.min_args = 2;
    exec.max_args = -1;
    exec.missing_args_message = "requires a command to run";
    exec.flags_stop_after_args = 1;
    exec.flags = {BoolFlag("tty", 't', "tty")};
    exec.run = &Noop;

    Command user_create;
    user_create.name = "create";
    user_create.short_help = "Create a user";
    user_create.args_usage = "<name>";
    user_create.min_args = user_create.max_args = 1;
    user_create.flags = {StringFlag("email", 0, "email")};
    user_create.required_flags = {"email"};
    user_create.run = &Noop;
    Command user;
    user.name = "user";
    user.short_help = "Manage users";
    user.subcommands = {user_create};
    Command admin;
    admin.name = "admin";
    admin.short_help = "Administer";
    admin.subcommands = {user};

    Command status;
    status.name = "status";
    status.short_help = "Summary";
    status.run = &Noop;

    Command hidden;
    hidden.name = "__secret";
    hidden.hidden = true;
    hidden.run = &Noop;

    root->subcommands = {scale, cast, exec, admin, status, hidden};
    return root;
  }();
  return *kRoot;
}

}  // namespace rune::common::cli

#endif  // RUNE_COMMON_CLI_TEST_TABLE_H_
