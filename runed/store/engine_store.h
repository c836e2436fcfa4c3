// The one implementation of Store (internal to //runed/store) on top of any
// KvEngine: key layout, resource versions, expected-version checks, event
// collection, commit-order publication and the full-store error (SPEC §5.7).
//
//   RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                         NewEngineStore(std::move(engine), max_size));
//
// Layout: key `<kind>/<namespace>/<name>`, value = 8-byte big-endian
// resource_version followed by the caller's bytes. The store revision is the
// record `meta/system/revision` (resource_version = revision, empty value):
// readable like any record, rejected by Put/Delete, never reported to
// watchers. Each write transaction that changes something bumps it once and
// stamps every record it writes with the new value.
#ifndef RUNE_RUNED_STORE_ENGINE_STORE_H_
#define RUNE_RUNED_STORE_ENGINE_STORE_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "runed/store/kv_engine.h"
#include "runed/store/store.h"

namespace rune::store {

// The longest key (`<kind>/<namespace>/<name>`) a Put accepts: LMDB's limit,
// applied to every engine so that they behave alike.
inline constexpr size_t kMaxKeySize = 511;

// A Store over `engine`. `max_size` only appears in the ResourceExhausted
// message `store is full (store.max_size=<n>)`; the engine enforces it.
// Returns the engine's error when the revision cannot be read.
absl::StatusOr<std::unique_ptr<Store>> NewEngineStore(std::unique_ptr<KvEngine> engine,
                                                      uint64_t max_size);

}  // namespace rune::store

#endif  // RUNE_RUNED_STORE_ENGINE_STORE_H_
