// Tokens, RBAC matching, the identity store and the authorizer, on a real
// in-memory store with a controllable clock.
#include <map>
#include <memory>

#include "gtest/gtest.h"
#include "proto/namespace.pb.h"
#include "runed/auth/authorizer.h"
#include "runed/auth/identity.h"
#include "runed/auth/rbac.h"
#include "runed/auth/token.h"
#include "runed/store/store.h"

namespace rune::daemon::auth {
namespace {

TEST(Token, FormatIsRuneIdDotSecret) {
  const NewToken t = GenerateToken();
  EXPECT_EQ(t.text.size(), 5u + 16 + 1 + 43);
  EXPECT_EQ(TokenId(t.text), t.id);
  EXPECT_NE(GenerateToken().text, t.text);
  EXPECT_FALSE(TokenId("rune_0123456789ABCDEF.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").has_value());
  EXPECT_FALSE(TokenId("rune_0123456789abcdef-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").has_value());
  EXPECT_FALSE(TokenId("garbage").has_value());
  EXPECT_TRUE(HashesEqual(HashToken(t.text), HashToken(t.text)));
  EXPECT_FALSE(HashesEqual(HashToken(t.text), HashToken(t.text + "x")));
}

api::PolicyRule Rule(const char* resource, std::vector<const char*> verbs, const char* ns) {
  api::PolicyRule r;
  r.set_resource(resource);
  for (const char* v : verbs) r.add_verbs(v);
  r.set_namespace_(ns);
  return r;
}

TEST(Rbac, MatchesResourceVerbAndNamespace) {
  const api::PolicyRule prod = Rule("service", {"get", "list"}, "prod");
  EXPECT_TRUE(RuleAllows(prod, "service", "get", "prod"));
  EXPECT_FALSE(RuleAllows(prod, "service", "delete", "prod"));
  EXPECT_FALSE(RuleAllows(prod, "secret", "get", "prod"));
  EXPECT_FALSE(RuleAllows(prod, "service", "get", "production"));
  // An all-namespace request is matched only by "" or "*".
  EXPECT_FALSE(RuleAllows(prod, "service", "list", "*"));
  EXPECT_TRUE(RuleAllows(Rule("*", {"*"}, ""), "admin", "*", "*"));
  EXPECT_TRUE(RuleAllows(Rule("service", {"*"}, "*"), "service", "scale", "x"));
  // Admin RPCs need a rule that literally grants "*".
  std::vector<api::Policy> readwrite;
  for (const api::Policy& p : BuiltinPolicies()) {
    if (p.name() == "readwrite") readwrite.push_back(p);
  }
  EXPECT_FALSE(PoliciesAllow(readwrite, "admin", "*", "*"));
  EXPECT_TRUE(PoliciesAllow(readwrite, "service", "exec", "prod"));
}

TEST(Rbac, RequestNamespaceFollowsTheRule) {
  api::CreateNamespaceRequest create;
  create.mutable_namespace_()->set_name("prod");
  EXPECT_EQ(RequestNamespace(*FindRpcRule("/rune.api.NamespaceService/CreateNamespace"), create),
            "prod");
  EXPECT_EQ(RequestNamespace(*FindRpcRule("/rune.api.NamespaceService/ListNamespaces"),
                             api::ListNamespacesRequest()),
            "*");
  EXPECT_EQ(RequestNamespace(*FindRpcRule("/rune.api.NamespaceService/GetNamespace"),
                             api::GetNamespaceRequest()),
            "default");
}

class IdentityTest : public ::testing::Test {
 protected:
  IdentityTest()
      : store_(store::NewMemoryStore()), identity_(store_.get(), [this] { return now_; }) {
    EXPECT_TRUE(identity_.SeedBuiltinPolicies().ok());
  }

  absl::Time now_ = absl::FromUnixSeconds(1800000000);
  std::unique_ptr<store::Store> store_;
  Identity identity_;
};

TEST_F(IdentityTest, BootstrapOnceWhileATokenIsActive) {
  absl::StatusOr<api::BootstrapResponse> first = identity_.Bootstrap();
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<Subject> root = identity_.Authenticate(first->token());
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->name, "root");
  EXPECT_EQ(root->policy_names, std::vector<std::string>{"root"});
  absl::StatusOr<api::BootstrapResponse> again = identity_.Bootstrap();
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.status().message(), "server already bootstrapped: active tokens exist");
  // Once every token is revoked, bootstrap works again (recovery path).
  ASSERT_TRUE(identity_.RevokeToken(first->token_id()).ok());
  EXPECT_TRUE(identity_.Bootstrap().ok());
}

TEST_F(IdentityTest, TokensExpireAndRevokeOnTheNextCall) {
  const api::BootstrapResponse root = *identity_.Bootstrap();
  const Subject caller = *identity_.Authenticate(root.token());
  api::CreateTokenRequest request;
  request.set_name("ci");
  request.set_ttl_seconds(60);
  absl::StatusOr<api::CreateTokenResponse> ci = identity_.CreateToken(request, caller);
  ASSERT_TRUE(ci.ok()) << ci.status();
  EXPECT_TRUE(identity_.Authenticate(ci->token()).ok());
  now_ += absl::Seconds(61);
  EXPECT_EQ(identity_.Authenticate(ci->token()).status().message(), "invalid bearer token");
  ASSERT_TRUE(identity_.RevokeToken(root.token_id()).ok());
  EXPECT_EQ(identity_.Authenticate(root.token()).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(identity_.RevokeToken(root.token_id())->already_revoked());
  // Both were issued at the same instant, so the list order between them
  // follows their random IDs; look them up by name.
  std::map<std::string, api::TokenInfo::Status> status;
  const api::ListTokensResponse list = *identity_.ListTokens(api::ListTokensRequest());
  for (const api::TokenInfo& t : list.tokens()) {
    status[t.name()] = t.status();
  }
  EXPECT_EQ(status, (std::map<std::string, api::TokenInfo::Status>{
                        {"bootstrap", api::TokenInfo::REVOKED}, {"ci", api::TokenInfo::EXPIRED}}));
}

TEST_F(IdentityTest, ATamperedSecretIsRejected) {
  const api::BootstrapResponse root = *identity_.Bootstrap();
  std::string forged = root.token();
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(identity_.Authenticate(forged).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(IdentityTest, UsersPoliciesAndTheirRules) {
  const Subject root = *identity_.Authenticate(identity_.Bootstrap()->token());
  api::UpsertUserRequest alice;
  alice.set_name("alice");
  alice.add_policies("nope");
  EXPECT_EQ(identity_.UpsertUser(alice).status().message(), "policy \"nope\" not found");
  alice.clear_policies();
  alice.add_policies("readonly");
  EXPECT_EQ(identity_.UpsertUser(alice)->action(), api::CREATED);
  alice.set_email("a@example.com");
  EXPECT_EQ(identity_.UpsertUser(alice)->action(), api::UPDATED);

  api::CreatePolicyRequest policy;
  policy.mutable_policy()->set_name("readonly");
  *policy.mutable_policy()->add_rules() = Rule("services", {"get"}, "");
  EXPECT_EQ(identity_.CreatePolicy(policy).status().message(),
            "policy \"readonly\" is built-in and cannot be modified or deleted");
  policy.mutable_policy()->set_name("svc-reader");
  absl::StatusOr<api::CreatePolicyResponse> created = identity_.CreatePolicy(policy);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->policy().rules(0).resource(), "service");
  EXPECT_EQ(identity_.CreatePolicy(policy).status().code(), absl::StatusCode::kAlreadyExists);
  policy.set_replace(true);
  EXPECT_EQ(identity_.CreatePolicy(policy)->action(), api::UPDATED);
  policy.mutable_policy()->mutable_rules(0)->set_resource("pods");
  EXPECT_EQ(identity_.CreatePolicy(policy).status().message(),
            "validation error: policy.rules[0].resource: must be one of: *, service, instance, "
            "namespace, secret, configmap, node, admin; got \"pods\"");

  api::AttachPolicyRequest attach;
  attach.set_policy("svc-reader");
  attach.set_user("alice");
  EXPECT_FALSE(identity_.AttachPolicy(attach)->already_attached());
  EXPECT_TRUE(identity_.AttachPolicy(attach)->already_attached());
  api::DeletePolicyRequest del;
  del.set_name("svc-reader");
  EXPECT_EQ(identity_.DeletePolicy(del).status().message(),
            "policy \"svc-reader\" is attached to users: alice");
  del.set_force(true);
  EXPECT_EQ(identity_.DeletePolicy(del)->detached_users(0), "alice");

  EXPECT_EQ(identity_.DeleteUser("root", root).status().message(),
            "cannot delete the calling user \"root\"");
  api::CreateTokenRequest token;
  token.set_name("a1");
  token.set_subject_name("alice");
  const std::string secret = identity_.CreateToken(token, root)->token();
  EXPECT_EQ(identity_.Authenticate(secret)->name, "alice");
  EXPECT_EQ(identity_.DeleteUser("alice", root)->revoked_tokens(), 1);
  EXPECT_FALSE(identity_.Authenticate(secret).ok());
}

TEST_F(IdentityTest, BuiltinsAreRewrittenCanonicallyOnSeed) {
  ASSERT_TRUE(identity_.SeedBuiltinPolicies().ok());
  const uint64_t revision = store_->Revision();
  ASSERT_TRUE(identity_.SeedBuiltinPolicies().ok());
  EXPECT_EQ(store_->Revision(), revision);  // unchanged built-ins are not rewritten
  EXPECT_EQ(identity_.ListPolicies()->policies_size(), 4);
}

class AuthorizerTest : public IdentityTest {
 protected:
  CallCredentials Call(const std::string& method, std::optional<std::string> token,
                       const std::string& peer = "ipv4:127.0.0.1:4000") {
    CallCredentials c{method, peer, std::nullopt};
    if (token.has_value()) c.authorization = "Bearer " + *token;
    return c;
  }
};

TEST_F(AuthorizerTest, AuthenticatesThrottlesAndChecksLocality) {
  Authorizer authz(&identity_, AuthConfig{true, false, 2}, [this] { return now_; });
  const std::string root = identity_.Bootstrap()->token();
  const api::ListNamespacesRequest list;
  const std::string method = "/rune.api.NamespaceService/ListNamespaces";
  EXPECT_EQ(authz.Check(Call(method, std::nullopt), &list).status().message(),
            "missing bearer token");
  CallCredentials basic = Call(method, std::nullopt);
  basic.authorization = "Basic abc";
  EXPECT_EQ(authz.Check(basic, &list).status().message(), "missing bearer token");
  CallCredentials lower = Call(method, std::nullopt);
  lower.authorization = "bearer " + root;
  EXPECT_TRUE(authz.Check(lower, &list).ok());
  // Two failures are tolerated, the third throttles the peer for a minute,
  // even for a good token; other peers are unaffected.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(authz.Check(Call(method, "rune_bad"), &list).status().message(),
              "invalid bearer token");
  }
  absl::Status throttled = authz.Check(Call(method, root), &list).status();
  EXPECT_EQ(throttled.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(throttled.message(), "too many failed authentication attempts; retry in 60s");
  EXPECT_TRUE(authz.Check(Call(method, root, "ipv6:[::1]:5000"), &list).ok());
  now_ += absl::Seconds(61);
  EXPECT_TRUE(authz.Check(Call(method, root), &list).ok());
  // Admin RPCs only from loopback.
  const std::string users = "/rune.api.AdminService/ListUsers";
  EXPECT_TRUE(authz.Check(Call(users, root), nullptr).ok());
  absl::Status remote = authz.Check(Call(users, root, "ipv4:10.1.2.3:4000"), nullptr).status();
  EXPECT_EQ(remote.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(remote.message(),
            "admin operations are allowed only from localhost unless auth.allow_remote_admin is "
            "true");
  EXPECT_EQ(authz.Check(Call("/rune.api.AdminService/Bootstrap", std::nullopt, "ipv4:10.1.2.3:1"),
                        nullptr)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  Authorizer remote_ok(&identity_, AuthConfig{true, true, 10}, [this] { return now_; });
  EXPECT_TRUE(remote_ok.Check(Call(users, root, "ipv4:10.1.2.3:4000"), nullptr).ok());
}

TEST_F(AuthorizerTest, DisabledAuthRunsAsAnonymousRoot) {
  Authorizer authz(&identity_, AuthConfig{false, false, 10}, [this] { return now_; });
  absl::StatusOr<Subject> s =
      authz.Check(Call("/rune.api.NamespaceService/DeleteNamespace", std::nullopt), nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "anonymous");
}

TEST(Peers, LoopbackDetection) {
  EXPECT_TRUE(IsLoopbackPeer("ipv4:127.0.0.1:1"));
  EXPECT_TRUE(IsLoopbackPeer("ipv4:127.8.9.1:1"));
  EXPECT_TRUE(IsLoopbackPeer("ipv6:[::1]:1"));
  EXPECT_TRUE(IsLoopbackPeer("unix:/run/rune.sock"));
  EXPECT_FALSE(IsLoopbackPeer("ipv4:10.0.0.1:1"));
  EXPECT_FALSE(IsLoopbackPeer("ipv6:[fe80::1]:1"));
  EXPECT_EQ(PeerIp("ipv6:[::1]:5000"), "::1");
}

}  // namespace
}  // namespace rune::daemon::auth
