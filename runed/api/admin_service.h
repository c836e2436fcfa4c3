// AdminService and AuthService (SPEC §3.6.15–3.6.18, §5.5, §5.10): bootstrap,
// users, policies, tokens, registries; the caller's identity.
//
//   AdminServiceImpl admin(&identity, &authorizer, &registries);
//   AuthServiceImpl auth(&identity, &authorizer);
//   builder.RegisterService(&admin);
//   builder.RegisterService(&auth);
#ifndef RUNE_RUNED_API_ADMIN_SERVICE_H_
#define RUNE_RUNED_API_ADMIN_SERVICE_H_

#include "proto/admin.grpc.pb.h"
#include "proto/auth.grpc.pb.h"
#include "runed/auth/authorizer.h"
#include "runed/auth/identity.h"
#include "runed/registry/registry_book.h"

namespace rune::daemon {

#define RUNE_UNARY_(Name)                                                                  \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* ctx,                         \
                                 const api::Name##Request* request, api::Name##Response* \
                                     response) override

class AdminServiceImpl final : public api::AdminService::CallbackService {
 public:
  AdminServiceImpl(auth::Identity* identity, auth::Authorizer* authorizer,
                   registry::RegistryBook* registries)
      : identity_(identity), authz_(authorizer), registries_(registries) {}

  RUNE_UNARY_(Bootstrap);
  RUNE_UNARY_(UpsertUser);
  RUNE_UNARY_(ListUsers);
  RUNE_UNARY_(DeleteUser);
  RUNE_UNARY_(CreatePolicy);
  RUNE_UNARY_(GetPolicy);
  RUNE_UNARY_(ListPolicies);
  RUNE_UNARY_(DeletePolicy);
  RUNE_UNARY_(AttachPolicy);
  RUNE_UNARY_(DetachPolicy);
  RUNE_UNARY_(CreateToken);
  RUNE_UNARY_(ListTokens);
  RUNE_UNARY_(RevokeToken);
  RUNE_UNARY_(AddRegistry);
  RUNE_UNARY_(ListRegistries);
  RUNE_UNARY_(RemoveRegistry);

 private:
  auth::Identity* identity_;
  auth::Authorizer* authz_;
  registry::RegistryBook* registries_;
};

class AuthServiceImpl final : public api::AuthService::CallbackService {
 public:
  AuthServiceImpl(auth::Identity* identity, auth::Authorizer* authorizer)
      : identity_(identity), authz_(authorizer) {}

  RUNE_UNARY_(WhoAmI);
  RUNE_UNARY_(RevokeSelf);

 private:
  auth::Identity* identity_;
  auth::Authorizer* authz_;
};

#undef RUNE_UNARY_

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_ADMIN_SERVICE_H_
