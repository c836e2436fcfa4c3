#include "runed/api/unimplemented.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace rune::daemon {
namespace {

struct Feature {
  const char* service;
  const char* feature;
};

constexpr Feature kFeatures[] = {
    {"NamespaceService", "namespaces, store and identity"},
    {"AuthService", "store and identity"},
    {"AdminService", "store and identity"},
    {"ServiceService", "services, secrets and configmaps"},
    {"SecretService", "services, secrets and configmaps"},
    {"ConfigmapService", "services, secrets and configmaps"},
    {"InstanceService", "orchestrator and process runner"},
    {"LogService", "orchestrator and process runner"},
    {"ExecService", "orchestrator and process runner"},
    {"HealthService", "orchestrator and process runner"},
};

class FinishReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit FinishReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::Status UnimplementedStatus(absl::string_view method) {
  absl::string_view name = method;
  absl::ConsumePrefix(&name, "/");
  if (absl::ConsumePrefix(&name, "rune.api.")) {
    const size_t slash = name.find('/');
    const absl::string_view service = name.substr(0, slash);
    const absl::string_view rpc = slash == absl::string_view::npos ? "" : name.substr(slash + 1);
    for (const Feature& f : kFeatures) {
      if (service == f.service) {
        return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                            absl::StrCat(service, ".", rpc, " is not implemented yet (feature: ",
                                         f.feature, ")"));
      }
    }
  }
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, absl::StrCat("unknown method ", method));
}

grpc::ServerGenericBidiReactor* UnimplementedService::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  return new FinishReactor(UnimplementedStatus(ctx->method()));
}

}  // namespace rune::daemon
