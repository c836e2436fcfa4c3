#include "common/spec/documents.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#include "common/spec/cast.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace rune::common::spec {
namespace {

// A spec that sets every field of §4.2 (validity does not matter for the
// round trip, only that every field survives).
api::ServiceSpec EveryField() {
  api::ServiceSpec s;
  const char* text = R"pb(
    name: "api"
    namespace: "prod"
    labels { key: "tier" value: "web" }
    labels { key: "app.kubernetes.io/name" value: "api" }
    image: "registry.example.com/api:1.2"
    process {
      command: "/usr/bin/api"
      args: "--port"
      args: "8080"
      workdir: "/srv"
      security_context {
        user: "app"
        group: "1000"
        read_only_fs: true
        capabilities: "NET_BIND_SERVICE"
        capabilities_set: true
        allowed_syscalls: "read"
        denied_syscalls: "ptrace"
      }
    }
    command: "/bin/sh"
    command: "-c"
    args: "echo hi: there"
    args: "true"
    args: ""
    scale: 3
    ports { name: "http" port: 8080 target_port: 80 protocol: TCP }
    ports { name: "dns" port: 53 protocol: UDP }
    env { key: "LOG_LEVEL" value: "debug" }
    env { key: "PORT" value: "8080" }
    env { key: "EMPTY" value: "" }
    env { key: "YES" value: "yes" }
    env { key: "MULTI" value: "line one\nline two\n" }
    env { key: "QUOTE" value: "it's \"quoted\" # not a comment" }
    env { key: "UNICODE" value: "caf\xc3\xa9 \xe2\x9c\x93" }
    env { key: "REF" value: "{{ secret:db/password }}" }
    env_from { secret_ref: "db" prefix: "DB_" }
    env_from { config_ref: "app" }
    resources {
      cpu { request: "500m" limit: "2" }
      memory { request: "256Mi" limit: "1Gi" }
    }
    health {
      liveness {
        type: HTTP
        path: "/healthz"
        port: "http"
        scheme: SCHEME_HTTPS
        headers { key: "X-Probe" value: "1" }
        initial_delay_seconds: 5
        interval_seconds: 10
        timeout_seconds: 2
        failure_threshold: 3
        success_threshold: 1
      }
      readiness { type: EXEC command: "cat" command: "/tmp/ready" }
    }
    restart_policy: ON_FAILURE
    dependencies { kind: SERVICE name: "db" }
    dependencies {
      kind: SERVICE
      name: "auth"
      namespace: "infra"
      ready_when: HEALTHY
      timeout_seconds: 60
      optional: true
    }
    dependencies { kind: SECRET name: "creds" }
    dependencies { kind: CONFIGMAP name: "flags" optional: true }
    secret_mounts {
      name: "tls"
      secret_name: "tls-cert"
      mount_path: "/etc/tls"
      items { key: "cert" path: "tls.crt" }
    }
    config_mounts { name: "cfg" config_name: "app" mount_path: "/etc/app" }
    config_mounts { name: "cfg2" mount_path: "/etc/app2" }
    expose { port: "8080" host: "api.example.com" host_port: 80 bind_address: "127.0.0.1" }
    security_context { user: "1000" group: "1000" read_only_fs: true capabilities_set: true }
    discovery { mode: ROUND_ROBIN }
    network_policy {
      ingress {
        from { service: "web" namespace: "prod" }
        from { cidr: "10.0.0.0/8" }
        ports: "http"
      }
      egress { to { service: "db" } ports: "5432" }
    }
    affinity {
      required: "disk=ssd"
      preferred: "zone=a"
      with: "cache"
      avoid: "batch"
      spread: "zone"
    }
    autoscale {
      enabled: true
      min: 1
      max: 5
      metric: CPU
      target: 70
      cooldown { seconds: 90 }
      step: 2
    }
  )pb";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s));
  return s;
}

void ExpectSameProto(const google::protobuf::Message& want, const google::protobuf::Message& got) {
  std::string diff;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  EXPECT_TRUE(d.Compare(want, got)) << diff;
}

// Decodes `text` and returns its single object.
CastObject LoadOne(const std::string& text) {
  CastFileResult r = LoadCastText("doc", text, LoadOptions{});
  EXPECT_EQ(r.objects.size(), 1u) << text;
  return r.objects.empty() ? CastObject{} : r.objects[0];
}

TEST(Documents, ServiceRoundTripsThroughYamlAndJson) {
  const api::ServiceSpec spec = EveryField();
  ASSERT_EQ(spec.name(), "api");
  const Value doc = Value::Object().Set("service", ServiceSpecDocument(spec));
  for (const std::string& text : {ToYaml(doc), ToJson(doc, true), ToJson(doc, false)}) {
    ExpectSameProto(spec, LoadOne(text).service);
  }
}

TEST(Documents, ServiceDocumentWithMetadataAndStatusCastsAgain) {
  api::Service service;
  *service.mutable_spec() = EveryField();
  service.mutable_spec()->clear_process();  // a valid container spec
  service.mutable_spec()->set_scale(1);
  service.mutable_metadata()->set_id("abc");
  service.mutable_metadata()->set_generation(4);
  service.mutable_metadata()->mutable_created_at()->set_seconds(1700000000);
  service.mutable_metadata()->set_last_non_zero_scale(2);
  service.mutable_status()->set_phase(api::ServiceStatus::RUNNING);
  service.mutable_status()->set_desired(1);
  const Value list = Value::Object().Set(
      "services", Value::Array().Push(ServiceDocument(service)));
  const std::string yaml = ToYaml(list);
  EXPECT_THAT(yaml, ::testing::HasSubstr("    metadata:\n      id: abc\n      generation: 4\n"));
  EXPECT_THAT(yaml, ::testing::HasSubstr("createdAt: \"2023-11-14T22:13:20Z\""));
  EXPECT_THAT(yaml, ::testing::HasSubstr("phase: Running"));
  ExpectSameProto(service.spec(), LoadOne(yaml).service);
  ExpectSameProto(service.spec(), LoadOne(ToJson(list, true)).service);
}

TEST(Documents, KeysInSchemaOrderAndEnumSpellings) {
  api::ServiceSpec s;
  s.set_name("web");
  s.set_image("nginx");
  s.set_scale(1);
  s.set_restart_policy(api::ServiceSpec::NEVER);
  api::ServicePort* p = s.add_ports();
  p->set_name("http");
  p->set_port(80);
  p->set_protocol(api::ServicePort::UDP);
  s.add_dependencies()->set_name("db");
  s.mutable_dependencies(0)->set_kind(api::Dependency::SERVICE);
  EXPECT_EQ(ToYaml(ServiceSpecDocument(s)),
            "name: web\n"
            "image: nginx\n"
            "scale: 1\n"
            "ports:\n"
            "  - name: http\n"
            "    port: 80\n"
            "    protocol: udp\n"
            "restartPolicy: Never\n"
            "dependencies:\n"
            "  - service: db\n");
}

TEST(Documents, ConfigmapAndNamespaceRoundTrip) {
  api::Configmap cm;
  cm.set_name("app");
  cm.set_namespace_("prod");
  (*cm.mutable_labels())["tier"] = "web";
  (*cm.mutable_data())["config.yaml"] = "a: 1\nb: [2, 3]\n";
  (*cm.mutable_data())["LOG_LEVEL"] = "debug";
  (*cm.mutable_data())["number"] = "42";
  const Value cm_doc = Value::Object().Set("configmap", ConfigmapDocument(cm));
  ExpectSameProto(cm, LoadOne(ToYaml(cm_doc)).configmap);
  ExpectSameProto(cm, LoadOne(ToJson(cm_doc, true)).configmap);

  api::Namespace ns;
  ns.set_name("prod");
  ns.set_description("Production: customer-facing");
  (*ns.mutable_labels())["env"] = "prod";
  const Value ns_doc = Value::Object().Set("namespace", NamespaceDocument(ns));
  ExpectSameProto(ns, LoadOne(ToYaml(ns_doc)).ns);
  ExpectSameProto(ns, LoadOne(ToJson(ns_doc, true)).ns);
}

TEST(Documents, AwkwardStringsRoundTrip) {
  const std::vector<std::string> values = {
      "", " lead", "trail ", "\t", "#x", "x #y", "a: b", "a:b", "- x", "-", "? x", "?", "!tag",
      "&a", "*a", "|", ">", "%x", "@x", "`x", "'", "\"", "{", "}", "[", "]", ",", "0x1", "1e3",
      ".5", "+1", "---", "--- x", "...", "~", "null", "NULL", "yes", "Y", "<<", "=", "\r",
      "a\rb", "\x7f", "caf\xc3\xa9", "line\n", "a\u2028b", "a\u0085b", "\u00a0x", "x\u00a0",
      "\xef\xbb\xbf" "bom", "\\", "a\\nb", "\x01", ":", "a :b", "0", "-0", "00", "1_000", "0o7",
      ".inf", "-.inf", ".nan", "True", "off", "2024-01-01", "1:20", "!!str x", "x\n  y",
  };
  api::Configmap cm;
  cm.set_name("odd");
  cm.set_namespace_("default");
  for (size_t i = 0; i < values.size(); ++i) {
    (*cm.mutable_data())[absl::StrCat("k", i)] = values[i];
  }
  (*cm.mutable_labels())["k"] = "v";
  const Value doc = Value::Object().Set("configmap", ConfigmapDocument(cm));
  for (const std::string& text : {ToYaml(doc), ToJson(doc, true)}) {
    CastFileResult r = LoadCastText("doc", text, LoadOptions{});
    ASSERT_EQ(r.objects.size(), 1u) << text << (r.findings.empty() ? "" : FormatFinding(r.findings[0]));
    ExpectSameProto(cm, r.objects[0].configmap);
  }
  // The same strings as env keys of a service.
  api::ServiceSpec s;
  s.set_name("odd");
  s.set_namespace_("default");
  s.set_image("x");
  s.set_scale(1);
  for (const std::string& v : values) (*s.mutable_env())[v.empty() ? "_" : v] = v;
  const Value sdoc = Value::Object().Set("service", ServiceSpecDocument(s));
  for (const std::string& text : {ToYaml(sdoc), ToJson(sdoc, false)}) {
    CastFileResult r = LoadCastText("doc", text, LoadOptions{});
    ASSERT_EQ(r.objects.size(), 1u) << text;
    ExpectSameProto(s, r.objects[0].service);
  }
}

TEST(Documents, SecretDocumentNeverHoldsValues) {
  api::SecretInfo info;
  info.set_name("db");
  info.set_namespace_("prod");
  info.add_keys("user");
  info.add_keys("password");
  info.mutable_metadata()->set_version(2);
  EXPECT_EQ(ToYaml(SecretDocument(info)),
            "name: db\nnamespace: prod\ntype: static\nkeys:\n  - password\n  - user\n"
            "metadata:\n  version: 2\n");
}

TEST(Documents, Names) {
  EXPECT_EQ(RestartPolicyName(api::ServiceSpec::ALWAYS), "Always");
  EXPECT_EQ(RestartPolicyName(api::ServiceSpec::ON_FAILURE), "OnFailure");
  EXPECT_EQ(PhaseName(api::ServiceStatus::DEGRADED), "Degraded");
  EXPECT_EQ(PhaseName(api::ServiceStatus::PHASE_UNSPECIFIED), "");
}

}  // namespace
}  // namespace rune::common::spec
