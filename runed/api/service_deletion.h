// Service deletion operations (SPEC §5.8.7): one DeletionOperation record per
// deletion (kind deletion_op, ID `delete-<ns>-<service>-<unix seconds>`),
// states pending → deleting-instances → running-finalizers → completed |
// failed, finalizers `instance-cleanup` then `service-deregister`. Used by
// DeleteService and by the forced namespace delete, so history, instances
// and operations are handled the same way everywhere.
//
//   store->Update([&](store::WriteTxn& txn) -> absl::Status {
//     RUNE_ASSIGN_OR_RETURN(api::DeletionOperation op,
//                           StartDeletion(txn, "default", "api", now));
//     return RunDeletion(txn, &op, now);   // op.state() == COMPLETED
//   });
//
// No instance runs anything yet, so RunDeletion performs every step in the
// caller's transaction. Stopping real instances is asynchronous work: a
// runner-backed caller will stop them first and call RunDeletion once they
// are gone.
#ifndef RUNE_RUNED_API_SERVICE_DELETION_H_
#define RUNE_RUNED_API_SERVICE_DELETION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/types.pb.h"
#include "runed/api/service_records.h"
#include "runed/store/store.h"

namespace rune::daemon {

// How long finished operations are kept.
inline constexpr absl::Duration kDeletionRetention = absl::Hours(24);

inline constexpr char kInstanceCleanup[] = "instance-cleanup";
inline constexpr char kServiceDeregister[] = "service-deregister";

// `delete-<ns>-<service>-<unix seconds>`.
std::string DeletionOperationId(absl::string_view ns, absl::string_view service, absl::Time now);

// True while the operation has neither completed nor failed.
bool IsActive(const api::DeletionOperation& op);
// True for a finished operation older than kDeletionRetention at `now`.
bool IsExpired(const api::DeletionOperation& op, absl::Time now);

// The active deletion operation of service `ns/name`, if any.
absl::StatusOr<std::optional<api::DeletionOperation>> FindActiveDeletion(
    const Reader& reader, absl::string_view ns, absl::string_view name);

// M23 for `op`.
absl::Status DeletionInProgress(const api::DeletionOperation& op);

// Records a PENDING operation for the existing service `ns/name` and marks
// the service DELETING. NotFound (M14) when the service does not exist,
// FailedPrecondition (M23) when a deletion of it is already active. Prunes
// expired operations of every namespace.
absl::StatusOr<api::DeletionOperation> StartDeletion(store::WriteTxn& txn, absl::string_view ns,
                                                     absl::string_view name, absl::Time now);

// Advances `op` through its steps and finalizers, storing each state change;
// with no instance left to stop it ends COMPLETED (finished_at = now), or
// FAILED with `failure` set when a finalizer fails.
absl::Status RunDeletion(store::WriteTxn& txn, api::DeletionOperation* op, absl::Time now);

// StartDeletion followed by RunDeletion.
absl::StatusOr<api::DeletionOperation> DeleteServiceNow(store::WriteTxn& txn,
                                                        absl::string_view ns,
                                                        absl::string_view name, absl::Time now);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_SERVICE_DELETION_H_
