// The checks and the report of `rune lint` (SPEC §3.6.11), apart from the
// command itself: kind detection by content, findings with severities, the
// compiler-style text form with source context, the JSON document, and the
// safe rewrites of --fix.
//
//   LintOptions options;                       // namespace, --strict
//   std::vector<LintFile> files = {LintText("api.yaml", text, options)};
//   AddBatchFindings(&files, options);         // duplicates, cycles
//   for (const LintFinding& f : files[0].findings)
//     out << FormatLintFinding(f, files[0].text, /*context=*/1);
//   // api.yaml:9:13: error: service.ports[0].port: must be between 1 and 65535, got 70000
//   //     8 |     - name: http
//   //     9 |       port: 70000
//   //       |             ^
#ifndef RUNE_RUNE_LINT_H_
#define RUNE_RUNE_LINT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/document.h"
#include "common/spec/cast.h"

namespace rune::cli {

struct LintOptions {
  std::string default_namespace = "default";
  bool strict = false;  // warnings count as errors
};

struct LintFinding {
  common::spec::Finding finding;  // file, line, column, violation
  bool error = true;              // severity after --strict
  bool fixable = false;           // --fix can rewrite it
  bool fixed = false;             // --fix rewrote it (position in the text before the fix)
  // The rule name of §3.6.11 ("type" when the validator left it empty).
  std::string Rule() const;
  const char* Severity() const { return error ? "error" : "warning"; }
};

struct LintFile {
  std::string name;
  std::string kind = "cast";  // "cast" or "runefile"
  std::string text;           // what `findings` point into
  std::vector<LintFinding> findings;
  std::vector<LintFinding> fixed;  // rewritten by --fix
  // Cast objects, for the checks across files.
  std::vector<common::spec::CastObject> objects;

  int errors() const;
  int warnings() const;
};

// Detects the kind of `text` by its content (a cast document key of §4.1,
// else a runefile top-level key of §5.2) and collects its findings. A
// document that is neither gives `unrecognized document: …`.
LintFile LintText(absl::string_view name, std::string text, const LintOptions& options);

// The checks across files (duplicate objects, dependency cycles), appended
// to the file of the later object.
void AddBatchFindings(std::vector<LintFile>* files, const LintOptions& options);

// --fix: rewrites YAML 1.1 booleans, the legacy keys of §3.6.11, trailing
// whitespace and tabs in indentation, then lints again (a few rounds, as a
// fix can uncover another). `file->text` becomes the fixed text,
// `file->fixed` lists what was rewritten; returns true when the text changed.
bool FixFile(LintFile* file, const LintOptions& options);

// "<file>:<line>:<col>: <severity>: <path>: <reason>", the source lines around
// it (`context` before and after) with a line-number gutter and a caret under
// the column, and "  hint: …". Fixed findings are one line ending "(fixed)".
std::string FormatLintFinding(const LintFinding& finding, absl::string_view text, int context);

// "<path>: ok" or "<path>: <e> error(s), <w> warning(s)".
std::string FileSummaryLine(const LintFile& file);

// The --format json document.
common::Value LintDocument(const std::vector<LintFile>& files);

// Writes a fixed file: a temporary file beside `path`, its permission bits
// copied, synced, then renamed over `path`, so a failure leaves the original
// untouched. Errors are OutputFileError (exit 1).
absl::Status ReplaceFileContents(const std::string& path, absl::string_view text);

}  // namespace rune::cli

#endif  // RUNE_RUNE_LINT_H_
