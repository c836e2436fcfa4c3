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

// One RPC under the request's deadline: the connection's token, our deadline.
template <typename Stub, typename Request, typename Response>
bool Call(Connection& conn, Stub* stub,
          grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
          const Request& request, Response* response, absl::Time deadline) {
  grpc::ClientContext ctx;
  conn.PrepareStream(&ctx);  // the token only; no --request-timeout deadline
  ctx.set_deadline(absl::ToChronoTime(deadline));
  return (stub->*rpc)(&ctx, request, response).ok();
}

void AddServices(Connection& conn, absl::Time deadline, std::vector<Candidate>* out) {
  auto stub = api::ServiceService::NewStub(conn.channel());
  api::ListServicesRequest request;
  request.set_namespace_(conn.settings().namespace_name);
  api::ListServicesResponse response;
  if (!Call(conn, stub.get(), &api::ServiceService::Stub::ListServices, request, &response,
            deadline)) {
    return;
  }
  for (const api::Service& s : response.services()) {
    out->push_back({s.spec().name(), common::spec::PhaseName(s.status().phase())});
  }
}

// Instances by ID (`get instances`, `delete instance`) or by name (logs,
// exec and health targets, where a name reads better and resolves the same).
void AddInstances(Connection& conn, absl::Time deadline, bool by_name,
                  std::vector<Candidate>* out) {
  auto stub = api::InstanceService::NewStub(conn.channel());
  api::ListInstancesRequest request;
  request.set_namespace_(conn.settings().namespace_name);
  api::ListInstancesResponse response;
  if (!Call(conn, stub.get(), &api::InstanceService::Stub::ListInstances, request, &response,
            deadline)) {
    return;
  }
  for (const api::Instance& i : response.instances()) {
    const std::string state = common::spec::InstanceStateName(i.status());
    if (by_name) {
      out->push_back({i.name(), "instance, " + state});
    } else {
      out->push_back({i.id(), i.name() + ", " + state});
    }
  }
}

std::vector<Candidate> Fetch(Connection& conn, Completion kind, absl::Time deadline) {
  std::vector<Candidate> out;
  const std::string& ns = conn.settings().namespace_name;
  switch (kind) {
    case Completion::kServices:
      AddServices(conn, deadline, &out);
      break;
    case Completion::kInstances:
      AddInstances(conn, deadline, false, &out);
      break;
    case Completion::kServicesAndInstances:
      AddServices(conn, deadline, &out);
      AddInstances(conn, deadline, true, &out);
      break;
    case Completion::kNamespaces: {
      auto stub = api::NamespaceService::NewStub(conn.channel());
      api::ListNamespacesResponse response;
      if (Call(conn, stub.get(), &api::NamespaceService::Stub::ListNamespaces,
               api::ListNamespacesRequest(), &response, deadline)) {
        for (const api::Namespace& n : response.namespaces()) {
          out.push_back({n.name(), n.description()});
        }
      }
      break;
    }
    case Completion::kSecrets: {
      auto stub = api::SecretService::NewStub(conn.channel());
      api::ListSecretsRequest request;
      request.set_namespace_(ns);
      api::ListSecretsResponse response;
      if (Call(conn, stub.get(), &api::SecretService::Stub::ListSecrets, request, &response,
               deadline)) {
        for (const api::SecretInfo& s : response.secrets()) out.push_back({s.name(), s.namespace_()});
      }
      break;
    }
    case Completion::kConfigmaps: {
      auto stub = api::ConfigmapService::NewStub(conn.channel());
      api::ListConfigmapsRequest request;
      request.set_namespace_(ns);
      api::ListConfigmapsResponse response;
      if (Call(conn, stub.get(), &api::ConfigmapService::Stub::ListConfigmaps, request, &response,
               deadline)) {
        for (const api::Configmap& c : response.configmaps()) out.push_back({c.name(), c.namespace_()});
      }
      break;
    }
    case Completion::kUsers: {
      auto stub = api::AdminService::NewStub(conn.channel());
      api::ListUsersResponse response;
      if (Call(conn, stub.get(), &api::AdminService::Stub::ListUsers, api::ListUsersRequest(),
               &response, deadline)) {
        for (const api::User& u : response.users()) out.push_back({u.name(), u.email()});
      }
      break;
    }
    case Completion::kPolicies: {
      auto stub = api::AdminService::NewStub(conn.channel());
      api::ListPoliciesResponse response;
      if (Call(conn, stub.get(), &api::AdminService::Stub::ListPolicies,
               api::ListPoliciesRequest(), &response, deadline)) {
        for (const api::Policy& p : response.policies()) out.push_back({p.name(), p.description()});
      }
      break;
    }
    case Completion::kTokens: {
      auto stub = api::AdminService::NewStub(conn.channel());
      api::ListTokensResponse response;
      if (Call(conn, stub.get(), &api::AdminService::Stub::ListTokens, api::ListTokensRequest(),
               &response, deadline)) {
        for (const api::TokenInfo& t : response.tokens()) out.push_back({t.id(), t.name()});
      }
      break;
    }
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
