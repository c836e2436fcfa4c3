#include "runed/daemon.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/time/clock.h"
#include "common/cli/help.h"
#include "common/cli/parser.h"
#include "common/environment.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/version.h"
#include "grpc/support/log.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/grpcpp.h"
#include "runed/api/admin_service.h"
#include "runed/api/configmap_service.h"
#include "runed/api/exec_service.h"
#include "runed/api/health_service.h"
#include "runed/api/instance_service.h"
#include "runed/api/log_service.h"
#include "runed/api/instance_service.h"
#include "runed/api/namespace_service.h"
#include "runed/api/request_id.h"
#include "runed/api/secret_service.h"
#include "runed/api/service_service.h"
#include "runed/api/streams.h"
#include "runed/api/unimplemented.h"
#include "runed/auth/authorizer.h"
#include "runed/auth/identity.h"
#include "runed/genman.h"
#include "runed/logging.h"
#include "runed/logstore/log_store.h"
#include "runed/orchestrator/orchestrator.h"
#include "runed/runner/docker/docker_runner.h"
#include "runed/runner/docker/engine_client.h"
#include "runed/runner/process/process_runner.h"
#include "runed/runner/runner_set.h"
#include "runed/net_address.h"
#include "runed/options.h"
#include "runed/registry/registry_book.h"
#include "runed/rest/gateway.h"
#include "runed/rest/http_server.h"
#include "runed/secrets/kek.h"
#include "runed/secrets/object_store.h"
#include "runed/store/data_dir.h"
#include "runed/store/store.h"

namespace rune::daemon {
namespace {

// Removes gRPC's server reflection plugin from a builder.
class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->erase(std::remove_if(plugins->begin(), plugins->end(),
                                  [](const std::unique_ptr<grpc::ServerBuilderPlugin>& p) {
                                    return p->name() == "proto_server_reflection";
                                  }),
                   plugins->end());
  }
};

constexpr int kExitFatal = 1;

int Fatal(absl::string_view message) {
  Log().Error(message);
  return kExitFatal;
}

// gRPC's own log lines go through runed's logger.
void GrpcLog(gpr_log_func_args* args) {
  LogLevel level = LogLevel::kDebug;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) level = LogLevel::kWarn;
  Log().Write(level, args->message, {{"component", "grpc"}});
}

// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET.
void Notify(const Environment& env, const std::string& state) {
  auto it = env.find("NOTIFY_SOCKET");
  if (it == env.end() || it->second.empty()) return;
  std::string path = it->second;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
  ::close(fd);
}

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  if (!file || buffer.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("server.tls.", what, " ", path, ": cannot read the file"));
  }
  return buffer.str();
}

// gRPC server credentials for server.tls (SPEC §5.2): TLS with the given
// chain and key; with ca_file, clients must present a certificate it signed.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const common::RunefileTls& tls) {
  if (!tls.enabled) return grpc::InsecureServerCredentials();
  if (tls.cert_file.empty() || tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "server.tls.enabled requires server.tls.cert_file and server.tls.key_file");
  }
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  RUNE_ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(tls.cert_file, "cert_file"));
  RUNE_ASSIGN_OR_RETURN(pair.private_key, ReadPem(tls.key_file, "key_file"));
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.ca_file.empty()) {
    RUNE_ASSIGN_OR_RETURN(options.pem_root_certs, ReadPem(tls.ca_file, "ca_file"));
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace

int Main(int argc, char** argv) {
  const absl::Time started_at = absl::Now();  // `rune health node` uptime
  // Signals are taken synchronously by this thread; block them before any
  // other thread exists so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const Environment env = common::ProcessEnvironment();
  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<common::cli::ParsedCommand> parsed = common::cli::Parse(RunedCommand(), args);
  if (!parsed.ok()) {
    const common::ErrorReport report = common::Classify(parsed.status());
    std::cerr << common::FormatHuman(report, false);
    return report.exit_code;
  }
  if (parsed->help_requested) {
    std::cout << common::cli::RenderHelp(parsed->path);
    return 0;
  }
  if (parsed->Bool("version")) {
    std::cout << common::VersionLine(common::CurrentBuild()) << "\n";
    return 0;
  }
  if (parsed->IsSet("genman")) return WriteManPages(parsed->String("genman"), env);

  absl::StatusOr<Options> options = ResolveOptions(*parsed, env);
  if (!options.ok()) return Fatal(options.status().message());
  Log().Configure(options->log_level, options->log_json);
  gpr_set_log_function(&GrpcLog);
  gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
  const common::Runefile& rf = options->runefile;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentials(rf.server.tls);
  if (!credentials.ok()) return Fatal(credentials.status().message());
  // The HTTP listener serves the same chain and key, mTLS with the same CA.
  std::shared_ptr<const TlsContext> http_tls;
  if (rf.server.tls.enabled) {
    absl::StatusOr<std::shared_ptr<const TlsContext>> tls = TlsContext::Load(
        {rf.server.tls.cert_file, rf.server.tls.key_file, rf.server.tls.ca_file});
    if (!tls.ok()) return Fatal(tls.status().message());
    http_tls = *std::move(tls);
  }
  if (!rf.auth.enabled) {
    Log().Warn("authentication is disabled; every client has full access");
  }

  absl::StatusOr<store::DataDirLock> lock = store::LockDataDir(options->data_dir);
  if (!lock.ok()) return Fatal(lock.status().message());

  // Listeners next, so a busy port fails before anything else happens.
  ServingState serving;
  RestGateway gateway(&serving);
  std::unique_ptr<HttpServer> http;
  std::string http_bound = "-";
  if (!options->http_address.empty()) {
    http = std::make_unique<HttpServer>(
        [&gateway](const HttpRequest& r) { return gateway.Handle(r); });
    absl::StatusOr<std::string> bound = http->Listen(options->http_address);
    if (!bound.ok()) return Fatal(bound.status().message());
    http_bound = *bound;
    if (http_tls != nullptr) http->UseTls(http_tls);
  }

  absl::StatusOr<std::unique_ptr<store::Store>> opened =
      store::OpenLmdbStore(absl::StrCat(options->data_dir, "/store"),
                           static_cast<uint64_t>(rf.store.max_size));
  if (!opened.ok()) return Fatal(absl::StrCat("cannot open the store: ", opened.status().message()));
  std::unique_ptr<store::Store> db = std::move(*opened);
  absl::StatusOr<secrets::Kek> kek = secrets::SetUpKek(rf.kek, options->data_dir, env, db.get());
  if (!kek.ok()) return Fatal(kek.status().message());
  for (const std::string& warning : kek->warnings) Log().Warn(warning);
  // Registry credentials stored at runtime are sealed with the same KEK.
  registry::RegistryBookDeps registry_deps;
  registry_deps.store = db.get();
  registry_deps.kek = kek->key;
  std::unique_ptr<secrets::ObjectStore> secret_store =
      secrets::NewSecretStore(db.get(), std::move(kek->key));
  absl::StatusOr<std::vector<common::RunefileRegistry>> registry_entries =
      registry::ExpandRunefileRegistries(rf.docker.registries, env);
  if (!registry_entries.ok()) {
    return Fatal(absl::StrCat("runefile ", options->config_path, ": ",
                              registry_entries.status().message()));
  }
  registry_deps.runefile = *std::move(registry_entries);
  registry_deps.secrets = secrets::DataReaderOf(secret_store.get());
  registry_deps.env = env;
  registry::EcrTokenSource ecr(registry::EcrOptionsFromEnv(env));
  registry_deps.ecr = [&ecr](const std::string& region, const registry::AwsCredentials& keys) {
    return ecr.Login(region, keys);
  };
  registry::RegistryBook registries(std::move(registry_deps));
  std::unique_ptr<secrets::ObjectStore> configmap_store = secrets::NewConfigmapStore(db.get());
  logstore::LogStore log_store(options->data_dir, rf.logs.max_bytes_per_instance,
                               rf.logs.retain_deleted);
  // Supervisors run as `<this binary> __supervise …`.
  // Without /proc (a bare chroot) the path runed was started with serves.
  char self[4096];
  const ssize_t self_len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string self_path =
      self_len > 0 ? std::string(self, static_cast<size_t>(self_len)) : std::string(argv[0]);
  if (self_len <= 0) {
    Log().Warn("cannot resolve /proc/self/exe; supervisors run as the started path",
               {{"path", self_path}});
  }
  auto process_runner = std::make_unique<runner::process::ProcessRunner>(
      std::move(self_path), options->data_dir,
      rf.logs.max_bytes_per_instance, geteuid() == 0);
  // The Docker runner (SPEC §5.3 step 6): an engine that does not answer is
  // a warning; the runner retries every 30 s and image instances wait for it.
  std::unique_ptr<docker::EngineClient> engine;
  std::unique_ptr<docker::DockerRunner> docker_runner;
  if (rf.docker.enabled) {
    docker::EngineOptions engine_options;
    engine_options.socket = rf.docker.socket;
    engine_options.api_version = rf.docker.api_version;
    engine_options.fallback_api_version = rf.docker.fallback_api_version;
    engine_options.negotiation_timeout = absl::Seconds(rf.docker.negotiation_timeout_seconds);
    engine = std::make_unique<docker::EngineClient>(std::move(engine_options));
    docker::DockerRunnerOptions docker_options;
    docker_options.network = rf.docker.network;
    docker_options.log_path = [&log_store](const runner::InstanceKey& key) {
      return log_store.PathOf(key.ns, key.id);
    };
    docker_options.log_max_bytes = rf.logs.max_bytes_per_instance;
    docker_options.pull_auth = [&registries](const std::string& image) {
      return registries.PullAuth(image);
    };
    docker_runner = std::make_unique<docker::DockerRunner>(engine.get(), std::move(docker_options));
    (void)docker_runner->Connect();  // a failure is logged by the runner
  }
  runner::RunnerSet runners(process_runner.get(), docker_runner.get());
  auth::Identity identity(db.get());
  auth::Authorizer authorizer(
      &identity, auth::AuthConfig{rf.auth.enabled, rf.auth.allow_remote_admin,
                                  rf.auth.max_failed_attempts_per_minute});
  NamespaceServiceImpl namespaces(db.get(), &authorizer);
  if (absl::Status s = identity.SeedBuiltinPolicies(); !s.ok()) {
    return Fatal(absl::StrCat("cannot seed the built-in policies: ", s.message()));
  }
  if (absl::Status s = namespaces.SeedReserved(); !s.ok()) {
    return Fatal(absl::StrCat("cannot seed the reserved namespaces: ", s.message()));
  }
  ServiceOptions service_options;
  service_options.limits.secret = {rf.secret_limits.max_keys, rf.secret_limits.max_value_bytes,
                                   rf.secret_limits.max_total_bytes};
  service_options.limits.config = {rf.config_limits.max_keys, rf.config_limits.max_value_bytes,
                                   rf.config_limits.max_total_bytes};
  service_options.limits.max_scale = static_cast<int>(rf.max_scale);
  service_options.history_limit = rf.store.history_limit;

  OrchestratorDeps orchestrator_deps;
  orchestrator_deps.store = db.get();
  orchestrator_deps.runner = &runners;
  if (docker_runner != nullptr) {
    orchestrator_deps.docker_unavailable = [docker = docker_runner.get()] {
      return docker->availability().reason;
    };
  }
  orchestrator_deps.secrets = secrets::DataReaderOf(secret_store.get());
  orchestrator_deps.configmaps = secrets::DataReaderOf(configmap_store.get());
  orchestrator_deps.instance_created = [&log_store](const api::Instance& i) {
    absl::Status s = log_store.RegisterInstance(i.namespace_(), i.id(), i.service(), i.name());
    if (!s.ok()) Log().Warn(s.message(), {{"instance", i.id()}});
  };
  orchestrator_deps.instance_removed = [&log_store](const api::Instance& i) {
    absl::Status s = log_store.MarkDeleted(i.namespace_(), i.id(), absl::Now());
    if (!s.ok()) Log().Warn(s.message(), {{"instance", i.id()}});
  };
  OrchestratorOptions orchestrator_options;
  orchestrator_options.resync_interval = rf.orchestrator.resync_interval;
  orchestrator_options.progress_deadline = rf.orchestrator.progress_deadline;
  orchestrator_options.stop_grace_period = rf.orchestrator.stop_grace_period;
  orchestrator_options.max_parallel_starts = static_cast<int>(rf.orchestrator.max_parallel_starts);
  orchestrator_options.process_enabled = rf.process_enabled;
  orchestrator_options.docker_enabled = rf.docker.enabled;
  Orchestrator orchestrator(std::move(orchestrator_deps), orchestrator_options);
  // Image instances waiting for the engine start as soon as it is back.
  if (docker_runner != nullptr) {
    docker_runner->SetAvailabilityCallback([&orchestrator] { orchestrator.Resync(); });
  }
  service_options.restart = [&orchestrator](absl::string_view ns, absl::string_view name,
                                            bool rolling) {
    return orchestrator.Restart(ns, name, rolling);
  };
  service_options.async_deletion = true;
  service_options.docker_enabled = rf.docker.enabled;
  service_options.process_enabled = rf.process_enabled;
  ServiceServiceImpl services(db.get(), &authorizer, service_options);
  InstanceServiceImpl instances(db.get(), &authorizer);
  instances.SetDeleteInstance(
      [&orchestrator](const api::DeleteInstanceRequest& r) { return orchestrator.DeleteInstance(r); });
  LogServiceImpl log_service(db.get(), &authorizer, &log_store);
  ExecServiceImpl exec_service(db.get(), &authorizer, &runners);
  SecretServiceImpl secret_service(secret_store.get(), &authorizer, service_options.limits.secret);
  ConfigmapServiceImpl configmap_service(configmap_store.get(), &authorizer,
                                         service_options.limits.config);
  AdminServiceImpl admin(&identity, &authorizer, &registries);
  AuthServiceImpl auth_service(&identity, &authorizer);

  HealthOptions health_options;
  health_options.store = db.get();
  health_options.probes = orchestrator.probes();
  health_options.started_at = started_at;
  health_options.runners = [&rf, docker = docker_runner.get()] {
    std::vector<api::RunnerHealth> runners(2);
    runners[0].set_name("docker");
    runners[0].set_enabled(rf.docker.enabled);
    if (docker != nullptr) {
      const docker::DockerRunner::Availability a = docker->availability();
      runners[0].set_available(a.available);
      runners[0].set_message(a.reason);
    } else {
      runners[0].set_message("disabled in the runefile");
    }
    runners[1].set_name("process");
    runners[1].set_enabled(rf.process_enabled);
    runners[1].set_available(rf.process_enabled);
    if (!rf.process_enabled) runners[1].set_message("disabled in the runefile");
    return runners;
  };
  HealthService health(&authorizer, std::move(health_options));
  UnimplementedService unimplemented(&authorizer);
  grpc::ServerBuilder builder;
  // server.reflection: grpc.reflection.v1alpha lists the API to tools such
  // as grpcurl (unauthenticated, like GetVersion). Linking gRPC's reflection
  // library adds its plugin to every builder; without the switch it goes.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  if (!rf.server.reflection) builder.SetOption(std::make_unique<WithoutReflection>());
  int grpc_port = 0;
  const std::string grpc_address = GrpcListenAddress(options->grpc_address);
  builder.AddListeningPort(grpc_address, *credentials, &grpc_port);
  builder.RegisterService(&health);
  builder.RegisterService(&namespaces);
  builder.RegisterService(&services);
  builder.RegisterService(&instances);
  builder.RegisterService(&log_service);
  builder.RegisterService(&exec_service);
  builder.RegisterService(&secret_service);
  builder.RegisterService(&configmap_service);
  builder.RegisterService(&admin);
  builder.RegisterService(&auth_service);
  builder.RegisterCallbackGenericService(&unimplemented);
  builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  // gRPC sets SO_REUSEPORT by default: a second runed would then share the
  // port instead of failing to bind.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.experimental().SetInterceptorCreators(RequestIdInterceptors());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || grpc_port == 0) {
    return Fatal(absl::StrCat("cannot listen on ", options->grpc_address, " (gRPC)"));
  }
  const std::string grpc_bound =
      absl::StrCat(grpc_address.substr(0, grpc_address.rfind(':')), ":", grpc_port);

  // Adopt what still runs, then the first full reconcile pass.
  if (absl::Status s = orchestrator.Start(); !s.ok()) {
    return Fatal(absl::StrCat("cannot start the orchestrator: ", s.message()));
  }
  // /healthz turns 200 once the first reconcile pass is done; the same
  // thread prunes the logs of deleted instances every minute.
  std::thread log_pruner([&log_store, &serving, &orchestrator] {
    while (!orchestrator.FirstPassDone() && serving.value != Serving::kShuttingDown) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    Serving starting = Serving::kStarting;
    serving.value.compare_exchange_strong(starting, Serving::kReady);
    while (serving.value != Serving::kShuttingDown) {
      (void)log_store.Prune(absl::Now());
      for (int i = 0; i < 600 && serving.value != Serving::kShuttingDown; ++i) {
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
  });
  // The REST gateway calls this server's RPCs in-process, with the HTTP
  // client's credentials and address.
  gateway.Connect(server->InProcessChannel(RestGateway::ChannelArguments()));
  if (http != nullptr) http->Start();
  const std::string listening = absl::StrCat("runed ", common::CurrentBuild().version,
                                             " listening grpc=", grpc_bound, " http=", http_bound,
                                             " tls=", rf.server.tls.enabled ? "true" : "false",
                                             " auth=", rf.auth.enabled ? "true" : "false");
  Log().Info(listening, {{"config", options->config_path.empty() ? "-" : options->config_path},
                         {"data_dir", options->data_dir}});
  Notify(env, absl::StrCat("READY=1\nSTATUS=", listening, "\nMAINPID=", getpid(), "\n"));

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Log().Info("SIGHUP ignored: reload is not supported");
      continue;
    }
    Log().Info("shutting down", {{"signal", strsignal(sig)}});
    break;
  }
  serving.value = Serving::kShuttingDown;
  Notify(env, "STOPPING=1\n");
  // A second signal ends the process at once.
  std::thread([signals]() mutable {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) == 0 && sig != SIGHUP) _exit(1);
    }
  }).detach();
  Streams().Shutdown();
  server->Shutdown(absl::ToChronoTime(absl::Now() + rf.server.shutdown_timeout));
  server->Wait();
  orchestrator.Shutdown(options->stop_instances_on_exit);
  if (docker_runner != nullptr) {
    // The orchestrator goes before the runner: no more calls into it.
    docker_runner->SetAvailabilityCallback(nullptr);
    docker_runner->SetExitCallback(nullptr);
  }
  log_pruner.join();
  if (http != nullptr) http->Stop();
  gateway.Connect(nullptr);  // the in-process channel goes before the server
  Log().Info("stopped");
  return 0;
}

}  // namespace rune::daemon
