// Run-as identity of a process instance (SPEC §5.9, §4.2.1): user and group
// names or numbers resolved by reading /etc/passwd and /etc/group directly —
// runed is a static binary and never calls into NSS.
//
//   RUNE_ASSIGN_OR_RETURN(RunAs who, ResolveRunAs("nobody", "", geteuid(), getegid()));
//   // who.uid == 65534, who.gid == 65534, who.name == "nobody", who.home == "/nonexistent"
#ifndef RUNE_RUNED_RUNNER_PROCESS_USERS_H_
#define RUNE_RUNED_RUNNER_PROCESS_USERS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::daemon::runner::process {

struct RunAs {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string name;  // USER / LOGNAME; the decimal uid when not in passwd
  std::string home;  // HOME; "/" when not in passwd
};

// Resolves `user` (name or number; empty = `default_uid`) and `group` (name
// or number; empty = the user's primary group from passwd, else
// `default_gid`). FailedPrecondition `unknown user "<u>"` /
// `unknown group "<g>"` for names that the files do not list.
absl::StatusOr<RunAs> ResolveRunAs(absl::string_view user, absl::string_view group,
                                   uint32_t default_uid, uint32_t default_gid,
                                   const std::string& passwd_path = "/etc/passwd",
                                   const std::string& group_path = "/etc/group");

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_USERS_H_
