#include "runed/secrets/kek.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"

namespace rune::daemon::secrets {
namespace {

std::string TempDir() {
  std::string pattern = absl::StrCat(::testing::TempDir(), "/kekXXXXXX");
  EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
  return pattern;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
}

common::RunefileKek FileSource(const std::string& path = "") {
  common::RunefileKek k;
  k.source = "file";
  k.file = path;
  return k;
}

TEST(Kek, FileSourceCreatesA0600KeyFileOnFirstStartAndReusesIt) {
  const std::string dir = TempDir();
  std::unique_ptr<store::Store> db = store::NewMemoryStore();
  absl::StatusOr<Kek> first = SetUpKek(FileSource(), dir, {}, db.get());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->key.size(), 32u);
  EXPECT_TRUE(first->warnings.empty());
  const std::string path = dir + "/kek.b64";
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600);
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(absl::StripSuffix(ReadFile(path), "\n"), &decoded));
  EXPECT_EQ(decoded, first->key);
  // The check record exists and does not hold the key.
  absl::StatusOr<std::optional<store::Record>> check =
      db->Get(store::kMeta, store::kSystemNamespace, "kek_check");
  ASSERT_TRUE(check.ok() && check->has_value());
  EXPECT_FALSE(absl::StrContains((*check)->value, first->key));

  absl::StatusOr<Kek> second = SetUpKek(FileSource(), dir, {}, db.get());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->key, first->key);
}

TEST(Kek, FileIsTrimmedAndMustDecodeTo32Bytes) {
  const std::string dir = TempDir();
  const std::string path = dir + "/custom.b64";
  const std::string key(32, '\x07');
  WriteFile(path, absl::StrCat("  \n", absl::Base64Escape(key), "\n\n"));
  std::unique_ptr<store::Store> db = store::NewMemoryStore();
  absl::StatusOr<Kek> kek = SetUpKek(FileSource(path), dir, {}, db.get());
  ASSERT_TRUE(kek.ok()) << kek.status();
  EXPECT_EQ(kek->key, key);

  WriteFile(path, absl::Base64Escape(std::string(16, 'x')));
  absl::Status s = SetUpKek(FileSource(path), dir, {}, db.get()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), absl::StrCat("KEK file ", path,
                                      " must hold base64 of exactly 32 bytes (it decodes to 16 "
                                      "bytes)"));
  WriteFile(path, "not base64 at all!");
  s = SetUpKek(FileSource(path), dir, {}, db.get()).status();
  EXPECT_EQ(s.message(),
            absl::StrCat("KEK file ", path, " must hold base64 of exactly 32 bytes (not valid base64)"));
  WriteFile(path, " \n");
  s = SetUpKek(FileSource(path), dir, {}, db.get()).status();
  EXPECT_EQ(s.message(),
            absl::StrCat("KEK file ", path, " must hold base64 of exactly 32 bytes (it is empty)"));
}

TEST(Kek, LooseFileModeIsAWarning) {
  const std::string dir = TempDir();
  const std::string path = dir + "/kek.b64";
  WriteFile(path, absl::Base64Escape(std::string(32, 'k')), 0644);
  std::unique_ptr<store::Store> db = store::NewMemoryStore();
  absl::StatusOr<Kek> kek = SetUpKek(FileSource(), dir, {}, db.get());
  ASSERT_TRUE(kek.ok()) << kek.status();
  ASSERT_EQ(kek->warnings.size(), 1u);
  EXPECT_EQ(kek->warnings[0], absl::StrCat("KEK file ", path,
                                           " is accessible by group or others (mode 0644); run "
                                           "'chmod 600 ",
                                           path, "'"));
}

TEST(Kek, MissingFileWithoutGenerateIsAnError) {
  const std::string dir = TempDir();
  common::RunefileKek settings = FileSource();
  settings.generate_if_missing = false;
  std::unique_ptr<store::Store> db = store::NewMemoryStore();
  absl::Status s = SetUpKek(settings, dir, {}, db.get()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            absl::StrCat("KEK file ", dir,
                         "/kek.b64 does not exist (secret.encryption.kek.generate_if_missing is "
                         "false)"));
  EXPECT_NE(::access((dir + "/kek.b64").c_str(), F_OK), 0);
}

TEST(Kek, WrongKeyOnRestartIsRefused) {
  const std::string dir = TempDir();
  std::unique_ptr<store::Store> db = store::NewMemoryStore();
  ASSERT_TRUE(SetUpKek(FileSource(), dir, {}, db.get()).ok());
  WriteFile(dir + "/kek.b64", absl::Base64Escape(std::string(32, 'z')));
  absl::Status s = SetUpKek(FileSource(), dir, {}, db.get()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "KEK does not match the key used to encrypt existing secrets");
}

TEST(Kek, LostFileIsNotSilentlyReplaced) {
  const std::string dir = TempDir();
  std::unique_ptr<store::Store> db = store::NewMemoryStore();
  ASSERT_TRUE(SetUpKek(FileSource(), dir, {}, db.get()).ok());
  ASSERT_EQ(::unlink((dir + "/kek.b64").c_str()), 0);
  absl::Status s = SetUpKek(FileSource(), dir, {}, db.get()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), absl::StrCat("KEK does not match the key used to encrypt existing "
                                      "secrets (KEK file ",
                                      dir, "/kek.b64 is missing; restore it)"));
  EXPECT_NE(::access((dir + "/kek.b64").c_str(), F_OK), 0);  // nothing written
}

TEST(Kek, EnvSource) {
  common::RunefileKek settings;
  settings.source = "env";
  settings.env = "MY_KEK";
  std::unique_ptr<store::Store> db = store::NewMemoryStore();
  const std::string key(32, '\x42');
  absl::StatusOr<Kek> kek =
      SetUpKek(settings, "/nonexistent", {{"MY_KEK", absl::Base64Escape(key) + "\n"}}, db.get());
  ASSERT_TRUE(kek.ok()) << kek.status();
  EXPECT_EQ(kek->key, key);

  absl::Status unset = SetUpKek(settings, "/nonexistent", {}, db.get()).status();
  EXPECT_EQ(unset.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unset.message(), "KEK source \"env\": environment variable MY_KEK is not set");
  absl::Status bad =
      SetUpKek(settings, "/nonexistent", {{"MY_KEK", absl::Base64Escape("short")}}, db.get())
          .status();
  EXPECT_EQ(bad.message(),
            "KEK environment variable MY_KEK must hold base64 of exactly 32 bytes (it decodes to 5 "
            "bytes)");
  absl::Status other = SetUpKek(settings, "/nonexistent",
                                {{"MY_KEK", absl::Base64Escape(std::string(32, 'o'))}}, db.get())
                           .status();
  EXPECT_EQ(other.message(), "KEK does not match the key used to encrypt existing secrets");
}

TEST(Kek, GeneratedSourceWarnsAndLeavesTheCheckAlone) {
  common::RunefileKek settings;
  settings.source = "generated";
  std::unique_ptr<store::Store> db = store::NewMemoryStore();
  absl::StatusOr<Kek> a = SetUpKek(settings, "/nonexistent", {}, db.get());
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->warnings.size(), 1u);
  EXPECT_EQ(a->warnings[0], "KEK source \"generated\": secrets will be unreadable after restart");
  absl::StatusOr<Kek> b = SetUpKek(settings, "/nonexistent", {}, db.get());
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(a->key, b->key);
  EXPECT_FALSE(db->Get(store::kMeta, store::kSystemNamespace, "kek_check")->has_value());

  // A store set up with a persistent key keeps its check.
  const std::string dir = TempDir();
  ASSERT_TRUE(SetUpKek(FileSource(), dir, {}, db.get()).ok());
  absl::StatusOr<Kek> c = SetUpKek(settings, dir, {}, db.get());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->warnings.size(), 2u);
  EXPECT_TRUE(SetUpKek(FileSource(), dir, {}, db.get()).ok());
}

}  // namespace
}  // namespace rune::daemon::secrets
