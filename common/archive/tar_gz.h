// Byte-reproducible gzip'd tar archives (SPEC §3.6.12 `rune pack`, §6.1 release
// tarball).
//
// The archive depends only on the entries and the given mtime: POSIX ustar
// headers (a pax `path` record for names longer than 100 bytes), entries
// sorted by path, uid/gid 0 with empty owner names, one fixed mtime, the tar
// padded to a whole 10240-byte record, and a gzip header with mtime 0 and no
// file name.
//
//   std::vector<ArchiveEntry> entries = {
//       ArchiveEntry::Directory("app/"),
//       ArchiveEntry::File("app/run.sh", 0755, "#!/bin/sh\n"),
//   };
//   absl::StatusOr<std::string> tgz = TarGz(entries, /*mtime=*/0);
#ifndef RUNE_COMMON_ARCHIVE_TAR_GZ_H_
#define RUNE_COMMON_ARCHIVE_TAR_GZ_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::common {

// One member of an archive. A directory's path ends with '/'.
struct ArchiveEntry {
  enum class Type { kFile, kDirectory };

  static ArchiveEntry File(std::string path, uint32_t mode, std::string contents);
  static ArchiveEntry Directory(std::string path, uint32_t mode = 0755);

  Type type = Type::kFile;
  std::string path;
  uint32_t mode = 0644;
  std::string contents;
};

// The uncompressed tar stream of `entries`, sorted by path. InvalidArgument
// for an empty, absolute or `..`-containing path, a directory path without a
// trailing '/' (or a file path with one), a mode above 07777, a duplicate
// path, or a file of 8 GiB or more.
absl::StatusOr<std::string> Tar(std::vector<ArchiveEntry> entries, int64_t mtime);

// gzip of `data` at the best compression, header mtime 0, no file name.
// Internal on a zlib failure.
absl::StatusOr<std::string> Gzip(absl::string_view data);

// Gzip(Tar(entries, mtime)).
absl::StatusOr<std::string> TarGz(std::vector<ArchiveEntry> entries, int64_t mtime);

}  // namespace rune::common

#endif  // RUNE_COMMON_ARCHIVE_TAR_GZ_H_
