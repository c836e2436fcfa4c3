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
    absl::StrAppend(&out, RoffEscape(std::string(line)), "\n");
  }
  if (verbatim) out += ".fi\n";
  return out;
}

// Lines shown as they are, indented; blank lines kept.
std::string Verbatim(const std::vector<std::string>& blocks) {
  std::string out = ".RS 4\n.nf\n";
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i > 0) out += ".sp\n";
    for (absl::string_view line : absl::StrSplit(blocks[i], '\n')) {
      absl::StrAppend(&out, line.empty() ? ".sp" : RoffEscape(std::string(line)), "\n");
    }
  }
  return out + ".fi\n.RE\n";
}

// "runed(8)" → bold name, plain section.
std::string Reference(const std::string& ref) {
  const size_t paren = ref.find('(');
  return absl::StrCat("\\fB", RoffEscape(ref.substr(0, paren)), "\\fR",
                      paren == std::string::npos ? "" : ref.substr(paren));
}

// The title line; then no hyphenation and ragged-right text, so flags,
// paths and keys are never split across lines.
std::string Header(const std::string& name, const ManInfo& info) {
  return absl::StrCat(".TH \"", absl::AsciiStrToUpper(name), "\" \"", info.section, "\" \"",
                      info.date, "\" \"", info.source, "\" \"", info.manual, "\"\n.nh\n.ad l\n");
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
  if (!s.verbatim.empty()) {
    if (!s.text.empty()) out += ".PP\n";
    out += Verbatim({s.verbatim});
  }
  for (const auto& [tag, body] : s.items) {
    std::vector<std::string> lines;
    for (absl::string_view line : absl::StrSplit(body, '\n')) {
      lines.push_back(RoffEscape(std::string(line)));
    }
    absl::StrAppend(&out, ".TP\n\\fB", RoffEscape(tag), "\\fR\n",
                    absl::StrJoin(lines, "\n.br\n"), "\n");
  }
  return out;
}

void Walk(const std::vector<const Command*>& path, const ManInfo& info, std::vector<ManPage>* out) {
  const Command& cmd = *path.back();
  const std::string name = PageName(path);
  std::string page = Header(name, info);
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
  if (info.sections) {
    for (const ManSection& s : info.sections(path)) page += Section(s);
  }
  if (!cmd.examples.empty()) {
    // One block; a blank line between examples only when one spans lines.
    bool multi_line = false;
    for (const std::string& example : cmd.examples) {
      multi_line = multi_line || example.find('\n') != std::string::npos;
    }
    std::vector<std::string> blocks = cmd.examples;
    if (!multi_line) blocks = {absl::StrJoin(cmd.examples, "\n")};
    absl::StrAppend(&page, ".SH EXAMPLES\n", Verbatim(blocks));
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
    for (const std::string& ref : info.see_also) refs.push_back(Reference(ref));
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

ManPage RenderManDocument(const ManDocument& doc, const ManInfo& info) {
  std::string page = Header(doc.name, info);
  absl::StrAppend(&page, ".SH NAME\n", RoffEscape(doc.name), " \\- ", RoffEscape(doc.summary),
                  "\n");
  absl::StrAppend(&page, ".SH SYNOPSIS\n", Verbatim({doc.synopsis}));
  for (const ManSection& s : doc.sections) page += Section(s);
  if (!doc.see_also.empty()) {
    std::vector<std::string> refs;
    for (const std::string& ref : doc.see_also) refs.push_back(Reference(ref));
    absl::StrAppend(&page, ".SH SEE ALSO\n", absl::StrJoin(refs, ", "), "\n");
  }
  return {absl::StrCat(doc.name, ".", info.section), std::move(page)};
}

}  // namespace rune::common::cli
