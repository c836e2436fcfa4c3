#include "runed/logstore/log_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace rune::daemon::logstore {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string base = dir != nullptr ? dir : "/tmp";
  std::string templ = base + "/logfileXXXXXX";
  if (mkdtemp(templ.data()) == nullptr) std::abort();
  return templ;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

TEST(LogWriter, WritesRecordLinesAndCreatesDirectories) {
  const std::string path = TempDir() + "/logs/default/api-instance-0000000a.log";
  auto writer = LogWriter::Open(path, 1 << 20);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Append(absl::FromUnixNanos(1000), LogStream::kStdout, "hello").ok());
  ASSERT_TRUE((*writer)->Append(absl::FromUnixNanos(2000), LogStream::kStderr, "oops").ok());
  EXPECT_EQ(Slurp(path), "1000 o hello\n2000 e oops\n");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777 & ~0640, 0u);
}

TEST(LogWriter, SplitsLinesAndLongContent) {
  const std::string path = TempDir() + "/a.log";
  auto writer = LogWriter::Open(path, 1 << 30);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(absl::FromUnixNanos(5), LogStream::kStdout, "one\ntwo\n\nfour\n").ok());
  const std::string big(64 * 1024 * 2 + 10, 'x');
  ASSERT_TRUE((*writer)->Append(absl::FromUnixNanos(6), LogStream::kStderr, big).ok());
  ASSERT_TRUE((*writer)->Append(absl::FromUnixNanos(7), LogStream::kStdout, "").ok());
  auto records = ReadLogFiles(path);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 8u);
  EXPECT_EQ((*records)[0].content, "one");
  EXPECT_EQ((*records)[1].content, "two");
  EXPECT_EQ((*records)[2].content, "");
  EXPECT_EQ((*records)[3].content, "four");
  EXPECT_EQ((*records)[4].content.size(), 64u * 1024);
  EXPECT_EQ((*records)[5].content.size(), 64u * 1024);
  EXPECT_EQ((*records)[6].content, std::string(10, 'x'));
  EXPECT_EQ((*records)[6].stream, LogStream::kStderr);
  EXPECT_EQ((*records)[6].unix_nanos, 6);
  EXPECT_EQ((*records)[7].content, "");
}

TEST(LogWriter, RotatesAtHalfTheLimit) {
  const std::string path = TempDir() + "/r.log";
  auto writer = LogWriter::Open(path, 100);  // rotate before passing 50 bytes
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*writer)->Append(absl::FromUnixNanos(10 + i), LogStream::kStdout,
                                  absl::StrCat("line", i)).ok());  // 11 bytes each
  }
  // 4 records (44 bytes) fit in a file; the last rotation kept records 4..7.
  EXPECT_EQ(Slurp(path), "18 o line8\n19 o line9\n");
  EXPECT_EQ(Slurp(path + ".1"), "14 o line4\n15 o line5\n16 o line6\n17 o line7\n");
  EXPECT_LE(Slurp(path).size() + Slurp(path + ".1").size(), 100u);
  auto records = ReadLogFiles(path);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 6u);
  EXPECT_EQ(records->front().content, "line4");
  EXPECT_EQ(records->back().content, "line9");
}

TEST(LogWriter, ReopenContinuesAndTerminatesATornLine) {
  const std::string path = TempDir() + "/t.log";
  Spit(path, "1 o whole\n2 o tor");
  auto before = ReadLogFiles(path);
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), 1u);  // the torn last line is skipped
  EXPECT_EQ((*before)[0].content, "whole");

  auto writer = LogWriter::Open(path, 1 << 20);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(absl::FromUnixNanos(3), LogStream::kStdout, "next").ok());
  auto after = ReadLogFiles(path);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 3u);
  EXPECT_EQ((*after)[2].content, "next");
  EXPECT_EQ((*after)[2].unix_nanos, 3);
}

TEST(ReadLogFiles, MissingFilesAreEmptyAndMalformedLinesSkipped) {
  const std::string dir = TempDir();
  auto none = ReadLogFiles(dir + "/none.log");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  Spit(dir + "/m.log", "garbage\n12 x bad stream\n13 e ok with  spaces \nabc o nan\n");
  auto records = ReadLogFiles(dir + "/m.log");
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].content, "ok with  spaces ");
  EXPECT_EQ((*records)[0].stream, LogStream::kStderr);
}

TEST(ParseLogRecords, LeavesTheUnterminatedTail) {
  std::vector<LogRecord> out;
  const std::string data = "1 o a\n2 e b\n3 o c";
  EXPECT_EQ(ParseLogRecords(data, &out), 12u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].content, "b");
}

}  // namespace
}  // namespace rune::daemon::logstore
