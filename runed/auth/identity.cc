#include "runed/auth/identity.h"

#include <algorithm>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/labels.h"
#include "common/policy/policy.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/violation.h"
#include "runed/auth/rbac.h"
#include "runed/auth/records.pb.h"
#include "runed/auth/token.h"

namespace rune::daemon::auth {
namespace {

using store::kPolicy;
using store::kSystemNamespace;
using store::kToken;
using store::kUser;

constexpr char kInvalidToken[] = "invalid bearer token";

template <typename T>
absl::StatusOr<std::optional<T>> Decode(const absl::StatusOr<std::optional<store::Record>>& r) {
  if (!r.ok()) return r.status();
  if (!r->has_value()) return std::optional<T>();
  T message;
  if (!message.ParseFromString((*r)->value)) {
    return absl::DataLossError(absl::StrCat("corrupt ", (*r)->kind, " record \"", (*r)->name, "\""));
  }
  return std::optional<T>(std::move(message));
}

template <typename T>
absl::StatusOr<std::optional<T>> Load(store::WriteTxn& txn, const char* kind,
                                      const std::string& name) {
  return Decode<T>(txn.Get(kind, kSystemNamespace, name));
}

template <typename T>
absl::StatusOr<std::vector<T>> LoadAll(const absl::StatusOr<std::vector<store::Record>>& records) {
  if (!records.ok()) return records.status();
  std::vector<T> out;
  for (const store::Record& r : *records) {
    T message;
    if (!message.ParseFromString(r.value)) {
      return absl::DataLossError(absl::StrCat("corrupt ", r.kind, " record \"", r.name, "\""));
    }
    out.push_back(std::move(message));
  }
  return out;
}

absl::Status Save(store::WriteTxn& txn, const char* kind, const std::string& name,
                  const google::protobuf::Message& message) {
  return txn.Put(kind, kSystemNamespace, name, message.SerializeAsString()).status();
}

absl::Status GlobalNotFound(absl::string_view kind, absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(kind, " \"", name, "\" not found"));
}

absl::Status BuiltinImmutable(absl::string_view name) {
  return absl::FailedPreconditionError(
      absl::StrCat("policy \"", name, "\" is built-in and cannot be modified or deleted"));
}

absl::Status CheckName(absl::string_view path, absl::string_view name) {
  if (name.empty()) return common::ValidationStatus({{std::string(path), "required"}});
  if (!common::IsDns1123Label(name)) {
    return common::ValidationStatus({{std::string(path), common::Dns1123Reason(name)}});
  }
  return absl::OkStatus();
}

// The token's status at `now`.
api::TokenInfo::Status StatusAt(const api::TokenInfo& info, absl::Time now) {
  if (info.has_revoked_at()) return api::TokenInfo::REVOKED;
  if (info.has_expires_at() && common::FromTimestamp(info.expires_at()) <= now) {
    return api::TokenInfo::EXPIRED;
  }
  return api::TokenInfo::ACTIVE;
}

absl::StatusOr<std::optional<api::User>> FindUserById(store::WriteTxn& txn, const std::string& id) {
  RUNE_ASSIGN_OR_RETURN(std::vector<api::User> users,
                        LoadAll<api::User>(txn.List(kUser, kSystemNamespace)));
  for (api::User& u : users) {
    if (u.id() == id) return std::optional<api::User>(std::move(u));
  }
  return std::optional<api::User>();
}

// Policies named by `names` must all exist.
absl::Status RequirePolicies(store::WriteTxn& txn,
                             const google::protobuf::RepeatedPtrField<std::string>& names) {
  for (const std::string& name : names) {
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Policy> p, Load<api::Policy>(txn, kPolicy, name));
    if (!p.has_value()) return GlobalNotFound("policy", name);
  }
  return absl::OkStatus();
}

// The user named by an attach/detach request, after checking that the policy
// exists (M15 for either).
absl::StatusOr<api::User> PolicyAndUser(store::WriteTxn& txn, const std::string& policy,
                                        const std::string& user) {
  RUNE_ASSIGN_OR_RETURN(std::optional<api::Policy> p, Load<api::Policy>(txn, kPolicy, policy));
  if (!p.has_value()) return GlobalNotFound("policy", policy);
  RUNE_ASSIGN_OR_RETURN(std::optional<api::User> u, Load<api::User>(txn, kUser, user));
  if (!u.has_value()) return GlobalNotFound("user", user);
  return *std::move(u);
}

// Stores a changed user with its new update time.
absl::Status SaveUser(store::WriteTxn& txn, api::User* user, absl::Time now) {
  common::ToTimestamp(now, user->mutable_updated_at());
  return Save(txn, kUser, user->name(), *user);
}

// Adds the policies the user lacks; true when something was added.
bool AddPolicies(api::User* user, const google::protobuf::RepeatedPtrField<std::string>& names) {
  bool changed = false;
  for (const std::string& name : names) {
    if (std::find(user->policies().begin(), user->policies().end(), name) ==
        user->policies().end()) {
      user->add_policies(name);
      changed = true;
    }
  }
  return changed;
}

}  // namespace

absl::Status Identity::SeedBuiltinPolicies() {
  const absl::Time now = now_();
  return store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    for (api::Policy p : BuiltinPolicies()) {
      RUNE_ASSIGN_OR_RETURN(std::optional<api::Policy> old,
                            Load<api::Policy>(txn, kPolicy, p.name()));
      if (old.has_value() && old->has_created_at()) {
        *p.mutable_created_at() = old->created_at();
        *p.mutable_updated_at() = old->updated_at();
        if (old->SerializeAsString() == p.SerializeAsString()) continue;
      } else {
        common::ToTimestamp(now, p.mutable_created_at());
      }
      common::ToTimestamp(now, p.mutable_updated_at());
      RUNE_RETURN_IF_ERROR(Save(txn, kPolicy, p.name(), p));
    }
    return absl::OkStatus();
  });
}

Subject Identity::Anonymous() {
  Subject s;
  s.id = "anonymous";
  s.name = "anonymous";
  s.policy_names = {"root"};
  for (const api::Policy& p : BuiltinPolicies()) {
    if (p.name() == "root") s.policies.push_back(p);
  }
  return s;
}

absl::StatusOr<Subject> Identity::Authenticate(absl::string_view token) {
  const std::optional<std::string> id = TokenId(token);
  if (!id.has_value()) return absl::UnauthenticatedError(kInvalidToken);
  RUNE_ASSIGN_OR_RETURN(std::optional<TokenRecord> record,
                        Decode<TokenRecord>(store_->Get(kToken, kSystemNamespace, *id)));
  if (!record.has_value() || !HashesEqual(HashToken(token), record->sha256()) ||
      StatusAt(record->info(), now_()) != api::TokenInfo::ACTIVE) {
    return absl::UnauthenticatedError(kInvalidToken);
  }
  RUNE_ASSIGN_OR_RETURN(
      std::optional<api::User> user,
      Decode<api::User>(store_->Get(kUser, kSystemNamespace, record->info().subject_name())));
  if (!user.has_value() || user->id() != record->info().subject_id()) {
    return absl::UnauthenticatedError(kInvalidToken);
  }
  Subject s;
  s.id = user->id();
  s.name = user->name();
  s.email = user->email();
  s.token_id = *id;
  for (const std::string& name : user->policies()) {
    s.policy_names.push_back(name);
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Policy> p,
                          Decode<api::Policy>(store_->Get(kPolicy, kSystemNamespace, name)));
    if (p.has_value()) s.policies.push_back(std::move(*p));  // missing: skipped (§5.6)
  }
  return s;
}

absl::StatusOr<api::CreateTokenResponse> Identity::IssueToken(store::WriteTxn& txn,
                                                              const api::User& user,
                                                              const std::string& name,
                                                              const std::string& description,
                                                              int64_t ttl_seconds) {
  const NewToken token = GenerateToken();
  const absl::Time now = now_();
  TokenRecord record;
  api::TokenInfo* info = record.mutable_info();
  info->set_id(token.id);
  info->set_name(name);
  info->set_subject_id(user.id());
  info->set_subject_name(user.name());
  info->set_description(description);
  common::ToTimestamp(now, info->mutable_issued_at());
  if (ttl_seconds > 0) common::ToTimestamp(now + absl::Seconds(ttl_seconds), info->mutable_expires_at());
  record.set_sha256(HashToken(token.text));
  RUNE_RETURN_IF_ERROR(txn.Put(kToken, kSystemNamespace, token.id, record.SerializeAsString(), 0).status());
  api::CreateTokenResponse response;
  response.set_id(token.id);
  response.set_token(token.text);
  return response;
}

absl::StatusOr<api::BootstrapResponse> Identity::Bootstrap() {
  api::BootstrapResponse response;
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::vector<TokenRecord> tokens,
                          LoadAll<TokenRecord>(txn.List(kToken, kSystemNamespace)));
    const absl::Time now = now_();
    for (const TokenRecord& t : tokens) {
      if (StatusAt(t.info(), now) != api::TokenInfo::ACTIVE) continue;
      RUNE_ASSIGN_OR_RETURN(std::optional<api::User> owner,
                            Load<api::User>(txn, kUser, t.info().subject_name()));
      if (!owner.has_value() || owner->id() != t.info().subject_id()) continue;
      return common::WithHint(
          absl::FailedPreconditionError("server already bootstrapped: active tokens exist"),
          "use an existing admin token; issue more with 'rune admin token create'");
    }
    RUNE_ASSIGN_OR_RETURN(std::optional<api::User> root, Load<api::User>(txn, kUser, "root"));
    if (!root.has_value()) {
      root.emplace();
      root->set_id(RandomHex(8));
      root->set_name("root");
      common::ToTimestamp(now, root->mutable_created_at());
    }
    if (std::find(root->policies().begin(), root->policies().end(), "root") ==
        root->policies().end()) {
      root->add_policies("root");
    }
    RUNE_RETURN_IF_ERROR(SaveUser(txn, &*root, now));
    RUNE_ASSIGN_OR_RETURN(api::CreateTokenResponse token,
                          IssueToken(txn, *root, "bootstrap", "created by bootstrap", 0));
    response.set_token(token.token());
    response.set_token_id(token.id());
    response.set_user_name("root");
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<api::UpsertUserResponse> Identity::UpsertUser(const api::UpsertUserRequest& request) {
  RUNE_RETURN_IF_ERROR(CheckName("user.name", request.name()));
  api::UpsertUserResponse response;
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_RETURN_IF_ERROR(RequirePolicies(txn, request.policies()));
    RUNE_ASSIGN_OR_RETURN(std::optional<api::User> user, Load<api::User>(txn, kUser, request.name()));
    const absl::Time now = now_();
    bool changed = false;
    if (!user.has_value()) {
      user.emplace();
      user->set_id(RandomHex(8));
      user->set_name(request.name());
      common::ToTimestamp(now, user->mutable_created_at());
      response.set_action(api::CREATED);
      changed = true;
    } else {
      response.set_action(api::UPDATED);
    }
    if (request.has_email() && request.email() != user->email()) {
      user->set_email(request.email());
      changed = true;
    }
    changed = AddPolicies(&*user, request.policies()) || changed;
    if (changed) RUNE_RETURN_IF_ERROR(SaveUser(txn, &*user, now));
    *response.mutable_user() = *user;
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<api::ListUsersResponse> Identity::ListUsers() {
  RUNE_ASSIGN_OR_RETURN(std::vector<api::User> users,
                        LoadAll<api::User>(store_->List(kUser, kSystemNamespace)));
  api::ListUsersResponse response;
  for (api::User& u : users) *response.add_users() = std::move(u);
  return response;
}

absl::StatusOr<api::DeleteUserResponse> Identity::DeleteUser(const std::string& name,
                                                             const Subject& caller) {
  api::DeleteUserResponse response;
  response.set_name(name);
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::optional<api::User> user, Load<api::User>(txn, kUser, name));
    if (!user.has_value()) return GlobalNotFound("user", name);
    if (user->id() == caller.id) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot delete the calling user \"", name, "\""));
    }
    RUNE_ASSIGN_OR_RETURN(std::vector<TokenRecord> tokens,
                          LoadAll<TokenRecord>(txn.List(kToken, kSystemNamespace)));
    const absl::Time now = now_();
    int revoked = 0;
    for (TokenRecord& t : tokens) {
      if (t.info().subject_id() != user->id() || t.info().has_revoked_at()) continue;
      common::ToTimestamp(now, t.mutable_info()->mutable_revoked_at());
      RUNE_RETURN_IF_ERROR(Save(txn, kToken, t.info().id(), t));
      ++revoked;
    }
    response.set_revoked_tokens(revoked);
    return txn.Delete(kUser, kSystemNamespace, name).status();
  }));
  return response;
}

absl::StatusOr<api::CreatePolicyResponse> Identity::CreatePolicy(
    const api::CreatePolicyRequest& request) {
  api::Policy policy = request.policy();
  policy.set_builtin(false);
  policy.clear_created_at();
  policy.clear_updated_at();
  for (api::PolicyRule& rule : *policy.mutable_rules()) {
    rule.set_resource(common::CanonicalResource(rule.resource()));
  }
  RUNE_RETURN_IF_ERROR(common::ValidationStatus(common::ValidatePolicy(policy)));
  if (IsBuiltinPolicy(policy.name())) return BuiltinImmutable(policy.name());
  api::CreatePolicyResponse response;
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Policy> old,
                          Load<api::Policy>(txn, kPolicy, policy.name()));
    const absl::Time now = now_();
    if (old.has_value()) {
      if (!request.replace()) {
        return common::WithHint(
            absl::AlreadyExistsError(absl::StrCat("policy \"", policy.name(), "\" already exists")),
            "pass --replace to overwrite it");
      }
      *policy.mutable_created_at() = old->created_at();
      response.set_action(api::UPDATED);
    } else {
      common::ToTimestamp(now, policy.mutable_created_at());
      response.set_action(api::CREATED);
    }
    common::ToTimestamp(now, policy.mutable_updated_at());
    return Save(txn, kPolicy, policy.name(), policy);
  }));
  *response.mutable_policy() = policy;
  return response;
}

absl::StatusOr<api::Policy> Identity::GetPolicy(const std::string& name) {
  RUNE_ASSIGN_OR_RETURN(std::optional<api::Policy> p,
                        Decode<api::Policy>(store_->Get(kPolicy, kSystemNamespace, name)));
  if (!p.has_value()) return GlobalNotFound("policy", name);
  return *p;
}

absl::StatusOr<api::ListPoliciesResponse> Identity::ListPolicies() {
  RUNE_ASSIGN_OR_RETURN(std::vector<api::Policy> policies,
                        LoadAll<api::Policy>(store_->List(kPolicy, kSystemNamespace)));
  api::ListPoliciesResponse response;
  for (api::Policy& p : policies) *response.add_policies() = std::move(p);
  return response;
}

absl::StatusOr<api::DeletePolicyResponse> Identity::DeletePolicy(
    const api::DeletePolicyRequest& request) {
  const std::string& name = request.name();
  if (IsBuiltinPolicy(name)) return BuiltinImmutable(name);
  api::DeletePolicyResponse response;
  response.set_name(name);
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Policy> p, Load<api::Policy>(txn, kPolicy, name));
    if (!p.has_value()) return GlobalNotFound("policy", name);
    RUNE_ASSIGN_OR_RETURN(std::vector<api::User> users,
                          LoadAll<api::User>(txn.List(kUser, kSystemNamespace)));
    std::vector<std::string> attached;
    for (api::User& u : users) {
      auto* policies = u.mutable_policies();
      auto it = std::find(policies->begin(), policies->end(), name);
      if (it == policies->end()) continue;
      attached.push_back(u.name());
      if (!request.force()) continue;
      policies->erase(it);
      RUNE_RETURN_IF_ERROR(SaveUser(txn, &u, now_()));
    }
    if (!attached.empty() && !request.force()) {
      return common::WithHint(
          absl::FailedPreconditionError(absl::StrCat("policy \"", name, "\" is attached to users: ",
                                                     absl::StrJoin(attached, ", "))),
          "re-run with --force to detach it and delete it");
    }
    for (std::string& u : attached) response.add_detached_users(std::move(u));
    return txn.Delete(kPolicy, kSystemNamespace, name).status();
  }));
  return response;
}

absl::StatusOr<api::AttachPolicyResponse> Identity::AttachPolicy(
    const api::AttachPolicyRequest& request) {
  api::AttachPolicyResponse response;
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(api::User u, PolicyAndUser(txn, request.policy(), request.user()));
    google::protobuf::RepeatedPtrField<std::string> names;
    *names.Add() = request.policy();
    if (!AddPolicies(&u, names)) {
      response.set_already_attached(true);
      return absl::OkStatus();
    }
    return SaveUser(txn, &u, now_());
  }));
  return response;
}

absl::StatusOr<api::DetachPolicyResponse> Identity::DetachPolicy(
    const api::DetachPolicyRequest& request) {
  api::DetachPolicyResponse response;
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(api::User u, PolicyAndUser(txn, request.policy(), request.user()));
    auto* policies = u.mutable_policies();
    auto it = std::find(policies->begin(), policies->end(), request.policy());
    if (it == policies->end()) {
      response.set_not_attached(true);
      return absl::OkStatus();
    }
    policies->erase(it);
    return SaveUser(txn, &u, now_());
  }));
  return response;
}

absl::StatusOr<api::CreateTokenResponse> Identity::CreateToken(
    const api::CreateTokenRequest& request, const Subject& caller) {
  RUNE_RETURN_IF_ERROR(CheckName("token.name", request.name()));
  if (request.ttl_seconds() < 0) {
    return common::ValidationStatus(
        {{"token.ttl", absl::StrCat("must be >= 0, got ", request.ttl_seconds())}});
  }
  api::CreateTokenResponse response;
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    std::optional<api::User> user;
    if (request.has_subject_name()) {
      RUNE_ASSIGN_OR_RETURN(user, Load<api::User>(txn, kUser, request.subject_name()));
      if (!user.has_value()) return GlobalNotFound("user", request.subject_name());
    } else {
      const std::string id = request.has_subject_id() ? request.subject_id() : caller.id;
      RUNE_ASSIGN_OR_RETURN(user, FindUserById(txn, id));
      if (!user.has_value()) return GlobalNotFound("user", id);
    }
    RUNE_RETURN_IF_ERROR(RequirePolicies(txn, request.policies()));
    if (AddPolicies(&*user, request.policies())) {
      RUNE_RETURN_IF_ERROR(SaveUser(txn, &*user, now_()));
    }
    RUNE_ASSIGN_OR_RETURN(response, IssueToken(txn, *user, request.name(), request.description(),
                                               request.ttl_seconds()));
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<api::ListTokensResponse> Identity::ListTokens(const api::ListTokensRequest& request) {
  RUNE_ASSIGN_OR_RETURN(std::vector<TokenRecord> tokens,
                        LoadAll<TokenRecord>(store_->List(kToken, kSystemNamespace)));
  if (!request.user().empty()) {
    RUNE_ASSIGN_OR_RETURN(std::optional<api::User> user,
                          Decode<api::User>(store_->Get(kUser, kSystemNamespace, request.user())));
    if (!user.has_value()) return GlobalNotFound("user", request.user());
  }
  std::sort(tokens.begin(), tokens.end(), [](const TokenRecord& a, const TokenRecord& b) {
    const auto& x = a.info().issued_at();
    const auto& y = b.info().issued_at();
    if (x.seconds() != y.seconds()) return x.seconds() < y.seconds();
    if (x.nanos() != y.nanos()) return x.nanos() < y.nanos();
    return a.info().id() < b.info().id();
  });
  api::ListTokensResponse response;
  const absl::Time now = now_();
  for (TokenRecord& t : tokens) {
    if (!request.user().empty() && t.info().subject_name() != request.user()) continue;
    api::TokenInfo* info = response.add_tokens();
    *info = std::move(*t.mutable_info());
    info->set_status(StatusAt(*info, now));
  }
  return response;
}

absl::StatusOr<api::RevokeTokenResponse> Identity::RevokeToken(const std::string& id) {
  api::RevokeTokenResponse response;
  response.set_id(id);
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::optional<TokenRecord> t, Load<TokenRecord>(txn, kToken, id));
    if (!t.has_value()) return GlobalNotFound("token", id);
    if (t->info().has_revoked_at()) {
      response.set_already_revoked(true);
      return absl::OkStatus();
    }
    common::ToTimestamp(now_(), t->mutable_info()->mutable_revoked_at());
    return Save(txn, kToken, id, *t);
  }));
  return response;
}

}  // namespace rune::daemon::auth
