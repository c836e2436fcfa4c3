// SecretService and ConfigmapService through the real gRPC API of an
// in-process server on a real LMDB store in a temporary directory: writes
// and versions, lookups, selectors, the reference guard, the error texts of
// SPEC §2.6, RBAC on the object's namespace, namespace deletion, concurrent
// writers, tampered records, the KEK across restarts and the at-rest check
// (no secret value in any byte under the data directory).
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/configmap.grpc.pb.h"
#include "proto/namespace.grpc.pb.h"
#include "proto/secret.grpc.pb.h"
#include "runed/api/test_server.h"
#include "runed/secrets/kek.h"
#include "runed/secrets/records.pb.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

const std::string kKek(32, '\x5a');
constexpr char kValue[] = "v3ry-d1st1nct1ve-s3cr3t-value-0123456789";

std::string TempDir() {
  std::string pattern = absl::StrCat(::testing::TempDir(), "/objectsXXXXXX");
  EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
  return pattern;
}

// Every regular file below `dir`, recursively.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = absl::StrCat(dir, "/", name);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      for (std::string& f : FilesUnder(path)) out.push_back(std::move(f));
    } else if (S_ISREG(st.st_mode)) {
      out.push_back(path);
    }
  }
  ::closedir(d);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A store that lets a test run a competing write right before the next
// Update() of the code under test.
class RacingStore final : public store::Store {
 public:
  explicit RacingStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}

  std::function<void()> before_next_update;

  absl::StatusOr<std::optional<store::Record>> Get(absl::string_view kind, absl::string_view ns,
                                                   absl::string_view name) override {
    return inner_->Get(kind, ns, name);
  }
  absl::StatusOr<std::vector<store::Record>> List(absl::string_view kind, absl::string_view ns,
                                                  absl::string_view name_prefix,
                                                  uint64_t* revision) override {
    return inner_->List(kind, ns, name_prefix, revision);
  }
  absl::Status Update(const std::function<absl::Status(store::WriteTxn&)>& fn) override {
    if (before_next_update) {
      std::function<void()> race = std::move(before_next_update);
      before_next_update = nullptr;
      race();
    }
    return inner_->Update(fn);
  }
  std::unique_ptr<store::Watch> Subscribe(absl::string_view kind, absl::string_view ns) override {
    return inner_->Subscribe(kind, ns);
  }
  uint64_t Revision() override { return inner_->Revision(); }

 private:
  std::unique_ptr<store::Store> inner_;
};

// The status of a call plus the hint runed attached.
struct Reply {
  grpc::Status status;
  std::string hint;
};

class DataObjectServiceTest : public ::testing::Test {
 protected:
  DataObjectServiceTest() : dir_(TempDir()) {
    TestServerOptions options;
    options.kek = kKek;
    options.make_store = [this]() -> std::unique_ptr<store::Store> {
      absl::StatusOr<std::unique_ptr<store::Store>> lmdb =
          store::OpenLmdbStore(dir_ + "/store", uint64_t{1} << 28);
      EXPECT_TRUE(lmdb.ok()) << lmdb.status();
      auto racing = std::make_unique<RacingStore>(std::move(*lmdb));
      racing_ = racing.get();
      return racing;
    };
    server_ = std::make_unique<TestServer>(options);
    token_ = server_->TokenFor("root");
    secrets_ = api::SecretService::NewStub(server_->channel());
    configmaps_ = api::ConfigmapService::NewStub(server_->channel());
    namespaces_ = api::NamespaceService::NewStub(server_->channel());
  }

  // Stops the server and opens its store again, as a restarted runed would.
  std::unique_ptr<store::Store> Restart() {
    server_.reset();
    absl::StatusOr<std::unique_ptr<store::Store>> lmdb =
        store::OpenLmdbStore(dir_ + "/store", uint64_t{1} << 28);
    EXPECT_TRUE(lmdb.ok()) << lmdb.status();
    return lmdb.ok() ? std::move(*lmdb) : nullptr;
  }

  template <typename Stub, typename Request, typename Response>
  Reply Call(Stub* stub,
             grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
             const Request& request, Response* response) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token_);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    Reply reply;
    reply.status = (stub->*method)(&ctx, request, response);
    auto hint = ctx.GetServerTrailingMetadata().find("x-rune-hint");
    if (hint != ctx.GetServerTrailingMetadata().end()) {
      reply.hint.assign(hint->second.data(), hint->second.size());
    }
    return reply;
  }

  using Data = std::map<std::string, std::string>;

  // A secret or configmap write message.
  template <typename Message>
  static Message Object(const std::string& ns, const std::string& name, const Data& data,
                        const Data& labels) {
    Message m;
    m.set_namespace_(ns);
    m.set_name(name);
    m.mutable_data()->insert(data.begin(), data.end());
    m.mutable_labels()->insert(labels.begin(), labels.end());
    return m;
  }
  static api::Secret Secret(const std::string& ns, const std::string& name, const Data& data,
                            const Data& labels = {}) {
    return Object<api::Secret>(ns, name, data, labels);
  }
  static api::Configmap Configmap(const std::string& ns, const std::string& name, const Data& data,
                                  const Data& labels = {}) {
    return Object<api::Configmap>(ns, name, data, labels);
  }

  Reply ApplySecret(const api::Secret& secret, api::ApplySecretResponse* response) {
    api::ApplySecretRequest request;
    *request.mutable_secret() = secret;
    return Call(secrets_.get(), &api::SecretService::Stub::ApplySecret, request, response);
  }

  Reply CreateSecret(const api::Secret& secret, bool replace, api::CreateSecretResponse* response) {
    api::CreateSecretRequest request;
    *request.mutable_secret() = secret;
    request.set_replace(replace);
    return Call(secrets_.get(), &api::SecretService::Stub::CreateSecret, request, response);
  }

  Reply GetSecret(const std::string& ns, const std::string& name, api::GetSecretResponse* out) {
    api::GetSecretRequest request;
    request.set_namespace_(ns);
    request.set_name(name);
    return Call(secrets_.get(), &api::SecretService::Stub::GetSecret, request, out);
  }

  std::vector<std::string> ListSecrets(const std::string& ns, const std::string& selector) {
    api::ListSecretsRequest request;
    request.set_namespace_(ns);
    request.set_selector(selector);
    api::ListSecretsResponse response;
    Reply r = Call(secrets_.get(), &api::SecretService::Stub::ListSecrets, request, &response);
    EXPECT_TRUE(r.status.ok()) << r.status.error_message();
    std::vector<std::string> out;
    for (const api::SecretInfo& s : response.secrets())
      out.push_back(s.namespace_() + "/" + s.name());
    return out;
  }

  Reply DeleteSecret(const std::string& name, bool force, bool dry_run,
                     api::DeleteSecretResponse* response) {
    api::DeleteSecretRequest request;
    request.set_name(name);
    request.set_force(force);
    request.set_dry_run(dry_run);
    return Call(secrets_.get(), &api::SecretService::Stub::DeleteSecret, request, response);
  }

  Reply ApplyConfigmap(const api::Configmap& configmap, api::ApplyConfigmapResponse* response) {
    api::ApplyConfigmapRequest request;
    *request.mutable_configmap() = configmap;
    return Call(configmaps_.get(), &api::ConfigmapService::Stub::ApplyConfigmap, request, response);
  }

  void CreateNamespace(const std::string& name) {
    api::CreateNamespaceRequest request;
    request.mutable_namespace_()->set_name(name);
    api::CreateNamespaceResponse response;
    ASSERT_TRUE(
        Call(namespaces_.get(), &api::NamespaceService::Stub::CreateNamespace, request, &response)
            .status.ok());
  }

  // Writes a service record directly (the service API is not under test).
  void PutService(const std::string& ns, const api::ServiceSpec& spec) {
    api::Service service;
    *service.mutable_spec() = spec;
    service.mutable_spec()->set_namespace_(ns);
    ASSERT_TRUE(server_->store()
                    ->Update([&](store::WriteTxn& txn) {
                      return txn.Put(store::kService, ns, spec.name(), service.SerializeAsString())
                          .status();
                    })
                    .ok());
  }

  std::string dir_;
  RacingStore* racing_ = nullptr;
  std::unique_ptr<TestServer> server_;
  std::string token_;
  std::unique_ptr<api::SecretService::Stub> secrets_;
  std::unique_ptr<api::ConfigmapService::Stub> configmaps_;
  std::unique_ptr<api::NamespaceService::Stub> namespaces_;
};

TEST_F(DataObjectServiceTest, SecretVersionsGrowOnlyWithRealChanges) {
  api::ApplySecretResponse applied;
  ASSERT_TRUE(
      ApplySecret(Secret("", "db", {{"password", kValue}, {"user", "app"}}), &applied).status.ok());
  EXPECT_EQ(applied.action(), api::CREATED);
  const api::SecretInfo& info = applied.secret();
  EXPECT_EQ(info.namespace_(), "default");
  EXPECT_EQ(info.name(), "db");
  EXPECT_EQ(info.type(), "static");
  EXPECT_EQ(std::vector<std::string>(info.keys().begin(), info.keys().end()),
            (std::vector<std::string>{"password", "user"}));
  EXPECT_EQ(info.metadata().version(), 1);
  EXPECT_GT(info.metadata().resource_version(), 0u);
  EXPECT_TRUE(info.metadata().has_created_at());
  EXPECT_FALSE(absl::StrContains(applied.SerializeAsString(), kValue));

  ASSERT_TRUE(
      ApplySecret(Secret("default", "db", {{"password", kValue}, {"user", "app"}}), &applied)
          .status.ok());
  EXPECT_EQ(applied.action(), api::UNCHANGED);
  EXPECT_EQ(applied.secret().metadata().version(), 1);
  ASSERT_TRUE(
      ApplySecret(Secret("", "db", {{"password", kValue}, {"user", "app"}}, {{"tier", "db"}}),
                  &applied)
          .status.ok());
  EXPECT_EQ(applied.action(), api::UPDATED);
  EXPECT_EQ(applied.secret().metadata().version(), 2);
  EXPECT_EQ(applied.secret().labels().at("tier"), "db");
  ASSERT_TRUE(
      ApplySecret(Secret("", "db", {{"password", "other"}, {"user", "app"}}, {{"tier", "db"}}),
                  &applied)
          .status.ok());
  EXPECT_EQ(applied.action(), api::UPDATED);
  EXPECT_EQ(applied.secret().metadata().version(), 3);

  // Create: M18 without --replace; with it, identical data is UNCHANGED.
  api::CreateSecretResponse created;
  Reply exists = CreateSecret(Secret("", "db", {{"password", "x"}}), false, &created);
  EXPECT_EQ(exists.status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(exists.status.error_message(), "secret \"default/db\" already exists");
  EXPECT_EQ(exists.hint, "pass --replace to overwrite it");
  ASSERT_TRUE(
      CreateSecret(Secret("", "db", {{"password", "other"}, {"user", "app"}}, {{"tier", "db"}}),
                   true, &created)
          .status.ok());
  EXPECT_EQ(created.action(), api::UNCHANGED);
  EXPECT_EQ(created.secret().metadata().version(), 3);
  ASSERT_TRUE(CreateSecret(Secret("", "db", {{"token", "t"}}), true, &created).status.ok());
  EXPECT_EQ(created.action(), api::UPDATED);
  EXPECT_EQ(created.secret().metadata().version(), 4);
  EXPECT_EQ(created.secret().keys_size(), 1);
  EXPECT_EQ(created.secret().labels_size(), 0);
  ASSERT_TRUE(CreateSecret(Secret("", "api", {{"key", "k"}}), false, &created).status.ok());
  EXPECT_EQ(created.action(), api::CREATED);
  EXPECT_EQ(created.secret().metadata().version(), 1);

  // The plaintext is there for an instance start, in memory.
  absl::StatusOr<std::map<std::string, std::string>> values =
      server_->secret_store()->ReadData("default", "db");
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ(*values, (std::map<std::string, std::string>{{"token", "t"}}));
}

TEST_F(DataObjectServiceTest, GetAndListWithSelectorsAcrossNamespaces) {
  CreateNamespace("prod");
  api::ApplySecretResponse applied;
  ASSERT_TRUE(ApplySecret(Secret("", "b", {{"k", "1"}}, {{"tier", "db"}}), &applied).status.ok());
  ASSERT_TRUE(ApplySecret(Secret("", "a", {{"k", "1"}}, {{"tier", "web"}}), &applied).status.ok());
  ASSERT_TRUE(
      ApplySecret(Secret("prod", "c", {{"k", kValue}}, {{"tier", "web"}}), &applied).status.ok());

  api::GetSecretResponse got;
  ASSERT_TRUE(GetSecret("prod", "c", &got).status.ok());
  EXPECT_EQ(got.secret().name(), "c");
  EXPECT_EQ(got.secret().keys(0), "k");
  EXPECT_EQ(got.secret().metadata().version(), 1);
  EXPECT_FALSE(absl::StrContains(got.SerializeAsString(), kValue));

  EXPECT_EQ(ListSecrets("", ""), (std::vector<std::string>{"default/a", "default/b"}));
  EXPECT_EQ(ListSecrets("default", "tier=web"), (std::vector<std::string>{"default/a"}));
  EXPECT_EQ(ListSecrets("*", ""), (std::vector<std::string>{"default/a", "default/b", "prod/c"}));
  EXPECT_EQ(ListSecrets("*", "tier=web"), (std::vector<std::string>{"default/a", "prod/c"}));
  EXPECT_EQ(ListSecrets("*", "tier!=web"), (std::vector<std::string>{"default/b"}));
  EXPECT_TRUE(ListSecrets("other", "").empty());

  api::ListSecretsRequest bad;
  bad.set_selector("tier=web,=x");
  api::ListSecretsResponse listed;
  Reply r = Call(secrets_.get(), &api::SecretService::Stub::ListSecrets, bad, &listed);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(r.status.error_message(), "invalid label selector: "))
      << r.status.error_message();

  // Configmaps are returned with their data.
  api::ApplyConfigmapResponse cm;
  ASSERT_TRUE(
      ApplyConfigmap(Configmap("prod", "app", {{"LOG_LEVEL", "debug"}}, {{"tier", "web"}}), &cm)
          .status.ok());
  EXPECT_EQ(cm.action(), api::CREATED);
  EXPECT_EQ(cm.configmap().metadata().version(), 1);
  api::GetConfigmapRequest get;
  get.set_namespace_("prod");
  get.set_name("app");
  api::GetConfigmapResponse got_cm;
  ASSERT_TRUE(Call(configmaps_.get(), &api::ConfigmapService::Stub::GetConfigmap, get, &got_cm)
                  .status.ok());
  EXPECT_EQ(got_cm.configmap().data().at("LOG_LEVEL"), "debug");
  EXPECT_EQ(got_cm.configmap().labels().at("tier"), "web");
  EXPECT_EQ(got_cm.configmap().metadata().labels().at("tier"), "web");
  api::ListConfigmapsRequest list;
  list.set_namespace_("*");
  list.set_selector("tier");
  api::ListConfigmapsResponse cms;
  ASSERT_TRUE(Call(configmaps_.get(), &api::ConfigmapService::Stub::ListConfigmaps, list, &cms)
                  .status.ok());
  ASSERT_EQ(cms.configmaps_size(), 1);
  EXPECT_EQ(cms.configmaps(0).namespace_(), "prod");
  EXPECT_EQ(cms.configmaps(0).data().at("LOG_LEVEL"), "debug");
  ASSERT_TRUE(
      ApplyConfigmap(Configmap("prod", "app", {{"LOG_LEVEL", "info"}}, {{"tier", "web"}}), &cm)
          .status.ok());
  EXPECT_EQ(cm.action(), api::UPDATED);
  EXPECT_EQ(cm.configmap().metadata().version(), 2);
}

TEST_F(DataObjectServiceTest, ErrorTexts) {
  // M14 with its hint.
  api::GetSecretResponse got;
  Reply missing = GetSecret("", "nope", &got);
  EXPECT_EQ(missing.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.status.error_message(), "secret \"nope\" not found in namespace \"default\"");
  EXPECT_EQ(missing.hint, "run 'rune get secrets -n default' to list secrets");
  api::DeleteConfigmapRequest delete_cm;
  delete_cm.set_namespace_("default");
  delete_cm.set_name("nope");
  api::DeleteConfigmapResponse deleted_cm;
  Reply missing_cm = Call(configmaps_.get(), &api::ConfigmapService::Stub::DeleteConfigmap,
                          delete_cm, &deleted_cm);
  EXPECT_EQ(missing_cm.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing_cm.status.error_message(),
            "configmap \"nope\" not found in namespace \"default\"");
  EXPECT_EQ(missing_cm.hint, "run 'rune get configmaps -n default' to list configmaps");

  // M15 for a namespace that does not exist.
  api::ApplySecretResponse applied;
  Reply no_ns = ApplySecret(Secret("ghost", "db", {{"k", "v"}}), &applied);
  EXPECT_EQ(no_ns.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(no_ns.status.error_message(), "namespace \"ghost\" not found");
  EXPECT_EQ(no_ns.hint, "create it with 'rune create namespace ghost' or pass --create-namespace");
  api::ApplyConfigmapResponse cm;
  EXPECT_EQ(ApplyConfigmap(Configmap("ghost", "app", {{"k", "v"}}), &cm).status.error_message(),
            "namespace \"ghost\" not found");

  // M07 from the shared validator.
  Reply empty = ApplySecret(Secret("", "db", {}), &applied);
  EXPECT_EQ(empty.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(empty.status.error_message(),
            "validation error: secret.data: must contain at least one key");
  api::Secret dynamic = Secret("", "db", {{"k", "v"}});
  dynamic.set_type("dynamic");
  EXPECT_EQ(ApplySecret(dynamic, &applied).status.error_message(),
            "validation error: secret.type: must be \"static\"");
  EXPECT_EQ(ApplySecret(Secret("system", "db", {{"k", "v"}}), &applied).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  Reply big = ApplyConfigmap(Configmap("", "app", {{"big", std::string(70000, 'x')}}), &cm);
  EXPECT_EQ(big.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(big.status.error_message(),
            "validation error: configmap.data.big: must be at most 65536 bytes, got 70000");
  EXPECT_FALSE(server_->store()->Get(store::kConfigmap, "default", "app")->has_value());
}

TEST_F(DataObjectServiceTest, DeleteIsGuardedByNonOptionalReferences) {
  api::ApplySecretResponse applied;
  for (const char* name : {"db", "opt", "free"}) {
    ASSERT_TRUE(ApplySecret(Secret("", name, {{"k", "v"}}), &applied).status.ok());
  }
  api::ServiceSpec web;
  web.set_name("web");
  (*web.mutable_env())["PASSWORD"] = "{{ secret:db/k }}";
  PutService("default", web);
  api::ServiceSpec api_spec;
  api_spec.set_name("api");
  api_spec.add_env_from()->set_secret_ref("db");
  api::Dependency* optional = api_spec.add_dependencies();
  optional->set_kind(api::Dependency::SECRET);
  optional->set_name("opt");
  optional->set_optional(true);
  PutService("default", api_spec);

  api::DeleteSecretResponse response;
  Reply dry = DeleteSecret("db", false, true, &response);
  ASSERT_TRUE(dry.status.ok()) << dry.status.error_message();
  EXPECT_TRUE(response.dry_run());
  EXPECT_EQ(response.state(), api::DeletionOperation::STATE_UNSPECIFIED);
  ASSERT_EQ(response.blocked_by_size(), 1);
  EXPECT_EQ(response.blocked_by(0),
            "secret \"default/db\" is referenced by services: default/api, default/web");

  Reply blocked = DeleteSecret("db", false, false, &response);
  EXPECT_EQ(blocked.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(blocked.status.error_message(),
            "secret \"default/db\" is referenced by services: default/api, default/web");
  EXPECT_EQ(blocked.hint, "re-run with --force to delete it anyway");
  api::GetSecretResponse got;
  EXPECT_TRUE(GetSecret("", "db", &got).status.ok());

  // An optional dependency does not block; a dry run of a free object
  // reports nothing and changes nothing.
  response.Clear();
  ASSERT_TRUE(DeleteSecret("free", false, true, &response).status.ok());
  EXPECT_EQ(response.blocked_by_size(), 0);
  EXPECT_TRUE(GetSecret("", "free", &got).status.ok());
  response.Clear();
  ASSERT_TRUE(DeleteSecret("opt", false, false, &response).status.ok());
  EXPECT_EQ(response.state(), api::DeletionOperation::COMPLETED);
  EXPECT_EQ(response.namespace_(), "default");
  EXPECT_EQ(GetSecret("", "opt", &got).status.error_code(), grpc::StatusCode::NOT_FOUND);

  response.Clear();
  ASSERT_TRUE(DeleteSecret("db", true, false, &response).status.ok());
  EXPECT_EQ(response.state(), api::DeletionOperation::COMPLETED);
  EXPECT_EQ(GetSecret("", "db", &got).status.error_code(), grpc::StatusCode::NOT_FOUND);

  // Configmaps: a reference of the same name to a secret does not count.
  api::ApplyConfigmapResponse cm;
  ASSERT_TRUE(ApplyConfigmap(Configmap("", "db", {{"k", "v"}}), &cm).status.ok());
  ASSERT_TRUE(ApplyConfigmap(Configmap("", "app", {{"k", "v"}}), &cm).status.ok());
  api::ServiceSpec worker;
  worker.set_name("worker");
  worker.add_env_from()->set_config_ref("app");
  PutService("default", worker);
  api::DeleteConfigmapRequest request;
  request.set_name("app");
  api::DeleteConfigmapResponse deleted;
  Reply cm_blocked =
      Call(configmaps_.get(), &api::ConfigmapService::Stub::DeleteConfigmap, request, &deleted);
  EXPECT_EQ(cm_blocked.status.error_message(),
            "configmap \"default/app\" is referenced by services: default/worker");
  request.set_name("db");
  EXPECT_TRUE(
      Call(configmaps_.get(), &api::ConfigmapService::Stub::DeleteConfigmap, request, &deleted)
          .status.ok());
}

TEST_F(DataObjectServiceTest, NamespaceDeletionCountsAndRemovesTheseRecords) {
  CreateNamespace("prod");
  api::ApplySecretResponse applied;
  ASSERT_TRUE(ApplySecret(Secret("prod", "db", {{"k", "v"}}), &applied).status.ok());
  ASSERT_TRUE(ApplySecret(Secret("prod", "api", {{"k", "v"}}), &applied).status.ok());
  api::ApplyConfigmapResponse cm;
  ASSERT_TRUE(ApplyConfigmap(Configmap("prod", "app", {{"k", "v"}}), &cm).status.ok());
  api::DeleteNamespaceRequest request;
  request.set_name("prod");
  api::DeleteNamespaceResponse response;
  Reply blocked =
      Call(namespaces_.get(), &api::NamespaceService::Stub::DeleteNamespace, request, &response);
  EXPECT_EQ(blocked.status.error_message(),
            "namespace \"prod\" is not empty: 0 services, 2 secrets, 1 configmaps");
  request.set_force(true);
  ASSERT_TRUE(
      Call(namespaces_.get(), &api::NamespaceService::Stub::DeleteNamespace, request, &response)
          .status.ok());
  EXPECT_TRUE(ListSecrets("*", "").empty());
  EXPECT_TRUE(server_->store()->List(store::kConfigmap, "prod")->empty());
}

TEST_F(DataObjectServiceTest, AuthorizationUsesTheObjectsNamespace) {
  CreateNamespace("prod");
  token_ = server_->TokenWithRule("prod-secrets", "secret", {"create", "get"}, "prod");
  api::ApplySecretResponse applied;
  Reply denied = ApplySecret(Secret("", "db", {{"k", "v"}}), &applied);
  EXPECT_EQ(denied.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.status.error_message(), "access denied for resource: secret verb: create");
  EXPECT_TRUE(ApplySecret(Secret("prod", "db", {{"k", "v"}}), &applied).status.ok());
  api::GetSecretResponse got;
  EXPECT_TRUE(GetSecret("prod", "db", &got).status.ok());
  api::DeleteSecretResponse deleted;
  EXPECT_EQ(DeleteSecret("db", false, false, &deleted).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  api::ApplyConfigmapResponse cm;
  EXPECT_EQ(ApplyConfigmap(Configmap("prod", "app", {{"k", "v"}}), &cm).status.error_message(),
            "access denied for resource: configmap verb: create");
}

TEST_F(DataObjectServiceTest, ConcurrentWriterIsAborted) {
  api::ApplySecretResponse applied;
  ASSERT_TRUE(ApplySecret(Secret("", "db", {{"k", "1"}}), &applied).status.ok());
  // Another writer commits between this call's read and its write.
  racing_->before_next_update = [this] {
    secrets::DataObject other;
    other.name = "db";
    other.type = "static";
    other.data = {{"k", "2"}};
    ASSERT_TRUE(server_->secret_store()->Write(other, secrets::WriteMode::kApply).ok());
  };
  Reply r = ApplySecret(Secret("", "db", {{"k", "3"}}), &applied);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(r.status.error_message(), "secret \"default/db\" was modified concurrently");
  EXPECT_EQ(*server_->secret_store()->ReadData("", "db"),
            (std::map<std::string, std::string>{{"k", "2"}}));

  racing_->before_next_update = [this] {
    api::ApplyConfigmapResponse first;
    ASSERT_TRUE(ApplyConfigmap(Configmap("", "app", {{"k", "1"}}), &first).status.ok());
  };
  api::ApplyConfigmapResponse cm;
  Reply create_race = ApplyConfigmap(Configmap("", "app", {{"k", "9"}}), &cm);
  EXPECT_EQ(create_race.status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(create_race.status.error_message(),
            "configmap \"default/app\" was modified concurrently");
}

TEST_F(DataObjectServiceTest, TamperedRecordIsDataLossNeverNotFound) {
  api::ApplySecretResponse applied;
  ASSERT_TRUE(ApplySecret(Secret("", "db", {{"k", kValue}}), &applied).status.ok());
  std::optional<store::Record> record = *server_->store()->Get(store::kSecret, "default", "db");
  ASSERT_TRUE(record.has_value());
  secrets::SecretRecord stored;
  ASSERT_TRUE(stored.ParseFromString(record->value));
  // The same record under another name does not open (AAD binding).
  ASSERT_TRUE(server_->store()
                  ->Update([&](store::WriteTxn& txn) {
                    return txn.Put(store::kSecret, "default", "copy", record->value).status();
                  })
                  .ok());
  absl::Status copied = server_->secret_store()->ReadData("", "copy").status();
  EXPECT_EQ(copied.code(), absl::StatusCode::kDataLoss);

  std::string ciphertext = stored.ciphertext();
  ciphertext[ciphertext.size() / 2] ^= 0x20;
  stored.set_ciphertext(ciphertext);
  ASSERT_TRUE(
      server_->store()
          ->Update([&](store::WriteTxn& txn) {
            return txn.Put(store::kSecret, "default", "db", stored.SerializeAsString()).status();
          })
          .ok());
  absl::Status read = server_->secret_store()->ReadData("", "db").status();
  EXPECT_EQ(read.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(read.message(),
            "cannot decrypt secret \"default/db\" (version 1): authentication failed (wrong key or "
            "altered data)");
  // Metadata still reads; a write that needs the old values reports the loss.
  api::GetSecretResponse got;
  EXPECT_TRUE(GetSecret("", "db", &got).status.ok());
  Reply write = ApplySecret(Secret("", "db", {{"k", "new"}}), &applied);
  EXPECT_EQ(write.status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_EQ(write.status.error_message(), std::string(read.message()));
}

TEST_F(DataObjectServiceTest, SecretsSurviveARestartOnlyWithTheSameKek) {
  api::ApplySecretResponse applied;
  ASSERT_TRUE(ApplySecret(Secret("", "db", {{"k", kValue}}), &applied).status.ok());
  std::unique_ptr<store::Store> db = Restart();
  ASSERT_NE(db, nullptr);
  std::unique_ptr<secrets::ObjectStore> same = secrets::NewSecretStore(db.get(), kKek);
  EXPECT_EQ(*same->ReadData("", "db"), (std::map<std::string, std::string>{{"k", kValue}}));
  EXPECT_EQ(same->Get("", "db")->metadata.version(), 1);
  std::unique_ptr<secrets::ObjectStore> other =
      secrets::NewSecretStore(db.get(), std::string(32, '\x01'));
  EXPECT_EQ(other->ReadData("", "db").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(DataObjectServiceTest, StartUpRefusesAnotherKekOnTheSameStore) {
  common::RunefileKek settings;
  settings.source = "env";
  settings.env = "KEK";
  const std::map<std::string, std::string> env = {{"KEK", absl::Base64Escape(kKek)}};
  ASSERT_TRUE(secrets::SetUpKek(settings, dir_, env, server_->store()).ok());
  std::unique_ptr<store::Store> db = Restart();
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(secrets::SetUpKek(settings, dir_, env, db.get()).ok());
  absl::Status wrong =
      secrets::SetUpKek(settings, dir_, {{"KEK", absl::Base64Escape(std::string(32, 'w'))}},
                        db.get())
          .status();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wrong.message(), "KEK does not match the key used to encrypt existing secrets");
}

TEST_F(DataObjectServiceTest, NoSecretValueInAnyFileOfTheDataDirectory) {
  api::ApplySecretResponse applied;
  ASSERT_TRUE(
      ApplySecret(Secret("", "db", {{"distinctive-key-name", kValue}}), &applied).status.ok());
  ASSERT_TRUE(
      ApplySecret(Secret("", "db", {{"distinctive-key-name", kValue}, {"other", kValue}}), &applied)
          .status.ok());
  api::CreateSecretResponse created;
  ASSERT_TRUE(CreateSecret(Secret("", "db2", {{"value", kValue}}), false, &created).status.ok());
  // Configmaps are not encrypted: their values are the scan's positive control.
  api::ApplyConfigmapResponse cm;
  ASSERT_TRUE(ApplyConfigmap(Configmap("", "app", {{"k", "plain-configmap-value-marker"}}), &cm)
                  .status.ok());
  const std::vector<std::string> files = FilesUnder(dir_);
  ASSERT_FALSE(files.empty());
  const std::vector<std::string> needles = {kValue, absl::Base64Escape(kValue),
                                            absl::WebSafeBase64Escape(kValue),
                                            absl::BytesToHexString(kValue)};
  bool saw_key_name = false, saw_configmap_value = false;
  for (const std::string& path : files) {
    const std::string bytes = ReadFile(path);
    for (const std::string& needle : needles) {
      EXPECT_EQ(bytes.find(needle), std::string::npos) << needle << " found in " << path;
    }
    saw_key_name = saw_key_name || absl::StrContains(bytes, "distinctive-key-name");
    saw_configmap_value =
        saw_configmap_value || absl::StrContains(bytes, "plain-configmap-value-marker");
  }
  // The scan did read the store: key names are metadata, stored in clear,
  // and so are configmap values.
  EXPECT_TRUE(saw_key_name);
  EXPECT_TRUE(saw_configmap_value);
}

}  // namespace
}  // namespace rune::daemon
