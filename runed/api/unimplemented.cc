#include "runed/api/unimplemented.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/support/byte_buffer.h"
#include "proto/api_descriptors.h"
#include "runed/api/call.h"
#include "runed/api/request_id.h"
#include "runed/auth/rbac.h"

namespace rune::daemon {
namespace {

struct Feature {
  const char* service;
  const char* feature;
};

// The first entry naming the service, or `Service.Method`, names the
// feature. Services runed implements in full are not listed.
constexpr Feature kFeatures[] = {
    {"ServiceService.ScaleService", "orchestrator and process runner"},
    {"ServiceService.StopService", "orchestrator and process runner"},
    {"ServiceService.RestartService", "orchestrator and process runner"},
    {"ServiceService.WatchScaling", "orchestrator and process runner"},
    {"ServiceService.RollbackService", "orchestrator and process runner"},
    {"InstanceService.DeleteInstance", "orchestrator and process runner"},
};

class FinishReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit FinishReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

// Reads the first request message, authorizes the call with it, then
// answers Unimplemented (or the authorization error).
class AuthorizingReactor final : public grpc::ServerGenericBidiReactor {
 public:
  AuthorizingReactor(grpc::GenericCallbackServerContext* ctx, auth::Authorizer* authz)
      : ctx_(ctx), authz_(authz) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    absl::string_view name = ctx_->method();
    absl::ConsumePrefix(&name, "/");
    std::string full(name);
    const size_t slash = full.find('/');
    if (slash != std::string::npos) full[slash] = '.';
    const google::protobuf::MethodDescriptor* method =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full);
    std::unique_ptr<google::protobuf::Message> message;
    if (ok && method != nullptr) {
      message.reset(factory_.GetPrototype(method->input_type())->New());
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (request_.Dump(&slices).ok()) {
        for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      if (!message->ParseFromString(bytes)) message.reset();
    }
    auth::CallCredentials call;
    call.method = ctx_->method();
    call.peer = PeerOf(ctx_);
    auto it = ctx_->client_metadata().find("authorization");
    if (it != ctx_->client_metadata().end()) {
      call.authorization = std::string(it->second.data(), it->second.size());
    }
    absl::Status allowed = authz_->Check(call, message.get()).status();
    Finish(allowed.ok() ? UnimplementedStatus(ctx_->method()) : ToGrpcStatus(ctx_, allowed));
  }

  void OnDone() override { delete this; }

 private:
  grpc::GenericCallbackServerContext* ctx_;
  auth::Authorizer* authz_;
  grpc::ByteBuffer request_;
  google::protobuf::DynamicMessageFactory factory_;
};

}  // namespace

grpc::Status UnimplementedStatus(absl::string_view method) {
  absl::string_view name = method;
  absl::ConsumePrefix(&name, "/");
  if (absl::ConsumePrefix(&name, "rune.api.")) {
    const size_t slash = name.find('/');
    const absl::string_view service = name.substr(0, slash);
    const absl::string_view rpc = slash == absl::string_view::npos ? "" : name.substr(slash + 1);
    const std::string qualified = absl::StrCat(service, ".", rpc);
    for (const Feature& f : kFeatures) {
      if (service == f.service || qualified == f.service) {
        return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                            absl::StrCat(service, ".", rpc, " is not implemented yet (feature: ",
                                         f.feature, ")"));
      }
    }
  }
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, absl::StrCat("unknown method ", method));
}

UnimplementedService::UnimplementedService(auth::Authorizer* authorizer) : authz_(authorizer) {
  api::LinkApiDescriptors();  // requests are decoded by descriptor
}

absl::Status UnimplementedError(absl::string_view method) {
  return absl::UnimplementedError(UnimplementedStatus(method).error_message());
}

grpc::ServerGenericBidiReactor* UnimplementedService::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  // A method outside runed's API (another client's, or gRPC's reflection
  // when server.reflection is off) has no rule to check: gRPC's answer to an
  // unknown method, without authentication.
  if (authz_ == nullptr || auth::FindRpcRule(ctx->method()) == nullptr) {
    return new FinishReactor(UnimplementedStatus(ctx->method()));
  }
  return new AuthorizingReactor(ctx, authz_);
}

}  // namespace rune::daemon
