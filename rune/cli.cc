#include "rune/cli.h"

#include <signal.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "common/cli/help.h"
#include "common/cli/parser.h"
#include "common/environment.h"
#include "common/errors.h"
#include "common/version.h"
#include "grpc/support/log.h"
#include "rune/command_table.h"

namespace rune::cli {
namespace {

bool UseColor(const Environment& env, const Streams& io, bool no_color_flag) {
  auto get = [&env](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  // The flag wins over the environment; RUNE_FORCE_COLOR over the other variables.
  if (no_color_flag) return false;
  if (get("RUNE_FORCE_COLOR") == "1") return true;
  if (!io.stderr_tty) return false;
  if (!get("NO_COLOR").empty() || env.count("RUNE_NO_COLOR") > 0) return false;
  return get("TERM") != "dumb";
}

int Report(const absl::Status& status, bool json, bool color, Streams& io) {
  const common::ErrorReport report = common::Classify(status);
  io.out->flush();
  if (report.silent) return report.exit_code;
  *io.err << (json ? common::FormatJson(report) : common::FormatHuman(report, color));
  io.err->flush();
  return report.exit_code;
}

// The value an output-format flag token carries, if `args[*i]` is one.
bool FormatValue(const std::vector<std::string>& args, size_t* i, absl::string_view long_name,
                 char short_name, std::string* value) {
  const std::string& tok = args[*i];
  const std::string long_flag = "--" + std::string(long_name);
  if (tok == long_flag || (short_name != 0 && tok == std::string("-") + short_name)) {
    if (*i + 1 < args.size()) *value = args[++*i];
    return true;
  }
  if (absl::StartsWith(tok, long_flag + "=")) {
    *value = tok.substr(long_flag.size() + 1);
    return true;
  }
  if (short_name != 0 && tok.size() > 2 && tok[0] == '-' && tok[1] == short_name) {
    *value = tok.substr(tok[2] == '=' ? 3 : 2);
    return true;
  }
  return false;
}

}  // namespace

bool JsonErrorMode(const std::vector<std::string>& args) {
  std::vector<std::string> rest;
  const auto path = common::cli::FindCommandPath(RootCommand(), args, &rest);
  const common::cli::Flag* output = common::cli::FindLongFlag(path, "output");
  // `pack -o <path>` names a file, not a format.
  const bool output_is_format =
      output == nullptr || output->type == common::cli::ValueType::kEnum;
  std::string format;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") break;
    std::string value;
    if (output_is_format && FormatValue(args, &i, "output", 'o', &value)) format = value;
    else if (FormatValue(args, &i, "format", 0, &value)) format = value;
  }
  return format == "json";
}

int Run(const std::vector<std::string>& args, const Environment& env, Streams io) {
  const bool json = JsonErrorMode(args);
  bool no_color = false;
  for (const std::string& a : args) no_color = no_color || a == "--no-color";
  const bool color = UseColor(env, io, no_color);

  absl::StatusOr<common::cli::ParsedCommand> parsed = common::cli::Parse(RootCommand(), args);
  if (!parsed.ok()) return Report(parsed.status(), json, color, io);
  if (parsed->path.size() == 1 && parsed->Bool("version")) {
    *io.out << common::VersionLine(common::CurrentBuild()) << "\n";
    return common::kExitOk;
  }
  if (parsed->help_requested) {
    *io.out << common::cli::RenderHelp(parsed->path);
    return common::kExitOk;
  }
  Invocation inv(*parsed, env, io, json);
  absl::Status status = parsed->command().run(inv);
  if (!status.ok()) return Report(status, json, color, io);
  io.out->flush();
  return common::kExitOk;
}

namespace {

// gRPC's own log lines (e.g. "Handshake failed with fatal error …") would
// land on stderr beside the contract's single error block; the failure
// reaches the user through the call's status instead.
void DropGrpcLog(gpr_log_func_args* /*args*/) {}

}  // namespace

int Main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  gpr_set_log_function(&DropGrpcLog);
  std::vector<std::string> args(argv + 1, argv + argc);
  const Environment env = common::ProcessEnvironment();
  std::ios::sync_with_stdio(false);
  Streams io;
  io.stdin_tty = isatty(STDIN_FILENO) == 1;
  io.stdout_tty = isatty(STDOUT_FILENO) == 1;
  io.stderr_tty = isatty(STDERR_FILENO) == 1;
  return Run(args, env, io);
}

}  // namespace rune::cli
