#include "common/cli/complete.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/cli/help.h"

namespace rune::common::cli {
namespace {

// What the words before the one being completed amount to.
struct Scan {
  ParsedCommand partial;
  const Flag* awaiting = nullptr;  // the last word is a flag missing its value
  bool positional_only = false;    // after "--" or past exec's command start
};

void Record(Scan* scan, const Flag& flag, absl::string_view value) {
  FlagValue& fv = scan->partial.flags[flag.name];
  fv.flag = &flag;
  fv.values.emplace_back(value);
}

Scan ScanWords(const Command& root, const std::vector<std::string>& words) {
  Scan scan;
  std::vector<std::string> rest;
  scan.partial.path = FindCommandPath(root, words, &rest);
  const Command& cmd = scan.partial.command();
  const auto& path = scan.partial.path;
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string& tok = rest[i];
    scan.awaiting = nullptr;
    if (scan.positional_only) {
      scan.partial.args.push_back(tok);
      continue;
    }
    if (tok == "--") {
      scan.positional_only = true;
      continue;
    }
    if (absl::StartsWith(tok, "--")) {
      absl::string_view body = absl::string_view(tok).substr(2);
      const size_t eq = body.find('=');
      const Flag* flag = FindLongFlag(path, body.substr(0, eq));
      if (flag == nullptr) continue;
      if (eq != absl::string_view::npos) {
        Record(&scan, *flag, body.substr(eq + 1));
      } else if (!TakesValue(*flag)) {
        Record(&scan, *flag, "true");
      } else if (i + 1 < rest.size()) {
        Record(&scan, *flag, rest[++i]);
      } else {
        scan.awaiting = flag;
      }
      continue;
    }
    if (absl::StartsWith(tok, "-") && tok.size() > 1) {
      for (size_t j = 1; j < tok.size(); ++j) {
        const Flag* flag = FindShortFlag(path, tok[j]);
        if (flag == nullptr) break;
        if (!TakesValue(*flag)) {
          Record(&scan, *flag, "true");
          continue;
        }
        if (j + 1 < tok.size()) {
          Record(&scan, *flag, absl::string_view(tok).substr(j + 1));
        } else if (i + 1 < rest.size()) {
          Record(&scan, *flag, rest[++i]);
        } else {
          scan.awaiting = flag;
        }
        break;
      }
      continue;
    }
    scan.partial.args.push_back(tok);
    if (cmd.flags_stop_after_args >= 0 &&
        static_cast<int>(scan.partial.args.size()) > cmd.flags_stop_after_args) {
      scan.positional_only = true;
    }
  }
  return scan;
}

// Candidates and directive for a value of the given completion kind.
void AddKind(Completion kind, const std::vector<std::string>& choices,
             const std::vector<std::string>& choice_help, const Scan& scan, NameSource* names,
             CompletionResult* out) {
  switch (kind) {
    case Completion::kNone:
      out->directive = kDirectiveNoFileComp;
      return;
    case Completion::kFiles:
      out->directive = kDirectiveDefault;
      return;
    case Completion::kSpecFiles:
      for (const char* ext : {"yaml", "yml", "json", "tgz"}) out->candidates.push_back({ext, ""});
      out->directive = kDirectiveFilterFileExt;
      return;
    case Completion::kDirectories:
      out->directive = kDirectiveFilterDirs;
      return;
    default:
      // Fixed words first (health's kinds sit beside the names runed knows).
      for (size_t i = 0; i < choices.size(); ++i) {
        out->candidates.push_back({choices[i], i < choice_help.size() ? choice_help[i] : ""});
      }
      if (kind != Completion::kChoices && names != nullptr) {
        for (Candidate& c : names->Names(kind, scan.partial)) out->candidates.push_back(std::move(c));
      }
      out->directive = kDirectiveNoFileComp;
      return;
  }
}

void AddCommands(const Command& parent, absl::string_view prefix, CompletionResult* out) {
  bool any = false;
  for (const Command* sub : VisibleSubcommands(parent)) {
    if (absl::StartsWith(sub->name, prefix)) {
      out->candidates.push_back({sub->name, sub->short_help});
      any = true;
    }
  }
  if (any) return;
  for (const Command* sub : VisibleSubcommands(parent)) {
    for (const std::string& alias : sub->aliases) {
      if (absl::StartsWith(alias, prefix)) out->candidates.push_back({alias, sub->short_help});
    }
  }
}

void FilterAndSort(absl::string_view prefix, CompletionResult* out) {
  if (out->directive & (kDirectiveFilterFileExt | kDirectiveFilterDirs)) return;
  std::vector<Candidate> kept;
  for (Candidate& c : out->candidates) {
    if (absl::StartsWith(c.value, prefix)) kept.push_back(std::move(c));
  }
  if (!(out->directive & kDirectiveKeepOrder)) {
    std::stable_sort(kept.begin(), kept.end(),
                     [](const Candidate& a, const Candidate& b) { return a.value < b.value; });
    kept.erase(std::unique(kept.begin(), kept.end(),
                           [](const Candidate& a, const Candidate& b) { return a.value == b.value; }),
               kept.end());
  }
  out->candidates = std::move(kept);
}

}  // namespace

CompletionResult Complete(const Command& root, const std::vector<std::string>& args,
                          NameSource* names) {
  CompletionResult out;
  if (args.empty()) return out;
  const std::string to_complete = args.back();
  const std::vector<std::string> words(args.begin(), args.end() - 1);
  Scan scan = ScanWords(root, words);
  const Command& cmd = scan.partial.command();
  const auto& path = scan.partial.path;

  if (scan.awaiting != nullptr) {
    AddKind(scan.awaiting->completion, scan.awaiting->choices, {}, scan, names, &out);
    FilterAndSort(to_complete, &out);
    return out;
  }
  if (!scan.positional_only && absl::StartsWith(to_complete, "--") &&
      absl::StrContains(to_complete, '=')) {
    const size_t eq = to_complete.find('=');
    const Flag* flag = FindLongFlag(path, absl::string_view(to_complete).substr(2, eq - 2));
    if (flag == nullptr || !TakesValue(*flag)) return out;
    AddKind(flag->completion, flag->choices, {}, scan, names, &out);
    FilterAndSort(absl::string_view(to_complete).substr(eq + 1), &out);
    if (!(out.directive & (kDirectiveFilterFileExt | kDirectiveFilterDirs))) {
      for (Candidate& c : out.candidates) c.value = to_complete.substr(0, eq + 1) + c.value;
    }
    return out;
  }
  if (!scan.positional_only && absl::StartsWith(to_complete, "-")) {
    for (const Flag* f : VisibleFlags(path)) {
      if (f->hidden) continue;
      if (!IsRepeatable(*f) && scan.partial.IsSet(f->name)) continue;
      const std::string usage = FlagUsageText(*f, cmd.name);
      out.candidates.push_back({"--" + f->name, usage});
      if (to_complete == "-" && f->shorthand != 0) {
        out.candidates.push_back({std::string("-") + f->shorthand, usage});
      }
    }
    out.directive = kDirectiveNoFileComp;
    FilterAndSort(to_complete, &out);
    return out;
  }

  // Positionals: subcommands first, then what the command's arguments take.
  out.directive = kDirectiveNoFileComp;
  if (!cmd.subcommands.empty() && scan.partial.args.empty()) {
    AddCommands(cmd, to_complete, &out);
  }
  if (Runnable(cmd)) {
    const int index = static_cast<int>(scan.partial.args.size());
    const bool room = cmd.max_args < 0 || index < cmd.max_args;
    const Positional* spec = nullptr;
    if (room && !cmd.positionals.empty()) {
      if (index < static_cast<int>(cmd.positionals.size())) {
        spec = &cmd.positionals[index];
      } else if (cmd.positionals.back().repeated) {
        spec = &cmd.positionals.back();
      }
    }
    if (spec != nullptr && spec->completion == Completion::kCommands) {
      // `help <command>…`: walk the words typed so far.
      const Command* at = &root;
      for (const std::string& word : scan.partial.args) {
        const Command* sub = FindSubcommand(*at, word);
        if (sub == nullptr) {
          at = nullptr;
          break;
        }
        at = sub;
      }
      if (at != nullptr) AddCommands(*at, to_complete, &out);
    } else if (spec != nullptr) {
      CompletionResult kind;
      const Completion completion =
          spec->completion_for != nullptr ? spec->completion_for(scan.partial) : spec->completion;
      AddKind(completion, spec->choices, spec->choice_help, scan, names, &kind);
      for (Candidate& c : kind.candidates) out.candidates.push_back(std::move(c));
      out.directive = kind.directive;
    }
  }
  FilterAndSort(to_complete, &out);
  return out;
}

std::string FormatCandidates(const CompletionResult& result, bool descriptions) {
  std::string out;
  for (const Candidate& c : result.candidates) {
    absl::StrAppend(&out, c.value);
    if (descriptions && !c.description.empty()) absl::StrAppend(&out, "\t", c.description);
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, ":", result.directive, "\n");
  return out;
}

std::string DirectiveLine(int directive) {
  std::vector<std::string> names;
  if (directive & kDirectiveError) names.push_back("ShellCompDirectiveError");
  if (directive & kDirectiveNoSpace) names.push_back("ShellCompDirectiveNoSpace");
  if (directive & kDirectiveNoFileComp) names.push_back("ShellCompDirectiveNoFileComp");
  if (directive & kDirectiveFilterFileExt) names.push_back("ShellCompDirectiveFilterFileExt");
  if (directive & kDirectiveFilterDirs) names.push_back("ShellCompDirectiveFilterDirs");
  if (directive & kDirectiveKeepOrder) names.push_back("ShellCompDirectiveKeepOrder");
  if (names.empty()) names.push_back("ShellCompDirectiveDefault");
  return absl::StrCat("Completion ended with directive: ", absl::StrJoin(names, ", "), "\n");
}

}  // namespace rune::common::cli
