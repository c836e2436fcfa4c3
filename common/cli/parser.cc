#include "common/cli/parser.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/duration.h"
#include "common/errors.h"
#include "common/labels.h"
#include "re2/re2.h"

namespace rune::common::cli {
namespace {

bool ParseBoolValue(absl::string_view v, bool* out) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") {
    *out = true;
    return true;
  }
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    *out = false;
    return true;
  }
  return false;
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

absl::Status UnknownCommand(absl::string_view word, const std::vector<const Command*>& path) {
  const std::string where = JoinPath(path);
  absl::Status status =
      UsageError(absl::StrCat("unknown command \"", word, "\" for \"", where, "\""), where);
  const std::string suggestion = SuggestSubcommand(*path.back(), word);
  if (!suggestion.empty()) {
    status = WithHint(status, absl::StrCat("did you mean \"", suggestion, "\"?"));
  }
  return status;
}

// True when `token` (a flag token) consumes the next argument as its value.
bool ConsumesNext(absl::string_view token, const std::vector<const Command*>& path) {
  if (absl::StartsWith(token, "--")) {
    if (absl::StrContains(token, '=')) return false;
    const Flag* flag = FindLongFlag(path, token.substr(2));
    return flag != nullptr && TakesValue(*flag);
  }
  for (size_t j = 1; j < token.size(); ++j) {
    const Flag* flag = FindShortFlag(path, token[j]);
    if (flag == nullptr) return false;
    if (TakesValue(*flag)) return j + 1 == token.size();
    if (j + 1 < token.size() && token[j + 1] == '=') return false;
  }
  return false;
}

class FlagParser {
 public:
  FlagParser(ParsedCommand* parsed, std::string command_path)
      : parsed_(parsed), command_path_(std::move(command_path)) {}

  absl::Status Run(const std::vector<std::string>& tokens) {
    const Command& cmd = parsed_->command();
    // flags_stop_after_args == 0: every word is data (the __complete commands).
    bool positional_only = cmd.flags_stop_after_args == 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string& tok = tokens[i];
      if (positional_only) {
        parsed_->args.push_back(tok);
        continue;
      }
      if (tok == "--") {
        positional_only = true;
        continue;
      }
      if (absl::StartsWith(tok, "--")) {
        absl::Status s = Long(tokens, &i);
        if (!s.ok()) return s;
      } else if (absl::StartsWith(tok, "-") && tok.size() > 1) {
        absl::Status s = Short(tokens, &i);
        if (!s.ok()) return s;
      } else {
        parsed_->args.push_back(tok);
        if (cmd.flags_stop_after_args >= 0 &&
            static_cast<int>(parsed_->args.size()) > cmd.flags_stop_after_args) {
          positional_only = true;
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Usage(absl::string_view message) { return UsageError(message, command_path_); }

  absl::Status Set(const Flag& flag, absl::string_view value) {
    absl::Status check = CheckFlagValue(flag, value);
    if (!check.ok()) {
      return Usage(absl::StrCat("invalid argument \"", value, "\" for \"", FlagSpec(flag),
                                "\" flag: ", check.message()));
    }
    FlagValue& fv = parsed_->flags[flag.name];
    fv.flag = &flag;
    if (flag.type == ValueType::kBool) {
      bool b = false;
      ParseBoolValue(value, &b);
      fv.values = {b ? "true" : "false"};
    } else if (IsRepeatable(flag)) {
      fv.values.emplace_back(value);
    } else {
      fv.values = {std::string(value)};
    }
    if (&flag == &HelpFlag() && fv.values.back() == "true") parsed_->help_requested = true;
    return absl::OkStatus();
  }

  absl::Status Long(const std::vector<std::string>& tokens, size_t* i) {
    absl::string_view body = absl::string_view(tokens[*i]).substr(2);
    absl::string_view name = body;
    absl::string_view value;
    const size_t eq = body.find('=');
    const bool has_value = eq != absl::string_view::npos;
    if (has_value) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
    }
    const Flag* flag = FindLongFlag(parsed_->path, name);
    if (flag == nullptr || name.empty()) return Usage(absl::StrCat("unknown flag: --", name));
    if (!TakesValue(*flag)) return Set(*flag, has_value ? value : "true");
    if (has_value) return Set(*flag, value);
    if (*i + 1 >= tokens.size()) return Usage(absl::StrCat("flag needs an argument: --", name));
    return Set(*flag, tokens[++*i]);
  }

  absl::Status Short(const std::vector<std::string>& tokens, size_t* i) {
    absl::string_view shorts = absl::string_view(tokens[*i]).substr(1);
    for (size_t j = 0; j < shorts.size(); ++j) {
      const char c = shorts[j];
      const Flag* flag = FindShortFlag(parsed_->path, c);
      if (flag == nullptr) {
        return Usage(absl::StrCat("unknown shorthand flag: '", std::string(1, c), "' in -", shorts));
      }
      if (!TakesValue(*flag)) {
        if (j + 1 < shorts.size() && shorts[j + 1] == '=') return Set(*flag, shorts.substr(j + 2));
        absl::Status s = Set(*flag, "true");
        if (!s.ok()) return s;
        continue;
      }
      if (j + 1 < shorts.size()) {
        absl::string_view value = shorts.substr(j + 1);
        if (absl::StartsWith(value, "=")) value.remove_prefix(1);
        return Set(*flag, value);
      }
      if (*i + 1 >= tokens.size()) {
        return Usage(
            absl::StrCat("flag needs an argument: '", std::string(1, c), "' in -", shorts));
      }
      return Set(*flag, tokens[++*i]);
    }
    return absl::OkStatus();
  }

  ParsedCommand* parsed_;
  std::string command_path_;
};

absl::Status CheckArgCount(const Command& cmd, const std::vector<std::string>& args,
                           const std::vector<const Command*>& path) {
  const int n = static_cast<int>(args.size());
  const std::string where = JoinPath(path);
  if (cmd.max_args == 0) {
    if (n > 0) return UnknownCommand(args[0], path);
    return absl::OkStatus();
  }
  if (n < cmd.min_args && !cmd.missing_args_message.empty()) {
    return UsageError(cmd.missing_args_message, where);
  }
  if (cmd.min_args == cmd.max_args) {
    if (n != cmd.min_args) {
      return UsageError(absl::StrCat("accepts ", cmd.min_args, " arg(s), received ", n), where);
    }
  } else if (cmd.max_args < 0) {
    if (n < cmd.min_args) {
      return UsageError(
          absl::StrCat("requires at least ", cmd.min_args, " arg(s), only received ", n), where);
    }
  } else if (cmd.min_args == 0) {
    if (n > cmd.max_args) {
      return UsageError(absl::StrCat("accepts at most ", cmd.max_args, " arg(s), received ", n),
                        where);
    }
  } else if (n < cmd.min_args || n > cmd.max_args) {
    return UsageError(absl::StrCat("accepts between ", cmd.min_args, " and ", cmd.max_args,
                                   " arg(s), received ", n),
                      where);
  }
  return absl::OkStatus();
}

}  // namespace

const Flag& HelpFlag() {
  static const Flag* const kHelp = new Flag(BoolFlag("help", 'h', "help for this command"));
  return *kHelp;
}

std::string ParsedCommand::CommandPath() const { return JoinPath(path); }

const Flag* ParsedCommand::Declared(absl::string_view name) const {
  return FindLongFlag(path, name);
}

bool ParsedCommand::IsSet(absl::string_view name) const {
  return flags.find(std::string(name)) != flags.end();
}

bool ParsedCommand::Bool(absl::string_view name) const {
  auto it = flags.find(std::string(name));
  if (it != flags.end()) return it->second.values.back() == "true";
  const Flag* f = Declared(name);
  return f != nullptr && f->default_value == "true";
}

std::string ParsedCommand::String(absl::string_view name) const {
  auto it = flags.find(std::string(name));
  if (it != flags.end()) return it->second.values.back();
  const Flag* f = Declared(name);
  return f != nullptr ? f->default_value : "";
}

int64_t ParsedCommand::Int(absl::string_view name) const {
  int64_t v = 0;
  (void)absl::SimpleAtoi(String(name), &v);
  return v;
}

absl::Duration ParsedCommand::Duration(absl::string_view name) const {
  absl::StatusOr<absl::Duration> d = ParseDuration(String(name));
  return d.ok() ? *d : absl::ZeroDuration();
}

std::vector<std::string> ParsedCommand::Strings(absl::string_view name) const {
  std::vector<std::string> out;
  auto it = flags.find(std::string(name));
  if (it == flags.end()) return out;
  for (const std::string& v : it->second.values) {
    if (it->second.flag->type == ValueType::kStringList) {
      for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipEmpty())) {
        out.emplace_back(part);
      }
    } else {
      out.push_back(v);
    }
  }
  return out;
}

std::vector<const Flag*> VisibleFlags(const std::vector<const Command*>& path) {
  std::vector<const Flag*> out;
  const auto add = [&out](const Flag& f) {
    for (const Flag* existing : out) {
      if (existing->name == f.name) return;
    }
    out.push_back(&f);
  };
  for (const Flag& f : path.back()->flags) add(f);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    for (const Flag& f : (*it)->global_flags) add(f);
  }
  add(HelpFlag());
  return out;
}

const Flag* FindLongFlag(const std::vector<const Command*>& path, absl::string_view name) {
  for (const Flag* f : VisibleFlags(path)) {
    if (f->name == name) return f;
  }
  return nullptr;
}

const Flag* FindShortFlag(const std::vector<const Command*>& path, char c) {
  if (c == 0) return nullptr;
  for (const Flag* f : VisibleFlags(path)) {
    if (f->shorthand == c) return f;
  }
  return nullptr;
}

const Command* FindSubcommand(const Command& parent, absl::string_view word) {
  for (const Command& sub : parent.subcommands) {
    if (sub.name == word) return &sub;
  }
  for (const Command& sub : parent.subcommands) {
    for (const std::string& alias : sub.aliases) {
      if (alias == word) return &sub;
    }
  }
  return nullptr;
}

std::string SuggestSubcommand(const Command& parent, absl::string_view word) {
  std::string best;
  size_t best_distance = 3;
  for (const Command& sub : parent.subcommands) {
    if (sub.hidden) continue;
    const size_t d = EditDistance(absl::AsciiStrToLower(word), sub.name);
    if (d < best_distance) {
      best_distance = d;
      best = sub.name;
    }
  }
  return best;
}

std::string FlagSpec(const Flag& flag) {
  if (flag.shorthand != 0) return absl::StrCat("-", std::string(1, flag.shorthand), ", --", flag.name);
  return absl::StrCat("--", flag.name);
}

absl::Status CheckFlagValue(const Flag& flag, absl::string_view value) {
  switch (flag.type) {
    case ValueType::kBool: {
      bool b;
      if (!ParseBoolValue(value, &b)) return absl::InvalidArgumentError("must be true or false");
      return absl::OkStatus();
    }
    case ValueType::kInt: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return absl::InvalidArgumentError("not an integer");
      if (v < flag.min_value) {
        return absl::InvalidArgumentError(absl::StrCat("must be >= ", flag.min_value));
      }
      return absl::OkStatus();
    }
    case ValueType::kDuration:
      return ParseDuration(value).status();
    case ValueType::kEnum:
      for (const std::string& choice : flag.choices) {
        if (choice == value) return absl::OkStatus();
      }
      return absl::InvalidArgumentError(
          absl::StrCat("must be one of: ", absl::StrJoin(flag.choices, ", ")));
    case ValueType::kKeyValue: {
      const size_t eq = value.find('=');
      if (eq == absl::string_view::npos || eq == 0) {
        return absl::InvalidArgumentError("expected KEY=VALUE");
      }
      return absl::OkStatus();
    }
    case ValueType::kRegex: {
      RE2::Options options;
      options.set_log_errors(false);
      RE2 re(re2::StringPiece(value.data(), value.size()), options);
      if (!re.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("invalid regular expression: ", re.error()));
      }
      return absl::OkStatus();
    }
    case ValueType::kSelector: {
      absl::StatusOr<Selector> s = ParseSelector(value);
      if (!s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid label selector: ", s.status().message()));
      }
      return absl::OkStatus();
    }
    case ValueType::kString:
    case ValueType::kStringArray:
    case ValueType::kStringList:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

std::vector<const Command*> FindCommandPath(const Command& root,
                                            const std::vector<std::string>& argv,
                                            std::vector<std::string>* rest,
                                            std::string* unknown_word) {
  std::vector<const Command*> path = {&root};
  bool descending = true;
  bool positional_only = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& tok = argv[i];
    if (positional_only) {
      rest->push_back(tok);
      continue;
    }
    if (tok == "--") {
      positional_only = true;
      rest->push_back(tok);
      continue;
    }
    if (absl::StartsWith(tok, "-") && tok.size() > 1) {
      rest->push_back(tok);
      if (ConsumesNext(tok, path) && i + 1 < argv.size()) rest->push_back(argv[++i]);
      continue;
    }
    if (descending && !path.back()->subcommands.empty()) {
      const Command* sub = FindSubcommand(*path.back(), tok);
      if (sub != nullptr) {
        path.push_back(sub);
        continue;
      }
      if (!Runnable(*path.back()) && unknown_word != nullptr && unknown_word->empty()) {
        *unknown_word = tok;
      }
    }
    descending = false;
    rest->push_back(tok);
  }
  return path;
}

absl::StatusOr<ParsedCommand> Parse(const Command& root, const std::vector<std::string>& argv) {
  ParsedCommand parsed;
  std::vector<std::string> rest;
  std::string unknown;
  parsed.path = FindCommandPath(root, argv, &rest, &unknown);
  if (!unknown.empty()) return UnknownCommand(unknown, parsed.path);

  FlagParser flags(&parsed, parsed.CommandPath());
  absl::Status s = flags.Run(rest);
  if (!s.ok()) return s;
  if (parsed.help_requested) return parsed;

  const Command& cmd = parsed.command();
  if (!Runnable(cmd)) {
    if (!parsed.args.empty()) return UnknownCommand(parsed.args[0], parsed.path);
    parsed.help_requested = true;
    return parsed;
  }
  s = CheckArgCount(cmd, parsed.args, parsed.path);
  if (!s.ok()) return s;

  const std::string where = parsed.CommandPath();
  for (size_t i = 0; i < parsed.args.size() && i < cmd.positionals.size(); ++i) {
    const Positional& spec = cmd.positionals[i];
    if (spec.check == nullptr) continue;
    absl::Status bad = spec.check(parsed.args[i]);
    if (!bad.ok()) return UsageError(bad.message(), where);
  }
  for (const std::string& name : cmd.required_flags) {
    if (!parsed.IsSet(name)) {
      return UsageError(absl::StrCat("required flag \"--", name, "\" not set"), where);
    }
  }
  for (const std::vector<std::string>& group : cmd.one_required) {
    bool any = false;
    for (const std::string& name : group) any = any || parsed.IsSet(name);
    if (!any) {
      std::vector<std::string> spelled;
      for (const std::string& name : group) spelled.push_back("--" + name);
      return UsageError(absl::StrCat("one of ", absl::StrJoin(spelled, ", "), " is required"),
                        where);
    }
  }
  for (const Exclusive& ex : cmd.exclusive) {
    if (parsed.IsSet(ex.a) && parsed.IsSet(ex.b)) {
      return UsageError(
          absl::StrCat("flags --", ex.a, " and --", ex.b, " cannot be used together"), where);
    }
  }
  if (cmd.validate != nullptr) {
    absl::Status bad = cmd.validate(parsed);
    if (!bad.ok()) return UsageError(bad.message(), where);
  }
  return parsed;
}

}  // namespace rune::common::cli
