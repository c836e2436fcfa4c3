// InstanceService (SPEC §3.5, §3.6.2, §3.6.3, §5.14): read and watch the
// instance records the orchestrator writes; delete one through a hook the
// orchestrator provides (Unimplemented until one is set).
//
//   InstanceServiceImpl instances(store, &authorizer);
//   instances.SetDeleteInstance([&](const api::DeleteInstanceRequest& r) {
//     return orchestrator.DeleteInstance(r);
//   });
//   builder.RegisterService(&instances);
#ifndef RUNE_RUNED_API_INSTANCE_SERVICE_H_
#define RUNE_RUNED_API_INSTANCE_SERVICE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/instance.grpc.pb.h"
#include "runed/auth/authorizer.h"
#include "runed/store/store.h"

namespace rune::daemon {

class InstanceServiceImpl final : public api::InstanceService::CallbackService {
 public:
  // What DeleteInstance does after authorization and after checking that
  // the instance exists (M14 otherwise): stop and remove it, or only check
  // it with dry_run. Runs on a gRPC thread.
  using DeleteFn = std::function<absl::StatusOr<api::DeleteInstanceResponse>(
      const api::DeleteInstanceRequest&)>;

  InstanceServiceImpl(store::Store* store, auth::Authorizer* authorizer)
      : store_(store), authz_(authorizer) {}

  // Installs the deletion; may be called once the server runs.
  void SetDeleteInstance(DeleteFn fn);

  // Instance by ID or by name (the newest generation); M14 when neither.
  grpc::ServerUnaryReactor* GetInstance(grpc::CallbackServerContext* ctx,
                                        const api::GetInstanceRequest* request,
                                        api::GetInstanceResponse* response) override;
  // Instances of a namespace (`*` = all), optionally of one service and
  // matching a selector on the labels of their service; sorted by namespace,
  // service, name, generation.
  grpc::ServerUnaryReactor* ListInstances(grpc::CallbackServerContext* ctx,
                                          const api::ListInstancesRequest* request,
                                          api::ListInstancesResponse* response) override;
  grpc::ServerWriteReactor<api::WatchInstancesResponse>* WatchInstances(
      grpc::CallbackServerContext* ctx, const api::WatchInstancesRequest* request) override;
  grpc::ServerUnaryReactor* DeleteInstance(grpc::CallbackServerContext* ctx,
                                           const api::DeleteInstanceRequest* request,
                                           api::DeleteInstanceResponse* response) override;

 private:
  store::Store* store_;
  auth::Authorizer* authz_;
  absl::Mutex mu_;
  DeleteFn delete_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_INSTANCE_SERVICE_H_
