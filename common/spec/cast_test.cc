#include "common/spec/cast.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rune::common::spec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

CastFileResult Load(absl::string_view text, LoadOptions options = {}) {
  return LoadCastText("f.yaml", text, options);
}

// Every finding as "<line>:<col> [rule] path: reason" (warnings marked).
std::vector<std::string> Findings(const CastFileResult& r) {
  std::vector<std::string> out;
  for (const Finding& f : r.findings) {
    out.push_back(absl::StrCat(f.line, ":", f.column, " [", f.violation.rule, "]",
                               f.violation.warning ? " warning" : "", " ", f.violation.path,
                               f.violation.path.empty() ? "" : ": ", f.violation.reason));
  }
  return out;
}

constexpr char kValid[] = R"(service:
  name: api
  image: nginx:1.25
  scale: 2
  ports:
    - name: http
      port: 8080
)";

TEST(LoadCastText, ValidServiceHasNoFindings) {
  CastFileResult r = Load(kValid);
  EXPECT_THAT(Findings(r), IsEmpty());
  ASSERT_EQ(r.objects.size(), 1u);
  const CastObject& o = r.objects[0];
  EXPECT_EQ(o.kind, CastObject::Kind::kService);
  EXPECT_EQ(o.Ref(), "service/default/api");
  EXPECT_EQ(o.service.image(), "nginx:1.25");
  EXPECT_EQ(o.service.scale(), 2);
  EXPECT_EQ(o.service.ports(0).port(), 8080);
  EXPECT_EQ(o.mark.line, 2);
  EXPECT_FALSE(r.HasErrors());
}

TEST(LoadCastText, PortOutOfRangePointsAtTheValue) {
  CastFileResult r = Load(R"(service:
  name: api
  image: nginx
  scale: 1
  ports:
    - name: http
      port: 70000
)");
  EXPECT_THAT(Findings(r),
              ElementsAre("7:13 [range] service.ports[0].port: must be between 1 and 65535, got 70000"));
  EXPECT_EQ(FormatFinding(r.findings[0]),
            "f.yaml:7:13: service.ports[0].port: must be between 1 and 65535, got 70000");
  EXPECT_TRUE(r.HasErrors());
}

TEST(LoadCastText, ThreeErrorsInSourceOrder) {
  CastFileResult r = Load(R"(service:
  name: Bad_Name
  image: nginx
  scale: 1
  colour: blue
  restartPolicy: sometimes
)");
  EXPECT_THAT(
      Findings(r),
      ElementsAre("2:9 [dns1123] service.name: invalid name \"Bad_Name\": must consist of lowercase "
                  "letters, digits and '-', start and end with a letter or digit, and be at most 63 "
                  "characters",
                  "5:3 [unknown-field] service: unknown field \"colour\"",
                  "6:18 [enum] service.restartPolicy: must be one of: Always, OnFailure, Never; got "
                  "\"sometimes\""));
}

TEST(LoadCastText, MissingRequiredFieldsPointAtTheObject) {
  CastFileResult r = Load("services:\n  - image: nginx\n");
  EXPECT_THAT(Findings(r), ElementsAre("2:5 [required] service.name: required",
                                       "2:5 [required] service.scale: required"));
}

TEST(LoadCastText, ServicesListPathsAreRootedAtTheSingularKind) {
  CastFileResult r = Load(R"(services:
  - name: a
    image: nginx
    scale: 1
  - name: b
    image: nginx
    scale: 1
    env:
      9BAD: x
)");
  EXPECT_THAT(Findings(r), ElementsAre("9:13 [type] service.env.9BAD: invalid environment variable "
                                       "name \"9BAD\""));
  EXPECT_EQ(r.objects.size(), 2u);
}

TEST(LoadCastText, DocumentLevelErrors) {
  EXPECT_THAT(Findings(Load("- a\n- b\n")),
              ElementsAre("1:1 [type] a cast document must be a mapping"));
  EXPECT_THAT(Findings(Load("instances:\n  - name: x\n")),
              ElementsAre("1:1 [unknown-field] instances cannot be cast"));
  EXPECT_THAT(Findings(Load("instance: {}\n")),
              ElementsAre("1:1 [unknown-field] instances cannot be cast"));
  EXPECT_THAT(Findings(Load("apiVersion: v1\n")),
              ElementsAre("1:1 [unknown-field] unknown top-level key \"apiVersion\""));
  EXPECT_THAT(Findings(Load("service:\n  - name: a\n")),
              ElementsAre("2:3 [type] service: expected a mapping, got a list"));
}

TEST(LoadCastText, YamlSyntaxErrorHasLibyamlMark) {
  CastFileResult r = Load("service:\n  name: [a\n  image: x\n");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].violation.rule, "yaml-syntax");
  EXPECT_GT(r.findings[0].line, 0);
  EXPECT_TRUE(r.objects.empty());
}

TEST(LoadCastText, MultiDocumentAndEmptyDocuments) {
  CastFileResult r = Load(R"(---
namespace:
  name: prod
---
---
configmap:
  name: app
  namespace: prod
  data:
    LOG_LEVEL: debug
---
secret:
  name: db
  value: hunter2
)");
  EXPECT_THAT(Findings(r), IsEmpty());
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(r.objects[0].Ref(), "namespace/prod");
  EXPECT_EQ(r.objects[1].Ref(), "configmap/prod/app");
  EXPECT_EQ(r.objects[2].Ref(), "secret/default/db");
  EXPECT_EQ(r.objects[2].secret.data().at("value"), "hunter2");
}

TEST(LoadCastText, RepeatedTopLevelKeysAreConcatenated) {
  CastFileResult r = Load(R"(service:
  name: a
  image: nginx
  scale: 1
service:
  name: b
  image: nginx
  scale: 1
services:
  - name: c
    image: nginx
    scale: 1
)");
  EXPECT_THAT(Findings(r), IsEmpty());
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(r.objects[0].name(), "a");
  EXPECT_EQ(r.objects[1].name(), "b");
  EXPECT_EQ(r.objects[2].name(), "c");
}

TEST(LoadCastText, AnchorsAndAliases) {
  CastFileResult r = Load(R"(services:
  - name: a
    image: nginx
    scale: 1
    env: &common
      LOG_LEVEL: info
      PORT: 8080
  - name: b
    image: nginx
    scale: 1
    env: *common
)");
  EXPECT_THAT(Findings(r), IsEmpty());
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[1].service.env().at("PORT"), "8080");
}

TEST(LoadCastText, EnvValuesAreStringified) {
  CastFileResult r = Load(R"(service:
  name: a
  image: nginx
  scale: 1
  env:
    PORT: 8080
    DEBUG: true
    EMPTY: null
    TILDE: ~
    RATIO: 0.5
    QUOTED: "007"
)");
  EXPECT_THAT(Findings(r), IsEmpty());
  const auto& env = r.objects[0].service.env();
  EXPECT_EQ(env.at("PORT"), "8080");
  EXPECT_EQ(env.at("DEBUG"), "true");
  EXPECT_EQ(env.at("EMPTY"), "");
  EXPECT_EQ(env.at("TILDE"), "");
  EXPECT_EQ(env.at("RATIO"), "0.5");
  EXPECT_EQ(env.at("QUOTED"), "007");
}

TEST(LoadCastText, JsonInput) {
  CastFileResult r = LoadCastText("api.json", R"({
  "service": {
    "name": "api",
    "image": "nginx",
    "scale": 1,
    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    "env": {"A": "1"},
    "metadata": {"id": "x", "generation": 3},
    "status": {"phase": "Running"}
  }
})",
                                  LoadOptions{});
  EXPECT_THAT(Findings(r), IsEmpty());
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.objects[0].service.ports(0).protocol(), api::ServicePort::TCP);
  CastFileResult compact =
      Load(R"({"services":[{"name":"a","image":"x","scale":1},{"name":"b","image":"y","scale":0}]})");
  EXPECT_THAT(Findings(compact), IsEmpty());
  EXPECT_EQ(compact.objects.size(), 2u);
}

TEST(LoadCastText, JsonWithTabs) {
  CastFileResult r = Load("{\n\t\"namespace\": {\n\t\t\"name\": \"prod\"\n\t}\n}\n");
  EXPECT_THAT(Findings(r), IsEmpty());
  EXPECT_EQ(r.objects.size(), 1u);
}

TEST(LoadCastText, Yaml11BooleansAreFixableTypeErrors) {
  CastFileResult r = Load(R"(service:
  name: a
  image: nginx
  scale: 1
  securityContext:
    readOnlyFS: yes
  skip: False
)");
  EXPECT_THAT(Findings(r), ElementsAre("6:17 [type] service.securityContext.readOnlyFS: expected a "
                                       "boolean, got a string",
                                       "7:9 [type] service.skip: expected a boolean, got a string"));
  EXPECT_TRUE(r.findings[0].violation.fixable);
  EXPECT_TRUE(r.findings[1].violation.fixable);
}

TEST(LoadCastText, TypeErrors) {
  CastFileResult r = Load(R"(service:
  name: a
  image: [nginx]
  scale: "3"
  ports: {}
  env: []
  labels:
    tier: {x: 1}
)");
  EXPECT_THAT(Findings(r),
              ElementsAre("3:10 [type] service.image: expected a string, got a list",
                          "4:10 [type] service.scale: expected an integer, got a string",
                          "5:10 [type] service.ports: expected a list, got a mapping",
                          "6:8 [type] service.env: expected a mapping, got a list",
                          "8:11 [type] service.labels.tier: expected a string, got a mapping"));
}

TEST(LoadCastText, TagsOutsideTheCoreSchemaAreRejected) {
  CastFileResult r = Load(R"(service:
  name: !!str a
  image: !custom nginx
  scale: !!int 1
)");
  EXPECT_THAT(Findings(r), ElementsAre("3:10 [type] service.image: unsupported tag \"!custom\""));
}

TEST(LoadCastText, SkipDropsAnyKind) {
  CastFileResult r = Load(R"(service:
  name: a
  scale: 1
  skip: true
secret:
  name: s
  skip: true
configmap:
  name: c
  data: {a: b}
  skip: true
namespace:
  name: n
  skip: true
)");
  EXPECT_THAT(Findings(r), IsEmpty());
  EXPECT_TRUE(r.objects.empty());
}

TEST(LoadCastText, LegacyProbeKeysAreUnknownWithHints) {
  CastFileResult r = Load(R"(service:
  name: a
  image: nginx
  scale: 1
  health:
    liveness:
      type: tcp
      port: 80
      interval: 5
      timeout: 1
      initialDelay: 3
      periodSeconds: 10
)");
  EXPECT_THAT(Findings(r),
              ElementsAre("9:7 [unknown-field] service.health.liveness: unknown field \"interval\"",
                          "10:7 [unknown-field] service.health.liveness: unknown field \"timeout\"",
                          "11:7 [unknown-field] service.health.liveness: unknown field \"initialDelay\"",
                          "12:7 [unknown-field] service.health.liveness: unknown field "
                          "\"periodSeconds\""));
  EXPECT_EQ(r.findings[0].violation.hint, "use \"intervalSeconds\" instead");
  EXPECT_EQ(r.findings[1].violation.hint, "use \"timeoutSeconds\" instead");
  EXPECT_EQ(r.findings[2].violation.hint, "use \"initialDelaySeconds\" instead");
  EXPECT_TRUE(r.findings[3].violation.fixable);
}

TEST(LoadCastText, LegacyConfigmapMountsAreDeprecatedWarnings) {
  CastFileResult r = Load(R"(service:
  name: a
  image: nginx
  scale: 1
  configmapMounts:
    - name: cfg
      configmapName: app
      mountPath: /etc/app
)");
  EXPECT_THAT(Findings(r),
              ElementsAre("5:3 [deprecated] warning service.configmapMounts: \"configmapMounts\" is "
                          "deprecated; use \"configMounts\"",
                          "7:7 [deprecated] warning service.configMounts[0].configmapName: "
                          "\"configmapName\" is deprecated; use \"configName\""));
  EXPECT_FALSE(r.HasErrors());
  ASSERT_EQ(r.objects[0].service.config_mounts_size(), 1);
  EXPECT_EQ(r.objects[0].service.config_mounts(0).config_name(), "app");
}

TEST(LoadCastText, DependencyStringForms) {
  CastFileResult r = Load(R"(service:
  name: a
  namespace: prod
  image: nginx
  scale: 1
  dependencies:
    - db
    - cache.other
    - queue.other.rune
    - service:auth
    - secret:db-creds
    - configmap:app
    - secret:tls.prod.rune
    - rune://service/infra/dns
    - {configmap: flags, optional: true}
    - {service: api, namespace: edge, readyWhen: healthy, timeoutSeconds: 30}
)");
  EXPECT_THAT(Findings(r), IsEmpty());
  const auto& deps = r.objects[0].service.dependencies();
  ASSERT_EQ(deps.size(), 10);
  const auto text = [](const api::Dependency& d) {
    return absl::StrCat(d.kind(), ":", d.namespace_(), "/", d.name(), " ", d.ready_when(), " ",
                        d.timeout_seconds(), d.optional() ? " optional" : "");
  };
  EXPECT_EQ(text(deps[0]), "1:/db 0 0");
  EXPECT_EQ(text(deps[1]), "1:other/cache 0 0");
  EXPECT_EQ(text(deps[2]), "1:other/queue 0 0");
  EXPECT_EQ(text(deps[3]), "1:/auth 0 0");
  EXPECT_EQ(text(deps[4]), "2:/db-creds 0 0");
  EXPECT_EQ(text(deps[5]), "3:/app 0 0");
  EXPECT_EQ(text(deps[6]), "2:prod/tls 0 0");
  EXPECT_EQ(text(deps[7]), "1:infra/dns 0 0");
  EXPECT_EQ(text(deps[8]), "3:/flags 0 0 optional");
  EXPECT_EQ(text(deps[9]), "1:edge/api 2 30");
}

TEST(LoadCastText, EnvFromStringForms) {
  CastFileResult r = Load(R"(service:
  name: a
  image: nginx
  scale: 1
  envFrom:
    - secret:db
    - configmap:app
    - {configmapRef: flags, prefix: FLAG_}
    - {secret: other}
)");
  EXPECT_THAT(Findings(r), IsEmpty());
  const auto& e = r.objects[0].service.env_from();
  ASSERT_EQ(e.size(), 4);
  EXPECT_EQ(e[0].secret_ref(), "db");
  EXPECT_EQ(e[1].config_ref(), "app");
  EXPECT_EQ(e[2].config_ref(), "flags");
  EXPECT_EQ(e[2].prefix(), "FLAG_");
  EXPECT_EQ(e[3].secret_ref(), "other");
}

TEST(LoadCastText, SecretDataForms) {
  CastFileResult r = Load(R"(secrets:
  - name: a
    data:
      user: admin
      password: "s3cret"
  - name: b
    data:
      - key: cert
        value: PEM
      - key: bin
        valueBase64: AAEC/w==
  - name: c
    valueBase64: aGVsbG8=
)");
  EXPECT_THAT(Findings(r), IsEmpty());
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(r.objects[0].secret.data().at("password"), "s3cret");
  EXPECT_EQ(r.objects[1].secret.data().at("cert"), "PEM");
  EXPECT_EQ(r.objects[1].secret.data().at("bin"), std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(r.objects[2].secret.data().at("value"), "hello");
}

TEST(LoadCastText, SecretErrors) {
  CastFileResult r = Load(R"(secret:
  name: a
  type: dynamic
  data:
    port: 5432
    "..": x
    ok: y
    ok: z
)");
  EXPECT_THAT(Findings(r),
              ElementsAre("3:9 [enum] secret.type: must be \"static\"",
                          "5:11 [type] secret.data.port: expected a string, got an integer",
                          "6:11 [type] secret.data...: invalid key \"..\"",
                          "8:5 [duplicate] secret.data.ok: duplicate key \"ok\""));
  EXPECT_THAT(Findings(Load("secret:\n  name: a\n  valueBase64: aGVsbG8\n")),
              ElementsAre("3:16 [type] secret.valueBase64: invalid base64: use the standard "
                          "alphabet with padding"));
  EXPECT_THAT(Findings(Load("secret:\n  name: a\n")),
              ElementsAre("2:3 [required] secret.data: must contain at least one key"));
}

TEST(LoadCastText, DefaultNamespaceFillsMissingOnes) {
  LoadOptions options;
  options.default_namespace = "staging";
  CastFileResult r = Load("configmap:\n  name: a\n  data: {k: v}\nsecret:\n  name: b\n  namespace: prod\n"
                          "  value: x\n",
                          options);
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].object_namespace(), "staging");
  EXPECT_EQ(r.objects[1].object_namespace(), "prod");
}

TEST(CheckBatch, DuplicatesAndCycles) {
  CastFileResult a = LoadCastText("a.yaml", R"(services:
  - name: x
    image: nginx
    scale: 1
    dependencies: [y]
  - name: y
    image: nginx
    scale: 1
    dependencies: [x]
)",
                                  LoadOptions{});
  CastFileResult b = LoadCastText("b.yaml", "service:\n  name: x\n  image: nginx\n  scale: 1\n",
                                  LoadOptions{});
  ASSERT_THAT(Findings(a), IsEmpty());
  std::vector<CastObject> all = a.objects;
  all.insert(all.end(), b.objects.begin(), b.objects.end());
  std::vector<Finding> f = CheckBatch(all);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(FormatFinding(f[0]),
            "b.yaml:2:3: service \"default/x\" is defined more than once (first at a.yaml:2)");
  EXPECT_EQ(f[0].violation.rule, "duplicate");
  EXPECT_EQ(FormatFinding(f[1]),
            "a.yaml:5:5: service.dependencies: dependency cycle detected: default/x -> default/y "
            "-> default/x");
  EXPECT_EQ(f[1].violation.rule, "dependency-cycle");
}

TEST(CheckBatch, EachCycleOnceFromItsFirstService) {
  CastFileResult r = Load(R"(services:
  - {name: a, image: x, scale: 1, dependencies: [b]}
  - {name: b, image: x, scale: 1, dependencies: [c.default.rune]}
  - {name: c, image: x, scale: 1, dependencies: ["rune://service/default/a", e]}
  - {name: d, image: x, scale: 1, dependencies: [a]}
  - {name: e, image: x, scale: 1, dependencies: [f]}
  - {name: f, image: x, scale: 1, dependencies: [e]}
)");
  ASSERT_THAT(Findings(r), IsEmpty());
  std::vector<std::string> reasons;
  for (const Finding& f : CheckBatch(r.objects)) reasons.push_back(f.violation.reason);
  EXPECT_THAT(reasons,
              ElementsAre("dependency cycle detected: default/e -> default/f -> default/e",
                          "dependency cycle detected: default/a -> default/b -> default/c -> default/a"));
  // A cycle still gets an apply order: the first remaining service goes first.
  std::vector<std::string> names;
  for (const CastObject* o : ApplyOrder(r.objects)) names.push_back(o->name());
  EXPECT_THAT(names, ElementsAre("a", "d", "b", "c", "e", "f"));
}

TEST(ApplyOrder, LargeBatchIsFast) {
  std::string text = "services:\n";
  for (int i = 0; i < 3000; ++i) {
    absl::StrAppend(&text, "  - {name: s", i, ", image: x, scale: 1, dependencies: [s", i + 1, "]}\n");
  }
  CastFileResult r = Load(text);
  ASSERT_EQ(r.objects.size(), 3000u);
  EXPECT_TRUE(CheckBatch(r.objects).empty());
  std::vector<const CastObject*> order = ApplyOrder(r.objects);
  ASSERT_EQ(order.size(), 3000u);
  EXPECT_EQ(order.front()->name(), "s2999");
  EXPECT_EQ(order.back()->name(), "s0");
}

TEST(ApplyOrder, KindsThenServicesByDependencies) {
  CastFileResult r = Load(R"(services:
  - name: web
    image: nginx
    scale: 1
    dependencies: [api]
  - name: api
    image: nginx
    scale: 1
    dependencies: [db, secret:creds, external.other]
  - name: db
    image: postgres
    scale: 1
  - name: worker
    image: w
    scale: 1
secret:
  name: creds
  value: x
namespace:
  name: other
configmap:
  name: cfg
  data: {a: b}
)");
  ASSERT_THAT(Findings(r), IsEmpty());
  std::vector<std::string> refs;
  for (const CastObject* o : ApplyOrder(r.objects)) refs.push_back(o->Ref());
  EXPECT_THAT(refs, ElementsAre("namespace/other", "configmap/default/cfg", "secret/default/creds",
                                "service/default/db", "service/default/api", "service/default/web",
                                "service/default/worker"));
}

TEST(IsCastDocument, DetectsCastKeys) {
  absl::StatusOr<std::vector<yaml::Document>> docs =
      yaml::ParseDocuments("services: []\n---\nserver: {}\n---\ninstances: []\n");
  ASSERT_TRUE(docs.ok());
  EXPECT_TRUE(IsCastDocument((*docs)[0].root));
  EXPECT_FALSE(IsCastDocument((*docs)[1].root));
  EXPECT_TRUE(IsCastDocument((*docs)[2].root));
}

TEST(LoadCastText, DuplicateKeysInsideAnObject) {
  EXPECT_THAT(Findings(Load("service:\n  name: a\n  image: x\n  scale: 1\n  name: b\n")),
              ElementsAre("5:3 [duplicate] service: duplicate key \"name\""));
  EXPECT_THAT(Findings(Load("service:\n  name: a\n  image: x\n  scale: 1\n  env:\n    A: 1\n    A: 2\n")),
              ElementsAre("7:5 [duplicate] service.env.A: duplicate key \"A\""));
}

TEST(LoadCastText, InvalidUtf8IsASyntaxError) {
  CastFileResult r = Load("service:\n  name: a\xff\n");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(FormatFinding(r.findings[0]), "f.yaml:2:10: invalid UTF-8");
  EXPECT_EQ(r.findings[0].violation.rule, "yaml-syntax");
}

TEST(LoadCastText, CaseInsensitiveEnums) {
  CastFileResult r = Load(R"(service:
  name: a
  image: x
  scale: 1
  restartPolicy: onfailure
  ports: [{name: dns, port: 53, protocol: UDP}]
)");
  EXPECT_THAT(Findings(r), IsEmpty());
  EXPECT_EQ(r.objects[0].service.restart_policy(), api::ServiceSpec::ON_FAILURE);
  EXPECT_EQ(r.objects[0].service.ports(0).protocol(), api::ServicePort::UDP);
  // Other enums are exact.
  EXPECT_THAT(
      Findings(Load("service:\n  name: a\n  image: x\n  scale: 1\n  health:\n    liveness:\n"
                    "      type: HTTP\n")),
      ElementsAre("7:13 [enum] service.health.liveness.type: must be one of: http, tcp, exec; got \"HTTP\""));
}

TEST(LoadCastText, NumbersAndFloats) {
  EXPECT_THAT(Findings(Load("service:\n  name: a\n  image: x\n  scale: 1.5\n")),
              ElementsAre("4:10 [type] service.scale: expected an integer, got a float"));
  EXPECT_THAT(Findings(Load("service:\n  name: a\n  image: x\n  scale: 99999999999\n")),
              ElementsAre("4:10 [range] service.scale: must be between -2147483648 and 2147483647, "
                          "got 99999999999"));
  EXPECT_THAT(Findings(Load("service:\n  name: a\n  image: x\n  scale: true\n")),
              ElementsAre("4:10 [type] service.scale: expected an integer, got a boolean"));
  CastFileResult hex = Load("service:\n  name: a\n  image: x\n  scale: 0x10\n");
  EXPECT_THAT(Findings(hex), IsEmpty());
  EXPECT_EQ(hex.objects[0].service.scale(), 16);
  // Quantities take numbers as written.
  CastFileResult q = Load("service:\n  name: a\n  image: x\n  scale: 1\n  resources:\n"
                          "    cpu: {request: 0.5, limit: 2}\n");
  EXPECT_THAT(Findings(q), IsEmpty());
  EXPECT_EQ(q.objects[0].service.resources().cpu().request(), "0.5");
}

TEST(LoadCastText, DataValuesMustBeStrings) {
  EXPECT_THAT(Findings(Load("configmap:\n  name: c\n  data:\n    a: true\n    b: ~\n    c: [x]\n")),
              ElementsAre("4:8 [type] configmap.data.a: expected a string, got a boolean",
                          "5:8 [type] configmap.data.b: expected a string, got null",
                          "6:8 [type] configmap.data.c: expected a string, got a list"));
  EXPECT_THAT(Findings(Load("secret:\n  name: s\n  data:\n    - key: a\n    - value: b\n"
                            "    - {key: c, value: x, valueBase64: eA==}\n")),
              ElementsAre("4:7 [conflict] secret.data[0]: exactly one of value or valueBase64 is required",
                          "5:7 [required] secret.data[1].key: required",
                          "6:7 [conflict] secret.data[2]: exactly one of value or valueBase64 is required"));
}

TEST(LoadCastText, ServiceFieldErrors) {
  CastFileResult r = Load(R"(service:
  name: a
  image: x
  scale: 1
  dependencies:
    - "a.b.c.d"
    - {service: x, secret: y}
    - ~
  envFrom:
    - vault:x
    - {secretRef: a, configRef: b}
  autoscale:
    cooldown: soon
)");
  EXPECT_THAT(Findings(r),
              ElementsAre("6:7 [reference] service.dependencies[0]: invalid dependency \"a.b.c.d\"",
                          "7:28 [conflict] service.dependencies[1]: exactly one of service, secret "
                          "or configmap is required",
                          "8:7 [type] service.dependencies[2]: expected a mapping, got null",
                          "10:7 [type] service.envFrom[0]: invalid envFrom entry \"vault:x\"",
                          "11:33 [conflict] service.envFrom[1]: exactly one of secretRef or configRef "
                          "is required",
                          "12:3 [not-enforced] warning service.autoscale: accepted but not enforced",
                          "13:15 [type] service.autoscale.cooldown: invalid duration \"soon\""));
}

TEST(LoadCastText, FindingsAreMarkedByPath) {
  CastFileResult r = Load(R"(service:
  name: a
  image: x
  scale: 1
  secretMounts:
    - name: tls
      mountPath: relative
  dependencies:
    - a
)");
  EXPECT_THAT(Findings(r),
              ElementsAre("7:18 [path] service.secretMounts[0].mountPath: must be an absolute path",
                          "9:7 [dependency-cycle] service.dependencies[0]: must not depend on itself"));
  EXPECT_EQ(r.objects[0].MarkOf("service.secretMounts[0].items[3]").line, 6);
}

TEST(LoadCastText, ReservedNamespaces) {
  EXPECT_THAT(Findings(Load("namespace:\n  name: system\n")),
              ElementsAre("2:9 [reference] namespace.name: namespace \"system\" is reserved"));
  EXPECT_THAT(Findings(Load("configmap:\n  name: c\n  namespace: system\n  data: {a: b}\n")),
              ElementsAre("3:14 [reference] configmap.namespace: namespace \"system\" is reserved"));
}

TEST(FormatFinding, WithAndWithoutPositionAndPath) {
  Finding f;
  f.file = "-";
  f.violation.reason = "a cast document must be a mapping";
  EXPECT_EQ(FormatFinding(f), "-: a cast document must be a mapping");
  f.line = 3;
  f.column = 1;
  f.violation.path = "service";
  EXPECT_EQ(FormatFinding(f), "-:3:1: service: a cast document must be a mapping");
}

}  // namespace
}  // namespace rune::common::spec
