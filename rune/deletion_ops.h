// Deletion operations of services (SPEC §3.6.3, §5.8.7): their state names,
// waiting for one to finish, and `rune delete list` / `rune delete status`.
//
//   RUNE_ASSIGN_OR_RETURN(api::DeletionOperation op,
//                         WaitForDeletion(inv, *conn, stub.get(), response.operation()));
//   inv.out() << DeletionStateName(op.state());   // "completed"
#ifndef RUNE_RUNE_DELETION_OPS_H_
#define RUNE_RUNE_DELETION_OPS_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/service.grpc.pb.h"
#include "proto/types.pb.h"
#include "rune/connection.h"
#include "rune/invocation.h"

namespace rune::cli {

// "pending", "deleting-instances", "running-finalizers", "completed",
// "failed"; "" when unspecified.
std::string DeletionStateName(api::DeletionOperation::State state);
// The inverse (the values of `delete list --status`); UNSPECIFIED when unknown.
api::DeletionOperation::State DeletionStateFromName(const std::string& name);

// Polls GetDeletionStatus until `op` completes (returned) or fails (Unknown,
// exit 1, with the operation's failure). --timeout expiring is M31 (exit 7);
// SIGINT stops waiting with exit 130 (the deletion goes on in runed).
absl::StatusOr<api::DeletionOperation> WaitForDeletion(Invocation& inv, Connection& conn,
                                                       api::ServiceService::Stub* stub,
                                                       api::DeletionOperation op);

}  // namespace rune::cli

#endif  // RUNE_RUNE_DELETION_OPS_H_
