#include "common/archive/tar_gz.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "zlib.h"

namespace rune::common {
namespace {

std::string Field(const std::string& tar, size_t header, size_t offset, size_t width) {
  return tar.substr(header + offset, width);
}

// Name of the header at `header`, up to its first NUL.
std::string Name(const std::string& tar, size_t header) {
  std::string n = Field(tar, header, 0, 100);
  return n.substr(0, n.find('\0'));
}

std::string Gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(64 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(Tar, WritesUstarHeadersWithFixedOwnerAndTime) {
  absl::StatusOr<std::string> tar = Tar({ArchiveEntry::File("app/run.sh", 0755, "echo hi\n")}, 1795564800);
  ASSERT_TRUE(tar.ok()) << tar.status();
  EXPECT_EQ(Name(*tar, 0), "app/run.sh");
  EXPECT_EQ(Field(*tar, 0, 100, 8), std::string("0000755\0", 8));
  EXPECT_EQ(Field(*tar, 0, 108, 8), std::string("0000000\0", 8));  // uid
  EXPECT_EQ(Field(*tar, 0, 116, 8), std::string("0000000\0", 8));  // gid
  EXPECT_EQ(Field(*tar, 0, 124, 12), std::string("00000000010\0", 12));
  EXPECT_EQ(Field(*tar, 0, 136, 12), std::string("15301422400\0", 12));  // 1795564800
  EXPECT_EQ((*tar)[156], '0');
  EXPECT_EQ(Field(*tar, 0, 257, 8), std::string("ustar\0" "00", 8));
  EXPECT_EQ(Field(*tar, 0, 265, 64), std::string(64, '\0'));  // uname, gname
  // The checksum: six octal digits, NUL, space; the sum with the field blank.
  std::string blank = tar->substr(0, 512);
  blank.replace(148, 8, 8, ' ');
  unsigned sum = 0;
  for (unsigned char c : blank) sum += c;
  char want[8];
  snprintf(want, sizeof(want), "%06o", sum);
  EXPECT_EQ(Field(*tar, 0, 148, 8), std::string(want, 6) + std::string("\0 ", 2));
  EXPECT_EQ(tar->substr(512, 8), "echo hi\n");
  EXPECT_EQ(tar->size() % 10240, 0u);
  EXPECT_EQ(tar->size(), 10240u);
}

TEST(Tar, SortsEntriesByPath) {
  absl::StatusOr<std::string> tar =
      Tar({ArchiveEntry::File("b", 0644, ""), ArchiveEntry::File("a/x", 0644, "1"),
           ArchiveEntry::Directory("a/")},
          0);
  ASSERT_TRUE(tar.ok()) << tar.status();
  EXPECT_EQ(Name(*tar, 0), "a/");
  EXPECT_EQ((*tar)[156], '5');
  EXPECT_EQ(Field(*tar, 0, 100, 8), std::string("0000755\0", 8));
  EXPECT_EQ(Name(*tar, 512), "a/x");
  EXPECT_EQ(Name(*tar, 1536), "b");  // after a/x's data block
}

TEST(Tar, LongNamesGetAPaxPathRecord) {
  const std::string path = std::string(60, 'd') + "/" + std::string(70, 'f');
  absl::StatusOr<std::string> tar = Tar({ArchiveEntry::File(path, 0644, "x")}, 0);
  ASSERT_TRUE(tar.ok()) << tar.status();
  EXPECT_EQ((*tar)[156], 'x');
  EXPECT_EQ(Name(*tar, 0), "PaxHeaders/" + std::string(70, 'f'));
  // "<len> path=<131 bytes>\n": 3 + 6 + 131 + 1 = 141 bytes, the length included.
  const std::string record = "141 path=" + path + "\n";
  EXPECT_EQ(record.size(), 141u);
  EXPECT_EQ(Field(*tar, 0, 124, 12), std::string("00000000215\0", 12));
  EXPECT_EQ(tar->substr(512, record.size()), record);
  EXPECT_EQ(Name(*tar, 1024), path.substr(0, 100));
  EXPECT_EQ((*tar)[1024 + 156], '0');
}

TEST(Tar, PaxRecordLengthCountsItsOwnDigits) {
  for (size_t n : {101, 990, 991, 992, 993, 994, 1100}) {
    const std::string path(n, 'p');
    absl::StatusOr<std::string> tar = Tar({ArchiveEntry::File(path, 0644, "")}, 0);
    ASSERT_TRUE(tar.ok()) << tar.status();
    const std::string record = tar->substr(512, tar->find('\n', 512) + 1 - 512);
    EXPECT_EQ(record, absl::StrCat(record.size(), " path=", path, "\n")) << n;
  }
}

TEST(Tar, RefusesUnsafeOrAmbiguousEntries) {
  for (const ArchiveEntry& e : {ArchiveEntry::File("/etc/passwd", 0644, ""),
                                ArchiveEntry::File("a/../b", 0644, ""),
                                ArchiveEntry::File("./a", 0644, ""), ArchiveEntry::File("a//b", 0644, ""),
                                ArchiveEntry::File("", 0644, ""), ArchiveEntry::File("a/", 0644, ""),
                                ArchiveEntry::Directory("a"), ArchiveEntry::File("a", 010000, "")}) {
    EXPECT_EQ(Tar({e}, 0).status().code(), absl::StatusCode::kInvalidArgument) << e.path;
  }
  EXPECT_EQ(Tar({ArchiveEntry::File("a", 0644, ""), ArchiveEntry::Directory("a/")}, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Tar({}, -1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Gzip, HeaderHasNoTimeAndNoName) {
  absl::StatusOr<std::string> gz = Gzip("hello");
  ASSERT_TRUE(gz.ok()) << gz.status();
  // magic, deflate, flags 0 (no FNAME), mtime 0, xfl 2 (best), OS.
  EXPECT_EQ(gz->substr(0, 9), std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02", 9));
  EXPECT_EQ(Gunzip(*gz), "hello");
}

TEST(TarGz, SameEntriesInAnyOrderGiveTheSameBytes) {
  std::vector<ArchiveEntry> entries = {ArchiveEntry::Directory("d/"),
                                       ArchiveEntry::File("d/one", 0644, std::string(5000, 'a')),
                                       ArchiveEntry::File("d/two", 0755, "#!/bin/sh\n")};
  absl::StatusOr<std::string> first = TarGz(entries, 42);
  std::swap(entries[0], entries[2]);
  absl::StatusOr<std::string> second = TarGz(entries, 42);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(Gunzip(*first), *Tar(entries, 42));
}

// GNU tar reads what we write, the pax path included.
TEST(TarGz, GnuTarExtractsIt) {
  const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/gnutar");
  const std::string long_name = "top/" + std::string(120, 'n');
  absl::StatusOr<std::string> tgz =
      TarGz({ArchiveEntry::Directory("top/"), ArchiveEntry::File("top/bin", 0755, "binary"),
             ArchiveEntry::File(long_name, 0644, "long")},
            1795564800);
  ASSERT_TRUE(tgz.ok()) << tgz.status();
  ASSERT_EQ(std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str()), 0);
  std::ofstream(dir + "/a.tgz", std::ios::binary) << *tgz;
  ASSERT_EQ(std::system(("cd " + dir + " && tar -xzf a.tgz").c_str()), 0);
  EXPECT_EQ(ReadFile(dir + "/top/bin"), "binary");
  EXPECT_EQ(ReadFile(dir + "/" + long_name), "long");
  struct stat st {};
  ASSERT_EQ(stat((dir + "/top/bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_mtime, 1795564800);
}

}  // namespace
}  // namespace rune::common
