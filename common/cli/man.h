// Man pages in roff (man(7) macros) rendered from a command table (SPEC §3.8).
//
// One page per visible command path: "rune.1", "rune-cast.1",
// "rune-admin-token-create.1". Sections: NAME, SYNOPSIS, DESCRIPTION,
// OPTIONS, GLOBAL OPTIONS, then the extra sections the binary supplies
// (EXIT STATUS, ENVIRONMENT, FILES …), EXAMPLES, SEE ALSO. Pages about
// something other than a command (a file format) are ManDocuments.
//
//   ManInfo info{.section = 1, .date = "2026-11-25", .source = "rune 0.1.0",
//                .manual = "Rune Manual"};
//   info.sections = [](const std::vector<const Command*>& path) {
//     return std::vector<ManSection>{ExitStatusOf(path)};
//   };
//   for (const ManPage& page : RenderManPages(root, info)) Write(page);
#ifndef RUNE_COMMON_CLI_MAN_H_
#define RUNE_COMMON_CLI_MAN_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/cli/command.h"

namespace rune::common::cli {

// A section: paragraphs, then a verbatim block, then tagged paragraphs
// ("0" → "Success, …"); each part optional.
struct ManSection {
  std::string title;  // upper case, e.g. "EXIT STATUS"
  // Paragraphs separated by blank lines; lines indented by two spaces are
  // kept as they are.
  std::string text;
  // Shown line for line, blank lines included (a file, a shell session).
  std::string verbatim;
  // Tag → body; a '\n' in a body starts a new line.
  std::vector<std::pair<std::string, std::string>> items;
};

struct ManInfo {
  int section = 1;
  std::string date;    // YYYY-MM-DD
  std::string source;  // "rune 0.1.0"
  std::string manual;  // "Rune Manual"
  // The sections between GLOBAL OPTIONS and EXAMPLES of the page of
  // `path` (root first), in order: EXIT STATUS, ENVIRONMENT, FILES …
  std::function<std::vector<ManSection>(const std::vector<const Command*>& path)> sections;
  // Extra SEE ALSO references of the root page ("runed(8)").
  std::vector<std::string> see_also;
};

// A page about something other than a command, e.g. runefile(5).
struct ManDocument {
  std::string name;      // "runefile"; the file is <name>.<info.section>
  std::string summary;   // the NAME line after the dash
  std::string synopsis;  // shown line for line
  std::vector<ManSection> sections;  // DESCRIPTION … EXAMPLES, in order
  std::vector<std::string> see_also;  // "runed(8)"
};

struct ManPage {
  std::string file_name;  // "rune-cast.1"
  std::string content;
};

std::vector<ManPage> RenderManPages(const Command& root, const ManInfo& info);

ManPage RenderManDocument(const ManDocument& doc, const ManInfo& info);

// Escapes text for roff: backslashes, leading dots/quotes, hyphens.
std::string RoffEscape(const std::string& text);

}  // namespace rune::common::cli

#endif  // RUNE_COMMON_CLI_MAN_H_
