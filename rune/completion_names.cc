#include "rune/completion_names.h"

#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "common/duration.h"
#include "common/spec/documents.h"
#include "proto/admin.grpc.pb.h"
#include "proto/configmap.grpc.pb.h"
#include "proto/instance.grpc.pb.h"
#include "proto/namespace.grpc.pb.h"
#include "proto/secret.grpc.pb.h"
#include "proto/service.grpc.pb.h"
#include "rune/client_config.h"
#include "rune/connection.h"

namespace rune::cli {
namespace {

using common::cli::Candidate;
using common::cli::Completion;
using common::cli::ParsedCommand;

constexpr absl::Duration kDefaultBudget = absl::Milliseconds(300);
// How long past the deadline a fetch may take to notice it and close.
constexpr absl::Duration kJoinGrace = absl::Milliseconds(20);

// One list RPC of `Service` under the request's deadline (the connection's
// token, not its --request-timeout); `add` reads the answer.
template <typename Service, typename Request, typename Response, typename Add>
void List(Connection& conn, absl::Time deadline,
          grpc::Status (Service::Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
          const Request& request, Add add) {
  auto stub = Service::NewStub(conn.channel());
  grpc::ClientContext ctx;
  conn.PrepareStream(&ctx);
  ctx.set_deadline(absl::ToChronoTime(deadline));
  Response response;
  if ((stub.get()->*rpc)(&ctx, request, &response).ok()) add(response);
}

std::vector<Candidate> Fetch(Connection& conn, Completion kind, absl::Time deadline) {
  std::vector<Candidate> out;
  const std::string& ns = conn.settings().namespace_name;
  auto services = [&] {
    api::ListServicesRequest request;
    request.set_namespace_(ns);
    List<api::ServiceService>(conn, deadline, &api::ServiceService::Stub::ListServices, request,
                              [&](const api::ListServicesResponse& r) {
                                for (const api::Service& s : r.services()) {
                                  out.push_back({s.spec().name(),
                                                 common::spec::PhaseName(s.status().phase())});
                                }
                              });
  };
  // Instances by ID (`get instances`, `delete instance`) or by name (logs,
  // exec and health targets, where a name reads better and resolves the same).
  auto instances = [&](bool by_name) {
    api::ListInstancesRequest request;
    request.set_namespace_(ns);
    List<api::InstanceService>(
        conn, deadline, &api::InstanceService::Stub::ListInstances, request,
        [&](const api::ListInstancesResponse& r) {
          for (const api::Instance& i : r.instances()) {
            const std::string state = common::spec::InstanceStateName(i.status());
            out.push_back(by_name ? Candidate{i.name(), "instance, " + state}
                                  : Candidate{i.id(), i.name() + ", " + state});
          }
        });
  };
  switch (kind) {
    case Completion::kServices:
      services();
      break;
    case Completion::kInstances:
      instances(false);
      break;
    case Completion::kServicesAndInstances:
      services();
      instances(true);
      break;
    case Completion::kNamespaces:
      List<api::NamespaceService>(conn, deadline, &api::NamespaceService::Stub::ListNamespaces,
                                  api::ListNamespacesRequest(),
                                  [&](const api::ListNamespacesResponse& r) {
                                    for (const api::Namespace& n : r.namespaces()) {
                                      out.push_back({n.name(), n.description()});
                                    }
                                  });
      break;
    case Completion::kSecrets: {
      api::ListSecretsRequest request;
      request.set_namespace_(ns);
      List<api::SecretService>(conn, deadline, &api::SecretService::Stub::ListSecrets, request,
                               [&](const api::ListSecretsResponse& r) {
                                 for (const api::SecretInfo& s : r.secrets()) {
                                   out.push_back({s.name(), s.namespace_()});
                                 }
                               });
      break;
    }
    case Completion::kConfigmaps: {
      api::ListConfigmapsRequest request;
      request.set_namespace_(ns);
      List<api::ConfigmapService>(conn, deadline, &api::ConfigmapService::Stub::ListConfigmaps,
                                  request, [&](const api::ListConfigmapsResponse& r) {
                                    for (const api::Configmap& c : r.configmaps()) {
                                      out.push_back({c.name(), c.namespace_()});
                                    }
                                  });
      break;
    }
    case Completion::kUsers:
      List<api::AdminService>(conn, deadline, &api::AdminService::Stub::ListUsers,
                              api::ListUsersRequest(), [&](const api::ListUsersResponse& r) {
                                for (const api::User& u : r.users()) out.push_back({u.name(), u.email()});
                              });
      break;
    case Completion::kPolicies:
      List<api::AdminService>(conn, deadline, &api::AdminService::Stub::ListPolicies,
                              api::ListPoliciesRequest(), [&](const api::ListPoliciesResponse& r) {
                                for (const api::Policy& p : r.policies()) {
                                  out.push_back({p.name(), p.description()});
                                }
                              });
      break;
    case Completion::kTokens:
      List<api::AdminService>(conn, deadline, &api::AdminService::Stub::ListTokens,
                              api::ListTokensRequest(), [&](const api::ListTokensResponse& r) {
                                for (const api::TokenInfo& t : r.tokens()) out.push_back({t.id(), t.name()});
                              });
      break;
    case Completion::kRegistries:
      List<api::AdminService>(conn, deadline, &api::AdminService::Stub::ListRegistries,
                              api::ListRegistriesRequest(),
                              [&](const api::ListRegistriesResponse& r) {
                                for (const api::RegistryInfo& g : r.registries()) {
                                  if (g.source() == api::RegistryInfo::RUNTIME) {
                                    out.push_back({g.name(), g.server()});
                                  }
                                }
                              });
      break;
    default:
      break;
  }
  return out;
}

// What a fetch thread owns: copies of everything it reads, so that it can
// outlive the request when it is abandoned at the deadline.
struct FetchState {
  FetchState(const ParsedCommand& partial, const Environment& env)
      : partial(partial), env(env), sink(nullptr) {}

  ParsedCommand partial;
  Environment env;
  std::ostream sink;  // no buffer: whatever the connection code says is dropped
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  std::vector<Candidate> names ABSL_GUARDED_BY(mu);
};

void RunFetch(std::shared_ptr<FetchState> state, Completion kind, absl::Time deadline) {
  Streams io;
  io.out = &state->sink;
  io.err = &state->sink;
  Invocation inv(state->partial, state->env, io, false);
  std::vector<Candidate> names;
  {
    // Closed before `done`: the waiting thread joins right after.
    absl::StatusOr<std::unique_ptr<Connection>> conn = Connect(inv);
    if (conn.ok()) names = Fetch(**conn, kind, deadline);
  }
  absl::MutexLock lock(&state->mu);
  state->names = std::move(names);
  state->done = true;
}

}  // namespace

absl::Duration CompletionBudget(const Environment& env) {
  auto ms = env.find("RUNE_COMPLETION_TIMEOUT_MS");
  int64_t n = 0;
  if (ms != env.end() && absl::SimpleAtoi(ms->second, &n) && n > 0) return absl::Milliseconds(n);
  auto text = env.find("RUNE_COMPLETION_TIMEOUT");
  if (text != env.end()) {
    absl::StatusOr<absl::Duration> d = common::ParseDuration(text->second);
    if (d.ok() && *d > absl::ZeroDuration()) return *d;
  }
  return kDefaultBudget;
}

CompletionNames::CompletionNames(const Environment& env, absl::Duration budget)
    : env_(env), deadline_(absl::Now() + budget) {}

std::vector<Candidate> CompletionNames::Names(Completion kind, const ParsedCommand& partial) {
  std::vector<Candidate> out;
  if (kind == Completion::kContexts) {
    // --config typed on the line wins over the environment (static: no
    // network, no token files).
    std::string path;
    if (partial.IsSet("config")) {
      path = partial.String("config");
    } else {
      std::ostream sink(nullptr);
      Streams io;
      io.out = io.err = &sink;
      Invocation inv(partial, env_, io, false);
      path = ClientConfigPath(inv);
    }
    absl::StatusOr<ClientConfig> config = LoadClientConfig(path);
    if (!config.ok()) return out;
    for (const ContextEntry& ctx : config->contexts) out.push_back({ctx.name, ctx.server});
    return out;
  }
  if (abandoned_ || absl::Now() >= deadline_) return out;

  // gRPC honours the deadline on its own; the thread is a second guard
  // against anything before the call (name resolution, a slow token file)
  // that could outlast it.
  auto state = std::make_shared<FetchState>(partial, env_);
  std::thread fetch(RunFetch, state, kind, deadline_);
  bool done;
  {
    absl::MutexLock lock(&state->mu);
    state->mu.AwaitWithDeadline(absl::Condition(&state->done), deadline_ + kJoinGrace);
    done = state->done;
    if (done) out = std::move(state->names);
  }
  if (done) {
    fetch.join();
  } else {
    fetch.detach();
    abandoned_ = true;
  }
  return out;
}

}  // namespace rune::cli
