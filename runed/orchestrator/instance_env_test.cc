#include "runed/orchestrator/instance_env.h"

#include <algorithm>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace rune::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Data = std::map<std::string, std::string>;
// namespace → name → data
using Objects = std::map<std::string, std::map<std::string, Data>>;

api::ServiceSpec Spec(const std::string& text) {
  api::ServiceSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat(R"pb(name: "api" namespace: "prod" image: "nginx" scale: 1 )pb", text), &spec))
      << text;
  return spec;
}

// An in-memory reader over `objects` that counts its calls.
DataReader Reader(const Objects& objects, int* calls = nullptr) {
  return [objects, calls](absl::string_view ns, absl::string_view name)
             -> absl::StatusOr<std::optional<Data>> {
    if (calls != nullptr) ++*calls;
    auto in_ns = objects.find(std::string(ns));
    if (in_ns == objects.end()) return std::nullopt;
    auto it = in_ns->second.find(std::string(name));
    if (it == in_ns->second.end()) return std::nullopt;
    return it->second;
  };
}

ServiceLookup Services(std::map<std::string, api::ServiceSpec> by_key) {
  return [by_key](absl::string_view ns, absl::string_view name)
             -> absl::StatusOr<std::optional<api::ServiceSpec>> {
    auto it = by_key.find(absl::StrCat(ns, "/", name));
    if (it == by_key.end()) return std::nullopt;
    return it->second;
  };
}

const InstanceIdentity kApi0{"prod", "api", "api-instance-7c2e8a3b", "api-0", 0};

// The five RUNE_* built-ins of kApi0.
std::vector<std::string> RuneBuiltins() {
  return {"RUNE_SERVICE_NAME=api", "RUNE_SERVICE_NAMESPACE=prod",
          "RUNE_INSTANCE_ID=api-instance-7c2e8a3b", "RUNE_INSTANCE_NAME=api-0",
          "RUNE_INSTANCE_ORDINAL=0"};
}

absl::StatusOr<std::vector<std::string>> Env(const api::ServiceSpec& spec,
                                             const Objects& secrets = {},
                                             const Objects& configmaps = {},
                                             const ServiceLookup& services = Services({}),
                                             const InstanceIdentity& who = kApi0) {
  return ResolveEnvironment(spec, who, Reader(secrets), Reader(configmaps), services);
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(EnvVarName, TransformsKeys) {
  EXPECT_EQ(EnvVarName("", "log-level"), "LOG_LEVEL");
  EXPECT_EQ(EnvVarName("", "1x"), "_1X");
  EXPECT_EQ(EnvVarName("", "db.Host_name"), "DB_HOST_NAME");
  EXPECT_EQ(EnvVarName("", "caf\xc3\xa9"), "CAF__");
  EXPECT_EQ(EnvVarName("APP_", "port"), "APP_PORT");
  EXPECT_EQ(EnvVarName("APP_", "1x"), "APP_1X");
  EXPECT_EQ(EnvVarName("_", "9"), "_9");
}

TEST(ResolveEnvironment, OnlyBuiltinsForABareSpec) {
  absl::StatusOr<std::vector<std::string>> env = Env(Spec(""));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(*env, Concat(RuneBuiltins(), {"API_SERVICE_HOST=api.prod.rune"}));
}

TEST(ResolveEnvironment, EnvFromImportsEveryKeyWithPrefix) {
  const Objects configmaps = {{"prod", {{"app", {{"log-level", "debug"}, {"1x", "one"}}}}}};
  const Objects secrets = {{"prod", {{"db", {{"password", "s3cret"}, {"user", "admin"}}}}}};
  absl::StatusOr<std::vector<std::string>> env =
      Env(Spec(R"pb(env_from { config_ref: "app" }
                    env_from { secret_ref: "db" prefix: "DB_" })pb"),
          secrets, configmaps);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(*env, Concat({"_1X=one", "LOG_LEVEL=debug", "DB_PASSWORD=s3cret", "DB_USER=admin"},
                         Concat(RuneBuiltins(), {"API_SERVICE_HOST=api.prod.rune"})));
}

TEST(ResolveEnvironment, LaterLevelsWinAndEachVariableAppearsOnce) {
  const Objects configmaps = {{"prod", {{"app", {{"mode", "cm"}, {"only-cm", "1"}}}}}};
  const Objects secrets = {{"prod", {{"s", {{"mode", "secret"}, {"level", "s"}}}}}};
  absl::StatusOr<std::vector<std::string>> env = Env(
      Spec(R"pb(env_from { config_ref: "app" }
                env_from { secret_ref: "s" }
                env { key: "LEVEL" value: "env" }
                env { key: "A" value: "a" }
                env { key: "RUNE_SERVICE_NAME" value: "spoofed" }
                env { key: "API_SERVICE_HOST" value: "spoofed" })pb"),
      secrets, configmaps);
  ASSERT_TRUE(env.ok()) << env.status();
  // MODE: the secret (second item) beats the configmap; LEVEL: env beats
  // envFrom; RUNE_SERVICE_NAME / API_SERVICE_HOST: built-ins beat env.
  EXPECT_EQ(*env, Concat({"ONLY_CM=1", "MODE=secret", "A=a", "LEVEL=env"},
                         Concat(RuneBuiltins(), {"API_SERVICE_HOST=api.prod.rune"})));
}

TEST(ResolveEnvironment, KeysCollidingWithinOneItemKeepTheLastInKeyOrder) {
  const Objects configmaps = {{"prod", {{"app", {{"log-level", "dash"}, {"log_level", "under"}}}}}};
  absl::StatusOr<std::vector<std::string>> env =
      Env(Spec(R"pb(env_from { config_ref: "app" })pb"), {}, configmaps);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->front(), "LOG_LEVEL=under");
  EXPECT_EQ(std::count_if(env->begin(), env->end(),
                          [](const std::string& s) { return s.rfind("LOG_LEVEL=", 0) == 0; }),
            1);
}

TEST(ResolveEnvironment, SubstitutesEveryReferenceForm) {
  const Objects secrets = {{"prod", {{"db", {{"password", "p@ss word"}, {"user", "admin"}}},
                                     {"tls", {{"cert", "CERT"}}}}}};
  const Objects configmaps = {{"prod", {{"app", {{"log.level", "debug"}}}, {"flags", {{"on", "yes"}}}}}};
  absl::StatusOr<std::vector<std::string>> env = Env(
      Spec(R"pb(env { key: "DSN" value: "pg://{{ secret:db/user }}:{{secret:db/password}}@db" }
                env { key: "LEVEL" value: "{{ configmap:app/log.level }}" }
                env { key: "CERT" value: "{{ secret : tls.prod.rune / cert }}" }
                env { key: "FLAG" value: "[{{ rune://configmap/prod/flags/on }}]" }
                env { key: "PLAIN" value: "no refs {{ unclosed" }
                env { key: "EMPTY" value: "" })pb"),
      secrets, configmaps);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(*env, Concat({"CERT=CERT", "DSN=pg://admin:p@ss word@db", "EMPTY=", "FLAG=[yes]",
                          "LEVEL=debug", "PLAIN=no refs {{ unclosed"},
                         Concat(RuneBuiltins(), {"API_SERVICE_HOST=api.prod.rune"})));
}

TEST(ResolveEnvironment, SubstitutedValuesAreNotExpandedAgain) {
  const Objects secrets = {{"prod", {{"a", {{"k", "{{ secret:b/k }}"}}}, {"b", {{"k", "B"}}}}}};
  absl::StatusOr<std::vector<std::string>> env =
      Env(Spec(R"pb(env { key: "X" value: "{{ secret:a/k }}{{ secret:b/k }}" })pb"), secrets);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->front(), "X={{ secret:b/k }}B");
}

TEST(ResolveEnvironment, ValuesAreRawBytes) {
  const Objects secrets = {{"prod", {{"s", {{"k", "line1\nline2 = \"\xff\" ${HOME}"}}}}}};
  absl::StatusOr<std::vector<std::string>> env =
      Env(Spec(R"pb(env_from { secret_ref: "s" } env { key: "V" value: "{{ secret:s/k }}" })pb"),
          secrets);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ((*env)[0], "K=line1\nline2 = \"\xff\" ${HOME}");
  EXPECT_EQ((*env)[1], "V=line1\nline2 = \"\xff\" ${HOME}");
}

TEST(ResolveEnvironment, ReadsEachObjectOnce) {
  const Objects secrets = {{"prod", {{"db", {{"a", "1"}, {"b", "2"}}}}}};
  int calls = 0;
  absl::StatusOr<std::vector<std::string>> env = ResolveEnvironment(
      Spec(R"pb(env_from { secret_ref: "db" }
                env { key: "X" value: "{{ secret:db/a }}{{ secret:db/b }}" }
                env { key: "Y" value: "{{ secret:db/a }}" })pb"),
      kApi0, Reader(secrets, &calls), Reader({}), Services({}));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(calls, 1);
}

TEST(ResolveEnvironment, MissingObjectsAndKeysFailWithRunnerTexts) {
  const Objects secrets = {{"prod", {{"db", {{"password", "x"}}}}},
                           {"other", {{"ghost", {{"k", "v"}}}}}};
  const Objects configmaps = {{"prod", {{"app", {{"a", "1"}}}}}};
  const struct {
    std::string spec;
    std::string message;
  } cases[] = {
      {R"pb(env { key: "P" value: "{{ secret:db/pass }}" })pb", "missing secret key: prod/db/pass"},
      {R"pb(env { key: "P" value: "{{ secret:ghost/k }}" })pb", "missing secret: prod/ghost"},
      {R"pb(env { key: "P" value: "{{ configmap:app/b }}" })pb",
       "missing configmap key: prod/app/b"},
      {R"pb(env { key: "P" value: "{{ configmap:nope/a }}" })pb", "missing configmap: prod/nope"},
      {R"pb(env_from { secret_ref: "ghost" })pb", "missing secret: prod/ghost"},
      {R"pb(env_from { config_ref: "nope" prefix: "X_" })pb", "missing configmap: prod/nope"},
      {R"pb(env { key: "P" value: "a {{ x }} b" })pb", "env P: unsupported reference \"{{ x }}\""},
      {R"pb(env { key: "P" value: "{{ secret:db }}" })pb",
       "env P: unsupported reference \"{{ secret:db }}\""},
      {R"pb(env { key: "P" value: "{{ rune://secret/other/ghost/k }}" })pb",
       "env P: must reference a secret or configmap in namespace \"prod\""},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::vector<std::string>> env = Env(Spec(c.spec), secrets, configmaps);
    ASSERT_FALSE(env.ok()) << c.spec;
    EXPECT_EQ(env.status().code(), absl::StatusCode::kFailedPrecondition) << c.spec;
    EXPECT_EQ(env.status().message(), c.message) << c.spec;
  }
}

TEST(ResolveEnvironment, RejectsNulBytes) {
  const Objects secrets = {{"prod", {{"db", {{"bin", std::string("a\0b", 3)}}}}}};
  const Objects configmaps = {{"prod", {{"app", {{"bin", std::string("\0", 1)}}}}}};
  const struct {
    std::string spec;
    std::string message;
  } cases[] = {
      {R"pb(env_from { secret_ref: "db" })pb",
       "secret key prod/db/bin: value contains a NUL byte, which an environment variable cannot "
       "hold"},
      {R"pb(env_from { config_ref: "app" })pb",
       "configmap key prod/app/bin: value contains a NUL byte, which an environment variable "
       "cannot hold"},
      {R"pb(env { key: "X" value: "{{ secret:db/bin }}" })pb",
       "secret key prod/db/bin: value contains a NUL byte, which an environment variable cannot "
       "hold"},
      {R"pb(env { key: "X" value: "a\000b" })pb",
       "env X: value contains a NUL byte, which an environment variable cannot hold"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::vector<std::string>> env = Env(Spec(c.spec), secrets, configmaps);
    ASSERT_FALSE(env.ok()) << c.spec;
    EXPECT_EQ(env.status().code(), absl::StatusCode::kFailedPrecondition) << c.spec;
    EXPECT_EQ(env.status().message(), c.message) << c.spec;
  }
}

TEST(ResolveEnvironment, ReaderErrorsKeepTheirCode) {
  DataReader broken = [](absl::string_view, absl::string_view)
      -> absl::StatusOr<std::optional<Data>> { return absl::DataLossError("cannot decrypt"); };
  absl::StatusOr<std::vector<std::string>> env = ResolveEnvironment(
      Spec(R"pb(env_from { secret_ref: "db" })pb"), kApi0, broken, Reader({}), Services({}));
  EXPECT_EQ(env.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(env.status().message(), "reading secret prod/db: cannot decrypt");

  ServiceLookup failing = [](absl::string_view, absl::string_view)
      -> absl::StatusOr<std::optional<api::ServiceSpec>> {
    return absl::UnavailableError("store closed");
  };
  env = ResolveEnvironment(Spec(R"pb(dependencies { kind: SERVICE name: "db" })pb"), kApi0,
                           Reader({}), Reader({}), failing);
  EXPECT_EQ(env.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(env.status().message(), "reading service prod/db: store closed");
}

TEST(ResolveEnvironment, ServiceBuiltinsForSelfAndServiceDependencies) {
  const api::ServiceSpec spec = Spec(R"pb(
    ports { name: "http" port: 8080 target_port: 80 }
    ports { name: "admin-ui" port: 9000 }
    dependencies { kind: SERVICE name: "my-db" }
    dependencies { kind: SECRET name: "creds" }
    dependencies { kind: SERVICE name: "cache" namespace: "shared" optional: true }
    dependencies { kind: SERVICE name: "queue" }
    dependencies { kind: CONFIGMAP name: "app" }
    dependencies { kind: SERVICE name: "ghost" optional: true }
  )pb");
  api::ServiceSpec db;
  db.add_ports()->set_name("pg");
  db.mutable_ports(0)->set_port(5432);
  db.add_ports()->set_name("metrics-http");
  db.mutable_ports(1)->set_port(9187);
  api::ServiceSpec cache;
  cache.add_ports()->set_name("redis");
  cache.mutable_ports(0)->set_port(6379);
  const api::ServiceSpec queue;  // no ports
  absl::StatusOr<std::vector<std::string>> env =
      Env(spec, {}, {},
          Services({{"prod/my-db", db}, {"shared/cache", cache}, {"prod/queue", queue}}));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(*env, Concat(RuneBuiltins(),
                         {"MY_DB_SERVICE_HOST=my-db.prod.rune", "MY_DB_SERVICE_PORT=5432",
                          "MY_DB_SERVICE_PORT_PG=5432", "MY_DB_SERVICE_PORT_METRICS_HTTP=9187",
                          "CACHE_SERVICE_HOST=cache.shared.rune", "CACHE_SERVICE_PORT=6379",
                          "CACHE_SERVICE_PORT_REDIS=6379", "QUEUE_SERVICE_HOST=queue.prod.rune",
                          "GHOST_SERVICE_HOST=ghost.prod.rune", "API_SERVICE_HOST=api.prod.rune",
                          "API_SERVICE_PORT=8080", "API_SERVICE_PORT_HTTP=8080",
                          "API_SERVICE_PORT_ADMIN_UI=9000"}));
}

TEST(ResolveEnvironment, TheServiceOwnVariablesBeatADependencyOfTheSameName) {
  api::ServiceSpec other;
  other.add_ports()->set_name("http");
  other.mutable_ports(0)->set_port(1);
  absl::StatusOr<std::vector<std::string>> env =
      Env(Spec(R"pb(ports { name: "http" port: 2 }
                    dependencies { kind: SERVICE name: "api" namespace: "staging" })pb"),
          {}, {}, Services({{"staging/api", other}}));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(*env, Concat(RuneBuiltins(), {"API_SERVICE_HOST=api.prod.rune",
                                          "API_SERVICE_PORT=2", "API_SERVICE_PORT_HTTP=2"}));
}

TEST(ResolveEnvironment, IdentityFallsBackToTheSpec) {
  const Objects secrets = {{"default", {{"s", {{"k", "v"}}}}}};
  api::ServiceSpec spec = Spec(R"pb(env { key: "K" value: "{{ secret:s/k }}" })pb");
  spec.clear_namespace_();
  absl::StatusOr<std::vector<std::string>> env =
      Env(spec, secrets, {}, Services({}), {"", "", "api-instance-00000001", "api-3", 3});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_THAT(*env, ElementsAre("K=v", "RUNE_SERVICE_NAME=api", "RUNE_SERVICE_NAMESPACE=default",
                                "RUNE_INSTANCE_ID=api-instance-00000001",
                                "RUNE_INSTANCE_NAME=api-3", "RUNE_INSTANCE_ORDINAL=3",
                                "API_SERVICE_HOST=api.default.rune"));
}

void ExpectFile(const runner::MountFile& f, const std::string& path, const std::string& content,
                uint32_t mode) {
  EXPECT_EQ(f.path, path);
  EXPECT_EQ(f.content, content);
  EXPECT_EQ(f.mode, mode);
}

TEST(ResolveMounts, NoMountsNoReads) {
  int calls = 0;
  absl::StatusOr<std::vector<runner::Mount>> mounts =
      ResolveMounts(Spec(""), Reader({}, &calls), Reader({}, &calls));
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  EXPECT_THAT(*mounts, IsEmpty());
  EXPECT_EQ(calls, 0);
}

TEST(ResolveMounts, EveryKeyWithoutItemsSecretsThenConfigs) {
  const Objects secrets = {{"prod", {{"tls", {{"tls.key", std::string("K\0EY", 4)},
                                              {"tls.crt", "CRT"}}}}}};
  const Objects configmaps = {{"prod", {{"app", {{"app.yaml", "a: 1\n"}}}}}};
  absl::StatusOr<std::vector<runner::Mount>> mounts = ResolveMounts(
      Spec(R"pb(config_mounts { name: "app" mount_path: "/etc/app" }
                secret_mounts { name: "certs" secret_name: "tls" mount_path: "/etc/tls" })pb"),
      Reader(secrets), Reader(configmaps));
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 2u);
  EXPECT_EQ((*mounts)[0].path, "/etc/tls");
  ASSERT_EQ((*mounts)[0].files.size(), 2u);
  ExpectFile((*mounts)[0].files[0], "tls.crt", "CRT", 0400);
  ExpectFile((*mounts)[0].files[1], "tls.key", std::string("K\0EY", 4), 0400);
  EXPECT_EQ((*mounts)[1].path, "/etc/app");
  ASSERT_EQ((*mounts)[1].files.size(), 1u);
  ExpectFile((*mounts)[1].files[0], "app.yaml", "a: 1\n", 0444);
}

TEST(ResolveMounts, ItemsProjectOnlyListedKeysInItemOrder) {
  const Objects secrets = {{"prod", {{"db", {{"password", "pw"}, {"user", "u"}, {"host", "h"}}}}}};
  const Objects configmaps = {{"prod", {{"app", {{"a", "1"}, {"b", "2"}}}}}};
  absl::StatusOr<std::vector<runner::Mount>> mounts = ResolveMounts(
      Spec(R"pb(secret_mounts {
                  name: "db"
                  mount_path: "/run/db"
                  items { key: "user" path: "creds/user" }
                  items { key: "password" path: "pw" }
                }
                config_mounts {
                  name: "cfg"
                  config_name: "app"
                  mount_path: "/etc/app"
                  items { key: "b" path: "b.conf" }
                })pb"),
      Reader(secrets), Reader(configmaps));
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 2u);
  EXPECT_EQ((*mounts)[0].path, "/run/db");
  ASSERT_EQ((*mounts)[0].files.size(), 2u);
  ExpectFile((*mounts)[0].files[0], "creds/user", "u", 0400);
  ExpectFile((*mounts)[0].files[1], "pw", "pw", 0400);
  EXPECT_EQ((*mounts)[1].path, "/etc/app");
  ASSERT_EQ((*mounts)[1].files.size(), 1u);
  ExpectFile((*mounts)[1].files[0], "b.conf", "2", 0444);
}

TEST(ResolveMounts, DefaultNamespaceWhenTheSpecHasNone) {
  const Objects configmaps = {{"default", {{"app", {{"a", "1"}}}}}};
  api::ServiceSpec spec = Spec(R"pb(config_mounts { name: "app" mount_path: "/etc/app" })pb");
  spec.clear_namespace_();
  absl::StatusOr<std::vector<runner::Mount>> mounts =
      ResolveMounts(spec, Reader({}), Reader(configmaps));
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 1u);
  ExpectFile((*mounts)[0].files.at(0), "a", "1", 0444);
}

TEST(ResolveMounts, MissingObjectsAndKeysFailWithRunnerTexts) {
  const Objects secrets = {{"prod", {{"db", {{"password", "pw"}}}}}};
  const Objects configmaps = {{"prod", {{"app", {{"a", "1"}}}}}};
  const struct {
    std::string spec;
    std::string message;
  } cases[] = {
      {R"pb(secret_mounts { name: "db" mount_path: "/d" items { key: "user" path: "u" } })pb",
       "missing secret key: prod/db/user"},
      {R"pb(secret_mounts { name: "x" secret_name: "tls" mount_path: "/d" })pb",
       "missing secret: prod/tls"},
      {R"pb(config_mounts { name: "app" mount_path: "/c" items { key: "b" path: "b" } })pb",
       "missing configmap key: prod/app/b"},
      {R"pb(config_mounts { name: "cfg" mount_path: "/c" })pb", "missing configmap: prod/cfg"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::vector<runner::Mount>> mounts =
        ResolveMounts(Spec(c.spec), Reader(secrets), Reader(configmaps));
    ASSERT_FALSE(mounts.ok()) << c.spec;
    EXPECT_EQ(mounts.status().code(), absl::StatusCode::kFailedPrecondition) << c.spec;
    EXPECT_EQ(mounts.status().message(), c.message) << c.spec;
  }
}

TEST(ResolveMounts, ReaderErrorsKeepTheirCode) {
  DataReader broken = [](absl::string_view, absl::string_view)
      -> absl::StatusOr<std::optional<Data>> { return absl::DataLossError("cannot decrypt"); };
  absl::StatusOr<std::vector<runner::Mount>> mounts = ResolveMounts(
      Spec(R"pb(secret_mounts { name: "db" mount_path: "/d" })pb"), broken, Reader({}));
  EXPECT_EQ(mounts.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(mounts.status().message(), "reading secret prod/db: cannot decrypt");
}

}  // namespace
}  // namespace rune::daemon
