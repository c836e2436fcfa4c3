// Running unary handlers: the body runs on a worker thread (store commits
// fsync; the gRPC reactor thread must not wait on disk, STYLE.md item 11) and
// its absl::Status becomes the call's gRPC status, with the message-specific
// hint in the `x-rune-hint` trailing metadata and, for validation errors,
// google.rpc.BadRequest field violations in the status details.
//
//   grpc::ServerUnaryReactor* Impl::GetNamespace(grpc::CallbackServerContext* ctx,
//                                                const api::GetNamespaceRequest* request,
//                                                api::GetNamespaceResponse* response) {
//     return RunUnary(ctx, [=]() -> absl::Status {
//       RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
//       …
//     });
//   }
#ifndef RUNE_RUNED_API_CALL_H_
#define RUNE_RUNED_API_CALL_H_

#include <functional>

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace rune::daemon {

// Runs `body` on the worker pool, then finishes the call with its status.
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx,
                                   std::function<absl::Status()> body);

// Converts `status` for the wire; adds the hint to `ctx`'s trailing metadata
// (`ctx` may be null: no hint).
grpc::Status ToGrpcStatus(grpc::ServerContextBase* ctx, const absl::Status& status);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_CALL_H_
