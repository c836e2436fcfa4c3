// The hidden `__complete` protocol (SPEC §3.7, cobra-compatible).
//
//   rune __complete get se          →  "secrets\t…\nservices\t…\n:4\n"
//
// The static part (commands, flags, enum values, file kinds) comes from the
// command table; names that live elsewhere (contexts in the local file,
// services on runed) come from a NameSource the binary supplies.
#ifndef RUNE_COMMON_CLI_COMPLETE_H_
#define RUNE_COMMON_CLI_COMPLETE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/cli/command.h"
#include "common/cli/parser.h"

namespace rune::common::cli {

// Directive bits, OR-ed.
inline constexpr int kDirectiveDefault = 0;
inline constexpr int kDirectiveError = 1;
inline constexpr int kDirectiveNoSpace = 2;
inline constexpr int kDirectiveNoFileComp = 4;
inline constexpr int kDirectiveFilterFileExt = 8;
inline constexpr int kDirectiveFilterDirs = 16;
inline constexpr int kDirectiveKeepOrder = 32;

struct Candidate {
  std::string value;
  std::string description;
};

struct CompletionResult {
  std::vector<Candidate> candidates;
  int directive = kDirectiveNoFileComp;
};

// Supplies names for completion kinds the table cannot know (contexts,
// services, …). `partial` holds the command path and the flags typed so far.
class NameSource {
 public:
  virtual ~NameSource() = default;
  virtual std::vector<Candidate> Names(Completion kind, const ParsedCommand& partial) = 0;
};

// Completes the last element of `args` (possibly "") after the earlier ones.
// Never fails: problems give no candidates.
CompletionResult Complete(const Command& root, const std::vector<std::string>& args,
                          NameSource* names);

// stdout of __complete: "<value>[\t<description>]" lines, then ":<directive>".
std::string FormatCandidates(const CompletionResult& result, bool descriptions);

// The stderr line: "Completion ended with directive: <names>".
std::string DirectiveLine(int directive);

}  // namespace rune::common::cli

#endif  // RUNE_COMMON_CLI_COMPLETE_H_
