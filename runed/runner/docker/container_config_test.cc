#include "runed/runner/docker/container_config.h"

#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "runed/runner/docker/engine_client.h"

namespace rune::daemon::docker {
namespace {

runner::StartSpec Spec() {
  runner::StartSpec s;
  s.ns = "prod";
  s.service = "api";
  s.service_id = "5f0c7a53-1b7e-4f5e-9a43-6a1f1b0c2d3e";
  s.id = "api-instance-7c2e8a3b";
  s.name = "api-0";
  s.generation = 3;
  s.spec.set_name("api");
  s.spec.set_image("ghcr.io/acme/api:1.2");
  s.env = {"LOG_LEVEL=debug", "RUNE_SERVICE_NAME=api"};
  return s;
}

std::string Json(const google::protobuf::Value& v) { return ToJson(v); }

// Equal as JSON values (object keys in any order).
::testing::AssertionResult SameJson(const google::protobuf::Value& actual, const std::string& expected) {
  absl::StatusOr<google::protobuf::Value> want = ParseJson(expected);
  if (!want.ok()) return ::testing::AssertionFailure() << want.status();
  if (google::protobuf::util::MessageDifferencer::Equals(actual, *want)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "got " << ToJson(actual) << "\nwant " << expected;
}

TEST(ContainerConfig, NameIncludesTheNamespace) {
  EXPECT_EQ(ContainerName({"prod", "api-instance-7c2e8a3b"}), "rune.prod.api-instance-7c2e8a3b");
}

TEST(ContainerConfig, LabelsNameServiceAndInstanceSeparately) {
  const std::map<std::string, std::string> labels = ContainerLabels(Spec());
  EXPECT_EQ(labels, (std::map<std::string, std::string>{
                        {"rune.managed", "true"},
                        {"rune.namespace", "prod"},
                        {"rune.service", "api"},
                        {"rune.service.id", "5f0c7a53-1b7e-4f5e-9a43-6a1f1b0c2d3e"},
                        {"rune.instance.id", "api-instance-7c2e8a3b"},
                        {"rune.instance.name", "api-0"},
                        {"rune.generation", "3"},
                    }));
}

TEST(ContainerConfig, MinimalBody) {
  absl::StatusOr<google::protobuf::Value> body = CreateBody(Spec(), {});
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_TRUE(SameJson(*body,
            "{\"Env\":[\"LOG_LEVEL=debug\",\"RUNE_SERVICE_NAME=api\"],"
            "\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\"}},"
            "\"Image\":\"ghcr.io/acme/api:1.2\","
            "\"Labels\":{\"rune.generation\":\"3\",\"rune.instance.id\":\"api-instance-7c2e8a3b\","
            "\"rune.instance.name\":\"api-0\",\"rune.managed\":\"true\",\"rune.namespace\":\"prod\","
            "\"rune.service\":\"api\",\"rune.service.id\":\"5f0c7a53-1b7e-4f5e-9a43-6a1f1b0c2d3e\"}}"));
}

TEST(ContainerConfig, CommandArgsResourcesSecurityPortsMountsNetwork) {
  runner::StartSpec s = Spec();
  s.spec.add_command("/bin/api");
  s.spec.add_args("--port");
  s.spec.add_args("8080");
  auto* cpu = s.spec.mutable_resources()->mutable_cpu();
  cpu->set_limit("1.5");
  cpu->set_request("250m");
  auto* memory = s.spec.mutable_resources()->mutable_memory();
  memory->set_limit("512Mi");
  memory->set_request("256M");
  auto* sc = s.spec.mutable_security_context();
  sc->set_user("1000");
  sc->set_group("2000");
  sc->set_read_only_fs(true);
  sc->add_capabilities("net_bind_service");
  sc->add_capabilities("CAP_CHOWN");
  sc->set_capabilities_set(true);
  auto* http = s.spec.add_ports();
  http->set_name("http");
  http->set_port(80);
  http->set_target_port(8080);
  auto* dns = s.spec.add_ports();
  dns->set_name("dns");
  dns->set_port(53);
  dns->set_protocol(api::ServicePort::UDP);
  s.spec.mutable_expose()->set_port("http");
  s.spec.mutable_expose()->set_host_port(8081);
  ContainerOptions options;
  options.network = "rune";
  options.binds = {"/run/rune/mounts/api-instance-7c2e8a3b/tls:/etc/tls:ro"};
  absl::StatusOr<google::protobuf::Value> body = CreateBody(s, options);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(Json(Field(*body, "Entrypoint")), "[\"/bin/api\"]");
  EXPECT_EQ(Json(Field(*body, "Cmd")), "[\"--port\",\"8080\"]");
  EXPECT_EQ(StringField(*body, "User"), "1000:2000");
  EXPECT_TRUE(SameJson(Field(*body, "ExposedPorts"), "{\"53/udp\":{},\"8080/tcp\":{}}"));
  const google::protobuf::Value& host = Field(*body, "HostConfig");
  EXPECT_EQ(NumberField(host, "NanoCpus"), 1.5e9);
  EXPECT_EQ(NumberField(host, "CpuShares"), 256);
  EXPECT_EQ(NumberField(host, "Memory"), 536870912);
  EXPECT_EQ(NumberField(host, "MemoryReservation"), 256000000);
  EXPECT_TRUE(BoolField(host, "ReadonlyRootfs"));
  EXPECT_EQ(Json(Field(host, "CapDrop")), "[\"ALL\"]");
  EXPECT_EQ(Json(Field(host, "CapAdd")), "[\"CAP_NET_BIND_SERVICE\",\"CAP_CHOWN\"]");
  EXPECT_TRUE(SameJson(Field(host, "PortBindings"),
                       "{\"8080/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8081\"}]}"));
  EXPECT_EQ(Json(Field(host, "Binds")), "[\"/run/rune/mounts/api-instance-7c2e8a3b/tls:/etc/tls:ro\"]");
  EXPECT_EQ(StringField(host, "NetworkMode"), "rune");
  EXPECT_TRUE(SameJson(Field(*body, "NetworkingConfig"),
                       "{\"EndpointsConfig\":{\"rune\":{\"Aliases\":[\"api.prod.rune\","
                       "\"api-0.api.prod.rune\"]}}}"));
}

TEST(ContainerConfig, SmallCpuRequestKeepsTheEngineMinimumShares) {
  runner::StartSpec s = Spec();
  s.spec.mutable_resources()->mutable_cpu()->set_request("1m");
  absl::StatusOr<google::protobuf::Value> body = CreateBody(s, {});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(NumberField(Field(*body, "HostConfig"), "CpuShares"), 2);
}

TEST(ContainerConfig, ExposeByNumberBindAddressAndDefaultHostPort) {
  runner::StartSpec s = Spec();
  auto* p = s.spec.add_ports();
  p->set_name("web");
  p->set_port(8080);
  s.spec.mutable_expose()->set_port("8080");
  s.spec.mutable_expose()->set_bind_address("127.0.0.1");
  absl::StatusOr<google::protobuf::Value> body = CreateBody(s, {});
  ASSERT_TRUE(body.ok());
  EXPECT_TRUE(SameJson(Field(Field(*body, "HostConfig"), "PortBindings"),
                       "{\"8080/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}]}"));
}

TEST(ContainerConfig, EmptyCapabilityListDropsEverything) {
  runner::StartSpec s = Spec();
  s.spec.mutable_security_context()->set_capabilities_set(true);
  absl::StatusOr<google::protobuf::Value> body = CreateBody(s, {});
  ASSERT_TRUE(body.ok());
  const google::protobuf::Value& host = Field(*body, "HostConfig");
  EXPECT_EQ(Json(Field(host, "CapDrop")), "[\"ALL\"]");
  EXPECT_EQ(Field(host, "CapAdd").kind_case(), google::protobuf::Value::kNullValue);
}

TEST(ContainerConfig, BuiltinNetworkGetsNoAliases) {
  ContainerOptions options;
  options.network = "host";
  absl::StatusOr<google::protobuf::Value> body = CreateBody(Spec(), options);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(StringField(Field(*body, "HostConfig"), "NetworkMode"), "host");
  EXPECT_EQ(Field(*body, "NetworkingConfig").kind_case(), google::protobuf::Value::kNullValue);
}

TEST(ContainerConfig, BadQuantityIsAnError) {
  runner::StartSpec s = Spec();
  s.spec.mutable_resources()->mutable_memory()->set_limit("lots");
  absl::StatusOr<google::protobuf::Value> body = CreateBody(s, {});
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().message(), "invalid quantity \"lots\"");
}

TEST(ContainerConfig, PullQuerySplitsTagsButNotRegistryPorts) {
  EXPECT_EQ(PullQuery("busybox"), "fromImage=busybox&tag=latest");
  EXPECT_EQ(PullQuery("ghcr.io/acme/api:1.2"), "fromImage=ghcr.io%2Facme%2Fapi&tag=1.2");
  EXPECT_EQ(PullQuery("localhost:5000/api"), "fromImage=localhost%3A5000%2Fapi&tag=latest");
  EXPECT_EQ(PullQuery("localhost:5000/api:v2"), "fromImage=localhost%3A5000%2Fapi&tag=v2");
  EXPECT_EQ(PullQuery("api@sha256:abc"), "fromImage=api%40sha256%3Aabc");
}

}  // namespace
}  // namespace rune::daemon::docker
