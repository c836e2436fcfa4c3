#include "common/archive/tar_gz.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "zlib.h"

namespace rune::common {
namespace {

constexpr size_t kBlock = 512;
constexpr size_t kRecord = 20 * kBlock;
constexpr size_t kNameSize = 100;

// Writes `value` as zero-padded octal digits followed by a NUL into a field
// of `width` bytes at `field`.
bool PutOctal(char* field, size_t width, uint64_t value) {
  std::string digits(width - 1, '0');
  for (size_t i = width - 1; i-- > 0;) {
    digits[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  if (value != 0) return false;
  std::memcpy(field, digits.data(), width - 1);
  field[width - 1] = '\0';
  return true;
}

// One 512-byte ustar header.
absl::StatusOr<std::string> Header(absl::string_view name, char type, uint32_t mode, uint64_t size,
                                   int64_t mtime) {
  std::string h(kBlock, '\0');
  std::memcpy(&h[0], name.data(), std::min(name.size(), kNameSize));
  PutOctal(&h[100], 8, mode);
  PutOctal(&h[108], 8, 0);  // uid
  PutOctal(&h[116], 8, 0);  // gid
  if (!PutOctal(&h[124], 12, size)) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": too large for a tar archive"));
  }
  PutOctal(&h[136], 12, static_cast<uint64_t>(mtime));
  h[156] = type;
  std::memcpy(&h[257], "ustar", 6);  // magic with its NUL
  std::memcpy(&h[263], "00", 2);     // version
  PutOctal(&h[329], 8, 0);           // devmajor
  PutOctal(&h[337], 8, 0);           // devminor
  // The checksum is computed with its own field as eight spaces.
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  PutOctal(&h[148], 7, sum);  // six digits and a NUL, then the space already there
  return h;
}

void PadToBlock(std::string& out) {
  if (out.size() % kBlock != 0) out.append(kBlock - out.size() % kBlock, '\0');
}

// The pax record "<len> path=<value>\n", whose length counts itself.
std::string PaxPathRecord(absl::string_view path) {
  const size_t rest = std::strlen(" path=") + path.size() + 1;
  size_t len = rest + 1;
  while (absl::StrCat(len).size() + rest != len) len = absl::StrCat(len).size() + rest;
  return absl::StrCat(len, " path=", path, "\n");
}

absl::Status CheckEntry(const ArchiveEntry& e) {
  auto bad = [&e](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("archive entry \"", e.path, "\": ", why));
  };
  if (e.path.empty()) return bad("empty path");
  if (e.path.find('\0') != std::string::npos) return bad("NUL byte in the path");
  if (e.path[0] == '/') return bad("absolute path");
  const bool slash = e.path.back() == '/';
  if (e.type == ArchiveEntry::Type::kDirectory && !slash) return bad("a directory path ends with '/'");
  if (e.type == ArchiveEntry::Type::kFile && slash) return bad("a file path cannot end with '/'");
  if (e.type == ArchiveEntry::Type::kDirectory && !e.contents.empty()) {
    return bad("a directory has no contents");
  }
  absl::string_view body(e.path);
  if (slash) body.remove_suffix(1);
  for (absl::string_view part : absl::StrSplit(body, '/')) {
    if (part.empty() || part == "." || part == "..") return bad("empty, '.' or '..' path component");
  }
  if (e.mode > 07777) return bad("mode above 07777");
  return absl::OkStatus();
}

}  // namespace

ArchiveEntry ArchiveEntry::File(std::string path, uint32_t mode, std::string contents) {
  ArchiveEntry e;
  e.type = Type::kFile;
  e.path = std::move(path);
  e.mode = mode;
  e.contents = std::move(contents);
  return e;
}

ArchiveEntry ArchiveEntry::Directory(std::string path, uint32_t mode) {
  ArchiveEntry e;
  e.type = Type::kDirectory;
  e.path = std::move(path);
  e.mode = mode;
  return e;
}

absl::StatusOr<std::string> Tar(std::vector<ArchiveEntry> entries, int64_t mtime) {
  if (mtime < 0 || mtime >= (int64_t{1} << 33)) {
    return absl::InvalidArgumentError(absl::StrCat("archive mtime ", mtime, " is out of range"));
  }
  for (const ArchiveEntry& e : entries) RUNE_RETURN_IF_ERROR(CheckEntry(e));
  absl::flat_hash_set<absl::string_view> seen;
  for (const ArchiveEntry& e : entries) {
    absl::string_view key(e.path);
    if (key.back() == '/') key.remove_suffix(1);
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError(absl::StrCat("archive entry \"", e.path, "\" appears twice"));
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const ArchiveEntry& a, const ArchiveEntry& b) { return a.path < b.path; });
  std::string out;
  for (const ArchiveEntry& e : entries) {
    if (e.path.size() > kNameSize) {
      // Readers without pax support still see the first 100 bytes.
      const std::string record = PaxPathRecord(e.path);
      absl::string_view base(e.path);
      if (base.back() == '/') base.remove_suffix(1);
      base = base.substr(base.rfind('/') + 1);
      RUNE_ASSIGN_OR_RETURN(std::string pax, Header(absl::StrCat("PaxHeaders/", base), 'x', 0644,
                                                    record.size(), mtime));
      out += pax;
      out += record;
      PadToBlock(out);
    }
    const bool dir = e.type == ArchiveEntry::Type::kDirectory;
    RUNE_ASSIGN_OR_RETURN(std::string header,
                          Header(e.path, dir ? '5' : '0', e.mode, e.contents.size(), mtime));
    out += header;
    out += e.contents;
    PadToBlock(out);
  }
  out.append(2 * kBlock, '\0');  // end of archive
  if (out.size() % kRecord != 0) out.append(kRecord - out.size() % kRecord, '\0');
  return out;
}

absl::StatusOr<std::string> Gzip(absl::string_view data) {
  if (data.size() > UINT32_MAX / 2) return absl::InvalidArgumentError("gzip: input too large");
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper whose header zlib writes with mtime 0
  // and no name when no gz_header is set.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("gzip: cannot initialise zlib");
  }
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const size_t written = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return absl::InternalError(absl::StrCat("gzip: zlib error ", rc));
  out.resize(written);
  return out;
}

absl::StatusOr<std::string> TarGz(std::vector<ArchiveEntry> entries, int64_t mtime) {
  RUNE_ASSIGN_OR_RETURN(std::string tar, Tar(std::move(entries), mtime));
  return Gzip(tar);
}

}  // namespace rune::common
