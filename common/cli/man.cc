#include "common/cli/man.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/cli/help.h"
#include "common/cli/parser.h"

namespace rune::common::cli {
namespace {

std::string PageName(const std::vector<const Command*>& path) { return JoinPath(path, "-"); }

// Paragraphs separated by blank lines become .PP blocks; lines starting with
// two spaces are kept verbatim (.nf/.fi).
std::string Paragraphs(const std::string& text) {
  std::string out;
  bool verbatim = false;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const bool indented = absl::StartsWith(line, "  ");
    if (line.empty()) {
      if (verbatim) {
        out += ".fi\n";
        verbatim = false;
      }
      out += ".PP\n";
      continue;
    }
    if (indented && !verbatim) {
      out += ".nf\n";
      verbatim = true;
    } else if (!indented && verbatim) {
      out += ".fi\n";
      verbatim = false;
    }
    (void)first;
    first = false;
    absl::StrAppend(&out, RoffEscape(std::string(line)), "\n");
  }
  if (verbatim) out += ".fi\n";
  return out;
}

std::string FlagItems(const std::vector<const Flag*>& flags, const std::string& command_name) {
  std::string out;
  for (const Flag* f : flags) {
    std::string tag;
    if (f->shorthand != 0) absl::StrAppend(&tag, "\\fB\\-", std::string(1, f->shorthand), "\\fR, ");
    absl::StrAppend(&tag, "\\fB\\-\\-", RoffEscape(f->name), "\\fR");
    const std::string value = ValueName(*f);
    if (!value.empty()) absl::StrAppend(&tag, " \\fI", RoffEscape(value), "\\fR");
    absl::StrAppend(&out, ".TP\n", tag, "\n", RoffEscape(FlagUsageText(*f, command_name)), "\n");
  }
  return out;
}

std::string Section(const ManSection& s) {
  std::string out = absl::StrCat(".SH ", s.title, "\n");
  if (!s.text.empty()) out += Paragraphs(s.text);
  for (const auto& [tag, body] : s.items) {
    absl::StrAppend(&out, ".TP\n\\fB", RoffEscape(tag), "\\fR\n", RoffEscape(body), "\n");
  }
  return out;
}

void Walk(const std::vector<const Command*>& path, const ManInfo& info, std::vector<ManPage>* out) {
  const Command& cmd = *path.back();
  const std::string name = PageName(path);
  const std::string title = absl::AsciiStrToUpper(name);
  std::string page;
  absl::StrAppend(&page, ".TH \"", title, "\" \"", info.section, "\" \"", info.date, "\" \"",
                  info.source, "\" \"", info.manual, "\"\n");
  absl::StrAppend(&page, ".SH NAME\n", RoffEscape(name), " \\- ", RoffEscape(cmd.short_help), "\n");

  absl::StrAppend(&page, ".SH SYNOPSIS\n");
  const std::vector<const Command*> subs = VisibleSubcommands(cmd);
  if (Runnable(cmd)) {
    absl::StrAppend(&page, "\\fB", RoffEscape(JoinPath(path)), "\\fR ",
                    RoffEscape(cmd.args_usage.empty() ? "[flags]" : cmd.args_usage + " [flags]"),
                    "\n");
  }
  if (!subs.empty()) {
    if (Runnable(cmd)) page += ".br\n";
    absl::StrAppend(&page, "\\fB", RoffEscape(JoinPath(path)), "\\fR \\fIcommand\\fR [flags]\n");
  }

  absl::StrAppend(&page, ".SH DESCRIPTION\n",
                  Paragraphs(cmd.long_help.empty() ? cmd.short_help : cmd.long_help));
  if (!cmd.aliases.empty()) {
    absl::StrAppend(&page, ".PP\nAliases: ", RoffEscape(absl::StrJoin(cmd.aliases, ", ")), ".\n");
  }
  if (!subs.empty()) {
    absl::StrAppend(&page, ".SH COMMANDS\n");
    for (const Command* sub : subs) {
      std::vector<const Command*> sub_path = path;
      sub_path.push_back(sub);
      absl::StrAppend(&page, ".TP\n\\fB", RoffEscape(sub->name), "\\fR\n",
                      RoffEscape(sub->short_help), " (see \\fB", RoffEscape(PageName(sub_path)),
                      "\\fR(", info.section, ")).\n");
    }
  }
  absl::StrAppend(&page, ".SH OPTIONS\n", FlagItems(LocalFlags(path), cmd.name));
  const std::vector<const Flag*> inherited = InheritedFlags(path);
  if (!inherited.empty()) {
    absl::StrAppend(&page, ".SH GLOBAL OPTIONS\n", FlagItems(inherited, cmd.name));
  }
  if (path.size() == 1) {
    for (const ManSection& s : info.root_sections) page += Section(s);
  }
  for (const ManSection& s : info.every_page_sections) page += Section(s);
  if (!cmd.examples.empty()) {
    absl::StrAppend(&page, ".SH EXAMPLES\n.nf\n");
    for (const std::string& example : cmd.examples) {
      absl::StrAppend(&page, RoffEscape(example), "\n");
    }
    absl::StrAppend(&page, ".fi\n");
  }
  std::vector<std::string> refs;
  if (path.size() > 1) {
    std::vector<const Command*> parent(path.begin(), path.end() - 1);
    refs.push_back(absl::StrCat("\\fB", RoffEscape(PageName(parent)), "\\fR(", info.section, ")"));
  }
  for (const Command* sub : subs) {
    std::vector<const Command*> sub_path = path;
    sub_path.push_back(sub);
    refs.push_back(absl::StrCat("\\fB", RoffEscape(PageName(sub_path)), "\\fR(", info.section, ")"));
  }
  if (path.size() == 1) {
    for (const std::string& ref : info.see_also) {
      const size_t paren = ref.find('(');
      refs.push_back(absl::StrCat("\\fB", RoffEscape(ref.substr(0, paren)), "\\fR",
                                  paren == std::string::npos ? "" : ref.substr(paren)));
    }
  }
  if (!refs.empty()) absl::StrAppend(&page, ".SH SEE ALSO\n", absl::StrJoin(refs, ", "), "\n");

  out->push_back({absl::StrCat(name, ".", info.section), std::move(page)});
  for (const Command* sub : subs) {
    std::vector<const Command*> sub_path = path;
    sub_path.push_back(sub);
    Walk(sub_path, info, out);
  }
}

}  // namespace

std::string RoffEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      // Non-ASCII as a groff Unicode escape, so pages render without preconv.
      int len = (u & 0xE0) == 0xC0 ? 2 : (u & 0xF0) == 0xE0 ? 3 : (u & 0xF8) == 0xF0 ? 4 : 1;
      uint32_t cp = len == 1 ? u : (u & (0x7F >> len));
      for (int k = 1; k < len && i + k < text.size(); ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      }
      i += len - 1;
      out += absl::StrFormat("\\[u%04X]", cp);
    } else if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if ((c == '.' || c == '\'') && (i == 0 || text[i - 1] == '\n')) {
      out += "\\&";
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<ManPage> RenderManPages(const Command& root, const ManInfo& info) {
  std::vector<ManPage> pages;
  Walk({&root}, info, &pages);
  return pages;
}

}  // namespace rune::common::cli
