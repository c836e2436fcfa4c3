// `rune get secrets|configmaps` and `rune delete secret|configmap` (SPEC
// §3.6.2, §3.6.3) over SecretService and ConfigmapService. Secret values
// never reach the client: the API returns key names only.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "common/spec/documents.h"
#include "common/status_macros.h"
#include "proto/configmap.grpc.pb.h"
#include "proto/secret.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/deletion_ops.h"
#include "rune/get_command.h"
#include "rune/resource_output.h"

namespace rune::cli {
namespace {

const ResourceKind& SecretsKind() {
  static const ResourceKind* kind =
      new ResourceKind{"secret", "secrets", {"TYPE", "KEYS", "VERSION", "AGE"}};
  return *kind;
}

const ResourceKind& ConfigmapsKind() {
  static const ResourceKind* kind =
      new ResourceKind{"configmap", "configmaps", {"KEYS", "VERSION", "AGE"}};
  return *kind;
}

Listed ListSecret(const api::SecretInfo& secret, absl::Time now) {
  Listed item;
  item.namespace_name = secret.namespace_();
  item.name = secret.name();
  item.labels = {secret.labels().begin(), secret.labels().end()};
  item.resource_version = secret.metadata().resource_version();
  item.cells = {secret.type().empty() ? "static" : secret.type(),
                absl::StrCat(secret.keys_size()), absl::StrCat(secret.metadata().version()),
                common::FormatAge(now - common::FromTimestamp(secret.metadata().created_at()))};
  item.document = common::spec::SecretDocument(secret);
  return item;
}

Listed ListConfigmap(const api::Configmap& configmap, absl::Time now) {
  Listed item;
  item.namespace_name = configmap.namespace_();
  item.name = configmap.name();
  item.labels = {configmap.labels().begin(), configmap.labels().end()};
  item.resource_version = configmap.metadata().resource_version();
  item.cells = {absl::StrCat(configmap.data_size()), absl::StrCat(configmap.metadata().version()),
                common::FormatAge(now - common::FromTimestamp(configmap.metadata().created_at()))};
  item.document = common::spec::ConfigmapDocument(configmap);
  return item;
}

// The namespace of a list request: `*` with -A.
std::string ListNamespace(const Invocation& inv, const Connection& conn) {
  return inv.parsed.Bool("all-namespaces") ? "*" : conn.settings().namespace_name;
}

// The common tail of both deletions: --ignore-not-found, then the result.
template <typename Response>
absl::Status FinishDelete(Invocation& inv, const char* kind, const std::string& ns,
                          const std::string& name, absl::Status status, const Response& response) {
  if (!status.ok()) return IgnoreNotFound(inv, status, kind, ns, name);
  DeleteOutcome outcome;
  outcome.kind = kind;
  outcome.namespace_name = ns;
  outcome.name = name;
  outcome.dry_run = response.dry_run();
  outcome.blocked_by.assign(response.blocked_by().begin(), response.blocked_by().end());
  if (!response.dry_run()) {
    outcome.state = DeletionStateName(response.state());
    outcome.result = "deleted";
  }
  PrintDeleteOutcome(inv, outcome);
  return absl::OkStatus();
}

template <typename Request>
Request DeleteRequest(const Invocation& inv, const std::string& ns) {
  Request request;
  request.set_namespace_(ns);
  request.set_name(inv.parsed.args[0]);
  request.set_force(inv.parsed.Bool("force"));
  request.set_dry_run(inv.parsed.Bool("dry-run"));
  return request;
}

}  // namespace

absl::Status GetSecrets(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::SecretService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  const bool named = inv.parsed.args.size() > 1;
  std::vector<Listed> items;
  if (named) {
    api::GetSecretRequest request;
    request.set_namespace_(ns);
    request.set_name(inv.parsed.args[1]);
    api::GetSecretResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::SecretService::Stub::GetSecret,
                                    "SecretService.GetSecret", request, &response));
    items.push_back(ListSecret(response.secret(), absl::Now()));
  } else {
    api::ListSecretsRequest request;
    request.set_namespace_(ListNamespace(inv, *conn));
    request.set_selector(inv.parsed.String("selector"));
    api::ListSecretsResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::SecretService::Stub::ListSecrets,
                                    "SecretService.ListSecrets", request, &response));
    const absl::Time now = absl::Now();
    for (const api::SecretInfo& s : response.secrets()) items.push_back(ListSecret(s, now));
  }
  PrintListing(inv, SecretsKind(), std::move(items), named, ns);
  return absl::OkStatus();
}

absl::Status GetConfigmaps(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ConfigmapService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  const bool named = inv.parsed.args.size() > 1;
  std::vector<Listed> items;
  if (named) {
    api::GetConfigmapRequest request;
    request.set_namespace_(ns);
    request.set_name(inv.parsed.args[1]);
    api::GetConfigmapResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ConfigmapService::Stub::GetConfigmap,
                                    "ConfigmapService.GetConfigmap", request, &response));
    items.push_back(ListConfigmap(response.configmap(), absl::Now()));
  } else {
    api::ListConfigmapsRequest request;
    request.set_namespace_(ListNamespace(inv, *conn));
    request.set_selector(inv.parsed.String("selector"));
    api::ListConfigmapsResponse response;
    RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ConfigmapService::Stub::ListConfigmaps,
                                    "ConfigmapService.ListConfigmaps", request, &response));
    const absl::Time now = absl::Now();
    for (const api::Configmap& c : response.configmaps()) items.push_back(ListConfigmap(c, now));
  }
  PrintListing(inv, ConfigmapsKind(), std::move(items), named, ns);
  return absl::OkStatus();
}

absl::Status RunDeleteSecret(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::SecretService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  const auto request = DeleteRequest<api::DeleteSecretRequest>(inv, ns);
  api::DeleteSecretResponse response;
  absl::Status s = conn->Call(stub.get(), &api::SecretService::Stub::DeleteSecret,
                              "SecretService.DeleteSecret", request, &response);
  return FinishDelete(inv, "secret", ns, request.name(), s, response);
}

absl::Status RunDeleteConfigmap(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ConfigmapService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  const auto request = DeleteRequest<api::DeleteConfigmapRequest>(inv, ns);
  api::DeleteConfigmapResponse response;
  absl::Status s = conn->Call(stub.get(), &api::ConfigmapService::Stub::DeleteConfigmap,
                              "ConfigmapService.DeleteConfigmap", request, &response);
  return FinishDelete(inv, "configmap", ns, request.name(), s, response);
}

}  // namespace rune::cli
