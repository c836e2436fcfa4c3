// The data directory and its lock (SPEC §5.3 step 2): one runed per
// directory, enforced with flock(2) on `<dir>/runed.lock`, which also records
// the holder's pid for the error message.
//
//   RUNE_ASSIGN_OR_RETURN(DataDirLock lock, LockDataDir(options.data_dir));
//   ...  // the lock is held until `lock` is destroyed
#ifndef RUNE_RUNED_STORE_DATA_DIR_H_
#define RUNE_RUNED_STORE_DATA_DIR_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace rune::store {

// Holds the lock of one data directory; destroying it releases the lock.
class DataDirLock {
 public:
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

  // The locked directory, as passed to LockDataDir().
  const std::string& dir() const { return dir_; }

 private:
  friend absl::StatusOr<DataDirLock> LockDataDir(const std::string& dir);
  DataDirLock(std::string dir, int fd) : dir_(std::move(dir)), fd_(fd) {}

  std::string dir_;
  int fd_ = -1;
};

// Creates `dir` (mode 0700, parents as needed) and locks `<dir>/runed.lock`,
// writing this process's pid into it. FailedPrecondition `data directory <dir>
// is locked by another runed (pid <n>)` when another process (or another lock
// in this process) holds it; Unavailable when the directory or file cannot be
// created or opened.
absl::StatusOr<DataDirLock> LockDataDir(const std::string& dir);

}  // namespace rune::store

#endif  // RUNE_RUNED_STORE_DATA_DIR_H_
