// The small key-value engine interface under the store (internal to
// //runed/store). An engine only stores bytes under byte keys; resource
// versions, expected-version checks, events and watches live once in
// engine_store.cc for every engine.
//
//   RUNE_ASSIGN_OR_RETURN(std::unique_ptr<KvWriter> txn, engine.BeginWrite());
//   RUNE_RETURN_IF_ERROR(txn->Put("service/prod/api", bytes));
//   RUNE_RETURN_IF_ERROR(txn->Commit());  // destroying txn uncommitted aborts
#ifndef RUNE_RUNED_STORE_KV_ENGINE_H_
#define RUNE_RUNED_STORE_KV_ENGINE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::store {

// A consistent snapshot. Destroying it ends the transaction.
class KvReader {
 public:
  virtual ~KvReader() = default;

  // The value under `key`, or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) = 0;

  // Calls `fn` for every key starting with `prefix`, in byte order. The views
  // are valid only during the call.
  virtual absl::Status Scan(
      absl::string_view prefix,
      const std::function<void(absl::string_view key, absl::string_view value)>& fn) = 0;
};

// A write transaction; reads see its own writes. Destroying it without a
// successful Commit() discards every write.
class KvWriter : public KvReader {
 public:
  // ResourceExhausted (any message) when the engine is full; the transaction
  // must then be abandoned.
  virtual absl::Status Put(absl::string_view key, absl::string_view value) = 0;
  // Removing a missing key is not an error.
  virtual absl::Status Delete(absl::string_view key) = 0;
  // Makes every write durable and visible; ResourceExhausted when full.
  virtual absl::Status Commit() = 0;
};

// The engine itself. Callers never run two write transactions at once.
class KvEngine {
 public:
  virtual ~KvEngine() = default;

  virtual absl::StatusOr<std::unique_ptr<KvReader>> BeginRead() = 0;
  virtual absl::StatusOr<std::unique_ptr<KvWriter>> BeginWrite() = 0;
};

}  // namespace rune::store

#endif  // RUNE_RUNED_STORE_KV_ENGINE_H_
