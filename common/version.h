// What this build is: version, commit, build time and platform (SPEC §3.6.19).
//
// Release builds (--config=release) are stamped from the workspace status;
// other builds report "dev", "unknown", "unknown".
//
//   std::string line = VersionLine(CurrentBuild());
//   // "Rune v0.1.0 (abc12345) - 2026-04-25T18:00:00Z linux/amd64"
#ifndef RUNE_COMMON_VERSION_H_
#define RUNE_COMMON_VERSION_H_

#include <string>

namespace rune::common {

struct BuildInfo {
  std::string version;     // "v0.1.0" or "dev"
  std::string commit;      // 8 hex digits, "-dirty" suffix, or "unknown"
  std::string build_time;  // RFC 3339 UTC or "unknown"
  std::string platform;    // "linux/amd64"
};

// The build this binary comes from.
BuildInfo CurrentBuild();

// "Rune <version> (<commit>) - <build-time> <platform>".
std::string VersionLine(const BuildInfo& info);

}  // namespace rune::common

#endif  // RUNE_COMMON_VERSION_H_
