// Authorization of every RPC, against a real in-process gRPC server with the
// services runed registers and a memory store:
//  * the descriptor walk: every method of every rune.api service refuses a
//    call without a token (M02), with an unknown token (M03) and with a token
//    whose policy lacks the verb (M04), so a new RPC cannot forget auth;
//  * the matrix: {no token, malformed, unknown, expired, revoked, wrong verb,
//    wrong namespace, allowed} × every implemented RPC;
//  * namespace checks that read the object (creates) and the exec init
//    message (streams).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/admin.grpc.pb.h"
#include "proto/api_descriptors.h"
#include "proto/exec.grpc.pb.h"
#include "proto/health.pb.h"
#include "proto/namespace.grpc.pb.h"
#include "runed/api/test_server.h"
#include "runed/auth/rbac.h"

namespace rune::daemon {
namespace {

const std::vector<std::string> kServices = {
    "NamespaceService", "ServiceService", "InstanceService", "LogService", "ExecService",
    "HealthService",    "SecretService",  "ConfigmapService", "AuthService", "AdminService"};

// Services registered with real handlers (the rest answer through the
// authorizing generic service).
const std::vector<std::string> kImplemented = {"NamespaceService", "ServiceService",
                                                "ExecService",      "LogService",
                                                "SecretService",    "ConfigmapService",
                                                "AuthService",      "AdminService"};

std::vector<const google::protobuf::MethodDescriptor*> AllMethods() {
  api::LinkApiDescriptors();
  std::vector<const google::protobuf::MethodDescriptor*> out;
  for (const std::string& name : kServices) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("rune.api." + name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) out.push_back(service->method(i));
  }
  return out;
}

std::string FullName(const google::protobuf::MethodDescriptor* m) {
  return absl::StrCat("/", m->service()->full_name(), "/", m->name());
}

bool IsImplemented(const google::protobuf::MethodDescriptor* m) {
  if (m->service()->name() == "AdminService" && absl::StrContains(m->name(), "Registr")) {
    return false;
  }
  for (const std::string& s : kImplemented) {
    if (m->service()->name() == s) return true;
  }
  return false;
}

class AuthzTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stub_ = std::make_unique<grpc::GenericStub>(server_.channel());
    // wrong verb: a policy that grants only `get` on nodes.
    server_.TokenWithRule("node-reader", "node", {"get"}, "");
    // wrong namespace: everything, but only in namespace `other`.
    server_.TokenWithRule("other-only", "*", {"*"}, "other");
    api::CreateTokenRequest expiring;
    expiring.set_name("short");
    expiring.set_ttl_seconds(10);
    expired_ = server_.identity()->CreateToken(expiring, server_.root())->token();
    api::CreateTokenRequest revoked;
    revoked.set_name("gone");
    api::CreateTokenResponse r = *server_.identity()->CreateToken(revoked, server_.root());
    revoked_ = r.token();
    ASSERT_TRUE(server_.identity()->RevokeToken(r.id()).ok());
    server_.now() += absl::Seconds(11);  // `expired_` is now expired
    node_reader_ = server_.TokenFor("node-reader");
  }

  std::string FreshToken(const std::string& user) { return server_.TokenFor(user); }
  std::string RootToken() { return FreshToken("root"); }

  // Calls `method` with one request message (`request` serialized; default:
  // all fields unset) and returns the final status. Streams are cancelled
  // after their first response.
  grpc::Status Call(const std::string& method, const std::optional<std::string>& token,
                    const std::string& request = "") {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (token.has_value()) ctx.AddMetadata("authorization", "Bearer " + *token);
    grpc::CompletionQueue cq;
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub_->PrepareCall(&ctx, method, &cq);
    void* tag;
    bool ok;
    call->StartCall(reinterpret_cast<void*>(1));
    cq.Next(&tag, &ok);
    grpc::Slice slice(request);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    cq.Next(&tag, &ok);
    call->WritesDone(reinterpret_cast<void*>(3));
    cq.Next(&tag, &ok);
    std::string name = method.substr(1);
    name[name.find('/')] = '.';
    const google::protobuf::MethodDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
    const bool streaming = descriptor != nullptr && descriptor->server_streaming();
    grpc::ByteBuffer response;
    for (;;) {
      call->Read(&response, reinterpret_cast<void*>(4));
      cq.Next(&tag, &ok);
      if (!ok) break;
      if (streaming) ctx.TryCancel();  // a watch would run forever
    }
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(5));
    cq.Next(&tag, &ok);
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    return status;
  }

  TestServer server_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::string node_reader_, expired_, revoked_;
};

constexpr char kUnknownToken[] = "rune_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

TEST_F(AuthzTest, EveryMethodHasAnRbacRule) {
  for (const google::protobuf::MethodDescriptor* m : AllMethods()) {
    EXPECT_NE(auth::FindRpcRule(FullName(m)), nullptr) << FullName(m);
  }
  EXPECT_EQ(auth::RpcRules().size(), AllMethods().size());
}

TEST_F(AuthzTest, DescriptorWalkRefusesEveryMethodWithoutValidCredentials) {
  int checked = 0;
  for (const google::protobuf::MethodDescriptor* m : AllMethods()) {
    const std::string method = FullName(m);
    const auth::RpcRule* rule = auth::FindRpcRule(method);
    ASSERT_NE(rule, nullptr) << method;
    if (rule->check == auth::RpcRule::Check::kNone) continue;  // Bootstrap, GetVersion
    grpc::Status none = Call(method, std::nullopt);
    EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
    EXPECT_EQ(none.error_message(), "missing bearer token") << method;
    grpc::Status bad = Call(method, kUnknownToken);
    EXPECT_EQ(bad.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
    EXPECT_EQ(bad.error_message(), "invalid bearer token") << method;
    if (rule->check == auth::RpcRule::Check::kRbac) {
      // An empty GetHealth asks about the node, which node-reader may see.
      std::string request;
      if (method == "/rune.api.HealthService/GetHealth") {
        api::GetHealthRequest health;
        health.set_name("api");
        request = health.SerializeAsString();
      }
      grpc::Status denied = Call(method, node_reader_, request);
      EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED) << method;
      EXPECT_EQ(denied.error_message(),
                absl::StrCat("access denied for resource: ", rule->resource, " verb: ", rule->verb))
          << method;
    }
    ++checked;
  }
  EXPECT_GE(checked, 55);
}

TEST_F(AuthzTest, MatrixOverImplementedMethods) {
  struct Case {
    const char* name;
    std::optional<std::string> token;
  };
  int cells = 0;
  for (const google::protobuf::MethodDescriptor* m : AllMethods()) {
    if (!IsImplemented(m)) continue;
    const std::string method = FullName(m);
    const auth::RpcRule* rule = auth::FindRpcRule(method);
    if (rule->check == auth::RpcRule::Check::kNone) continue;
    const bool rbac = rule->check == auth::RpcRule::Check::kRbac;
    const std::vector<std::pair<Case, grpc::StatusCode>> matrix = {
        {{"no token", std::nullopt}, grpc::StatusCode::UNAUTHENTICATED},
        {{"malformed", std::string("not-a-token")}, grpc::StatusCode::UNAUTHENTICATED},
        {{"unknown", std::string(kUnknownToken)}, grpc::StatusCode::UNAUTHENTICATED},
        {{"expired", expired_}, grpc::StatusCode::UNAUTHENTICATED},
        {{"revoked", revoked_}, grpc::StatusCode::UNAUTHENTICATED},
        {{"wrong verb", FreshToken("node-reader")},
         rbac ? grpc::StatusCode::PERMISSION_DENIED : grpc::StatusCode::OK},
        {{"wrong namespace", FreshToken("other-only")},
         rbac ? grpc::StatusCode::PERMISSION_DENIED : grpc::StatusCode::OK},
        {{"allowed", RootToken()}, grpc::StatusCode::OK},
    };
    for (const auto& [c, expected] : matrix) {
      const grpc::Status s = Call(method, c.token);
      ++cells;
      if (expected == grpc::StatusCode::OK) {
        // Past authorization: whatever the handler answers, it is not an
        // authentication or authorization refusal.
        EXPECT_NE(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method << " " << c.name;
        EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << method << " " << c.name << ": " << s.error_message();
      } else {
        EXPECT_EQ(s.error_code(), expected) << method << " " << c.name << ": " << s.error_message();
      }
    }
  }
  EXPECT_GE(cells, 8 * 20);
  std::cout << "authorization matrix: " << cells << " cells\n";
}

TEST_F(AuthzTest, CreatesAndStreamsCheckTheObjectsNamespace) {
  const std::string prod_admin = server_.TokenWithRule("prod-admin", "*", {"*"}, "prod");
  api::CreateNamespaceRequest create;
  create.mutable_namespace_()->set_name("dev");
  grpc::Status denied =
      Call("/rune.api.NamespaceService/CreateNamespace", prod_admin, create.SerializeAsString());
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  create.mutable_namespace_()->set_name("prod");
  EXPECT_TRUE(
      Call("/rune.api.NamespaceService/CreateNamespace", prod_admin, create.SerializeAsString()).ok());

  api::ExecRequest exec;
  exec.mutable_init()->set_namespace_("dev");
  exec.mutable_init()->set_target("api");
  exec.mutable_init()->add_command("true");
  EXPECT_EQ(Call("/rune.api.ExecService/Exec", prod_admin, exec.SerializeAsString()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  exec.mutable_init()->set_namespace_("prod");
  // Past authorization: the target does not exist (M16).
  EXPECT_EQ(Call("/rune.api.ExecService/Exec", prod_admin, exec.SerializeAsString()).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // All-namespace requests need a rule for every namespace.
  EXPECT_EQ(Call("/rune.api.NamespaceService/ListNamespaces", prod_admin).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthzTest, HintsTravelInTrailingMetadata) {
  grpc::ClientContext ctx;
  api::GetNamespaceRequest request;
  request.set_name("nope");
  api::GetNamespaceResponse response;
  ctx.AddMetadata("authorization", "Bearer " + RootToken());
  auto stub = api::NamespaceService::NewStub(server_.channel());
  grpc::Status s = stub->GetNamespace(&ctx, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "namespace \"nope\" not found");
  auto hint = ctx.GetServerTrailingMetadata().find("x-rune-hint");
  ASSERT_NE(hint, ctx.GetServerTrailingMetadata().end());
  EXPECT_EQ(std::string(hint->second.data(), hint->second.size()),
            "create it with 'rune create namespace nope' or pass --create-namespace");
}

}  // namespace
}  // namespace rune::daemon
