// `rune deps validate -f <file>` (SPEC §3.6.10), offline: the dependency
// declarations of the services in cast files — their syntax (the decoder's
// and validator's findings under `dependencies`), cycles among the files'
// services, and that every required dependency is an object of the files.
//
//   DepsFileCheck c = CheckDependencyFiles({{"app.yaml", text}}, options);
//   for (const common::spec::Finding& f : c.findings) … FormatFinding(f)
//   // app.yaml:7:9: service.dependencies[0]: missing dependency: service "default/db"
#ifndef RUNE_RUNE_DEPS_FILE_CHECK_H_
#define RUNE_RUNE_DEPS_FILE_CHECK_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/spec/cast.h"

namespace rune::cli {

struct DepsSource {
  std::string name;  // as findings show it
  std::string text;
};

struct DepsFileCheck {
  std::vector<common::spec::Finding> findings;  // errors only, by file then position
  std::vector<std::string> services;            // "<ns>/<name>" of each service, in order
  int files_with_findings = 0;
};

// Optional dependencies may name objects outside the files; required ones
// may not.
DepsFileCheck CheckDependencyFiles(const std::vector<DepsSource>& files,
                                   const common::spec::LoadOptions& options);

}  // namespace rune::cli

#endif  // RUNE_RUNE_DEPS_FILE_CHECK_H_
