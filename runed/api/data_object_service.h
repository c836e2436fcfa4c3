// The handlers SecretService and ConfigmapService share (SPEC §5.14): both
// kinds have the same five unary RPCs with the same request fields, so each
// RPC body is written once here, parameterised by a traits type that
// converts the kind's API messages:
//
//   struct SecretTraits {
//     using Input = api::Secret;        // what Apply/Create carry
//     using Output = api::SecretInfo;   // what replies carry
//     static constexpr auto* Validate = &common::spec::ValidateSecret;
//     static secrets::DataObject ToObject(const Input&);
//     static void ToOutput(const secrets::DataObject&, Output*);
//   };
//   grpc::ServerUnaryReactor* SecretServiceImpl::GetSecret(ctx, request, response) {
//     return GetObject<SecretTraits>(backend_, ctx, request, response->mutable_secret());
//   }
//
// Every handler authorizes first, then works on the worker pool (RunUnary).
#ifndef RUNE_RUNED_API_DATA_OBJECT_SERVICE_H_
#define RUNE_RUNED_API_DATA_OBJECT_SERVICE_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/labels.h"
#include "common/spec/validate.h"
#include "common/status_macros.h"
#include "common/violation.h"
#include "google/protobuf/repeated_field.h"
#include "grpcpp/grpcpp.h"
#include "runed/api/call.h"
#include "runed/auth/authorizer.h"
#include "runed/secrets/object_store.h"

namespace rune::daemon {

// What the handlers of one kind work with.
struct DataObjectApi {
  secrets::ObjectStore* objects = nullptr;
  auth::Authorizer* authz = nullptr;
  common::spec::DataLimits limits;  // runefile secret.limits / config.limits
};

// The fields both kinds' messages have (name, namespace, labels, data) as a
// DataObject.
template <typename Message>
secrets::DataObject SharedFieldsOf(const Message& message) {
  secrets::DataObject object;
  object.ns = message.namespace_();
  object.name = message.name();
  object.labels = {message.labels().begin(), message.labels().end()};
  object.data = {message.data().begin(), message.data().end()};
  return object;
}

// Sets name, namespace, labels and metadata of a reply message.
template <typename Message>
void SetSharedFields(const secrets::DataObject& object, Message* out) {
  out->set_name(object.name);
  out->set_namespace_(object.ns);
  out->mutable_labels()->insert(object.labels.begin(), object.labels.end());
  *out->mutable_metadata() = object.metadata;
}

// The write mode of Create{replace}.
inline secrets::WriteMode CreateMode(bool replace) {
  return replace ? secrets::WriteMode::kReplace : secrets::WriteMode::kCreate;
}

// Apply (`mode` kApply) and Create (kCreate, or kReplace with --replace):
// validates `*input` (M07), writes it and fills `*out` and the action.
template <typename Traits, typename Request, typename Response>
grpc::ServerUnaryReactor* WriteObject(const DataObjectApi& backend,
                                      grpc::CallbackServerContext* ctx, const Request* request,
                                      const typename Traits::Input* input, secrets::WriteMode mode,
                                      Response* response, typename Traits::Output* out) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(backend.authz->Authorize(*ctx, *request).status());
    typename Traits::Input object = *input;
    object.set_namespace_(secrets::EffectiveNamespace(object.namespace_()));
    RUNE_RETURN_IF_ERROR(common::ValidationStatus(Traits::Validate(object, backend.limits)));
    RUNE_ASSIGN_OR_RETURN(secrets::WriteResult result,
                          backend.objects->Write(Traits::ToObject(object), mode));
    Traits::ToOutput(result.object, out);
    response->set_action(result.action);
    return absl::OkStatus();
  });
}

template <typename Traits, typename Request>
grpc::ServerUnaryReactor* GetObject(const DataObjectApi& backend, grpc::CallbackServerContext* ctx,
                                    const Request* request, typename Traits::Output* out) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(backend.authz->Authorize(*ctx, *request).status());
    RUNE_ASSIGN_OR_RETURN(secrets::DataObject object,
                          backend.objects->Get(request->namespace_(), request->name()));
    Traits::ToOutput(object, out);
    return absl::OkStatus();
  });
}

// List: namespace `*` = all namespaces; an invalid selector is
// InvalidArgument.
template <typename Traits, typename Request>
grpc::ServerUnaryReactor* ListObjects(
    const DataObjectApi& backend, grpc::CallbackServerContext* ctx, const Request* request,
    google::protobuf::RepeatedPtrField<typename Traits::Output>* out) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(backend.authz->Authorize(*ctx, *request).status());
    absl::StatusOr<common::Selector> selector = common::ParseSelector(request->selector());
    if (!selector.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label selector: ", selector.status().message()));
    }
    RUNE_ASSIGN_OR_RETURN(std::vector<secrets::DataObject> objects,
                          backend.objects->List(request->namespace_(), *selector));
    for (const secrets::DataObject& object : objects) Traits::ToOutput(object, out->Add());
    return absl::OkStatus();
  });
}

// Delete{force, dry_run}: the request and response shapes are the same for
// both kinds.
template <typename Request, typename Response>
grpc::ServerUnaryReactor* DeleteObject(const DataObjectApi& backend,
                                       grpc::CallbackServerContext* ctx, const Request* request,
                                       Response* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(backend.authz->Authorize(*ctx, *request).status());
    response->set_namespace_(secrets::EffectiveNamespace(request->namespace_()));
    response->set_name(request->name());
    response->set_dry_run(request->dry_run());
    RUNE_ASSIGN_OR_RETURN(std::vector<std::string> blocked_by,
                          backend.objects->Delete(request->namespace_(), request->name(),
                                                  request->force(), request->dry_run()));
    for (std::string& b : blocked_by) response->add_blocked_by(std::move(b));
    if (!request->dry_run()) response->set_state(api::DeletionOperation::COMPLETED);
    return absl::OkStatus();
  });
}

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_DATA_OBJECT_SERVICE_H_
