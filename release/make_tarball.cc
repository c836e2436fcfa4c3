// Writes the release tarball of SPEC §6.1 from a manifest (used by the
// rune_release rule in release.bzl, not shipped).
//
//   make_tarball --manifest=files.txt --top=rune_0.1.0_linux_amd64 \
//     --mtime=1795564800 --output=rune_0.1.0_linux_amd64.tar.gz --sums=SHA256SUMS
//
// Each manifest line is "<octal mode>\t<path inside the top directory>\t<source
// file>". The tarball gets every listed file under <top>/, every parent
// directory (0755), and <top>/SHA256SUMS: "<hex>  <path>" for every other file,
// sorted by path. --sums receives the release-level "<hex>  <tarball name>".
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/archive/tar_gz.h"
#include "common/status_macros.h"
#include "openssl/sha.h"

namespace rune::release {
namespace {

using common::ArchiveEntry;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return s.str();
}

absl::Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : digest) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

// An octal file mode of one to four digits.
bool ParseMode(absl::string_view text, uint32_t* mode) {
  if (text.empty() || text.size() > 4) return false;
  *mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return false;
    *mode = *mode * 8 + static_cast<uint32_t>(c - '0');
  }
  return true;
}

struct Options {
  std::string manifest, top, output, sums;
  int64_t mtime = -1;
};

absl::StatusOr<Options> ParseFlags(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::pair<std::string, std::string> kv = absl::StrSplit(argv[i], absl::MaxSplits('=', 1));
    if (kv.first == "--manifest") {
      o.manifest = kv.second;
    } else if (kv.first == "--top") {
      o.top = kv.second;
    } else if (kv.first == "--output") {
      o.output = kv.second;
    } else if (kv.first == "--sums") {
      o.sums = kv.second;
    } else if (kv.first == "--mtime") {
      if (!absl::SimpleAtoi(kv.second, &o.mtime)) {
        return absl::InvalidArgumentError(absl::StrCat("bad --mtime ", kv.second));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument ", argv[i]));
    }
  }
  if (o.manifest.empty() || o.top.empty() || o.output.empty() || o.sums.empty() || o.mtime < 0) {
    return absl::InvalidArgumentError("--manifest, --top, --mtime, --output and --sums are required");
  }
  if (o.top.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("--top is one directory name");
  }
  return o;
}

absl::Status Run(const Options& o) {
  RUNE_ASSIGN_OR_RETURN(std::string manifest, ReadFile(o.manifest));
  std::map<std::string, std::string> sums;  // path inside top -> hex, sorted
  std::set<std::string> dirs = {o.top + "/"};
  std::vector<ArchiveEntry> entries;
  for (absl::string_view line : absl::StrSplit(manifest, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    uint32_t mode = 0;
    if (f.size() != 3 || !ParseMode(f[0], &mode)) {
      return absl::InvalidArgumentError(absl::StrCat("bad manifest line: ", line));
    }
    if (f[1] == "SHA256SUMS" || sums.count(f[1]) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("manifest lists ", f[1], " twice"));
    }
    RUNE_ASSIGN_OR_RETURN(std::string contents, ReadFile(f[2]));
    sums[f[1]] = Sha256Hex(contents);
    const std::string path = absl::StrCat(o.top, "/", f[1]);
    for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      dirs.insert(path.substr(0, slash + 1));
    }
    entries.push_back(ArchiveEntry::File(path, mode, std::move(contents)));
  }
  std::string listing;
  for (const auto& [path, hex] : sums) absl::StrAppend(&listing, hex, "  ", path, "\n");
  entries.push_back(ArchiveEntry::File(o.top + "/SHA256SUMS", 0644, listing));
  for (const std::string& d : dirs) entries.push_back(ArchiveEntry::Directory(d));

  RUNE_ASSIGN_OR_RETURN(std::string tgz, common::TarGz(std::move(entries), o.mtime));
  RUNE_RETURN_IF_ERROR(WriteFile(o.output, tgz));
  const std::string name = o.output.substr(o.output.rfind('/') + 1);
  return WriteFile(o.sums, absl::StrCat(Sha256Hex(tgz), "  ", name, "\n"));
}

}  // namespace
}  // namespace rune::release

int main(int argc, char** argv) {
  absl::StatusOr<rune::release::Options> options = rune::release::ParseFlags(argc, argv);
  absl::Status status = options.ok() ? rune::release::Run(*options) : options.status();
  if (!status.ok()) {
    std::cerr << "make_tarball: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
