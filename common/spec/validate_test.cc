#include "common/spec/validate.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace rune::common::spec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

template <typename T>
T Parse(const std::string& text) {
  T msg;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &msg)) << text;
  return msg;
}

// A valid container service; tests append fields to it.
api::ServiceSpec Service(const std::string& extra = "") {
  return Parse<api::ServiceSpec>(absl::StrCat(R"pb(name: "api" namespace: "default" image: "nginx" scale: 1 )pb",
                                              extra));
}

// "[rule] path: reason" (warnings marked).
std::vector<std::string> Texts(const std::vector<Violation>& v) {
  std::vector<std::string> out;
  for (const Violation& x : v) {
    out.push_back(absl::StrCat("[", x.rule, "]", x.warning ? " warning" : "", " ", x.path, ": ",
                               x.reason));
  }
  return out;
}

std::vector<std::string> Check(const std::string& extra) { return Texts(ValidateService(Service(extra))); }

TEST(ValidateService, ValidServiceIsClean) { EXPECT_THAT(Check(""), IsEmpty()); }

TEST(ValidateService, Required) {
  EXPECT_THAT(Texts(ValidateService(Parse<api::ServiceSpec>(R"pb(image: "x")pb"))),
              ElementsAre("[required] service.name: required", "[required] service.scale: required"));
}

TEST(ValidateService, Dns1123) {
  EXPECT_THAT(Texts(ValidateService(Parse<api::ServiceSpec>(R"pb(name: "Api" image: "x" scale: 1)pb"))),
              ElementsAre("[dns1123] service.name: invalid name \"Api\": must consist of lowercase "
                          "letters, digits and '-', start and end with a letter or digit, and be at "
                          "most 63 characters"));
  EXPECT_THAT(Texts(ValidateService(
                  Parse<api::ServiceSpec>(R"pb(name: "a" namespace: "system" image: "x" scale: 1)pb"))),
              ElementsAre("[reference] service.namespace: namespace \"system\" is reserved"));
}

TEST(ValidateService, Labels) {
  EXPECT_THAT(Check(R"pb(labels { key: "-bad" value: "x" } labels { key: "ok" value: "bad value" })pb"),
              ElementsAre("[dns1123] service.labels.-bad: invalid label key \"-bad\"",
                          "[dns1123] service.labels.ok: invalid label value \"bad value\""));
}

TEST(ValidateService, ImageOrProcess) {
  EXPECT_THAT(Texts(ValidateService(Parse<api::ServiceSpec>(R"pb(name: "a" scale: 1)pb"))),
              ElementsAre("[conflict] service.image: exactly one of image or process is required"));
  EXPECT_THAT(Check(R"pb(process { command: "/bin/true" })pb"),
              ElementsAre("[conflict] service.image: exactly one of image or process is required"));
}

TEST(ValidateService, ContainerOnlyFieldsWithProcess) {
  EXPECT_THAT(
      Texts(ValidateService(Parse<api::ServiceSpec>(R"pb(
        name: "a" scale: 1 process { command: "/bin/true" }
        command: "x" args: "y" security_context { user: "1" }
      )pb"))),
      ElementsAre("[conflict] service.command: not allowed with process; use process.command",
                  "[conflict] service.args: not allowed with process; use process.args",
                  "[conflict] service.securityContext: not allowed with process; use "
                  "process.securityContext"));
}

TEST(ValidateService, Process) {
  EXPECT_THAT(
      Texts(ValidateService(Parse<api::ServiceSpec>(R"pb(
        name: "a" scale: 1
        process {
          command: "bin/app" workdir: "tmp"
          security_context {
            capabilities: "net_admin" capabilities: "CAP_FLY"
            allowed_syscalls: "read" allowed_syscalls: "teleport"
            denied_syscalls: "ptrace"
          }
        }
      )pb"))),
      ElementsAre("[path] service.process.command: must be an absolute path",
                  "[path] service.process.workdir: must be an absolute path",
                  "[enum] service.process.securityContext.capabilities[1]: unknown capability \"CAP_FLY\"",
                  "[enum] service.process.securityContext.allowedSyscalls[1]: unknown syscall \"teleport\"",
                  "[conflict] service.process.securityContext.deniedSyscalls: allowedSyscalls and "
                  "deniedSyscalls are mutually exclusive"));
  EXPECT_THAT(Texts(ValidateService(Parse<api::ServiceSpec>(R"pb(name: "a" scale: 1 process {})pb"))),
              ElementsAre("[required] service.process.command: required"));
}

TEST(ValidateService, Scale) {
  const auto with_scale = [](int scale, const std::string& extra = "") {
    api::ServiceSpec s = Service(extra);
    s.set_scale(scale);
    return s;
  };
  EXPECT_THAT(Texts(ValidateService(with_scale(1001))),
              ElementsAre("[range] service.scale: must be between 0 and 1000, got 1001"));
  EXPECT_THAT(Texts(ValidateService(with_scale(-1))),
              ElementsAre("[range] service.scale: must be between 0 and 1000, got -1"));
  ValidationLimits limits;
  limits.max_scale = 5;
  EXPECT_THAT(Texts(ValidateService(with_scale(6), limits)),
              ElementsAre("[range] service.scale: must be between 0 and 5, got 6"));
  const std::string exposed = R"pb(ports { name: "http" port: 80 } expose { port: "http" })pb";
  EXPECT_THAT(Texts(ValidateService(with_scale(2, exposed))),
              ElementsAre("[conflict] service.scale: must be 0 or 1 when expose is set"));
  EXPECT_THAT(Texts(ValidateService(with_scale(0, exposed))), IsEmpty());
}

TEST(ValidateService, Ports) {
  EXPECT_THAT(
      Check(R"pb(
        ports { name: "http" port: 70000 }
        ports { name: "http" port: 80 target_port: 0 }
        ports { port: 81 }
        ports { name: "a-very-long-name" port: 82 }
        ports { name: "Bad" }
        ports { name: "x" port: 80 protocol: TCP }
        ports { name: "y" port: 80 protocol: UDP }
      )pb"),
      ElementsAre(
          "[range] service.ports[0].port: must be between 1 and 65535, got 70000",
          "[duplicate] service.ports[1].name: duplicate port name \"http\"",
          "[range] service.ports[1].targetPort: must be between 1 and 65535, got 0",
          "[required] service.ports[2].name: required",
          "[range] service.ports[3].name: must be at most 15 characters, got 16",
          absl::StrCat("[dns1123] service.ports[4].name: invalid name \"Bad\": must consist of "
                       "lowercase letters, digits and '-', start and end with a letter or digit, "
                       "and be at most 63 characters"),
          "[required] service.ports[4].port: required",
          "[duplicate] service.ports[5].port: duplicate port \"80/tcp\""));
}

TEST(ValidateService, EnvAndEnvFrom) {
  EXPECT_THAT(
      Check(R"pb(
        env { key: "1X" value: "" }
        env { key: "OK" value: "{{ secret:db/password }} and {{configmap:app/level}}" }
        env { key: "REF" value: "{{ vault:x/y }}" }
        env { key: "NOKEY" value: "{{ secret:db }}" }
        env { key: "OTHER" value: "{{ secret:db.prod.rune/password }}" }
        env_from { secret_ref: "db" }
        env_from { prefix: "X_" }
        env_from { config_ref: "Bad" prefix: "1-" }
      )pb"),
      ElementsAre("[type] service.env.1X: invalid environment variable name \"1X\"",
                  "[reference] service.env.NOKEY: unsupported reference \"{{ secret:db }}\"",
                  "[reference] service.env.OTHER: must reference a secret or configmap in namespace "
                  "\"default\"",
                  "[reference] service.env.REF: unsupported reference \"{{ vault:x/y }}\"",
                  "[conflict] service.envFrom[1]: exactly one of secretRef or configRef is required",
                  absl::StrCat("[dns1123] service.envFrom[2].configRef: invalid name \"Bad\": must "
                               "consist of lowercase letters, digits and '-', start and end with a "
                               "letter or digit, and be at most 63 characters"),
                  "[type] service.envFrom[2].prefix: invalid prefix \"1-\""));
}

TEST(ValidateService, Resources) {
  EXPECT_THAT(Check(R"pb(resources {
                           cpu { request: "2" limit: "500m" }
                           memory { request: "1Q" limit: "0" }
                         })pb"),
              ElementsAre("[quantity] service.resources.cpu.request: request (2) must not exceed limit (500m)",
                          "[quantity] service.resources.memory.request: invalid quantity \"1Q\"",
                          "[quantity] service.resources.memory.limit: invalid quantity \"0\""));
  EXPECT_THAT(Check(R"pb(resources { cpu { request: "0.5" limit: "1" } memory { limit: "512Mi" } })pb"),
              IsEmpty());
}

TEST(ValidateService, Probes) {
  EXPECT_THAT(
      Check(R"pb(
        ports { name: "web" port: 8080 }
        health {
          liveness {
            type: TCP path: "/x" scheme: SCHEME_HTTPS headers { key: "A" value: "1" }
            command: "true" port: "nope" success_threshold: 2
          }
          readiness {
            type: HTTP path: "health" port: "70000" headers { key: "Bad Header" value: "1" }
            initial_delay_seconds: 3601 interval_seconds: 5 timeout_seconds: 6
            failure_threshold: 0 success_threshold: 101
          }
        }
      )pb"),
      ElementsAre(
          "[conflict] service.health.liveness.path: not allowed with type tcp",
          "[conflict] service.health.liveness.scheme: not allowed with type tcp",
          "[conflict] service.health.liveness.headers: not allowed with type tcp",
          "[conflict] service.health.liveness.command: not allowed with type tcp",
          "[reference] service.health.liveness.port: references unknown port \"nope\"",
          "[range] service.health.liveness.successThreshold: must be 1 for a liveness probe, got 2",
          "[range] service.health.readiness.port: must be between 1 and 65535, got 70000",
          "[path] service.health.readiness.path: must start with \"/\"",
          "[type] service.health.readiness.headers.Bad Header: invalid header name \"Bad Header\"",
          "[range] service.health.readiness.initialDelaySeconds: must be between 0 and 3600, got 3601",
          "[range] service.health.readiness.timeoutSeconds: must be between 1 and 5, got 6",
          "[range] service.health.readiness.failureThreshold: must be between 1 and 100, got 0",
          "[range] service.health.readiness.successThreshold: must be between 1 and 100, got 101"));
  EXPECT_THAT(Check(R"pb(health { liveness { type: EXEC port: "80" } readiness {} })pb"),
              ElementsAre("[conflict] service.health.liveness.port: not allowed with type exec",
                          "[required] service.health.liveness.command: required",
                          "[required] service.health.readiness.type: required"));
  EXPECT_THAT(Check(R"pb(health { liveness { type: HTTP } })pb"),
              ElementsAre("[required] service.health.liveness.port: required"));
  EXPECT_THAT(Check(R"pb(health { readiness { type: TCP port: "8080" timeout_seconds: 11 } })pb"),
              ElementsAre("[range] service.health.readiness.timeoutSeconds: must be between 1 and 10, got 11"));
}

TEST(ValidateService, RestartPolicyEnum) {
  api::ServiceSpec s = Service();
  s.set_restart_policy(static_cast<api::ServiceSpec::RestartPolicy>(9));
  EXPECT_THAT(Texts(ValidateService(s)),
              ElementsAre("[enum] service.restartPolicy: must be one of: Always, OnFailure, Never; got \"9\""));
}

TEST(ValidateService, Dependencies) {
  EXPECT_THAT(
      Check(R"pb(
        dependencies { kind: SERVICE name: "api" }
        dependencies { kind: SERVICE name: "db" }
        dependencies { kind: SERVICE name: "db" namespace: "default" }
        dependencies { kind: SECRET name: "creds" namespace: "prod" ready_when: HEALTHY }
        dependencies { name: "x" }
        dependencies { kind: CONFIGMAP name: "cfg" timeout_seconds: -1 }
        dependencies { kind: SERVICE name: "api" namespace: "other" }
      )pb"),
      ElementsAre("[dependency-cycle] service.dependencies[0]: must not depend on itself",
                  "[duplicate] service.dependencies[2]: duplicate dependency \"service/default/db\"",
                  "[reference] service.dependencies[3].namespace: must reference a secret or "
                  "configmap in namespace \"default\"",
                  "[conflict] service.dependencies[3].readyWhen: not allowed with secret",
                  "[conflict] service.dependencies[4]: exactly one of service, secret or configmap "
                  "is required",
                  "[range] service.dependencies[5].timeoutSeconds: must be >= 0, got -1"));
}

TEST(ValidateService, Mounts) {
  EXPECT_THAT(
      Check(R"pb(
        secret_mounts { name: "tls" mount_path: "/etc/tls" items { key: "cert" path: "a/../b" } }
        secret_mounts { name: "tls" mount_path: "etc" }
        secret_mounts { name: "root" mount_path: "/" }
        config_mounts { name: "cfg" config_name: "Bad" mount_path: "/etc/tls" }
        config_mounts { name: "cfg2" mount_path: "/etc/x/" items { key: "k" path: "/abs" } items { key: "" path: "" } }
        config_mounts { name: "cfg3" mount_path: "/etc/y" items { key: "a" path: "p" } items { key: "b" path: "p" } }
      )pb"),
      ElementsAre(
          "[path] service.secretMounts[0].items[0].path: must be a relative path without '..'",
          "[duplicate] service.secretMounts[1].name: duplicate mount name \"tls\"",
          "[path] service.secretMounts[1].mountPath: must be an absolute path",
          "[path] service.secretMounts[2].mountPath: must not be \"/\"",
          absl::StrCat("[dns1123] service.configMounts[0].configName: invalid name \"Bad\": must "
                       "consist of lowercase letters, digits and '-', start and end with a letter or "
                       "digit, and be at most 63 characters"),
          "[duplicate] service.configMounts[0].mountPath: duplicate mount path \"/etc/tls\"",
          "[path] service.configMounts[1].mountPath: must be a clean absolute path (no '.', '..', "
          "'//' or trailing '/')",
          "[path] service.configMounts[1].items[0].path: must be a relative path without '..'",
          "[required] service.configMounts[1].items[1].key: required",
          "[required] service.configMounts[1].items[1].path: required",
          "[duplicate] service.configMounts[2].items[1].path: duplicate item path \"p\""));
}

TEST(ValidateService, Expose) {
  EXPECT_THAT(Check(R"pb(ports { name: "http" port: 80 }
                         expose { port: "8080" host: "-bad-" host_port: 0 bind_address: "1.2.3" })pb"),
              ElementsAre("[reference] service.expose.port: references unknown port \"8080\"",
                          "[type] service.expose.host: invalid host \"-bad-\"",
                          "[range] service.expose.hostPort: must be between 1 and 65535, got 0",
                          "[type] service.expose.bindAddress: invalid IP address \"1.2.3\""));
  EXPECT_THAT(Check(R"pb(expose {})pb"), ElementsAre("[required] service.expose.port: required"));
  EXPECT_THAT(Check(R"pb(ports { name: "http" port: 80 } expose { port: "80" bind_address: "::" })pb"),
              IsEmpty());
}

TEST(ValidateService, ContainerSecurityContext) {
  EXPECT_THAT(Check(R"pb(security_context { capabilities: "chown" capabilities: "nope" })pb"),
              ElementsAre("[enum] service.securityContext.capabilities[1]: unknown capability \"nope\""));
}

TEST(ValidateService, RoadmapFieldsWarn) {
  std::vector<Violation> v = ValidateService(Service(R"pb(
    discovery { mode: LOAD_BALANCED }
    network_policy { ingress { from { cidr: "10.0.0.0/33" service: "Web" } ports: "70000" } }
    affinity { spread: "zone" }
    autoscale { min: 0 max: 0 target: 101 step: 0 cooldown { seconds: -1 } }
  )pb"));
  EXPECT_THAT(
      Texts(v),
      ElementsAre("[not-enforced] warning service.discovery: accepted but not enforced",
                  absl::StrCat("[dns1123] service.networkPolicy.ingress[0].from[0].service: invalid "
                               "name \"Web\": must consist of lowercase letters, digits and '-', "
                               "start and end with a letter or digit, and be at most 63 characters"),
                  "[type] service.networkPolicy.ingress[0].from[0].cidr: invalid CIDR \"10.0.0.0/33\"",
                  "[range] service.networkPolicy.ingress[0].ports[0]: must be between 1 and 65535, got 70000",
                  "[not-enforced] warning service.networkPolicy: accepted but not enforced",
                  "[not-enforced] warning service.affinity: accepted but not enforced",
                  "[range] service.autoscale.min: must be >= 1, got 0",
                  "[range] service.autoscale.max: must be >= 1, got 0",
                  "[range] service.autoscale.target: must be between 1 and 100, got 101",
                  "[range] service.autoscale.cooldown: must not be negative",
                  "[range] service.autoscale.step: must be >= 1, got 0",
                  "[not-enforced] warning service.autoscale: accepted but not enforced"));
  EXPECT_THAT(Check(R"pb(autoscale { min: 3 max: 2 })pb"),
              ElementsAre("[range] service.autoscale.max: must be >= 3, got 2",
                          "[not-enforced] warning service.autoscale: accepted but not enforced"));
  // Warnings never fail a write.
  EXPECT_TRUE(ValidationStatus(ValidateService(Service("affinity {}"))).ok());
}

TEST(ValidateSecret, Rules) {
  EXPECT_THAT(Texts(ValidateSecret(Parse<api::Secret>(R"pb(name: "db" type: "dynamic")pb"))),
              ElementsAre("[enum] secret.type: must be \"static\"",
                          "[required] secret.data: must contain at least one key"));
  EXPECT_THAT(Texts(ValidateSecret(Parse<api::Secret>(absl::StrCat(
                  R"pb(name: "db" namespace: "system" data { key: "." value: "x" }
                       data { key: "a/b" value: "x" } data { key: ")pb",
                  std::string(254, 'k'), R"pb(" value: "x" })pb")))),
              ElementsAre("[reference] secret.namespace: namespace \"system\" is reserved",
                          "[type] secret.data..: invalid key \".\"",
                          "[type] secret.data.a/b: invalid key \"a/b\"",
                          absl::StrCat("[range] secret.data.", std::string(254, 'k'),
                                       ": must be at most 253 characters, got 254")));
  EXPECT_THAT(Texts(ValidateSecret(Parse<api::Secret>(R"pb(name: "db" type: "static" data { key: "-._aZ9" value: "" })pb"))),
              IsEmpty());
}

TEST(ValidateSecret, Limits) {
  api::Secret s;
  s.set_name("big");
  for (int i = 0; i < 4; ++i) (*s.mutable_data())[absl::StrCat("k", i)] = std::string(10, 'x');
  DataLimits limits;
  limits.max_keys = 3;
  limits.max_value_bytes = 9;
  limits.max_total_bytes = 30;
  EXPECT_THAT(Texts(ValidateSecret(s, limits)),
              ElementsAre("[range] secret.data: must contain at most 3 keys, got 4",
                          "[range] secret.data.k0: must be at most 9 bytes, got 10",
                          "[range] secret.data.k1: must be at most 9 bytes, got 10",
                          "[range] secret.data.k2: must be at most 9 bytes, got 10",
                          "[range] secret.data.k3: must be at most 9 bytes, got 10",
                          "[range] secret.data: total size must be at most 30 bytes, got 40"));
  EXPECT_THAT(ValidateSecret(s), IsEmpty());  // the defaults: 64 keys, 64 KiB, 1 MiB
}

TEST(ValidateConfigmap, Rules) {
  EXPECT_THAT(Texts(ValidateConfigmap(Parse<api::Configmap>(R"pb(data { key: ".." value: "x" })pb"))),
              ElementsAre("[required] configmap.name: required",
                          "[type] configmap.data...: invalid key \"..\""));
  EXPECT_THAT(Texts(ValidateConfigmap(Parse<api::Configmap>(R"pb(name: "cfg")pb"))),
              ElementsAre("[required] configmap.data: must contain at least one key"));
}

TEST(ValidateNamespace, Rules) {
  EXPECT_THAT(Texts(ValidateNamespace(Parse<api::Namespace>(
                  absl::StrCat(R"pb(name: "Prod" description: ")pb", std::string(257, 'd'),
                               R"pb(" labels { key: "a b" value: "" })pb")))),
              ElementsAre(absl::StrCat("[dns1123] namespace.name: invalid name \"Prod\": must consist "
                                       "of lowercase letters, digits and '-', start and end with a "
                                       "letter or digit, and be at most 63 characters"),
                          "[range] namespace.description: must be at most 256 characters, got 257",
                          "[dns1123] namespace.labels.a b: invalid label key \"a b\""));
  EXPECT_THAT(ValidateNamespace(Parse<api::Namespace>(R"pb(name: "prod")pb")), IsEmpty());
}

TEST(ParseEnvReferences, Forms) {
  absl::StatusOr<std::vector<EnvReference>> r = ParseEnvReferences(
      "a {{ secret:db/password }} b {{configmap:app/log.level}} {{ secret : tls.prod.rune / cert }}"
      " {{ rune://configmap/prod/flags/on }} {{ unclosed",
      "prod");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].kind, api::Dependency::SECRET);
  EXPECT_EQ((*r)[0].name, "db");
  EXPECT_EQ((*r)[0].key, "password");
  EXPECT_EQ((*r)[1].kind, api::Dependency::CONFIGMAP);
  EXPECT_EQ((*r)[1].key, "log.level");
  EXPECT_EQ((*r)[2].name, "tls");
  EXPECT_EQ((*r)[2].key, "cert");
  EXPECT_EQ((*r)[3].name, "flags");
  EXPECT_EQ((*r)[3].key, "on");
  EXPECT_TRUE(ParseEnvReferences("no references", "prod")->empty());
}

TEST(ParseEnvReferences, Errors) {
  for (const char* bad : {"{{ x }}", "{{ secret:db }}", "{{ secret:/k }}", "{{ vault:a/b }}",
                          "{{ rune://secret/prod/db }}", "{{ secret:Bad/k }}", "{{ }}"}) {
    absl::StatusOr<std::vector<EnvReference>> r = ParseEnvReferences(bad, "prod");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), absl::StrCat("unsupported reference \"", bad, "\""));
  }
  EXPECT_EQ(ParseEnvReferences("{{ rune://secret/other/db/k }}", "prod").status().message(),
            "must reference a secret or configmap in namespace \"prod\"");
}

TEST(ReferencedObjects, InDeclarationOrderWithoutDuplicates) {
  api::ServiceSpec s = Service(R"pb(
    env { key: "A" value: "{{ secret:db/password }}" }
    env_from { config_ref: "app" }
    env_from { secret_ref: "db" }
    dependencies { kind: CONFIGMAP name: "flags" optional: true }
    dependencies { kind: SECRET name: "other" namespace: "prod" }
    dependencies { kind: SERVICE name: "cache" }
    secret_mounts { name: "tls" mount_path: "/tls" }
    config_mounts { name: "m" config_name: "flags" mount_path: "/f" }
  )pb");
  std::vector<std::string> refs;
  for (const ObjectRef& r : ReferencedObjects(s)) {
    refs.push_back(absl::StrCat(r.kind, ":", r.name, r.optional ? " optional" : ""));
  }
  EXPECT_THAT(refs, ElementsAre("2:db", "3:app", "3:flags", "2:tls"));
}

TEST(Cycles, FindCycleAndReason) {
  const std::map<std::string, std::vector<std::string>> graph = {
      {"default/a", {"default/x", "default/b"}},
      {"default/b", {"prod/c"}},
      {"prod/c", {"default/a"}},
      {"default/x", {"default/y"}},
      {"default/y", {"default/x"}},
  };
  const DependencyEdges edges = [&graph](const std::string& k) {
    auto it = graph.find(k);
    return it == graph.end() ? std::vector<std::string>{} : it->second;
  };
  std::optional<std::vector<std::string>> c = FindCycle("default/a", edges);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(CycleReason(*c),
            "dependency cycle detected: default/a -> default/b -> prod/c -> default/a");
  // x <-> y is a cycle, but not through x's caller.
  EXPECT_FALSE(FindCycle("default/b", [](const std::string& k) {
                 return k == "default/b" ? std::vector<std::string>{"default/x"}
                                         : std::vector<std::string>{};
               }).has_value());
  EXPECT_TRUE(FindCycle("default/x", edges).has_value());
}

TEST(Cycles, LongChainDoesNotRecurse) {
  const DependencyEdges chain = [](const std::string& k) {
    const int n = std::stoi(k);
    return std::vector<std::string>{absl::StrCat((n + 1) % 200000)};
  };
  std::optional<std::vector<std::string>> c = FindCycle("0", chain);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->size(), 200001u);
}

TEST(ServiceDependencyKeys, DefaultsNamespace) {
  api::ServiceSpec s = Service(R"pb(
    dependencies { kind: SERVICE name: "db" }
    dependencies { kind: SERVICE name: "auth" namespace: "infra" }
    dependencies { kind: SECRET name: "creds" }
    dependencies { kind: SERVICE name: "db" namespace: "default" }
  )pb");
  EXPECT_THAT(ServiceDependencyKeys(s), ElementsAre("default/db", "infra/auth"));
}

TEST(CanonicalSpec, IgnoresSkipAndMapOrder) {
  api::ServiceSpec a = Service();
  api::ServiceSpec b = Service("skip: true");
  for (int i = 0; i < 50; ++i) (*a.mutable_env())[absl::StrCat("K", i)] = "v";
  for (int i = 49; i >= 0; --i) (*b.mutable_env())[absl::StrCat("K", i)] = "v";
  EXPECT_EQ(CanonicalSpec(a), CanonicalSpec(b));
  b.set_scale(2);
  EXPECT_NE(CanonicalSpec(a), CanonicalSpec(b));
}

}  // namespace
}  // namespace rune::common::spec
