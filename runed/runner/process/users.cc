#include "runed/runner/process/users.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rune::daemon::runner::process {
namespace {

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
};

// Lines of a colon-separated database; a missing file reads as empty (a
// minimal system may lack /etc/group).
std::vector<std::vector<std::string>> ReadColonFile(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    rows.push_back(absl::StrSplit(line, ':'));
  }
  return rows;
}

bool ParseId(absl::string_view text, uint32_t* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(text, out);
}

std::optional<PasswdEntry> FindUser(const std::vector<std::vector<std::string>>& rows,
                                    absl::string_view name, std::optional<uint32_t> uid) {
  for (const std::vector<std::string>& f : rows) {
    PasswdEntry e;
    // name:password:uid:gid:gecos:home:shell
    if (f.size() < 7 || !ParseId(f[2], &e.uid) || !ParseId(f[3], &e.gid)) continue;
    if (uid.has_value() ? e.uid != *uid : f[0] != name) continue;
    e.name = f[0];
    e.home = f[5];
    return e;
  }
  return std::nullopt;
}

std::optional<uint32_t> FindGroup(const std::vector<std::vector<std::string>>& rows,
                                  absl::string_view name) {
  for (const std::vector<std::string>& f : rows) {
    uint32_t gid = 0;
    // name:password:gid:members
    if (f.size() < 3 || f[0] != name || !ParseId(f[2], &gid)) continue;
    return gid;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<RunAs> ResolveRunAs(absl::string_view user, absl::string_view group,
                                   uint32_t default_uid, uint32_t default_gid,
                                   const std::string& passwd_path,
                                   const std::string& group_path) {
  const std::vector<std::vector<std::string>> passwd = ReadColonFile(passwd_path);
  RunAs out;
  std::optional<PasswdEntry> entry;
  uint32_t number = 0;
  if (user.empty()) {
    out.uid = default_uid;
    entry = FindUser(passwd, "", default_uid);
  } else if (ParseId(user, &number)) {
    out.uid = number;
    entry = FindUser(passwd, "", number);
  } else {
    entry = FindUser(passwd, user, std::nullopt);
    if (!entry) {
      return absl::FailedPreconditionError(absl::StrCat("unknown user \"", user, "\""));
    }
    out.uid = entry->uid;
  }
  out.name = entry ? entry->name : absl::StrCat(out.uid);
  out.home = entry && !entry->home.empty() ? entry->home : "/";

  if (group.empty()) {
    out.gid = !user.empty() && entry ? entry->gid : default_gid;
  } else if (ParseId(group, &number)) {
    out.gid = number;
  } else {
    std::optional<uint32_t> gid = FindGroup(ReadColonFile(group_path), group);
    if (!gid) return absl::FailedPreconditionError(absl::StrCat("unknown group \"", group, "\""));
    out.gid = *gid;
  }
  return out;
}

}  // namespace rune::daemon::runner::process
