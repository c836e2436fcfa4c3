#include "common/version.h"

#include "absl/strings/str_cat.h"

// Defined by the generated build_info_{dev,stamped}.cc.
extern const char kRuneBuildVersion[];
extern const char kRuneBuildCommit[];
extern const char kRuneBuildTime[];

namespace rune::common {
namespace {

constexpr const char* kPlatform =
#if defined(__x86_64__)
    "linux/amd64";
#elif defined(__aarch64__)
    "linux/arm64";
#else
    "linux/unknown";
#endif

}  // namespace

BuildInfo CurrentBuild() {
  return BuildInfo{kRuneBuildVersion, kRuneBuildCommit, kRuneBuildTime, kPlatform};
}

std::string VersionLine(const BuildInfo& info) {
  return absl::StrCat("Rune ", info.version, " (", info.commit, ") - ", info.build_time, " ",
                      info.platform);
}

}  // namespace rune::common
