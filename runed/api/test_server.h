// An in-process runed API for tests: a memory store, the identity store with
// a controllable clock, the authorizer, and every service runed registers,
// on a real gRPC server bound to 127.0.0.1:0.
//
//   TestServer server;
//   std::string token = server.TokenFor("root");
//   auto stub = api::NamespaceService::NewStub(server.channel());
#ifndef RUNE_RUNED_API_TEST_SERVER_H_
#define RUNE_RUNED_API_TEST_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "runed/api/admin_service.h"
#include "runed/api/configmap_service.h"
#include "runed/api/exec_service.h"
#include "runed/api/health_service.h"
#include "runed/api/instance_service.h"
#include "runed/api/log_service.h"
#include "runed/api/namespace_service.h"
#include "runed/api/secret_service.h"
#include "runed/api/service_service.h"
#include "runed/api/unimplemented.h"
#include "runed/auth/authorizer.h"
#include "runed/auth/identity.h"
#include "runed/secrets/object_store.h"
#include "runed/store/store.h"

namespace rune::daemon {

// Settings that differ from runed's defaults.
struct TestServerOptions {
  int64_t history_limit = 10;  // runefile store.history_limit
  int max_scale = 1000;        // runefile limits.max_scale
  // The store the server runs on; null = a fresh memory store.
  std::function<std::unique_ptr<store::Store>()> make_store;
  // The KEK secrets are sealed with (32 bytes); "" = a random one.
  std::string kek;
  // The runner ExecService starts commands with; null = none (Unavailable).
  runner::Runner* runner = nullptr;
  // Probe results HealthService reports; null = none.
  ProbeManager* probes = nullptr;
  // The runners HealthService lists for the node; empty = none.
  std::function<std::vector<api::RunnerHealth>()> runners;
  // runefile auth.max_failed_attempts_per_minute
  int64_t max_failed_attempts_per_minute = 1000000;
  // runefile docker.enabled / process.enabled (ServiceService refuses M22).
  bool docker_enabled = true;
  bool process_enabled = true;
  // runefile docker.registries (AdminService lists them as RUNEFILE).
  std::vector<common::RunefileRegistry> registries;
};

class TestServer {
 public:
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();

  store::Store* store() { return store_.get(); }
  auth::Identity* identity() { return identity_.get(); }
  // The secret store behind SecretService (ReadData gives the plaintext).
  secrets::ObjectStore* secret_store() { return secret_store_.get(); }
  // The registry entries behind AdminService's registry RPCs.
  registry::RegistryBook* registries() { return registries_.get(); }
  const std::shared_ptr<grpc::Channel>& channel() { return channel_; }
  // A channel that reaches the server in-process (as runed's REST gateway).
  std::shared_ptr<grpc::Channel> InProcessChannel() {
    return server_->InProcessChannel(grpc::ChannelArguments());
  }
  // "127.0.0.1:<port>", for clients that dial themselves (the rune CLI).
  const std::string& address() const { return address_; }
  // The clock identity and authorizer read; tests move it forward.
  absl::Time& now() { return now_; }
  const auth::Subject& root() const { return root_; }
  ExecServiceImpl* exec() { return exec_.get(); }
  InstanceServiceImpl* instances() { return instances_.get(); }
  // The log store behind LogService, in a fresh temporary directory.
  logstore::LogStore* logs() { return logs_.get(); }

  // A fresh token of an existing user.
  std::string TokenFor(const std::string& user);
  // Creates a policy with one rule and a user holding it; returns a token.
  std::string TokenWithRule(const std::string& name, const char* resource,
                            std::vector<const char*> verbs, const char* ns);

 private:
  absl::Time now_ = absl::FromUnixSeconds(1800000000);
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<auth::Identity> identity_;
  std::unique_ptr<auth::Authorizer> authz_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<NamespaceServiceImpl> namespaces_;
  std::unique_ptr<ServiceServiceImpl> services_;
  std::unique_ptr<InstanceServiceImpl> instances_;
  std::unique_ptr<secrets::ObjectStore> secret_store_;
  std::unique_ptr<secrets::ObjectStore> configmap_store_;
  std::unique_ptr<SecretServiceImpl> secrets_;
  std::unique_ptr<ConfigmapServiceImpl> configmaps_;
  std::unique_ptr<registry::RegistryBook> registries_;
  std::unique_ptr<AdminServiceImpl> admin_;
  std::unique_ptr<AuthServiceImpl> auth_;
  std::unique_ptr<logstore::LogStore> logs_;
  std::unique_ptr<LogServiceImpl> log_service_;
  std::unique_ptr<UnimplementedService> unimplemented_;
  std::unique_ptr<ExecServiceImpl> exec_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string address_;
  auth::Subject root_;
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_TEST_SERVER_H_
