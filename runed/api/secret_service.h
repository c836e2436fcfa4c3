// SecretService (SPEC §4.6, §5.13, §5.14): apply, create, get, list and
// delete secrets. Values go in and never come out: replies carry SecretInfo
// (key names and metadata); the store holds them sealed with the KEK.
//
//   std::unique_ptr<secrets::ObjectStore> store = secrets::NewSecretStore(db, kek.key);
//   SecretServiceImpl secrets(store.get(), &authorizer, common::spec::DataLimits{});
//   builder.RegisterService(&secrets);
#ifndef RUNE_RUNED_API_SECRET_SERVICE_H_
#define RUNE_RUNED_API_SECRET_SERVICE_H_

#include "common/spec/validate.h"
#include "proto/secret.grpc.pb.h"
#include "runed/api/data_object_service.h"
#include "runed/auth/authorizer.h"
#include "runed/secrets/object_store.h"

namespace rune::daemon {

class SecretServiceImpl final : public api::SecretService::CallbackService {
 public:
  // `secrets` comes from secrets::NewSecretStore; `limits` from the
  // runefile's secret.limits.
  SecretServiceImpl(secrets::ObjectStore* secrets, auth::Authorizer* authorizer,
                    common::spec::DataLimits limits)
      : backend_{secrets, authorizer, limits} {}

  grpc::ServerUnaryReactor* ApplySecret(grpc::CallbackServerContext* ctx,
                                        const api::ApplySecretRequest* request,
                                        api::ApplySecretResponse* response) override;
  grpc::ServerUnaryReactor* CreateSecret(grpc::CallbackServerContext* ctx,
                                         const api::CreateSecretRequest* request,
                                         api::CreateSecretResponse* response) override;
  grpc::ServerUnaryReactor* GetSecret(grpc::CallbackServerContext* ctx,
                                      const api::GetSecretRequest* request,
                                      api::GetSecretResponse* response) override;
  grpc::ServerUnaryReactor* ListSecrets(grpc::CallbackServerContext* ctx,
                                        const api::ListSecretsRequest* request,
                                        api::ListSecretsResponse* response) override;
  grpc::ServerUnaryReactor* DeleteSecret(grpc::CallbackServerContext* ctx,
                                         const api::DeleteSecretRequest* request,
                                         api::DeleteSecretResponse* response) override;

 private:
  const DataObjectApi backend_;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_SECRET_SERVICE_H_
