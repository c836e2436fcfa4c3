// The man pages that belong to runed (SPEC §3.8): runed.8 from its command
// table and runefile.5 from the runefile schema (common/runefile/schema.h).
// `runed --genman <dir>` writes them; the build checks them into man/.
//
//   for (const common::cli::ManPage& page : RunedManPages("2026-11-25")) {
//     Write(page.file_name, page.content);   // "runed.8", "runefile.5"
//   }
#ifndef RUNE_RUNED_GENMAN_H_
#define RUNE_RUNED_GENMAN_H_

#include <string>
#include <vector>

#include "common/cli/man.h"
#include "runed/options.h"

namespace rune::daemon {

// runed.8 and runefile.5, dated `date` (YYYY-MM-DD).
std::vector<common::cli::ManPage> RunedManPages(const std::string& date);

// The complete, commented runefile of runefile(5)'s EXAMPLES.
const std::string& RunefileExample();

// Writes the pages into `dir`, dated from SOURCE_DATE_EPOCH; returns the exit code.
int WriteManPages(const std::string& dir, const Environment& env);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_GENMAN_H_
