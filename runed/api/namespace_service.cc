#include "runed/api/namespace_service.h"

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/labels.h"
#include "common/proto_time.h"
#include "common/spec/validate.h"
#include "common/status_macros.h"
#include "common/violation.h"
#include "runed/api/call.h"
#include "runed/api/service_records.h"
#include "runed/api/service_deletion.h"
#include "runed/api/watch_stream.h"

namespace rune::daemon {
namespace {

using store::kNamespace;
using store::kSystemNamespace;

bool IsReserved(absl::string_view name) { return name == "default" || name == "system"; }

absl::Status Reserved(absl::string_view name) {
  return absl::FailedPreconditionError(absl::StrCat("namespace \"", name, "\" is reserved"));
}

std::map<std::string, std::string> LabelsOf(const api::Namespace& ns) {
  return {ns.labels().begin(), ns.labels().end()};
}

absl::StatusOr<api::Namespace> Parse(const store::Record& r) {
  api::Namespace ns;
  if (!ns.ParseFromString(r.value)) {
    return absl::DataLossError(absl::StrCat("corrupt namespace record \"", r.name, "\""));
  }
  ns.mutable_metadata()->set_resource_version(r.resource_version);
  return ns;
}

absl::StatusOr<std::optional<api::Namespace>> Find(
    const absl::StatusOr<std::optional<store::Record>>& r) {
  if (!r.ok()) return r.status();
  if (!r->has_value()) return std::optional<api::Namespace>();
  RUNE_ASSIGN_OR_RETURN(api::Namespace ns, Parse(**r));
  return std::optional<api::Namespace>(std::move(ns));
}

// Counts of what a namespace holds, for M12 and the forced delete.
struct Contents {
  std::vector<store::Record> services, secrets, configmaps;
  bool empty() const { return services.empty() && secrets.empty() && configmaps.empty(); }
};

absl::StatusOr<Contents> ContentsOf(store::WriteTxn& txn, const std::string& ns) {
  Contents c;
  RUNE_ASSIGN_OR_RETURN(c.services, txn.List(store::kService, ns));
  RUNE_ASSIGN_OR_RETURN(c.secrets, txn.List(store::kSecret, ns));
  RUNE_ASSIGN_OR_RETURN(c.configmaps, txn.List(store::kConfigmap, ns));
  return c;
}

absl::Status NotEmpty(const std::string& name, const Contents& c) {
  return common::WithHint(
      absl::FailedPreconditionError(absl::StrCat(
          "namespace \"", name, "\" is not empty: ", c.services.size(), " services, ",
          c.secrets.size(), " secrets, ", c.configmaps.size(), " configmaps")),
      "re-run with --force to delete the namespace and everything in it");
}

}  // namespace

absl::Status NamespaceNotFound(absl::string_view name) {
  return common::WithHint(
      absl::NotFoundError(absl::StrCat("namespace \"", name, "\" not found")),
      absl::StrCat("create it with 'rune create namespace ", name, "' or pass --create-namespace"));
}

absl::Status NamespaceServiceImpl::SeedReserved() {
  const absl::Time now = clock_();
  return store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    for (const char* name : {"default", "system"}) {
      RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> old,
                            txn.Get(kNamespace, kSystemNamespace, name));
      if (old.has_value()) continue;
      api::Namespace ns;
      ns.set_name(name);
      ns.set_description(std::string(name) == "default" ? "The default namespace"
                                                        : "Reserved for runed");
      common::ToTimestamp(now, ns.mutable_metadata()->mutable_created_at());
      common::ToTimestamp(now, ns.mutable_metadata()->mutable_updated_at());
      RUNE_RETURN_IF_ERROR(
          txn.Put(kNamespace, kSystemNamespace, name, ns.SerializeAsString(), 0).status());
    }
    return absl::OkStatus();
  });
}

absl::Status NamespaceServiceImpl::Write(const api::Namespace& input, bool strict,
                                         api::Namespace* out, api::ApplyAction* action) {
  api::Namespace ns;
  ns.set_name(input.name());
  ns.set_description(input.description());
  *ns.mutable_labels() = input.labels();
  RUNE_RETURN_IF_ERROR(common::ValidationStatus(common::spec::ValidateNamespace(ns)));
  // `system` is closed to users; `default` can be updated by cast but not
  // created.
  if (ns.name() == "system" || (strict && ns.name() == "default")) return Reserved(ns.name());
  const absl::Time now = clock_();
  return store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Namespace> old,
                          Find(txn.Get(kNamespace, kSystemNamespace, ns.name())));
    if (old.has_value()) {
      if (strict) {
        return absl::AlreadyExistsError(absl::StrCat("namespace \"", ns.name(), "\" already exists"));
      }
      if (old->description() == ns.description() && LabelsOf(*old) == LabelsOf(ns)) {
        *out = *old;
        *action = api::UNCHANGED;
        return absl::OkStatus();
      }
      *ns.mutable_metadata()->mutable_created_at() = old->metadata().created_at();
      *action = api::UPDATED;
    } else {
      common::ToTimestamp(now, ns.mutable_metadata()->mutable_created_at());
      *action = api::CREATED;
    }
    common::ToTimestamp(now, ns.mutable_metadata()->mutable_updated_at());
    *ns.mutable_metadata()->mutable_labels() = ns.labels();
    const uint64_t expected = old.has_value() ? old->metadata().resource_version() : 0;
    RUNE_ASSIGN_OR_RETURN(const uint64_t version,
                          txn.Put(kNamespace, kSystemNamespace, ns.name(),
                                  ns.SerializeAsString(), expected));
    ns.mutable_metadata()->set_resource_version(version);
    *out = ns;
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* NamespaceServiceImpl::CreateNamespace(
    grpc::CallbackServerContext* ctx, const api::CreateNamespaceRequest* request,
    api::CreateNamespaceResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    api::ApplyAction action;
    return Write(request->namespace_(), /*strict=*/true, response->mutable_namespace_(), &action);
  });
}

grpc::ServerUnaryReactor* NamespaceServiceImpl::ApplyNamespace(
    grpc::CallbackServerContext* ctx, const api::ApplyNamespaceRequest* request,
    api::ApplyNamespaceResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    api::ApplyAction action;
    RUNE_RETURN_IF_ERROR(
        Write(request->namespace_(), /*strict=*/false, response->mutable_namespace_(), &action));
    response->set_action(action);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* NamespaceServiceImpl::GetNamespace(
    grpc::CallbackServerContext* ctx, const api::GetNamespaceRequest* request,
    api::GetNamespaceResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Namespace> ns,
                          Find(store_->Get(kNamespace, kSystemNamespace, request->name())));
    if (!ns.has_value()) return NamespaceNotFound(request->name());
    *response->mutable_namespace_() = std::move(*ns);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* NamespaceServiceImpl::ListNamespaces(
    grpc::CallbackServerContext* ctx, const api::ListNamespacesRequest* request,
    api::ListNamespacesResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    absl::StatusOr<common::Selector> selector = RequestSelector(request->selector());
    RUNE_RETURN_IF_ERROR(selector.status());
    RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records,
                          store_->List(kNamespace, kSystemNamespace));
    for (const store::Record& r : records) {
      RUNE_ASSIGN_OR_RETURN(api::Namespace ns, Parse(r));
      if (common::Matches(*selector, LabelsOf(ns))) *response->add_namespaces() = std::move(ns);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* NamespaceServiceImpl::DeleteNamespace(
    grpc::CallbackServerContext* ctx, const api::DeleteNamespaceRequest* request,
    api::DeleteNamespaceResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    const std::string& name = request->name();
    response->set_name(name);
    response->set_dry_run(request->dry_run());
    return store_->Update([&](store::WriteTxn& txn) -> absl::Status {
      RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                            txn.Get(kNamespace, kSystemNamespace, name));
      if (!record.has_value()) return NamespaceNotFound(name);
      RUNE_ASSIGN_OR_RETURN(Contents contents, ContentsOf(txn, name));
      absl::Status blocked = absl::OkStatus();
      if (IsReserved(name)) {
        blocked = Reserved(name);
      } else if (!contents.empty() && !request->force()) {
        blocked = NotEmpty(name, contents);
      }
      if (request->dry_run()) {
        if (!blocked.ok()) response->add_blocked_by(std::string(blocked.message()));
        return absl::OkStatus();
      }
      RUNE_RETURN_IF_ERROR(blocked);
      // A forced delete runs one deletion operation per service (they finish
      // within this transaction: no instance runs yet), then removes secrets,
      // configmaps and the namespace. The operations stay listed for their
      // retention period.
      const absl::Time now = clock_();
      for (const store::Record& r : contents.services) {
        RUNE_ASSIGN_OR_RETURN(api::DeletionOperation op, DeleteServiceNow(txn, name, r.name, now));
        if (op.state() != api::DeletionOperation::COMPLETED) {
          return absl::InternalError(absl::StrCat(
              "deletion of service \"", name, "/", r.name, "\" failed (operation ", op.id(),
              "): ", op.failure()));
        }
        *response->add_operations() = std::move(op);
      }
      for (const auto* records : {&contents.secrets, &contents.configmaps}) {
        for (const store::Record& r : *records) {
          RUNE_RETURN_IF_ERROR(txn.Delete(r.kind, r.ns, r.name).status());
        }
      }
      RUNE_RETURN_IF_ERROR(txn.Delete(kNamespace, kSystemNamespace, name).status());
      response->set_state(api::DeletionOperation::COMPLETED);
      return absl::OkStatus();
    });
  });
}

grpc::ServerWriteReactor<api::WatchNamespacesResponse>* NamespaceServiceImpl::WatchNamespaces(
    grpc::CallbackServerContext* ctx, const api::WatchNamespacesRequest* request) {
  using Stream = WatchStream<api::WatchNamespacesResponse>;
  absl::Status allowed = authz_->Authorize(*ctx, *request).status();
  if (!allowed.ok()) return new Stream(ToGrpcStatus(ctx, allowed));
  absl::StatusOr<common::Selector> parsed = RequestSelector(request->selector());
  if (!parsed.ok()) return new Stream(ToGrpcStatus(ctx, parsed.status()));
  const common::Selector selector = *parsed;
  const std::string only = request->name();
  auto matches = [selector, only](const api::Namespace& ns) {
    return (only.empty() || ns.name() == only) && common::Matches(selector, LabelsOf(ns));
  };
  WatchSource<api::WatchNamespacesResponse, api::Namespace> source;
  source.parse = &Parse;
  source.matches = matches;
  source.field = [](api::WatchNamespacesResponse& r) { return r.mutable_namespace_(); };
  return OpenWatch(ctx, store_, kNamespace, kSystemNamespace, std::move(source));
}

}  // namespace rune::daemon
