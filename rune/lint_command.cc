// `rune lint` (SPEC §3.6.11): offline checks of cast files and runefiles with
// the validator runed uses; findings on stdout, M47 on stderr when there are
// errors. The checks and the report live in lint.h.

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/lint.h"
#include "rune/output.h"
#include "rune/sources.h"

namespace rune::cli {
namespace {


// The namespace objects without their own get (§3.4). Lint works offline,
// so a client config it cannot read leaves the flag, the environment and
// the default.
std::string LintNamespace(Invocation& inv) {
  absl::StatusOr<ConnectionSettings> settings = ResolveConnection(inv);
  if (settings.ok()) return settings->namespace_name;
  if (inv.parsed.IsSet("namespace")) return inv.parsed.String("namespace");
  if (!inv.Env("RUNE_NAMESPACE").empty()) return inv.Env("RUNE_NAMESPACE");
  return "default";
}

void SortFindings(std::vector<LintFinding>* findings) {
  std::stable_sort(findings->begin(), findings->end(), [](const LintFinding& a, const LintFinding& b) {
    return std::tie(a.finding.line, a.finding.column) < std::tie(b.finding.line, b.finding.column);
  });
}

}  // namespace

absl::Status RunLint(Invocation& inv) {
  const auto& p = inv.parsed;
  RUNE_ASSIGN_OR_RETURN(std::vector<SourceFile> sources,
                        ExpandPlainSources(p, "lint", {"values", "set", "set-string"},
                                           /*runeset_alone=*/false));
  LintOptions options;
  options.default_namespace = LintNamespace(inv);
  options.strict = p.Bool("strict");
  const bool fix = p.Bool("fix");
  const bool exit_on_fail = p.Bool("exit-on-fail");

  std::vector<LintFile> files;
  for (const SourceFile& source : sources) {
    RUNE_ASSIGN_OR_RETURN(std::string text, ReadSourceFile(source, inv.in()));
    LintFile file = LintText(source.name, std::move(text), options);
    // stdin has nowhere to be written back to.
    if (fix && !source.is_stdin && FixFile(&file, options)) {
      RUNE_RETURN_IF_ERROR(ReplaceFileContents(source.path, file.text));
    }
    const bool failed = file.errors() > 0;
    files.push_back(std::move(file));
    if (exit_on_fail && failed) break;
  }
  AddBatchFindings(&files, options);
  if (exit_on_fail) {
    // A finding across files can make an earlier file the first that fails.
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i].errors() > 0) {
        files.resize(i + 1);
        break;
      }
    }
  }
  for (LintFile& file : files) SortFindings(&file.findings);

  int errors = 0, warnings = 0, fixed = 0, failed_files = 0;
  for (const LintFile& file : files) {
    errors += file.errors();
    warnings += file.warnings();
    fixed += static_cast<int>(file.fixed.size());
    if (file.errors() > 0) ++failed_files;
  }
  if (p.String("format") == "json") {
    PrintDocument(inv, LintDocument(files), "json");
  } else {
    const int context = p.Bool("expand-context") ? 3 : static_cast<int>(p.Int("context"));
    const bool quiet = p.Bool("quiet");
    for (const LintFile& file : files) {
      for (const LintFinding& f : file.fixed) inv.out() << FormatLintFinding(f, file.text, context);
      for (const LintFinding& f : file.findings) {
        inv.out() << FormatLintFinding(f, file.text, context);
      }
      if (!quiet) inv.out() << FileSummaryLine(file) << "\n";
    }
    if (!quiet) {
      inv.out() << files.size() << " file(s) checked, " << errors << " error(s), " << warnings
                << " warning(s)";
      if (fix) inv.out() << ", " << fixed << " fixed";
      inv.out() << "\n";
    }
  }
  if (errors == 0) return absl::OkStatus();
  return common::LocalSpecError(absl::StrCat("validation failed: ", errors, " error(s) in ",
                                             failed_files, " file(s)"),
                                "");
}

}  // namespace rune::cli
