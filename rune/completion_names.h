// Names for `rune __complete` that the command table cannot know (SPEC §3.7):
// contexts from the local config file, and services, instances, namespaces,
// secrets, configmaps, users, policies and tokens from runed.
//
// Remote names are fetched with the connection the line being completed
// would use (--config, RUNE_CONTEXT, --api-server, -n, --token… already
// typed) under one hard deadline for the whole completion request: a hung or
// absent runed yields no names, never an error and never a wait past it.
//
//   CompletionNames names(env, CompletionBudget(env));
//   CompletionResult r = common::cli::Complete(RootCommand(), words, &names);
//   … print r …
//   if (names.abandoned()) std::_Exit(0);  // a fetch thread is still inside gRPC
#ifndef RUNE_RUNE_COMPLETION_NAMES_H_
#define RUNE_RUNE_COMPLETION_NAMES_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/cli/complete.h"
#include "rune/invocation.h"

namespace rune::cli {

// The deadline of one completion request: RUNE_COMPLETION_TIMEOUT_MS
// (milliseconds) or RUNE_COMPLETION_TIMEOUT (a duration such as "300ms");
// 300 ms when neither is set or the value is malformed.
absl::Duration CompletionBudget(const Environment& env);

class CompletionNames : public common::cli::NameSource {
 public:
  // The deadline starts now.
  CompletionNames(const Environment& env, absl::Duration budget);

  std::vector<common::cli::Candidate> Names(common::cli::Completion kind,
                                            const common::cli::ParsedCommand& partial) override;

  // True when a fetch was still running at the deadline. Its thread owns its
  // state, but it is inside gRPC: end the process without static destructors.
  bool abandoned() const { return abandoned_; }

 private:
  const Environment& env_;
  absl::Time deadline_;
  bool abandoned_ = false;
};

}  // namespace rune::cli

#endif  // RUNE_RUNE_COMPLETION_NAMES_H_
