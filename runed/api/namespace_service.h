// NamespaceService (SPEC §4.6, §5.14): create, apply, get, list, delete and
// watch namespaces; `default` and `system` are seeded and reserved.
//
//   NamespaceServiceImpl namespaces(store, authorizer);
//   RUNE_RETURN_IF_ERROR(namespaces.SeedReserved());
//   builder.RegisterService(&namespaces);
#ifndef RUNE_RUNED_API_NAMESPACE_SERVICE_H_
#define RUNE_RUNED_API_NAMESPACE_SERVICE_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "proto/namespace.grpc.pb.h"
#include "runed/auth/authorizer.h"
#include "runed/store/store.h"

namespace rune::daemon {

class NamespaceServiceImpl final : public api::NamespaceService::CallbackService {
 public:
  // `clock` stamps metadata and the deletion operations of forced deletes.
  NamespaceServiceImpl(store::Store* store, auth::Authorizer* authorizer,
                       std::function<absl::Time()> clock = [] { return absl::Now(); })
      : store_(store), authz_(authorizer), clock_(std::move(clock)) {}

  // Creates `default` and `system` when missing.
  absl::Status SeedReserved();

  grpc::ServerUnaryReactor* CreateNamespace(grpc::CallbackServerContext* ctx,
                                            const api::CreateNamespaceRequest* request,
                                            api::CreateNamespaceResponse* response) override;
  grpc::ServerUnaryReactor* ApplyNamespace(grpc::CallbackServerContext* ctx,
                                           const api::ApplyNamespaceRequest* request,
                                           api::ApplyNamespaceResponse* response) override;
  grpc::ServerUnaryReactor* GetNamespace(grpc::CallbackServerContext* ctx,
                                         const api::GetNamespaceRequest* request,
                                         api::GetNamespaceResponse* response) override;
  grpc::ServerUnaryReactor* ListNamespaces(grpc::CallbackServerContext* ctx,
                                           const api::ListNamespacesRequest* request,
                                           api::ListNamespacesResponse* response) override;
  grpc::ServerUnaryReactor* DeleteNamespace(grpc::CallbackServerContext* ctx,
                                            const api::DeleteNamespaceRequest* request,
                                            api::DeleteNamespaceResponse* response) override;
  grpc::ServerWriteReactor<api::WatchNamespacesResponse>* WatchNamespaces(
      grpc::CallbackServerContext* ctx, const api::WatchNamespacesRequest* request) override;

 private:
  // Create (strict) and apply (upsert) share one write path.
  absl::Status Write(const api::Namespace& input, bool strict, api::Namespace* out,
                     api::ApplyAction* action);

  store::Store* store_;
  auth::Authorizer* authz_;
  std::function<absl::Time()> clock_;
};

// The M15 status for a missing namespace, with its hint.
absl::Status NamespaceNotFound(absl::string_view name);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_NAMESPACE_SERVICE_H_
