// Users, policies and tokens (SPEC §3.6.18, §5.5, §5.6) kept in the store:
// the logic behind AdminService and AuthService and the token check of every
// authenticated call.
//
//   Identity identity(store);
//   RUNE_RETURN_IF_ERROR(identity.SeedBuiltinPolicies());
//   absl::StatusOr<api::BootstrapResponse> b = identity.Bootstrap();
//   absl::StatusOr<Subject> who = identity.Authenticate(b->token());
//
// Every method returns the codes and messages of SPEC §2.6: NotFound for
// unknown users/policies/tokens (M15), AlreadyExists (M18), FailedPrecondition
// (M19, M20, attached policy, calling user), InvalidArgument for invalid
// names or policy documents (M07), Unauthenticated `invalid bearer token`
// (M03) from Authenticate.
#ifndef RUNE_RUNED_AUTH_IDENTITY_H_
#define RUNE_RUNED_AUTH_IDENTITY_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "proto/admin.pb.h"
#include "proto/auth.pb.h"
#include "proto/types.pb.h"
#include "runed/store/store.h"

namespace rune::daemon::auth {

// The authenticated caller of an RPC.
struct Subject {
  std::string id;
  std::string name;
  std::string email;
  std::vector<std::string> policy_names;
  std::vector<api::Policy> policies;  // the attached policies that exist
  std::string token_id;               // "" when auth is disabled
};

class Identity {
 public:
  explicit Identity(store::Store* store, std::function<absl::Time()> now = &absl::Now)
      : store_(store), now_(std::move(now)) {}

  // Writes the built-in policies in their canonical form (every start).
  absl::Status SeedBuiltinPolicies();

  // Checks a presented token string: format, ID, hash, revocation, expiry,
  // the user's existence. Any failure is M03.
  absl::StatusOr<Subject> Authenticate(absl::string_view token);

  // The subject every call runs as when auth is disabled.
  Subject Anonymous();

  // Creates user root (policy root) if absent and token "bootstrap"; M19
  // while an active token exists.
  absl::StatusOr<api::BootstrapResponse> Bootstrap();

  absl::StatusOr<api::UpsertUserResponse> UpsertUser(const api::UpsertUserRequest& request);
  absl::StatusOr<api::ListUsersResponse> ListUsers();
  // Revokes the user's tokens in the same transaction.
  absl::StatusOr<api::DeleteUserResponse> DeleteUser(const std::string& name,
                                                     const Subject& caller);

  absl::StatusOr<api::CreatePolicyResponse> CreatePolicy(const api::CreatePolicyRequest& request);
  absl::StatusOr<api::Policy> GetPolicy(const std::string& name);
  absl::StatusOr<api::ListPoliciesResponse> ListPolicies();
  absl::StatusOr<api::DeletePolicyResponse> DeletePolicy(const api::DeletePolicyRequest& request);
  absl::StatusOr<api::AttachPolicyResponse> AttachPolicy(const api::AttachPolicyRequest& request);
  absl::StatusOr<api::DetachPolicyResponse> DetachPolicy(const api::DetachPolicyRequest& request);

  // The subject defaults to the caller.
  absl::StatusOr<api::CreateTokenResponse> CreateToken(const api::CreateTokenRequest& request,
                                                       const Subject& caller);
  absl::StatusOr<api::ListTokensResponse> ListTokens(const api::ListTokensRequest& request);
  absl::StatusOr<api::RevokeTokenResponse> RevokeToken(const std::string& id);

 private:
  absl::StatusOr<api::CreateTokenResponse> IssueToken(store::WriteTxn& txn, const api::User& user,
                                                       const std::string& name,
                                                       const std::string& description,
                                                       int64_t ttl_seconds);

  store::Store* store_;
  std::function<absl::Time()> now_;
};

}  // namespace rune::daemon::auth

#endif  // RUNE_RUNED_AUTH_IDENTITY_H_
