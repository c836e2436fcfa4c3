// The input sources of `rune cast`, `rune lint` and `rune deps validate -f`
// (SPEC §3.6.1 "Sources"): files, directories, globs and stdin expanded into
// the list of files to read, in argument order.
//
//   SourceOptions options;
//   options.recursive = inv.parsed.Bool("recursive");
//   RUNE_ASSIGN_OR_RETURN(ExpandedSources sources, ExpandSources(inv.parsed.args, options));
//   if (sources.runeset.has_value()) … (runesets are handled by the caller)
//   for (const SourceFile& f : sources.files) {
//     RUNE_ASSIGN_OR_RETURN(std::string text, ReadSourceFile(f, inv.in()));
//   }
#ifndef RUNE_RUNE_SOURCES_H_
#define RUNE_RUNE_SOURCES_H_

#include <initializer_list>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/cli/parser.h"

namespace rune::cli {

// One file to read.
struct SourceFile {
  // The path as the user wrote it, or joined from a directory argument
  // ("deploy/api.yaml"); "<stdin>" for `-`.
  std::string name;
  std::string path;  // what to open; "" for stdin
  bool is_stdin = false;
};

struct SourceOptions {
  bool recursive = false;  // -r: descend into subdirectories
};

struct ExpandedSources {
  // Plain files, duplicates removed (first occurrence kept).
  std::vector<SourceFile> files;
  // The first runeset argument (a directory holding runeset.yaml, a `.tgz`
  // archive, an https:// URL or a github.com/… reference), if any.
  std::optional<std::string> runeset;
};

// The name findings use for stdin.
inline constexpr absl::string_view kStdinName = "<stdin>";

// Expands `args` in order: a regular file (any extension) as itself; a
// directory into its *.yaml, *.yml and *.json files sorted by path (with
// subdirectories when `recursive`); a pattern containing `*`, `?` or `[`
// into its matches sorted by path, directories among them expanded; `-` into
// stdin (at most once). Runeset arguments are recorded, not expanded.
//
// Errors (all exit 2): a missing path is M41 `path "<p>" does not exist`
// (NotFound); a pattern without match `pattern "<p>" matched no files`; an
// argument yielding no file `no YAML files found in "<p>"`; an http:// URL
// and a second `-` are usage errors of `command_path` ("rune cast").
absl::StatusOr<ExpandedSources> ExpandSources(const std::vector<std::string>& args,
                                              const SourceOptions& options,
                                              absl::string_view command_path);

// The plain files of a command's sources (its positionals, with -r when
// set), for commands that do not take runesets yet. A runeset source is
// `<verb> of a runeset (<src>) is not implemented yet`, except that with
// `runeset_alone` a runeset among other sources is first the usage error `a
// runeset must be the only source of <verb>`; any of `runeset_flags` set on
// plain files is the usage error `flag --<f> is only valid with a runeset
// source`.
absl::StatusOr<std::vector<SourceFile>> ExpandPlainSources(
    const common::cli::ParsedCommand& p, absl::string_view verb,
    std::initializer_list<const char*> runeset_flags, bool runeset_alone);

// True when `arg` names a runeset by its shape alone (URL, github.com/…,
// `.tgz`) or is a directory holding runeset.yaml.
bool IsRunesetSource(const std::string& arg);

// The bytes of one source; stdin is read from `in`. Unreadable files are
// LocalPathError (exit 2) naming the path and the system's reason.
absl::StatusOr<std::string> ReadSourceFile(const SourceFile& file, std::istream& in);

}  // namespace rune::cli

#endif  // RUNE_RUNE_SOURCES_H_
