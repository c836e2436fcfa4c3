// LMDB-specific behaviour (durability across close, process exit and
// SIGKILL) and the data directory lock, both exercised across real processes.

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runed/store/data_dir.h"
#include "runed/store/store.h"

namespace rune::store {
namespace {

constexpr uint64_t kMaxSize = uint64_t{64} << 20;

std::string TempPath(absl::string_view name) {
  return absl::StrCat(getenv("TEST_TMPDIR"), "/", name);
}

std::unique_ptr<Store> MustOpen(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenLmdbStore(dir, kMaxSize);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

absl::Status Put(Store& store, absl::string_view name, absl::string_view value) {
  return store.Update(
      [&](WriteTxn& txn) { return txn.Put(kService, "prod", name, value).status(); });
}

// Runs `fn` in a forked child and returns what it produced. The child leaves
// with _exit, so nothing of the parent's state is torn down twice.
std::string InChild(const std::function<std::string()>& fn) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::string out = fn();
    const ssize_t written = write(fds[1], out.data(), out.size());
    _exit(written == static_cast<ssize_t>(out.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string out;
  char buffer[256];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof(buffer))) > 0;) out.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  return out;
}

TEST(LmdbStore, CreatesDirectoryPrivate) {
  const std::string dir = TempPath("created");
  ASSERT_NE(MustOpen(dir), nullptr);
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(LmdbStore, DataSurvivesCloseAndReopen) {
  const std::string dir = TempPath("reopen");
  {
    std::unique_ptr<Store> store = MustOpen(dir);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(Put(*store, "a", "1").ok());
    ASSERT_TRUE(Put(*store, "b", "2").ok());
    ASSERT_EQ(store->Revision(), 2u);
  }
  std::unique_ptr<Store> store = MustOpen(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Revision(), 2u);
  absl::StatusOr<std::optional<Record>> a = store->Get(kService, "prod", "a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->value, "1");
  EXPECT_EQ((*a)->resource_version, 1u);
  EXPECT_EQ((*store->Get(kService, "prod", "b"))->value, "2");
  // The revision continues where it stopped.
  ASSERT_TRUE(Put(*store, "c", "3").ok());
  EXPECT_EQ((*store->Get(kService, "prod", "c"))->resource_version, 3u);
}

// A child commits and dies at once (no destructors, no env close); the commit
// must be on disk when Update() returned.
void ExpectCommitSurvives(const std::string& dir, bool sigkill) {
  const pid_t pid = fork();
  if (pid == 0) {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenLmdbStore(dir, kMaxSize);
    if (!store.ok() || !Put(**store, "crash", "committed").ok()) _exit(3);
    if (sigkill) kill(getpid(), SIGKILL);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  if (sigkill) {
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
  } else {
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  std::unique_ptr<Store> store = MustOpen(dir);
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::optional<Record>> record = store->Get(kService, "prod", "crash");
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->value, "committed");
  EXPECT_EQ(store->Revision(), 1u);
  // And the store accepts writes after the crash.
  EXPECT_TRUE(Put(*store, "after", "ok").ok());
}

TEST(LmdbStore, CommitSurvivesImmediateExit) { ExpectCommitSurvives(TempPath("exit"), false); }

TEST(LmdbStore, CommitSurvivesSigkill) { ExpectCommitSurvives(TempPath("sigkill"), true); }

TEST(LmdbStore, UnopenableDirectoryIsAnError) {
  const std::string file = TempPath("not-a-dir");
  std::ofstream(file) << "x";
  absl::StatusOr<std::unique_ptr<Store>> store = OpenLmdbStore(file, kMaxSize);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(file), absl::string_view::npos) << store.status();
}

TEST(DataDir, CreatesDirectoriesAndWritesPid) {
  const std::string dir = TempPath("nested/data/dir");
  absl::StatusOr<DataDirLock> lock = LockDataDir(dir);
  ASSERT_TRUE(lock.ok()) << lock.status();
  EXPECT_EQ(lock->dir(), dir);
  for (const std::string& path : {TempPath("nested"), TempPath("nested/data"), dir}) {
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << path;
  }
  std::ifstream file(dir + "/runed.lock");
  std::stringstream contents;
  contents << file.rdbuf();
  EXPECT_EQ(contents.str(), absl::StrCat(getpid(), "\n"));
}

TEST(DataDir, SecondLockFailsUntilTheFirstIsReleased) {
  const std::string dir = TempPath("locked");
  const auto try_lock = [&]() -> std::string {
    absl::StatusOr<DataDirLock> lock = LockDataDir(dir);
    return lock.ok() ? "locked" : lock.status().ToString();
  };
  const std::string held = absl::StrCat("FAILED_PRECONDITION: data directory ", dir,
                                        " is locked by another runed (pid ", getpid(), ")");
  {
    absl::StatusOr<DataDirLock> lock = LockDataDir(dir);
    ASSERT_TRUE(lock.ok()) << lock.status();
    EXPECT_EQ(InChild(try_lock), held);
    // Moving the lock keeps it held.
    DataDirLock moved = *std::move(lock);
    EXPECT_EQ(InChild(try_lock), held);
    // flock conflicts between open files of one process too.
    EXPECT_EQ(try_lock(), held);
  }
  EXPECT_EQ(InChild(try_lock), "locked");
  // The child's lock ended with the child.
  absl::StatusOr<DataDirLock> again = LockDataDir(dir);
  EXPECT_TRUE(again.ok()) << again.status();
}

}  // namespace
}  // namespace rune::store
