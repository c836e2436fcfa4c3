#include "runed/api/admin_service.h"

#include "common/status_macros.h"
#include "runed/api/call.h"

namespace rune::daemon {
namespace {

// Copies a successful result into the response.
template <typename T>
absl::Status Into(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = std::move(*result);
  return absl::OkStatus();
}

}  // namespace

// Each handler authorizes first (STYLE.md item 12), then delegates to
// Identity, which owns the rules and messages.
#define RUNE_ADMIN_HANDLER_(Name, ...)                                                   \
  grpc::ServerUnaryReactor* AdminServiceImpl::Name(grpc::CallbackServerContext* ctx,     \
                                                   const api::Name##Request* request,    \
                                                   api::Name##Response* response) {      \
    return RunUnary(ctx, [=]() -> absl::Status {                                         \
      RUNE_ASSIGN_OR_RETURN(auth::Subject caller, authz_->Authorize(*ctx, *request));    \
      (void)caller;                                                                      \
      __VA_ARGS__                                                                        \
    });                                                                                  \
  }

RUNE_ADMIN_HANDLER_(Bootstrap, return Into(identity_->Bootstrap(), response);)
RUNE_ADMIN_HANDLER_(UpsertUser, return Into(identity_->UpsertUser(*request), response);)
RUNE_ADMIN_HANDLER_(ListUsers, return Into(identity_->ListUsers(), response);)
RUNE_ADMIN_HANDLER_(DeleteUser,
                    return Into(identity_->DeleteUser(request->name(), caller), response);)
RUNE_ADMIN_HANDLER_(CreatePolicy, return Into(identity_->CreatePolicy(*request), response);)
RUNE_ADMIN_HANDLER_(GetPolicy, return Into(identity_->GetPolicy(request->name()),
                                           response->mutable_policy());)
RUNE_ADMIN_HANDLER_(ListPolicies, return Into(identity_->ListPolicies(), response);)
RUNE_ADMIN_HANDLER_(DeletePolicy, return Into(identity_->DeletePolicy(*request), response);)
RUNE_ADMIN_HANDLER_(AttachPolicy, return Into(identity_->AttachPolicy(*request), response);)
RUNE_ADMIN_HANDLER_(DetachPolicy, return Into(identity_->DetachPolicy(*request), response);)
RUNE_ADMIN_HANDLER_(CreateToken, return Into(identity_->CreateToken(*request, caller), response);)
RUNE_ADMIN_HANDLER_(ListTokens, return Into(identity_->ListTokens(*request), response);)
RUNE_ADMIN_HANDLER_(RevokeToken, return Into(identity_->RevokeToken(request->id()), response);)
RUNE_ADMIN_HANDLER_(AddRegistry, return Into(registries_->Add(*request), response);)
RUNE_ADMIN_HANDLER_(ListRegistries, return Into(registries_->List(), response);)
RUNE_ADMIN_HANDLER_(RemoveRegistry, return Into(registries_->Remove(request->name()), response);)

#undef RUNE_ADMIN_HANDLER_

grpc::ServerUnaryReactor* AuthServiceImpl::WhoAmI(grpc::CallbackServerContext* ctx,
                                                  const api::WhoAmIRequest* request,
                                                  api::WhoAmIResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(auth::Subject who, authz_->Authorize(*ctx, *request));
    response->set_subject_id(who.id);
    response->set_name(who.name);
    response->set_email(who.email);
    for (const std::string& p : who.policy_names) response->add_policies(p);
    response->set_token_id(who.token_id);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthServiceImpl::RevokeSelf(grpc::CallbackServerContext* ctx,
                                                      const api::RevokeSelfRequest* request,
                                                      api::RevokeSelfResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(auth::Subject who, authz_->Authorize(*ctx, *request));
    if (who.token_id.empty()) {
      return absl::FailedPreconditionError("authentication is disabled; there is no token to revoke");
    }
    RUNE_RETURN_IF_ERROR(identity_->RevokeToken(who.token_id).status());
    response->set_token_id(who.token_id);
    return absl::OkStatus();
  });
}

}  // namespace rune::daemon
