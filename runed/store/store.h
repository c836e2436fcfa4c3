// The store of SPEC §5.7: records keyed `<kind>/<namespace>/<name>`, a global
// monotonic resource version, one atomic write transaction per RPC,
// optimistic concurrency and a watch hub. Nothing above this interface knows
// which engine (LMDB, memory) runs underneath.
//
//   RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenLmdbStore(dir, 1 << 30));
//   absl::Status s = store->Update([&](WriteTxn& txn) -> absl::Status {
//     RUNE_ASSIGN_OR_RETURN(std::optional<Record> old, txn.Get(kNamespace, kSystem, "prod"));
//     if (old.has_value()) return absl::AlreadyExistsError("namespace \"prod\" already exists");
//     return txn.Put(kNamespace, kSystem, "prod", bytes).status();
//   });
//
// Update() runs its function inside one write transaction: either every
// Put/Delete of the function commits (synced to disk for LMDB) or, when the
// function returns an error or the engine fails, none does. Committed changes
// reach watchers in commit order.
#ifndef RUNE_RUNED_STORE_STORE_H_
#define RUNE_RUNED_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rune::store {

// Record kinds (SPEC §5.7).
inline constexpr char kNamespace[] = "namespace";
inline constexpr char kService[] = "service";
inline constexpr char kServiceHistory[] = "service_history";
inline constexpr char kInstance[] = "instance";
inline constexpr char kSecret[] = "secret";
inline constexpr char kConfigmap[] = "configmap";
inline constexpr char kDeletionOp[] = "deletion_op";
inline constexpr char kScalingOp[] = "scaling_op";
inline constexpr char kUser[] = "user";
inline constexpr char kPolicy[] = "policy";
inline constexpr char kToken[] = "token";
inline constexpr char kRegistry[] = "registry";
inline constexpr char kMeta[] = "meta";

// The namespace of global kinds (namespace, user, policy, token, registry,
// meta).
inline constexpr char kSystemNamespace[] = "system";

// Passed as `expected_version` to skip the optimistic-concurrency check.
inline constexpr uint64_t kAnyVersion = UINT64_MAX;

struct Record {
  std::string kind;
  std::string ns;
  std::string name;
  std::string value;  // a serialized protobuf message
  uint64_t resource_version = 0;
};

// One committed change.
struct Event {
  enum class Type { kAdded, kModified, kDeleted };
  Type type = Type::kAdded;
  // For kDeleted: the last stored value, with resource_version set to the
  // revision of the deleting transaction.
  Record record;
};

// The operations available inside Update().
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;

  // Reads see the transaction's own earlier writes.
  virtual absl::StatusOr<std::optional<Record>> Get(absl::string_view kind, absl::string_view ns,
                                                    absl::string_view name) = 0;
  // Records of `kind` in namespace `ns` ("" = every namespace) whose name
  // starts with `name_prefix`, sorted by key.
  virtual absl::StatusOr<std::vector<Record>> List(absl::string_view kind, absl::string_view ns,
                                                   absl::string_view name_prefix = "") = 0;
  // Creates or replaces a record and returns its new resource version (the
  // transaction's revision). With `expected_version` != kAnyVersion the stored
  // version must equal it (0 = the record must not exist); otherwise Aborted
  // `<kind> "<ns>/<name>" was modified concurrently` (M26).
  virtual absl::StatusOr<uint64_t> Put(absl::string_view kind, absl::string_view ns,
                                       absl::string_view name, absl::string_view value,
                                       uint64_t expected_version = kAnyVersion) = 0;
  // Removes a record; returns false when it did not exist. Same
  // `expected_version` rule as Put (Aborted on mismatch).
  virtual absl::StatusOr<bool> Delete(absl::string_view kind, absl::string_view ns,
                                      absl::string_view name,
                                      uint64_t expected_version = kAnyVersion) = 0;
};

// A subscription to committed changes of one kind.
class Watch {
 public:
  virtual ~Watch() = default;

  // Waits up to `timeout` for the next event. Returns nullopt on timeout;
  // Aborted `watch fell behind; restart the watch` after the 1024-event buffer
  // overflowed; Cancelled after Cancel() or when the store closes. Once the
  // watch has ended every call returns that status at once: events still
  // buffered at the end are dropped, not delivered first.
  virtual absl::StatusOr<std::optional<Event>> Next(absl::Duration timeout) = 0;

  // Non-blocking form of Next(): nullopt when nothing is buffered.
  virtual absl::StatusOr<std::optional<Event>> TryNext() = 0;

  // Called (from the committing thread, without locks held) whenever events
  // become available or the watch ends; lets stream reactors avoid blocking.
  // Not called for events buffered before SetNotify(): drain with TryNext()
  // after setting it. Once SetNotify() or Cancel() (or the destructor)
  // returns, the previous callback is neither running nor called again, so do
  // not hold a lock the callback takes while calling them (calling them from
  // inside the callback is fine).
  virtual void SetNotify(std::function<void()> notify) = 0;

  // Ends the watch; a blocked Next() returns Cancelled.
  virtual void Cancel() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // One record, or nullopt.
  virtual absl::StatusOr<std::optional<Record>> Get(absl::string_view kind, absl::string_view ns,
                                                    absl::string_view name) = 0;

  // As WriteTxn::List, from one consistent snapshot. When `revision` is not
  // null it receives the store revision of that snapshot, so a watcher that
  // subscribed first can skip events with resource_version <= revision.
  virtual absl::StatusOr<std::vector<Record>> List(absl::string_view kind, absl::string_view ns,
                                                   absl::string_view name_prefix = "",
                                                   uint64_t* revision = nullptr) = 0;

  // Runs `fn` in one write transaction (writers are serialised). Commits when
  // `fn` returns OK; returns `fn`'s error otherwise, with nothing written.
  // A full store is ResourceExhausted `store is full (store.max_size=<n>)`.
  virtual absl::Status Update(const std::function<absl::Status(WriteTxn&)>& fn) = 0;

  // Subscribes to committed changes of `kind` in namespace `ns` ("" = all).
  virtual std::unique_ptr<Watch> Subscribe(absl::string_view kind, absl::string_view ns) = 0;

  // The revision of the last committed transaction (0 for an empty store).
  virtual uint64_t Revision() = 0;
};

// LMDB store in `dir` (created 0700 if missing) with map size `max_size`
// bytes. Errors: Internal/Unavailable with the LMDB reason and the path.
absl::StatusOr<std::unique_ptr<Store>> OpenLmdbStore(const std::string& dir, uint64_t max_size);

// In-memory store (tests); `max_size` bytes of keys+values, 0 = unbounded.
std::unique_ptr<Store> NewMemoryStore(uint64_t max_size = 0);

}  // namespace rune::store

#endif  // RUNE_RUNED_STORE_STORE_H_
