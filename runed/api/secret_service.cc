#include "runed/api/secret_service.h"

namespace rune::daemon {
namespace {

struct SecretTraits {
  using Input = api::Secret;
  using Output = api::SecretInfo;

  static constexpr auto* Validate = &common::spec::ValidateSecret;

  static secrets::DataObject ToObject(const api::Secret& secret) {
    secrets::DataObject object = SharedFieldsOf(secret);
    object.type = secret.type().empty() ? "static" : secret.type();
    return object;
  }

  // Metadata and key names only: SecretInfo has no place for values.
  static void ToOutput(const secrets::DataObject& object, api::SecretInfo* out) {
    SetSharedFields(object, out);
    out->set_type(object.type);
    for (const std::string& key : object.keys) out->add_keys(key);
  }
};

}  // namespace

grpc::ServerUnaryReactor* SecretServiceImpl::ApplySecret(grpc::CallbackServerContext* ctx,
                                                         const api::ApplySecretRequest* request,
                                                         api::ApplySecretResponse* response) {
  return WriteObject<SecretTraits>(backend_, ctx, request, &request->secret(),
                                   secrets::WriteMode::kApply, response,
                                   response->mutable_secret());
}

grpc::ServerUnaryReactor* SecretServiceImpl::CreateSecret(grpc::CallbackServerContext* ctx,
                                                          const api::CreateSecretRequest* request,
                                                          api::CreateSecretResponse* response) {
  return WriteObject<SecretTraits>(backend_, ctx, request, &request->secret(),
                                   CreateMode(request->replace()), response,
                                   response->mutable_secret());
}

grpc::ServerUnaryReactor* SecretServiceImpl::GetSecret(grpc::CallbackServerContext* ctx,
                                                       const api::GetSecretRequest* request,
                                                       api::GetSecretResponse* response) {
  return GetObject<SecretTraits>(backend_, ctx, request, response->mutable_secret());
}

grpc::ServerUnaryReactor* SecretServiceImpl::ListSecrets(grpc::CallbackServerContext* ctx,
                                                         const api::ListSecretsRequest* request,
                                                         api::ListSecretsResponse* response) {
  return ListObjects<SecretTraits>(backend_, ctx, request, response->mutable_secrets());
}

grpc::ServerUnaryReactor* SecretServiceImpl::DeleteSecret(grpc::CallbackServerContext* ctx,
                                                          const api::DeleteSecretRequest* request,
                                                          api::DeleteSecretResponse* response) {
  return DeleteObject(backend_, ctx, request, response);
}

}  // namespace rune::daemon
