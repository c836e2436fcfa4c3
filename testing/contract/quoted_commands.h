// Finds the `rune …` commands that texts quote (hints, help, man pages,
// C++ sources) and checks each against the command table: the command path
// exists (aliases allowed), every flag exists on that command or globally and
// takes a value only when it has one, and no command gets more arguments than
// it accepts.
//
// What counts as a quoted command:
//   * prose: text between single quotes that starts with "rune "
//     ("… with 'rune get services -n prod' to list …");
//   * example lines (command-table examples, indented lines of long help,
//     .nf/.fi and .EX/.EE blocks and .B lines of man pages): every shell
//     command on the line whose first word is "rune", up to the next | ; && ||
//     ) or redirection;
//   * man pages also: the SYNOPSIS lines, and prose after roff escapes are
//     removed (italic words become <placeholders>);
//   * C++ sources: prose quotes inside string literals, where literals of one
//     call are joined and each expression between them becomes <x>.
// Words like <name>, <file.yaml> or instance/<id> are placeholders: they stand
// for one positional (or a flag's value) and are not checked further; "…" or
// "..." ends the checking of a command; [flags] and [command] are skipped.
//
//   for (const QuotedCommand& q : QuotedInProse("run 'rune get services -n prod' first"))
//     absl::Status s = Resolve(RootCommand(), q.words);   // OK
//   Resolve(RootCommand(), "rune frobnicate");   // unknown command "frobnicate" for "rune"
#ifndef RUNE_TESTING_CONTRACT_QUOTED_COMMANDS_H_
#define RUNE_TESTING_CONTRACT_QUOTED_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/cli/command.h"

namespace rune::contract {

// One command found in a text.
struct QuotedCommand {
  std::string text;                // where it was found: the quote or the line
  std::vector<std::string> words;  // "rune", "get", "services", …
};

// Shell-like words of `line`: quotes removed, operators (| || && ; & ( ) $(
// <( ` and redirections > >> < 2>) as words of their own, "#" comments dropped.
// <name> is a word, not a redirection.
std::vector<std::string> ShellWords(absl::string_view line);

// The `rune …` commands of one shell line.
std::vector<QuotedCommand> CommandsInShellLine(absl::string_view line);

// The commands of the '…' quotes of `text` that start with "rune " (a quote
// may span lines).
std::vector<QuotedCommand> QuotedInProse(absl::string_view text);

// Prose quotes, SYNOPSIS lines and example lines of a man page (roff source).
std::vector<QuotedCommand> CommandsInManPage(absl::string_view roff);

// Prose quotes inside the string literals of a C++ source file.
std::vector<QuotedCommand> QuotedInCppSource(absl::string_view source);

// Checks one command (its words, the first being "rune") against the table.
// InvalidArgument naming the first problem.
absl::Status Resolve(const common::cli::Command& root, const std::vector<std::string>& words);
// Same, for a command given as text (split with ShellWords).
absl::Status Resolve(const common::cli::Command& root, absl::string_view command);

}  // namespace rune::contract

#endif  // RUNE_TESTING_CONTRACT_QUOTED_COMMANDS_H_
