#include "common/cli/help.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/cli/parser.h"

namespace rune::common::cli {
namespace {

void SortByName(std::vector<const Flag*>* flags) {
  std::sort(flags->begin(), flags->end(),
            [](const Flag* a, const Flag* b) { return a->name < b->name; });
}

// pflag's layout: "  -s, --name type" padded, then the usage text; the
// shortest gap is three spaces.
std::string FlagBlock(const std::vector<const Flag*>& flags, const std::string& command_name) {
  std::vector<std::pair<std::string, std::string>> rows;
  size_t width = 0;
  for (const Flag* f : flags) {
    std::string left = f->shorthand != 0
                           ? absl::StrCat("  -", std::string(1, f->shorthand), ", --", f->name)
                           : absl::StrCat("      --", f->name);
    const std::string value = ValueName(*f);
    if (!value.empty()) absl::StrAppend(&left, " ", value);
    width = std::max(width, left.size());
    rows.emplace_back(std::move(left), FlagUsageText(*f, command_name));
  }
  std::string out;
  for (const auto& [left, usage] : rows) {
    absl::StrAppend(&out, left, std::string(width - left.size() + 3, ' '), usage, "\n");
  }
  return out;
}

}  // namespace

std::string FlagUsageText(const Flag& flag, const std::string& command_name) {
  if (&flag == &HelpFlag()) return absl::StrCat("help for ", command_name);
  std::string text = flag.usage;
  if (!flag.choices.empty()) {
    absl::StrAppend(&text, ": one of ", absl::StrJoin(flag.choices, ", "));
  }
  if (!flag.default_value.empty() && !(flag.type == ValueType::kBool && flag.default_value == "false")) {
    if (flag.type == ValueType::kString || flag.type == ValueType::kEnum) {
      absl::StrAppend(&text, " (default \"", flag.default_value, "\")");
    } else {
      absl::StrAppend(&text, " (default ", flag.default_value, ")");
    }
  }
  return text;
}

std::string UsageLine(const std::vector<const Command*>& path) {
  std::string line = JoinPath(path);
  const Command& cmd = *path.back();
  if (!cmd.args_usage.empty()) absl::StrAppend(&line, " ", cmd.args_usage);
  absl::StrAppend(&line, " [flags]");
  return line;
}

std::vector<const Command*> VisibleSubcommands(const Command& cmd) {
  std::vector<const Command*> out;
  for (const Command& sub : cmd.subcommands) {
    if (!sub.hidden) out.push_back(&sub);
  }
  return out;
}

std::vector<const Flag*> LocalFlags(const std::vector<const Command*>& path) {
  std::vector<const Flag*> out;
  const Command& cmd = *path.back();
  for (const Flag& f : cmd.flags) {
    if (!f.hidden) out.push_back(&f);
  }
  for (const Flag& f : cmd.global_flags) {
    if (!f.hidden) out.push_back(&f);
  }
  out.push_back(&HelpFlag());
  SortByName(&out);
  return out;
}

std::vector<const Flag*> InheritedFlags(const std::vector<const Command*>& path) {
  std::vector<const Flag*> out;
  const Command& cmd = *path.back();
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    for (const Flag& f : path[i]->global_flags) {
      if (f.hidden) continue;
      bool shadowed = false;
      for (const Flag& own : cmd.flags) shadowed = shadowed || own.name == f.name;
      if (!shadowed) out.push_back(&f);
    }
  }
  SortByName(&out);
  return out;
}

std::string RenderHelp(const std::vector<const Command*>& path) {
  const Command& cmd = *path.back();
  const std::string where = JoinPath(path);
  std::string out = absl::StrCat(cmd.long_help.empty() ? cmd.short_help : cmd.long_help, "\n\n");
  const std::vector<const Command*> subs = VisibleSubcommands(cmd);

  absl::StrAppend(&out, "Usage:\n");
  if (Runnable(cmd)) absl::StrAppend(&out, "  ", UsageLine(path), "\n");
  if (!subs.empty()) absl::StrAppend(&out, "  ", where, " [command]\n");

  if (!cmd.aliases.empty()) {
    absl::StrAppend(&out, "\nAliases:\n  ", cmd.name, ", ", absl::StrJoin(cmd.aliases, ", "), "\n");
  }
  if (!cmd.examples.empty()) {
    absl::StrAppend(&out, "\nExamples:\n");
    // A blank line between examples when one spans lines (a comment and commands).
    bool multi_line = false;
    for (const std::string& example : cmd.examples) {
      multi_line = multi_line || example.find('\n') != std::string::npos;
    }
    for (const std::string& example : cmd.examples) {
      if (multi_line && &example != &cmd.examples.front()) out += "\n";
      for (absl::string_view line : absl::StrSplit(example, '\n')) {
        absl::StrAppend(&out, line.empty() ? "" : "  ", line, "\n");
      }
    }
  }
  if (!subs.empty()) {
    size_t width = 11;
    for (const Command* sub : subs) width = std::max(width, sub->name.size());
    absl::StrAppend(&out, "\nAvailable Commands:\n");
    for (const Command* sub : subs) {
      absl::StrAppend(&out, "  ", sub->name, std::string(width - sub->name.size() + 1, ' '),
                      sub->short_help, "\n");
    }
  }
  absl::StrAppend(&out, "\nFlags:\n", FlagBlock(LocalFlags(path), cmd.name));
  const std::vector<const Flag*> inherited = InheritedFlags(path);
  if (!inherited.empty()) absl::StrAppend(&out, "\nGlobal Flags:\n", FlagBlock(inherited, cmd.name));
  if (!subs.empty()) {
    absl::StrAppend(&out, "\nUse \"", where,
                    " [command] --help\" for more information about a command.\n");
  }
  return out;
}

}  // namespace rune::common::cli
