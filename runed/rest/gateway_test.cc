// The REST gateway against the in-process test server: every read endpoint
// answers the proto JSON of the RPC it maps to (compared with a direct gRPC
// call), `_all`, query parameters, the error body and status mapping with the
// server's request ID, 401/403 from the same authorizer, 404/405 routing, log
// streams as server-sent events (history, follow, a client that leaves,
// shutdown), and the HTTP client's address used for throttling and admin
// locality while a forged address from a network client is ignored.
#include "runed/rest/gateway.h"

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "proto/admin.grpc.pb.h"
#include "proto/auth.grpc.pb.h"
#include "proto/configmap.grpc.pb.h"
#include "proto/health.grpc.pb.h"
#include "proto/instance.grpc.pb.h"
#include "proto/namespace.grpc.pb.h"
#include "proto/secret.grpc.pb.h"
#include "proto/service.grpc.pb.h"
#include "runed/api/request_id.h"
#include "runed/api/streams.h"
#include "runed/api/test_server.h"
#include "runed/logstore/log_file.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

using logstore::LogStream;
using logstore::LogWriter;

constexpr char kPeer[] = "ipv4:192.0.2.7:40000";

std::string Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

bool IsRequestId(const std::string& id) {
  return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The body of a streamed response, collected in memory.
class FakeStream final : public HttpStream {
 public:
  bool Write(absl::string_view data) override {
    absl::MutexLock lock(&mu_);
    if (closed_) return false;
    out_.append(data.data(), data.size());
    return true;
  }
  void OnClose(std::function<void()> on_close) override {
    {
      absl::MutexLock lock(&mu_);
      if (!closed_) {
        on_close_ = std::move(on_close);
        return;
      }
    }
    if (on_close) on_close();
  }
  // The client leaves.
  void Close() {
    std::function<void()> on_close;
    {
      absl::MutexLock lock(&mu_);
      closed_ = true;
      on_close.swap(on_close_);
    }
    if (on_close) on_close();
  }
  std::string out() {
    absl::MutexLock lock(&mu_);
    return out_;
  }
  // Waits until the body contains `needle`.
  bool WaitFor(const std::string& needle) {
    absl::MutexLock lock(&mu_);
    auto has = [this, &needle] {
      mu_.AssertHeld();
      return absl::StrContains(out_, needle);
    };
    return mu_.AwaitWithTimeout(absl::Condition(&has), absl::Seconds(10));
  }

 private:
  absl::Mutex mu_;
  std::string out_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> on_close_ ABSL_GUARDED_BY(mu_);
};

class GatewayTest : public ::testing::Test {
 protected:
  explicit GatewayTest(TestServerOptions options = {})
      : server_(std::move(options)), gateway_(&state_), root_(server_.TokenFor("root")) {
    gateway_.Connect(server_.InProcessChannel());
  }

  HttpResponse Get(const std::string& target, const std::string& token = "<root>",
                   const std::string& peer = kPeer, const std::string& method = "GET") {
    HttpRequest r;
    r.method = method;
    const size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    if (!token.empty())
      r.headers["authorization"] = "Bearer " + (token == "<root>" ? root_ : token);
    r.peer = peer;
    HttpResponse response = gateway_.Handle(r);
    for (const auto& [k, v] : response.headers) {
      EXPECT_FALSE(absl::StartsWithIgnoreCase(k, "Access-Control-")) << k;
    }
    return response;
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + (token.empty() ? root_ : token));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return ctx;
  }

  // The proto JSON of a direct gRPC call's reply, for comparison.
  template <typename Stub, typename Request, typename Response>
  std::string Direct(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                     const Request& request) {
    Stub stub(server_.channel());
    Response response;
    const grpc::Status s = (stub.*method)(Ctx().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(response, &json).ok());
    return json;
  }

  void Apply(const std::string& ns, const std::string& name, const std::string& label,
             const std::string& depends_on = "") {
    api::ApplyServiceRequest request;
    api::ServiceSpec* spec = request.mutable_spec();
    spec->set_namespace_(ns);
    spec->set_name(name);
    spec->set_image("nginx:1.25");
    spec->set_scale(1);
    (*spec->mutable_labels())["app"] = label;
    if (!depends_on.empty()) {
      api::Dependency* dep = spec->add_dependencies();
      dep->set_kind(api::Dependency::SERVICE);
      dep->set_name(depends_on);
    }
    api::ApplyServiceResponse response;
    grpc::Status s = api::ServiceService::NewStub(server_.channel())
                         ->ApplyService(Ctx().get(), request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // An instance record of `service`, registered with the log store; returns
  // a writer on its log file.
  std::unique_ptr<LogWriter> PutInstance(const std::string& ns, const std::string& service,
                                         const std::string& id) {
    api::Instance instance;
    instance.set_id(id);
    instance.set_name(service + "-0");
    instance.set_namespace_(ns);
    instance.set_service(service);
    instance.set_generation(1);
    instance.set_status(api::Instance::RUNNING);
    EXPECT_TRUE(
        server_.store()
            ->Update([&](store::WriteTxn& txn) {
              return txn.Put(store::kInstance, ns, id, instance.SerializeAsString()).status();
            })
            .ok());
    EXPECT_TRUE(server_.logs()->RegisterInstance(ns, id, service, instance.name()).ok());
    auto writer = LogWriter::Open(server_.logs()->PathOf(ns, id), 1 << 20);
    EXPECT_TRUE(writer.ok()) << writer.status();
    return std::move(*writer);
  }

  // Namespace "other", services default/api (app=web), default/web (app=front,
  // depends on api), other/db; an instance of api; secret db; configmap app.
  void Seed() {
    api::CreateNamespaceRequest ns;
    ns.mutable_namespace_()->set_name("other");
    api::CreateNamespaceResponse created;
    ASSERT_TRUE(api::NamespaceService::NewStub(server_.channel())
                    ->CreateNamespace(Ctx().get(), ns, &created)
                    .ok());
    Apply("default", "api", "web");
    Apply("default", "web", "front", "api");
    Apply("other", "db", "db");
    writer_ = PutInstance("default", "api", "api-instance-0000000a");
    api::CreateSecretRequest secret;
    secret.mutable_secret()->set_name("db");
    (*secret.mutable_secret()->mutable_data())["password"] = "hunter2";
    api::CreateSecretResponse secret_reply;
    ASSERT_TRUE(api::SecretService::NewStub(server_.channel())
                    ->CreateSecret(Ctx().get(), secret, &secret_reply)
                    .ok());
    api::CreateConfigmapRequest config;
    config.mutable_configmap()->set_name("app");
    (*config.mutable_configmap()->mutable_data())["LOG_LEVEL"] = "debug";
    api::CreateConfigmapResponse config_reply;
    ASSERT_TRUE(api::ConfigmapService::NewStub(server_.channel())
                    ->CreateConfigmap(Ctx().get(), config, &config_reply)
                    .ok());
  }

  void ExpectError(const HttpResponse& r, int status, const std::string& code,
                   const std::string& message) {
    EXPECT_EQ(r.status, status) << r.body;
    const std::string id = Header(r, "X-Rune-Request-Id");
    EXPECT_TRUE(IsRequestId(id)) << id;
    EXPECT_EQ(r.body, absl::StrCat("{\"code\":\"", code, "\",\"message\":\"", message,
                                   "\",\"request_id\":\"", id, "\"}"));
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_FALSE(r.stream);
  }

  ServingState state_;
  TestServer server_;
  RestGateway gateway_;
  std::string root_;
  std::unique_ptr<LogWriter> writer_;
};

TEST_F(GatewayTest, ReadEndpointsAnswerTheProtoJsonOfTheirRpc) {
  Seed();
  using NS = api::NamespaceService::Stub;
  using SS = api::ServiceService::Stub;
  using IS = api::InstanceService::Stub;
  api::GetNamespaceRequest get_ns;
  get_ns.set_name("default");
  api::ListServicesRequest list_default;
  list_default.set_namespace_("default");
  api::ListServicesRequest list_web = list_default;
  list_web.set_selector("app=web");
  api::ListServicesRequest list_all;
  list_all.set_namespace_("*");
  api::GetServiceRequest get_api;
  get_api.set_namespace_("default");
  get_api.set_name("api");
  api::GetServiceHistoryRequest history;
  history.set_namespace_("default");
  history.set_name("api");
  api::ListDependentsRequest dependents;
  dependents.set_namespace_("default");
  dependents.set_name("api");
  api::ListInstancesRequest instances;
  instances.set_namespace_("default");
  instances.set_service("api");
  api::GetInstanceRequest instance;
  instance.set_namespace_("default");
  instance.set_id("api-instance-0000000a");
  api::ListSecretsRequest secrets;
  secrets.set_namespace_("default");
  api::GetSecretRequest secret;
  secret.set_namespace_("default");
  secret.set_name("db");
  api::ListConfigmapsRequest configmaps;
  configmaps.set_namespace_("default");
  api::GetConfigmapRequest configmap;
  configmap.set_namespace_("default");
  configmap.set_name("app");
  api::GetHealthRequest service_health;
  service_health.set_kind(api::GetHealthRequest::SERVICE);
  service_health.set_namespace_("default");
  service_health.set_name("api");
  api::GetHealthRequest checked_health = service_health;
  checked_health.set_include_checks(true);
  api::GetHealthRequest instance_health;
  instance_health.set_kind(api::GetHealthRequest::INSTANCE);
  instance_health.set_namespace_("default");
  instance_health.set_name("api-instance-0000000a");

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v1/namespaces", Direct(&NS::ListNamespaces, api::ListNamespacesRequest())},
      {"/v1/namespaces/default", Direct(&NS::GetNamespace, get_ns)},
      {"/v1/namespaces/default/services", Direct(&SS::ListServices, list_default)},
      {"/v1/namespaces/default/services?selector=app%3Dweb", Direct(&SS::ListServices, list_web)},
      {"/v1/namespaces/_all/services", Direct(&SS::ListServices, list_all)},
      {"/v1/namespaces/default/services/api", Direct(&SS::GetService, get_api)},
      {"/v1/namespaces/default/services/api/history", Direct(&SS::GetServiceHistory, history)},
      {"/v1/namespaces/default/services/api/dependents", Direct(&SS::ListDependents, dependents)},
      {"/v1/namespaces/default/instances?service=api", Direct(&IS::ListInstances, instances)},
      {"/v1/namespaces/default/instances/api-instance-0000000a",
       Direct(&IS::GetInstance, instance)},
      {"/v1/namespaces/default/secrets", Direct(&api::SecretService::Stub::ListSecrets, secrets)},
      {"/v1/namespaces/default/secrets/db", Direct(&api::SecretService::Stub::GetSecret, secret)},
      {"/v1/namespaces/default/configmaps",
       Direct(&api::ConfigmapService::Stub::ListConfigmaps, configmaps)},
      {"/v1/namespaces/default/configmaps/app",
       Direct(&api::ConfigmapService::Stub::GetConfigmap, configmap)},
      {"/v1/namespaces/default/health/services/api",
       Direct(&api::HealthService::Stub::GetHealth, service_health)},
      {"/v1/namespaces/default/health/services/api?checks=true",
       Direct(&api::HealthService::Stub::GetHealth, checked_health)},
      {"/v1/namespaces/default/health/instances/api-instance-0000000a",
       Direct(&api::HealthService::Stub::GetHealth, instance_health)},
      {"/v1/auth/whoami", Direct(&api::AuthService::Stub::WhoAmI, api::WhoAmIRequest())},
  };
  for (const auto& [target, want] : cases) {
    const HttpResponse r = Get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json") << target;
    EXPECT_EQ(r.body, want) << target;
    EXPECT_TRUE(IsRequestId(Header(r, "X-Rune-Request-Id"))) << target;
  }

  // What those bodies hold, spelled out for a few.
  EXPECT_TRUE(
      absl::StrContains(Get("/v1/namespaces/_all/services").body, "\"namespace\":\"other\""));
  const std::string selected = Get("/v1/namespaces/default/services?selector=app%3Dweb").body;
  EXPECT_TRUE(absl::StrContains(selected, "\"name\":\"api\"")) << selected;
  EXPECT_FALSE(absl::StrContains(selected, "\"name\":\"web\"")) << selected;
  EXPECT_TRUE(absl::StrContains(Get("/v1/namespaces/default/services/api/history").body,
                                "\"currentGeneration\":\"1\""));
  const std::string secret_body = Get("/v1/namespaces/default/secrets/db").body;
  EXPECT_TRUE(absl::StrContains(secret_body, "\"password\"")) << secret_body;
  EXPECT_FALSE(absl::StrContains(secret_body, "hunter2")) << secret_body;
  EXPECT_FALSE(absl::StrContains(secret_body, absl::Base64Escape("hunter2"))) << secret_body;
  EXPECT_TRUE(absl::StrContains(Get("/v1/auth/whoami").body, "\"name\":\"root\""));
  const HttpResponse node = Get("/v1/health/node");
  EXPECT_EQ(node.status, 200) << node.body;
  EXPECT_TRUE(absl::StartsWith(node.body, "{\"kind\":\"NODE\",\"node\":{")) << node.body;
}

TEST_F(GatewayTest, AuthenticationAndRbacAreTheRpcs) {
  Seed();
  HttpResponse r = Get("/v1/namespaces", "");
  ExpectError(r, 401, "Unauthenticated", "missing bearer token");
  EXPECT_EQ(Header(r, "WWW-Authenticate"), "Bearer");
  ExpectError(Get("/v1/namespaces", "rune_0123456789abcdef.not-a-real-secret"), 401,
              "Unauthenticated", "invalid bearer token");
  HttpRequest basic;
  basic.method = "GET";
  basic.path = "/v1/auth/whoami";
  basic.headers["authorization"] = "Basic cm9vdDpyb290";
  basic.peer = kPeer;
  ExpectError(gateway_.Handle(basic), 401, "Unauthenticated", "missing bearer token");
  basic.headers["authorization"] = "Bearer \x01\xff";  // not even metadata-safe
  ExpectError(gateway_.Handle(basic), 401, "Unauthenticated", "invalid bearer token");

  const std::string getter = server_.TokenWithRule("getter", "service", {"get"}, "default");
  EXPECT_EQ(Get("/v1/namespaces/default/services/api", getter).status, 200);
  ExpectError(Get("/v1/namespaces/default/services", getter), 403, "PermissionDenied",
              "access denied for resource: service verb: list");
  ExpectError(Get("/v1/namespaces/other/services/db", getter), 403, "PermissionDenied",
              "access denied for resource: service verb: get");
  ExpectError(Get("/v1/namespaces/_all/services", getter), 403, "PermissionDenied",
              "access denied for resource: service verb: list");
  ExpectError(Get("/v1/namespaces/default/logs/api", getter), 403, "PermissionDenied",
              "access denied for resource: service verb: watch");
  // whoami needs a valid token only.
  EXPECT_EQ(Get("/v1/auth/whoami", getter).status, 200);
}

TEST_F(GatewayTest, ErrorsCarryTheServersRequestId) {
  Seed();
  HttpResponse r = Get("/v1/namespaces/default/services/nope");
  ExpectError(r, 404, "NotFound", "service \\\"nope\\\" not found in namespace \\\"default\\\"");
  ExpectError(Get("/v1/namespaces/default/instances/nope"), 404, "NotFound",
              "instance \\\"nope\\\" not found in namespace \\\"default\\\"");
  const HttpResponse selector = Get("/v1/namespaces/default/services?selector=%3D%3D");
  EXPECT_EQ(selector.status, 400) << selector.body;
  EXPECT_TRUE(absl::StartsWith(selector.body, "{\"code\":\"InvalidArgument\",")) << selector.body;
  // Each call gets its own ID.
  EXPECT_NE(Header(r, "X-Rune-Request-Id"),
            Header(Get("/v1/namespaces/default/services/nope"), "X-Rune-Request-Id"));
}

TEST_F(GatewayTest, RoutesMethodsAndQueryParameters) {
  ExpectError(Get("/v2/namespaces"), 404, "NotFound", "no route for /v2/namespaces");
  ExpectError(Get("/v1/namespaces/"), 404, "NotFound", "no route for /v1/namespaces/");
  ExpectError(Get("/v1/namespaces/default/widgets"), 404, "NotFound",
              "no route for /v1/namespaces/default/widgets");
  ExpectError(Get("/v1/namespaces//services"), 404, "NotFound",
              "no route for /v1/namespaces//services");
  ExpectError(Get("/v1/namespaces/default/logs/"), 404, "NotFound",
              "no route for /v1/namespaces/default/logs/");
  HttpResponse r = Get("/v1/namespaces", "<root>", kPeer, "POST");
  ExpectError(r, 405, "Unimplemented", "method POST is not allowed on /v1/namespaces; use GET");
  EXPECT_EQ(Header(r, "Allow"), "GET");
  EXPECT_EQ(Get("/healthz", "", kPeer, "DELETE").status, 405);
  EXPECT_EQ(Get("/nope", "", kPeer, "DELETE").status, 404);

  ExpectError(Get("/v1/namespaces/default/logs/api?tail=abc"), 400, "InvalidArgument",
              "invalid value \\\"abc\\\" for query parameter \\\"tail\\\": not an integer");
  ExpectError(
      Get("/v1/namespaces/default/logs/api?since=yesterday"), 400, "InvalidArgument",
      "invalid value \\\"yesterday\\\" for query parameter \\\"since\\\": invalid duration or "
      "RFC 3339 time");
  ExpectError(Get("/v1/namespaces/default/logs/api?until=5x"), 400, "InvalidArgument",
              "invalid value \\\"5x\\\" for query parameter \\\"until\\\": invalid duration or RFC "
              "3339 time");
  ExpectError(
      Get("/v1/namespaces/default/logs/api?follow=maybe"), 400, "InvalidArgument",
      "invalid value \\\"maybe\\\" for query parameter \\\"follow\\\": must be true or false");
  ExpectError(Get("/v1/namespaces/default/health/services/api?checks=2"), 400, "InvalidArgument",
              "invalid value \\\"2\\\" for query parameter \\\"checks\\\": must be true or false");
  ExpectError(Get("/v1/namespaces/default/services?selector=a&limit=3"), 400, "InvalidArgument",
              "unknown query parameter \\\"limit\\\" for /v1/namespaces/default/services (it takes "
              "selector)");
  ExpectError(Get("/v1/namespaces?x"), 400, "InvalidArgument",
              "unknown query parameter \\\"x\\\" for /v1/namespaces (it takes none)");
  ExpectError(Get("/v1/namespaces/default/services?selector=%zz"), 400, "InvalidArgument",
              "invalid percent-encoding in \\\"%zz\\\"");
  ExpectError(Get("/v1/namespaces/default/services?selector=a&selector=b"), 400, "InvalidArgument",
              "query parameter \\\"selector\\\" is given more than once");
  ExpectError(Get("/v1/namespaces/de%2"), 400, "InvalidArgument",
              "invalid percent-encoding in \\\"de%2\\\"");

  // Unauthenticated routes.
  state_.value = Serving::kReady;
  r = Get("/healthz", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"status\":\"ok\"}");
  r = Get("/v1/version", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(absl::StartsWith(r.body, "{\"version\":\"")) << r.body;
}

TEST_F(GatewayTest, LogsAreServerSentEvents) {
  Seed();
  const absl::Time t0 = absl::FromUnixSeconds(1800000000);
  ASSERT_TRUE(writer_->Append(t0, LogStream::kStdout, "one").ok());
  ASSERT_TRUE(writer_->Append(t0 + absl::Seconds(1), LogStream::kStderr, "two").ok());
  ASSERT_TRUE(writer_->Append(t0 + absl::Seconds(2), LogStream::kStdout, "three").ok());

  const std::string want =
      "data: {\"timestamp\":\"2027-01-15T08:00:01Z\",\"namespace\":\"default\",\"service\":\"api\","
      "\"instanceId\":\"api-instance-0000000a\",\"instanceName\":\"api-0\",\"stream\":\"STDERR\","
      "\"content\":\"" +
      absl::Base64Escape("two") +
      "\"}\n\n"
      "data: {\"timestamp\":\"2027-01-15T08:00:02Z\",\"namespace\":\"default\",\"service\":\"api\","
      "\"instanceId\":\"api-instance-0000000a\",\"instanceName\":\"api-0\",\"stream\":\"STDOUT\","
      "\"content\":\"" +
      absl::Base64Escape("three") + "\"}\n\n";
  for (const std::string target : {"api", "service/api", "service%2Fapi", "svc/api",
                                   "instance/api-instance-0000000a", "api-0"}) {
    HttpResponse r = Get("/v1/namespaces/default/logs/" + target + "?tail=2");
    ASSERT_EQ(r.status, 200) << target << ": " << r.body;
    EXPECT_EQ(r.content_type, "text/event-stream");
    EXPECT_TRUE(IsRequestId(Header(r, "X-Rune-Request-Id")));
    ASSERT_TRUE(r.stream) << target;
    FakeStream out;
    r.stream(out);
    EXPECT_EQ(out.out(), want) << target;
  }
  // Filters are the server's: grep is a regex, since an instant.
  HttpResponse r =
      Get("/v1/namespaces/default/logs/api?grep=t%5Bwh%5D&since=2027-01-15T08%3A00%3A01Z");
  ASSERT_TRUE(r.stream) << r.body;
  FakeStream filtered;
  r.stream(filtered);
  EXPECT_EQ(filtered.out(), want);
  // Nothing selected and not following: an empty event stream.
  r = Get("/v1/namespaces/default/logs/api?tail=0");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/event-stream");
  EXPECT_FALSE(r.stream);
  EXPECT_EQ(r.body, "");

  ExpectError(Get("/v1/namespaces/default/logs/nope"), 404, "NotFound",
              "service or instance \\\"nope\\\" not found in namespace \\\"default\\\"");
  ExpectError(Get("/v1/namespaces/default/logs/service/nope"), 404, "NotFound",
              "service \\\"nope\\\" not found in namespace \\\"default\\\"");
  EXPECT_EQ(Get("/v1/namespaces/default/logs/api?follow=true&until=1m").status, 400);
  EXPECT_EQ(Get("/v1/namespaces/default/logs/api?tail=-2").status, 400);
  EXPECT_EQ(Get("/v1/namespaces/default/logs/api?grep=%28").status, 400);
}

TEST_F(GatewayTest, FollowStreamsNewLinesUntilTheClientLeaves) {
  Seed();
  // No history: the response is there before the first line.
  HttpResponse r = Get("/v1/namespaces/default/logs/api?follow&tail=0");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.stream);
  FakeStream out;
  absl::Notification returned;
  std::thread producer([&] {
    r.stream(out);
    returned.Notify();
  });
  ASSERT_TRUE(writer_->Append(absl::Now(), LogStream::kStdout, "fresh").ok());
  EXPECT_TRUE(out.WaitFor(absl::StrCat("\"content\":\"", absl::Base64Escape("fresh"), "\"}\n\n")))
      << out.out();
  EXPECT_TRUE(absl::StartsWith(out.out(), "data: {")) << out.out();
  EXPECT_FALSE(returned.HasBeenNotified());
  out.Close();
  EXPECT_TRUE(returned.WaitForNotificationWithTimeout(absl::Seconds(10)));
  producer.join();
  EXPECT_FALSE(absl::StrContains(out.out(), "event: error"));
}

// The HTTP client's address is the one throttling and admin locality judge.
class GatewayPeerTest : public GatewayTest {
 protected:
  GatewayPeerTest() : GatewayTest(Options()) {}
  static TestServerOptions Options() {
    TestServerOptions o;
    o.max_failed_attempts_per_minute = 2;
    return o;
  }
};

TEST_F(GatewayPeerTest, ThrottlingCountsTheHttpClient) {
  const std::string bad = "rune_0123456789abcdef.not-a-real-secret";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Get("/v1/namespaces", bad, "ipv4:198.51.100.1:1000").status, 401);
  ExpectError(Get("/v1/namespaces", "<root>", "ipv4:198.51.100.1:1001"), 429, "ResourceExhausted",
              "too many failed authentication attempts; retry in 60s");
  // Other HTTP clients and local gRPC clients are not affected.
  EXPECT_EQ(Get("/v1/namespaces", "<root>", "ipv4:198.51.100.2:1000").status, 200);
  api::ListNamespacesResponse list;
  EXPECT_TRUE(api::NamespaceService::NewStub(server_.channel())
                  ->ListNamespaces(Ctx().get(), api::ListNamespacesRequest(), &list)
                  .ok());
}

TEST_F(GatewayPeerTest, ANetworkClientCannotClaimAnotherAddress) {
  auto stub = api::NamespaceService::NewStub(server_.channel());
  for (int i = 0; i < 3; ++i) {
    auto ctx = Ctx("rune_0123456789abcdef.not-a-real-secret");
    ctx->AddMetadata(kHttpPeerKey, "ipv4:203.0.113.9:1");
    ctx->AddMetadata(kGatewayKeyKey, std::string(GatewayKey().size(), '0'));
    api::ListNamespacesResponse list;
    EXPECT_EQ(stub->ListNamespaces(ctx.get(), api::ListNamespacesRequest(), &list).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // The failures counted against the real peer (loopback) …
  api::ListNamespacesResponse list;
  EXPECT_EQ(stub->ListNamespaces(Ctx().get(), api::ListNamespacesRequest(), &list).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // … not against the address it claimed.
  EXPECT_EQ(Get("/v1/namespaces", "<root>", "ipv4:203.0.113.9:1").status, 200);
}

TEST_F(GatewayPeerTest, AdminLocalityFollowsTheForwardedAddress) {
  auto stub = api::AdminService::NewStub(server_.InProcessChannel());
  auto call = [&](const std::string& peer, bool with_key) {
    auto ctx = Ctx();
    ctx->AddMetadata(kHttpPeerKey, peer);
    if (with_key) ctx->AddMetadata(kGatewayKeyKey, GatewayKey());
    api::ListUsersResponse users;
    return stub->ListUsers(ctx.get(), api::ListUsersRequest(), &users);
  };
  EXPECT_TRUE(call("ipv4:127.0.0.1:5000", true).ok());
  EXPECT_TRUE(call("ipv6:[::1]:5000", true).ok());
  const grpc::Status remote = call("ipv4:198.51.100.1:5000", true);
  EXPECT_EQ(remote.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(remote.error_message(),
            "admin operations are allowed only from localhost unless auth.allow_remote_admin is "
            "true");
  // In-process without the key: no network address to trust, not local.
  EXPECT_EQ(call("ipv4:127.0.0.1:5000", false).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

// Last: the stream registry is process-wide and refuses new streams after
// Shutdown().
class GatewayShutdownTest : public GatewayTest {};

TEST_F(GatewayShutdownTest, ShutdownEndsAFollowWithAnErrorEvent) {
  Seed();
  ASSERT_TRUE(writer_->Append(absl::Now(), LogStream::kStdout, "x").ok());
  HttpResponse r = Get("/v1/namespaces/default/logs/api?follow=1");
  ASSERT_TRUE(r.stream) << r.body;
  FakeStream out;
  std::thread producer([&] { r.stream(out); });
  ASSERT_TRUE(out.WaitFor("data: "));
  Streams().Shutdown();
  producer.join();
  const std::string body = out.out();
  const size_t event = body.find(
      "event: error\ndata: {\"code\":\"Unavailable\",\"message\":\"server "
      "is shutting down\",\"request_id\":\"");
  ASSERT_NE(event, std::string::npos) << body;
  EXPECT_TRUE(absl::EndsWith(body, "\"}\n\n")) << body;
}

}  // namespace
}  // namespace rune::daemon
