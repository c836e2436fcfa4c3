// Man pages in roff (man(7) macros) rendered from a command table (SPEC §3.8).
//
// One page per visible command path: "rune.1", "rune-cast.1",
// "rune-admin-token-create.1". Sections: NAME, SYNOPSIS, DESCRIPTION,
// OPTIONS, GLOBAL OPTIONS, then the extra sections the binary supplies
// (EXIT STATUS, ENVIRONMENT, FILES …), EXAMPLES, SEE ALSO.
//
//   ManInfo info{.section = 1, .date = "2026-11-25", .source = "rune 0.1.0",
//                .manual = "Rune Manual"};
//   for (const ManPage& page : RenderManPages(root, info)) Write(page);
#ifndef RUNE_COMMON_CLI_MAN_H_
#define RUNE_COMMON_CLI_MAN_H_

#include <string>
#include <utility>
#include <vector>

#include "common/cli/command.h"

namespace rune::common::cli {

// A section of tagged paragraphs ("0" → "Success, …"), optionally preceded by text.
struct ManSection {
  std::string title;  // upper case, e.g. "EXIT STATUS"
  std::string text;
  std::vector<std::pair<std::string, std::string>> items;
};

struct ManInfo {
  int section = 1;
  std::string date;    // YYYY-MM-DD
  std::string source;  // "rune 0.1.0"
  std::string manual;  // "Rune Manual"
  // Only on the root page (e.g. ENVIRONMENT, FILES).
  std::vector<ManSection> root_sections;
  // On every page (e.g. EXIT STATUS).
  std::vector<ManSection> every_page_sections;
  // Extra SEE ALSO references of the root page ("runed(8)").
  std::vector<std::string> see_also;
};

struct ManPage {
  std::string file_name;  // "rune-cast.1"
  std::string content;
};

std::vector<ManPage> RenderManPages(const Command& root, const ManInfo& info);

// Escapes text for roff: backslashes, leading dots/quotes, hyphens.
std::string RoffEscape(const std::string& text);

}  // namespace rune::common::cli

#endif  // RUNE_COMMON_CLI_MAN_H_
