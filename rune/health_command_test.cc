// `rune health` and `rune status` through Run() against the in-process runed
// API (runed/api/test_server.h), with service and instance records written
// into the store the way the orchestrator writes them.
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "gtest/gtest.h"
#include "re2/re2.h"
#include "rune/cli.h"
#include "rune/cli_test_support.h"
#include "runed/api/test_server.h"

namespace rune::cli {
namespace {

class HealthCommandTest : public ::testing::Test {
 protected:
  HealthCommandTest() : tmp_(::testing::TempDir()) {
    env_ = ServerEnvironment(server_.address(), server_.TokenFor("root"), tmp_);
  }

  void PutService(const std::string& ns, const std::string& name, int scale,
                  api::ServiceStatus::Phase phase, int ready, const api::ServiceSpec& base = {}) {
    api::Service service;
    *service.mutable_spec() = base;
    service.mutable_spec()->set_namespace_(ns);
    service.mutable_spec()->set_name(name);
    service.mutable_spec()->set_scale(scale);
    service.mutable_metadata()->set_generation(1);
    common::ToTimestamp(absl::Now() - absl::Minutes(5), service.mutable_metadata()->mutable_created_at());
    service.mutable_status()->set_phase(phase);
    service.mutable_status()->set_desired(scale);
    service.mutable_status()->set_ready(ready);
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kService, ns, name, service.SerializeAsString()).status();
                    })
                    .ok());
  }

  void PutInstance(const std::string& service, int ordinal, const std::string& hex, bool ready,
                   int restarts) {
    api::Instance instance;
    instance.set_id(absl::StrCat(service, "-instance-", hex));
    instance.set_name(absl::StrCat(service, "-", ordinal));
    instance.set_namespace_("default");
    instance.set_service(service);
    instance.set_generation(1);
    instance.set_ordinal(ordinal);
    instance.set_status(api::Instance::RUNNING);
    instance.set_ready(ready);
    instance.set_restarts(restarts);
    common::ToTimestamp(absl::Now() - absl::Seconds(30), instance.mutable_created_at());
    ASSERT_TRUE(server_.store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kInstance, "default", instance.id(),
                                     instance.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  CliResult RunCli(std::vector<std::string> args) { return RunRune(args, env_); }

  daemon::TestServer server_;
  std::string tmp_;
  Environment env_;
};

TEST_F(HealthCommandTest, ServiceSummaryAndChecks) {
  api::ServiceSpec spec;
  api::ServicePort* port = spec.add_ports();
  port->set_name("db");
  port->set_port(5432);
  api::Probe* readiness = spec.mutable_health()->mutable_readiness();
  readiness->set_type(api::Probe::TCP);
  readiness->set_port("db");
  PutService("default", "api", 2, api::ServiceStatus::DEGRADED, 1, spec);
  PutInstance("api", 0, "0000000a", true, 0);
  PutInstance("api", 1, "0000000b", false, 3);

  CliResult r = RunCli({"health", "api"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NAME   STATUS     READY   RESTARTS   AGE\n"
            "api    Degraded   1/2     3          5m\n");
  EXPECT_EQ(r.err, "");

  r = RunCli({"health", "svc", "api", "--checks"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NAME   STATUS     READY   RESTARTS   AGE\n"
            "api    Degraded   1/2     3          5m\n"
            "\n"
            "Instance api-0 (api-instance-0000000a):\n"
            "  Probe: readiness tcp connect :5432\n"
            "    intervalSeconds: 10  timeoutSeconds: 1  failureThreshold: 3  successThreshold: 1\n"
            "    Last result: none yet\n"
            "    Recent: []\n"
            "\n"
            "Instance api-1 (api-instance-0000000b):\n"
            "  Probe: readiness tcp connect :5432\n"
            "    intervalSeconds: 10  timeoutSeconds: 1  failureThreshold: 3  successThreshold: 1\n"
            "    Last result: none yet\n"
            "    Recent: []\n");

  r = RunCli({"health", "api-1"});
  EXPECT_EQ(r.out,
            "NAME    STATUS      READY   RESTARTS   AGE\n"
            "api-1   Unhealthy   0/1     3          30s\n");
  r = RunCli({"health", "inst", "api-instance-0000000a"});
  EXPECT_EQ(r.out,
            "NAME    STATUS    READY   RESTARTS   AGE\n"
            "api-0   Healthy   1/1     0          30s\n");
}

TEST_F(HealthCommandTest, JsonIsTheResponseInProtoJson) {
  PutService("default", "api", 1, api::ServiceStatus::RUNNING, 1);
  PutInstance("api", 0, "0000000a", true, 0);
  CliResult r = RunCli({"health", "api", "-o", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(RE2::FullMatch(r.out,
                             "\\{\n"
                             "  \"kind\": \"SERVICE\",\n"
                             "  \"service\": \\{\n"
                             "    \"namespace\": \"default\",\n"
                             "    \"name\": \"api\",\n"
                             "    \"status\": \"HEALTHY\",\n"
                             "    \"ready\": 1,\n"
                             "    \"desired\": 1,\n"
                             "    \"createdAt\": \"[0-9T:.-]+Z\",\n"
                             "    \"phase\": \"RUNNING\",\n"
                             "    \"instances\": \\[\n"
                             "      \\{\n"
                             "        \"namespace\": \"default\",\n"
                             "        \"id\": \"api-instance-0000000a\",\n"
                             "        \"name\": \"api-0\",\n"
                             "        \"service\": \"api\",\n"
                             "        \"status\": \"HEALTHY\",\n"
                             "        \"state\": \"RUNNING\",\n"
                             "        \"ready\": true,\n"
                             "        \"createdAt\": \"[0-9T:.-]+Z\"\n"
                             "      \\}\n"
                             "    \\]\n"
                             "  \\}\n"
                             "\\}\n"))
      << r.out;
  r = RunCli({"health", "api", "-o", "yaml"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(r.out.rfind("kind: SERVICE\nservice:\n  namespace: default\n  name: api\n", 0) == 0)
      << r.out;
}

TEST_F(HealthCommandTest, NodeTableAndJsonKeys) {
  for (std::vector<std::string> args : {std::vector<std::string>{"health"},
                                        std::vector<std::string>{"health", "node"}}) {
    CliResult r = RunCli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(RE2::FullMatch(r.out,
                               "NAME    STATUS    CPU +MEMORY +UPTIME\n"
                               "local   Unknown   \\d+\\.\\d{3} +\\d+\\.\\d(Mi|Gi) +0\n"))
        << r.out;
  }
  CliResult r = RunCli({"health", "node", "-o", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(RE2::FullMatch(r.out,
                             "\\{\n"
                             "  \"kind\": \"NODE\",\n"
                             "  \"node\": \\{\n"
                             "    \"name\": \"local\",\n"
                             "    \"status\": \"UNKNOWN\",\n"
                             // Left out at exactly 0, as proto JSON does.
                             "(    \"cpuCores\": [0-9.e-]+,\n)?"
                             "    \"cpuCount\": \\d+,\n"
                             "    \"memoryBytes\": \"\\d+\",\n"
                             "    \"memoryTotalBytes\": \"\\d+\",\n"
                             "    \"uptime\": \"0s\",\n"
                             "    \"startedAt\": \"[0-9T:-]+Z\"\n"
                             "  \\}\n"
                             "\\}\n"))
      << r.out;
}

TEST_F(HealthCommandTest, NotFoundAndUsage) {
  CliResult r = RunCli({"health", "x"});
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(RE2::FullMatch(r.err,
                             "Error: service or instance \"x\" not found in namespace \"default\"\n"
                             "Hint: run 'rune get instances -n default'\n"
                             "Request ID: [0-9a-f]{16}\n"))
      << r.err;
  r = RunCli({"health", "service", "x"});
  EXPECT_EQ(r.code, 4);
  EXPECT_TRUE(RE2::PartialMatch(r.err, "^Error: service \"x\" not found in namespace \"default\"\n"
                                       "Hint: run 'rune get services -n default' to list services\n"))
      << r.err;
  r = RunCli({"health", "instance", "x", "-n", "prod"});
  EXPECT_EQ(r.code, 4);
  EXPECT_TRUE(RE2::PartialMatch(r.err, "^Error: instance \"x\" not found in namespace \"prod\"\n"))
      << r.err;
  r = RunCli({"health", "pod", "x"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "Error: invalid kind \"pod\": must be one of service, svc, instance, inst, node\n"
            "Hint: run 'rune health --help' for usage\n");
}

TEST_F(HealthCommandTest, StatusOrdersBySeverityThenName) {
  CliResult r = RunCli({"status"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "No services found in namespace \"default\".\n");
  r = RunCli({"status", "-o", "json"});
  EXPECT_EQ(r.out, "{\n  \"namespace\": \"default\",\n  \"services\": []\n}\n");
  EXPECT_EQ(r.err, "");

  PutService("default", "web", 2, api::ServiceStatus::RUNNING, 2);
  PutService("default", "api", 2, api::ServiceStatus::RUNNING, 2);
  PutService("default", "cache", 0, api::ServiceStatus::STOPPED, 0);
  PutService("default", "worker", 3, api::ServiceStatus::DEGRADED, 1);
  PutService("default", "db", 1, api::ServiceStatus::FAILED, 0);
  PutService("default", "queue", 1, api::ServiceStatus::PENDING, 0);
  PutService("prod", "api", 1, api::ServiceStatus::DEPLOYING, 0);
  r = RunCli({"status"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Services in default:\n"
            "NAME     STATUS     SCALE\n"
            "db       Failed     0/1\n"
            "worker   Degraded   1/3\n"
            "queue    Pending    0/1\n"
            "api      Running    2/2\n"
            "web      Running    2/2\n"
            "cache    Stopped    0/0\n");
  r = RunCli({"status", "-A"});
  EXPECT_EQ(r.out,
            "Services in all namespaces:\n"
            "NAMESPACE   NAME     STATUS      SCALE\n"
            "default     db       Failed      0/1\n"
            "default     worker   Degraded    1/3\n"
            "prod        api      Deploying   0/1\n"
            "default     queue    Pending     0/1\n"
            "default     api      Running     2/2\n"
            "default     web      Running     2/2\n"
            "default     cache    Stopped     0/0\n");
  r = RunCli({"status", "-n", "prod", "-o", "json"});
  EXPECT_EQ(r.out,
            "{\n"
            "  \"namespace\": \"prod\",\n"
            "  \"services\": [\n"
            "    {\n"
            "      \"namespace\": \"prod\",\n"
            "      \"name\": \"api\",\n"
            "      \"status\": \"Deploying\",\n"
            "      \"ready\": 0,\n"
            "      \"desired\": 1\n"
            "    }\n"
            "  ]\n"
            "}\n");
  r = RunCli({"status", "-A", "-o", "yaml"});
  EXPECT_TRUE(r.out.rfind("namespace: \"*\"\nservices:\n  - namespace: default\n    name: db\n", 0) == 0)
      << r.out;
}

}  // namespace
}  // namespace rune::cli
