// The LMDB engine: one environment in the directory, the unnamed main
// database, synchronous commits (SPEC §5.7).

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "lmdb.h"
#include "runed/store/engine_store.h"
#include "runed/store/kv_engine.h"
#include "runed/store/store.h"

namespace rune::store {
namespace {

absl::Status LmdbError(int rc, absl::string_view what, absl::string_view path) {
  const std::string message = absl::StrCat("lmdb ", what, " ", path, ": ", mdb_strerror(rc));
  if (rc == MDB_MAP_FULL) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

MDB_val Val(absl::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

absl::string_view View(const MDB_val& val) {
  return absl::string_view(static_cast<const char*>(val.mv_data), val.mv_size);
}

// One class serves read and write transactions: the store only hands a
// read-only one out as a KvReader.
class LmdbTxn : public KvWriter {
 public:
  LmdbTxn(MDB_txn* txn, MDB_dbi dbi, const std::string& path) : txn_(txn), dbi_(dbi), path_(path) {}
  ~LmdbTxn() override {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) override {
    MDB_val k = Val(key), v;
    const int rc = mdb_get(txn_, dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    if (rc != 0) return LmdbError(rc, "get in", path_);
    return std::string(View(v));
  }

  absl::Status Scan(absl::string_view prefix,
                    const std::function<void(absl::string_view, absl::string_view)>& fn) override {
    MDB_cursor* cursor = nullptr;
    int rc = mdb_cursor_open(txn_, dbi_, &cursor);
    if (rc != 0) return LmdbError(rc, "cursor in", path_);
    MDB_val k = Val(prefix), v;
    for (rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
         rc == 0 && absl::StartsWith(View(k), prefix);
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      fn(View(k), View(v));
    }
    mdb_cursor_close(cursor);
    if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(rc, "scan in", path_);
    return absl::OkStatus();
  }

  absl::Status Put(absl::string_view key, absl::string_view value) override {
    MDB_val k = Val(key), v = Val(value);
    const int rc = mdb_put(txn_, dbi_, &k, &v, 0);
    return rc == 0 ? absl::OkStatus() : LmdbError(rc, "put in", path_);
  }

  absl::Status Delete(absl::string_view key) override {
    MDB_val k = Val(key);
    const int rc = mdb_del(txn_, dbi_, &k, nullptr);
    return rc == 0 || rc == MDB_NOTFOUND ? absl::OkStatus() : LmdbError(rc, "delete in", path_);
  }

  absl::Status Commit() override {
    // mdb_txn_commit frees the transaction even when it fails.
    const int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    return rc == 0 ? absl::OkStatus() : LmdbError(rc, "commit in", path_);
  }

 private:
  MDB_txn* txn_;
  const MDB_dbi dbi_;
  const std::string& path_;
};

class LmdbEngine : public KvEngine {
 public:
  LmdbEngine(MDB_env* env, std::string path) : env_(env), path_(std::move(path)) {}
  ~LmdbEngine() override { mdb_env_close(env_); }

  absl::Status OpenMainDatabase() {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc == 0) rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
    if (rc == 0) {
      rc = mdb_txn_commit(txn);
    } else if (txn != nullptr) {
      mdb_txn_abort(txn);
    }
    return rc == 0 ? absl::OkStatus() : LmdbError(rc, "open database in", path_);
  }

  absl::StatusOr<std::unique_ptr<KvReader>> BeginRead() override { return Begin(MDB_RDONLY); }
  absl::StatusOr<std::unique_ptr<KvWriter>> BeginWrite() override { return Begin(0); }

 private:
  absl::StatusOr<std::unique_ptr<KvWriter>> Begin(unsigned int flags) {
    MDB_txn* txn = nullptr;
    const int rc = mdb_txn_begin(env_, nullptr, flags, &txn);
    if (rc != 0) return LmdbError(rc, "begin transaction in", path_);
    return std::make_unique<LmdbTxn>(txn, dbi_, path_);
  }

  MDB_env* const env_;
  const std::string path_;
  MDB_dbi dbi_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenLmdbStore(const std::string& dir, uint64_t max_size) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(
        absl::StrCat("create store directory ", dir, ": ", strerror(errno)));
  }
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return LmdbError(rc, "create environment for", dir);
  // The engine owns env from here on and closes it on every path.
  auto engine = std::make_unique<LmdbEngine>(env, dir);
  // LMDB wants a whole number of pages.
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  rc = mdb_env_set_mapsize(env, static_cast<size_t>((max_size + page - 1) / page * page));
  // MDB_NOTLS: read transactions are not tied to threads (gRPC threads come
  // and go, and one thread may hold several). Sync stays on.
  if (rc == 0) rc = mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("open store ", dir, ": ", mdb_strerror(rc)));
  }
  // Free reader slots left by a crashed process.
  int dead = 0;
  mdb_reader_check(env, &dead);
  RUNE_RETURN_IF_ERROR(engine->OpenMainDatabase());
  return NewEngineStore(std::move(engine), max_size);
}

}  // namespace rune::store
