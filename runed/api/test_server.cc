#include "runed/api/test_server.h"

#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runed/api/request_id.h"
#include "runed/secrets/envelope.h"

namespace rune::daemon {

TestServer::TestServer(TestServerOptions options) {
  store_ = options.make_store ? options.make_store() : store::NewMemoryStore();
  identity_ = std::make_unique<auth::Identity>(store_.get(), [this] { return now_; });
  EXPECT_TRUE(identity_->SeedBuiltinPolicies().ok());
  authz_ = std::make_unique<auth::Authorizer>(
      identity_.get(), auth::AuthConfig{true, false, options.max_failed_attempts_per_minute},
      [this] { return now_; });
  HealthOptions health_options;
  health_options.store = store_.get();
  health_options.probes = options.probes;
  health_options.runners = options.runners;
  health_options.started_at = now_;
  health_options.clock = [this] { return now_; };
  health_ = std::make_unique<HealthService>(authz_.get(), std::move(health_options));
  namespaces_ = std::make_unique<NamespaceServiceImpl>(store_.get(), authz_.get(),
                                                        [this] { return now_; });
  EXPECT_TRUE(namespaces_->SeedReserved().ok());
  ServiceOptions service_options;
  service_options.history_limit = options.history_limit;
  service_options.limits.max_scale = options.max_scale;
  service_options.docker_enabled = options.docker_enabled;
  service_options.process_enabled = options.process_enabled;
  service_options.clock = [this] { return now_; };
  services_ = std::make_unique<ServiceServiceImpl>(store_.get(), authz_.get(), service_options);
  instances_ = std::make_unique<InstanceServiceImpl>(store_.get(), authz_.get());
  const std::string kek =
      options.kek.empty() ? secrets::RandomBytes(secrets::kKeyBytes) : options.kek;
  secret_store_ = secrets::NewSecretStore(store_.get(), kek);
  configmap_store_ = secrets::NewConfigmapStore(store_.get());
  secrets_ = std::make_unique<SecretServiceImpl>(secret_store_.get(), authz_.get(),
                                                 common::spec::DataLimits{});
  configmaps_ = std::make_unique<ConfigmapServiceImpl>(configmap_store_.get(), authz_.get(),
                                                       common::spec::DataLimits{});
  registry::RegistryBookDeps registry_deps;
  registry_deps.store = store_.get();
  registry_deps.kek = kek;
  registry_deps.runefile = options.registries;
  registry_deps.secrets = secrets::DataReaderOf(secret_store_.get());
  registries_ = std::make_unique<registry::RegistryBook>(std::move(registry_deps));
  admin_ = std::make_unique<AdminServiceImpl>(identity_.get(), authz_.get(), registries_.get());
  auth_ = std::make_unique<AuthServiceImpl>(identity_.get(), authz_.get());
  unimplemented_ = std::make_unique<UnimplementedService>(authz_.get());
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string log_dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/runed-logs-XXXXXX");
  EXPECT_NE(mkdtemp(log_dir.data()), nullptr);
  logs_ = std::make_unique<logstore::LogStore>(log_dir, 10 << 20, absl::Hours(24));
  log_service_ = std::make_unique<LogServiceImpl>(store_.get(), authz_.get(), logs_.get());
  exec_ = std::make_unique<ExecServiceImpl>(store_.get(), authz_.get(), options.runner);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(health_.get());
  builder.RegisterService(namespaces_.get());
  builder.RegisterService(services_.get());
  builder.RegisterService(instances_.get());
  builder.RegisterService(secrets_.get());
  builder.RegisterService(configmaps_.get());
  builder.RegisterService(admin_.get());
  builder.RegisterService(auth_.get());
  builder.RegisterService(log_service_.get());
  builder.RegisterService(exec_.get());
  builder.RegisterCallbackGenericService(unimplemented_.get());
  builder.experimental().SetInterceptorCreators(RequestIdInterceptors());
  server_ = builder.BuildAndStart();
  EXPECT_NE(server_, nullptr);
  address_ = absl::StrCat("127.0.0.1:", port);
  channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  root_ = *identity_->Authenticate(identity_->Bootstrap()->token());
}

TestServer::~TestServer() {
  if (server_ != nullptr) server_->Shutdown();
}

std::string TestServer::TokenFor(const std::string& user) {
  api::CreateTokenRequest token;
  token.set_name("call");
  token.set_subject_name(user);
  absl::StatusOr<api::CreateTokenResponse> r = identity_->CreateToken(token, root_);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->token() : "";
}

std::string TestServer::TokenWithRule(const std::string& name, const char* resource,
                                      std::vector<const char*> verbs, const char* ns) {
  api::CreatePolicyRequest policy;
  policy.mutable_policy()->set_name(name);
  api::PolicyRule* rule = policy.mutable_policy()->add_rules();
  rule->set_resource(resource);
  for (const char* v : verbs) rule->add_verbs(v);
  rule->set_namespace_(ns);
  EXPECT_TRUE(identity_->CreatePolicy(policy).ok());
  api::UpsertUserRequest user;
  user.set_name(name);
  user.add_policies(name);
  EXPECT_TRUE(identity_->UpsertUser(user).ok());
  return TokenFor(name);
}

}  // namespace rune::daemon
