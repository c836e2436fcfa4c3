// HealthService.GetHealth over a real in-process gRPC server and memory
// store, with service and instance records written directly into the store
// (the orchestrator is their only writer in runed): service and instance
// summaries, kind autodetection, M14/M16, probe checks (configured and from a
// real ProbeManager), the node, and RBAC per resolved kind.
#include "runed/api/health_service.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "gtest/gtest.h"
#include "proto/health.grpc.pb.h"
#include "runed/api/test_server.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

std::string Hint(const grpc::ClientContext& ctx) {
  auto it = ctx.GetServerTrailingMetadata().find("x-rune-hint");
  if (it == ctx.GetServerTrailingMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

std::vector<api::RunnerHealth> Runners(bool docker_enabled) {
  std::vector<api::RunnerHealth> runners(2);
  runners[0].set_name("docker");
  runners[0].set_enabled(docker_enabled);
  runners[0].set_message(docker_enabled ? "docker runner unavailable: not built" : "");
  runners[1].set_name("process");
  runners[1].set_enabled(true);
  runners[1].set_available(true);
  return runners;
}

class HealthServiceTest : public ::testing::Test {
 protected:
  explicit HealthServiceTest(bool with_runners = false)
      : probes_(std::make_unique<ProbeManager>(nullptr, ProbeCallbacks{})),
        server_(Options(probes_.get(), with_runners)),
        token_(server_.TokenFor("root")),
        stub_(api::HealthService::NewStub(server_.channel())) {}

  static TestServerOptions Options(ProbeManager* probes, bool with_runners) {
    TestServerOptions o;
    o.probes = probes;
    if (with_runners) o.runners = [] { return Runners(/*docker_enabled=*/true); };
    return o;
  }

  grpc::Status Get(const api::GetHealthRequest& request, api::GetHealthResponse* response,
                   const std::string& token = "", std::string* hint = nullptr) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + (token.empty() ? token_ : token));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status s = stub_->GetHealth(&ctx, request, response);
    if (hint != nullptr) *hint = Hint(ctx);
    return s;
  }

  static api::GetHealthRequest Request(const std::string& name,
                                       api::GetHealthRequest::Kind kind =
                                           api::GetHealthRequest::KIND_UNSPECIFIED,
                                       bool checks = false) {
    api::GetHealthRequest r;
    r.set_kind(kind);
    r.set_name(name);
    r.set_include_checks(checks);
    return r;
  }

  void PutService(const std::string& name, int scale, const api::ServiceSpec& base = {},
                  int64_t generation = 1) {
    api::Service service;
    *service.mutable_spec() = base;
    service.mutable_spec()->set_namespace_("default");
    service.mutable_spec()->set_name(name);
    service.mutable_spec()->set_scale(scale);
    service.mutable_metadata()->set_generation(generation);
    common::ToTimestamp(absl::FromUnixSeconds(1700000000), service.mutable_metadata()->mutable_created_at());
    service.mutable_status()->set_phase(api::ServiceStatus::DEGRADED);
    service.mutable_status()->set_message("restarting in 10s (restart 1)");
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kService, "default", name, service.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  api::Instance PutInstance(const std::string& service, int ordinal, const std::string& hex,
                            api::Instance::State state, bool ready, int restarts = 0,
                            int64_t generation = 1) {
    api::Instance instance;
    instance.set_id(absl::StrCat(service, "-instance-", hex));
    instance.set_name(absl::StrCat(service, "-", ordinal));
    instance.set_namespace_("default");
    instance.set_service(service);
    instance.set_generation(generation);
    instance.set_ordinal(ordinal);
    instance.set_status(state);
    instance.set_ready(ready);
    instance.set_restarts(restarts);
    instance.set_runner(api::Instance::PROCESS);
    instance.set_node("local");
    common::ToTimestamp(absl::FromUnixSeconds(1700000100 + generation), instance.mutable_created_at());
    if (state == api::Instance::FAILED) {
      instance.set_last_failure_message("exit code 1");
      instance.set_message("restarting in 10s (restart 1)");
    }
    EXPECT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kInstance, "default", instance.id(),
                                     instance.SerializeAsString())
                          .status();
                    })
                    .ok());
    return instance;
  }

  std::unique_ptr<ProbeManager> probes_;  // outlives the server
  TestServer server_;
  std::string token_;
  std::unique_ptr<api::HealthService::Stub> stub_;
};

TEST_F(HealthServiceTest, ServiceCountsReadyInstancesAndRestarts) {
  PutService("api", 3);
  PutInstance("api", 2, "0000000c", api::Instance::FAILED, false, 1);
  PutInstance("api", 0, "0000000a", api::Instance::RUNNING, true);
  PutInstance("api", 1, "0000000b", api::Instance::RUNNING, false, 2);
  api::GetHealthResponse r;
  grpc::Status s = Get(Request("api"), &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.kind(), api::GetHealthRequest::SERVICE);
  ASSERT_TRUE(r.has_service());
  const api::ServiceHealth& h = r.service();
  EXPECT_EQ(h.namespace_(), "default");
  EXPECT_EQ(h.name(), "api");
  EXPECT_EQ(h.status(), api::DEGRADED);
  EXPECT_EQ(h.ready(), 1);
  EXPECT_EQ(h.desired(), 3);
  EXPECT_EQ(h.restarts(), 3);
  EXPECT_EQ(h.created_at().seconds(), 1700000000);
  EXPECT_EQ(h.phase(), api::ServiceStatus::DEGRADED);
  EXPECT_EQ(h.message(), "restarting in 10s (restart 1)");
  ASSERT_EQ(h.instances_size(), 3);
  EXPECT_EQ(h.instances(0).name(), "api-0");
  EXPECT_EQ(h.instances(0).status(), api::HEALTHY);
  EXPECT_TRUE(h.instances(0).ready());
  EXPECT_EQ(h.instances(1).name(), "api-1");
  EXPECT_EQ(h.instances(1).status(), api::UNHEALTHY);
  EXPECT_EQ(h.instances(1).restarts(), 2);
  EXPECT_EQ(h.instances(2).name(), "api-2");
  EXPECT_EQ(h.instances(2).state(), api::Instance::FAILED);
  EXPECT_EQ(h.instances(2).message(), "exit code 1; restarting in 10s (restart 1)");
  EXPECT_EQ(h.instances(2).checks_size(), 0);  // not asked for
}

TEST_F(HealthServiceTest, ServiceStatusFollowsReadyAgainstScale) {
  PutService("all", 2);
  PutInstance("all", 0, "00000001", api::Instance::RUNNING, true);
  PutInstance("all", 1, "00000002", api::Instance::RUNNING, true);
  // A surge instance of a new generation for ordinal 0 counts once.
  PutInstance("all", 0, "00000003", api::Instance::RUNNING, true, 0, 2);
  PutService("none", 2);
  PutInstance("none", 0, "00000004", api::Instance::STARTING, false);
  PutService("stopped", 0);
  PutService("fresh", 1);  // no instance yet
  const std::vector<std::pair<std::string, api::HealthStatus>> cases = {
      {"all", api::HEALTHY}, {"none", api::UNHEALTHY}, {"stopped", api::UNKNOWN},
      {"fresh", api::UNHEALTHY}};
  for (const auto& [name, want] : cases) {
    api::GetHealthResponse r;
    ASSERT_TRUE(Get(Request(name, api::GetHealthRequest::SERVICE), &r).ok()) << name;
    EXPECT_EQ(r.service().status(), want) << name;
  }
  api::GetHealthResponse r;
  ASSERT_TRUE(Get(Request("all"), &r).ok());
  EXPECT_EQ(r.service().ready(), 2);
  EXPECT_EQ(r.service().instances_size(), 3);
}

TEST_F(HealthServiceTest, InstanceByIdOrNameOrTypedKind) {
  PutService("api", 1);
  PutInstance("api", 0, "0000000a", api::Instance::STOPPED, false, 0, 1);
  PutInstance("api", 0, "0000000b", api::Instance::RUNNING, true, 4, 2);
  api::GetHealthResponse r;
  ASSERT_TRUE(Get(Request("api-instance-0000000a"), &r).ok());
  EXPECT_EQ(r.kind(), api::GetHealthRequest::INSTANCE);
  EXPECT_EQ(r.instance().id(), "api-instance-0000000a");
  EXPECT_EQ(r.instance().status(), api::UNKNOWN);
  EXPECT_FALSE(r.instance().ready());
  // A name picks the newest generation.
  ASSERT_TRUE(Get(Request("api-0"), &r).ok());
  EXPECT_EQ(r.instance().id(), "api-instance-0000000b");
  EXPECT_EQ(r.instance().service(), "api");
  EXPECT_EQ(r.instance().status(), api::HEALTHY);
  EXPECT_EQ(r.instance().restarts(), 4);
  EXPECT_EQ(r.instance().state(), api::Instance::RUNNING);
  ASSERT_TRUE(Get(Request("api-0", api::GetHealthRequest::INSTANCE), &r).ok());
  EXPECT_EQ(r.kind(), api::GetHealthRequest::INSTANCE);
  // A typed service lookup does not fall back to instances.
  EXPECT_EQ(Get(Request("api-0", api::GetHealthRequest::SERVICE), &r).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(HealthServiceTest, NotFoundMessages) {
  api::GetHealthResponse r;
  std::string hint;
  grpc::Status s = Get(Request("nope"), &r, "", &hint);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "service or instance \"nope\" not found in namespace \"default\"");
  EXPECT_EQ(hint, "run 'rune get instances -n default'");
  s = Get(Request("nope", api::GetHealthRequest::SERVICE), &r, "", &hint);
  EXPECT_EQ(s.error_message(), "service \"nope\" not found in namespace \"default\"");
  EXPECT_EQ(hint, "run 'rune get services -n default' to list services");
  s = Get(Request("nope", api::GetHealthRequest::INSTANCE), &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "instance \"nope\" not found in namespace \"default\"");
  api::GetHealthRequest other = Request("nope");
  other.set_namespace_("prod");
  EXPECT_EQ(Get(other, &r).error_message(),
            "service or instance \"nope\" not found in namespace \"prod\"");
  s = Get(Request("", api::GetHealthRequest::SERVICE), &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(HealthServiceTest, ChecksListConfiguredProbesWithoutAProber) {
  api::ServiceSpec spec;
  api::ServicePort* port = spec.add_ports();
  port->set_name("web");
  port->set_port(80);
  port->set_target_port(8080);
  api::Probe* liveness = spec.mutable_health()->mutable_liveness();
  liveness->set_type(api::Probe::HTTP);
  liveness->set_port("web");
  liveness->set_path("/healthz");
  api::Probe* readiness = spec.mutable_health()->mutable_readiness();
  readiness->set_type(api::Probe::EXEC);
  readiness->add_command("/bin/check");
  readiness->set_interval_seconds(5);
  PutService("api", 1, spec);
  PutInstance("api", 0, "0000000a", api::Instance::RUNNING, false);
  PutService("bare", 1);
  PutInstance("bare", 0, "0000000f", api::Instance::RUNNING, true);

  api::GetHealthResponse r;
  ASSERT_TRUE(Get(Request("api", api::GetHealthRequest::KIND_UNSPECIFIED, true), &r).ok());
  ASSERT_EQ(r.service().instances_size(), 1);
  const api::InstanceHealth& i = r.service().instances(0);
  ASSERT_EQ(i.checks_size(), 2);
  EXPECT_EQ(i.checks(0).kind(), api::ProbeCheck::LIVENESS);
  EXPECT_EQ(i.checks(0).resolved_port(), 8080);
  EXPECT_EQ(i.checks(0).probe().interval_seconds(), 10);
  EXPECT_EQ(i.checks(0).probe().timeout_seconds(), 1);
  EXPECT_EQ(i.checks(0).probe().failure_threshold(), 3);
  EXPECT_EQ(i.checks(0).probe().success_threshold(), 1);
  EXPECT_EQ(i.checks(0).probe().scheme(), api::Probe::SCHEME_HTTP);
  EXPECT_FALSE(i.checks(0).has_last_result());
  EXPECT_EQ(i.checks(1).kind(), api::ProbeCheck::READINESS);
  EXPECT_EQ(i.checks(1).probe().interval_seconds(), 5);
  EXPECT_EQ(i.checks(1).resolved_port(), 0);
  ASSERT_TRUE(Get(Request("api-instance-0000000a", api::GetHealthRequest::INSTANCE, true), &r).ok());
  EXPECT_EQ(r.instance().checks_size(), 2);
  ASSERT_TRUE(Get(Request("bare", api::GetHealthRequest::KIND_UNSPECIFIED, true), &r).ok());
  EXPECT_EQ(r.service().instances(0).checks_size(), 0);
}

TEST_F(HealthServiceTest, NodeReportsUsageUptimeAndNoRunners) {
  server_.now() += absl::Seconds(90);
  for (api::GetHealthRequest request :
       {Request(""), Request("ignored", api::GetHealthRequest::NODE)}) {
    api::GetHealthResponse r;
    grpc::Status s = Get(request, &r);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(r.kind(), api::GetHealthRequest::NODE);
    const api::NodeHealth& n = r.node();
    EXPECT_EQ(n.name(), "local");
    EXPECT_GT(n.cpu_count(), 0);
    EXPECT_GE(n.cpu_cores(), 0.0);
    EXPECT_GT(n.memory_total_bytes(), 0);
    EXPECT_GT(n.memory_bytes(), 0);
    EXPECT_LE(n.memory_bytes(), n.memory_total_bytes());
    EXPECT_EQ(n.uptime().seconds(), 90);
    EXPECT_EQ(n.runners_size(), 0);
    EXPECT_EQ(n.status(), api::UNKNOWN);
  }
}

TEST_F(HealthServiceTest, RbacFollowsTheResolvedKind) {
  PutService("api", 1);
  PutInstance("api", 0, "0000000a", api::Instance::RUNNING, true);
  const std::string instances_only = server_.TokenWithRule("inst", "instance", {"get"}, "default");
  const std::string services_only = server_.TokenWithRule("svc", "service", {"get"}, "default");
  const std::string nodes = server_.TokenWithRule("nodes", "node", {"get"}, "*");
  api::GetHealthResponse r;

  grpc::Status s = Get(Request("api"), &r, instances_only);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "access denied for resource: service verb: get");
  EXPECT_TRUE(Get(Request("api-0"), &r, instances_only).ok());
  EXPECT_TRUE(Get(Request("api"), &r, services_only).ok());
  s = Get(Request("api-0"), &r, services_only);
  EXPECT_EQ(s.error_message(), "access denied for resource: instance verb: get");
  s = Get(Request("api-0", api::GetHealthRequest::INSTANCE), &r, services_only);
  EXPECT_EQ(s.error_message(), "access denied for resource: instance verb: get");

  // Neither: refused before anything is looked up.
  s = Get(Request("nope"), &r, nodes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "access denied for resource: service verb: get");
  EXPECT_TRUE(Get(Request(""), &r, nodes).ok());
  // The node needs a rule for every namespace.
  s = Get(Request(""), &r, services_only);
  EXPECT_EQ(s.error_message(), "access denied for resource: node verb: get");
  grpc::ClientContext ctx;
  EXPECT_EQ(stub_->GetHealth(&ctx, Request(""), &r).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// A port nothing listens on.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class HealthWithRunnersTest : public HealthServiceTest {
 protected:
  HealthWithRunnersTest() : HealthServiceTest(/*with_runners=*/true) {}
};

TEST_F(HealthServiceTest, ChecksCarryTheProbersResults) {
  const int port = ClosedPort();
  api::ServiceSpec spec;
  api::Probe* readiness = spec.mutable_health()->mutable_readiness();
  readiness->set_type(api::Probe::TCP);
  readiness->set_port(absl::StrCat(port));
  PutService("api", 1, spec);
  const api::Instance inst = PutInstance("api", 0, "0000000a", api::Instance::RUNNING, false);
  const runner::InstanceKey key{"default", inst.id()};
  probes_->Watch(key, spec, absl::Now());
  for (int i = 0; i < 100 && probes_->Checks(key)[0].recent_size() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  api::GetHealthResponse r;
  ASSERT_TRUE(Get(Request("api", api::GetHealthRequest::KIND_UNSPECIFIED, true), &r).ok());
  ASSERT_EQ(r.service().instances(0).checks_size(), 1);
  const api::ProbeCheck& c = r.service().instances(0).checks(0);
  EXPECT_EQ(c.kind(), api::ProbeCheck::READINESS);
  EXPECT_EQ(c.resolved_port(), port);
  ASSERT_TRUE(c.has_last_result());
  EXPECT_FALSE(c.last_result().success());
  EXPECT_EQ(c.last_result().message(), absl::StrCat("dial tcp 127.0.0.1:", port, ": connection refused"));
  EXPECT_EQ(c.consecutive_failures(), 1);
  EXPECT_EQ(c.recent_size(), 1);
  probes_->Forget(key);
}

TEST_F(HealthWithRunnersTest, NodeListsRunnersAndIsDegradedWhenOneIsUnavailable) {
  api::GetHealthResponse r;
  ASSERT_TRUE(Get(Request(""), &r).ok());
  ASSERT_EQ(r.node().runners_size(), 2);
  EXPECT_EQ(r.node().runners(0).name(), "docker");
  EXPECT_FALSE(r.node().runners(0).available());
  EXPECT_EQ(r.node().runners(1).name(), "process");
  EXPECT_EQ(r.node().status(), api::DEGRADED);
}

}  // namespace
}  // namespace rune::daemon
