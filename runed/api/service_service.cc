#include "runed/api/service_service.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/labels.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/violation.h"
#include "runed/api/call.h"
#include "runed/api/namespace_service.h"
#include "runed/api/request_id.h"
#include "runed/api/service_deletion.h"
#include "runed/api/service_dependencies.h"
#include "runed/api/service_records.h"
#include "runed/api/unimplemented.h"
#include "runed/api/watch_stream.h"

namespace rune::daemon {
namespace {

using api::DeletionOperation;

// A random RFC 4122 version-4 UUID, the stable ID of a service.
std::string NewServiceId() {
  thread_local absl::BitGen gen;
  const uint64_t hi = (absl::Uniform<uint64_t>(gen) & ~uint64_t{0xF000}) | 0x4000;
  const uint64_t lo =
      (absl::Uniform<uint64_t>(gen) & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                         lo >> 48, lo & 0xFFFFFFFFFFFF);
}

std::map<std::string, std::string> LabelsOf(const api::Service& service) {
  return {service.spec().labels().begin(), service.spec().labels().end()};
}


// The first steps of an RPC about one named service: authorize the call, then
// read the service from `reader` (M14 when it does not exist).
template <typename Request>
absl::StatusOr<api::Service> AuthorizedService(auth::Authorizer* authz,
                                               grpc::CallbackServerContext& ctx,
                                               const Request& request, const Reader& reader) {
  RUNE_RETURN_IF_ERROR(authz->Authorize(ctx, request).status());
  return GetExistingService(reader, EffectiveNamespace(request.namespace_()), request.name());
}

// The observed state of a service as long as nothing runs it: the desired
// count, no instance, PENDING (or STOPPED at scale 0).
api::ServiceStatus InitialStatus(const api::ServiceSpec& spec) {
  api::ServiceStatus status;
  status.set_desired(spec.scale());
  status.set_phase(spec.scale() > 0 ? api::ServiceStatus::PENDING : api::ServiceStatus::STOPPED);
  return status;
}

// SPEC §4.5: secrets/configmaps the service reads that do not exist (yet).
absl::StatusOr<std::vector<std::string>> MissingReferences(const Reader& reader,
                                                           const api::ServiceSpec& spec) {
  std::vector<std::string> warnings;
  for (const common::spec::ObjectRef& ref : common::spec::ReferencedObjects(spec)) {
    if (ref.optional) continue;
    const bool secret = ref.kind == api::Dependency::SECRET;
    RUNE_ASSIGN_OR_RETURN(
        std::optional<store::Record> record,
        reader.Get(secret ? store::kSecret : store::kConfigmap, spec.namespace_(), ref.name));
    if (record.has_value()) continue;
    warnings.push_back(absl::StrCat("service/", spec.namespace_(), "/", spec.name(), ": ",
                                    secret ? "secret" : "configmap", " \"", ref.name,
                                    "\" does not exist yet"));
  }
  return warnings;
}

// Keeps the newest `limit` history records of a service.
absl::Status TrimHistory(store::WriteTxn& txn, absl::string_view ns, absl::string_view name,
                         int64_t limit) {
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> history,
                        txn.List(store::kServiceHistory, ns, HistoryPrefix(name)));
  // Names are `<svc>/<generation %010d>`: key order is generation order.
  const int64_t excess = static_cast<int64_t>(history.size()) - std::max<int64_t>(limit, 1);
  for (int64_t i = 0; i < excess; ++i) {
    RUNE_RETURN_IF_ERROR(txn.Delete(history[i].kind, history[i].ns, history[i].name).status());
  }
  return absl::OkStatus();
}

// M22: the runner the spec needs is disabled in the runefile.
absl::Status CheckRunnerEnabled(const api::ServiceSpec& spec, const ServiceOptions& options) {
  const bool process = spec.has_process();
  if (process ? options.process_enabled : options.docker_enabled) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(process ? "process" : "docker", " runner is disabled on this server"));
}

}  // namespace

absl::Status ServiceServiceImpl::Apply(const api::ApplyServiceRequest& request,
                                       api::ApplyServiceResponse* response) {
  api::ServiceSpec spec = request.spec();
  spec.set_namespace_(EffectiveNamespace(spec.namespace_()));
  spec.clear_skip();
  RUNE_RETURN_IF_ERROR(
      common::ValidationStatus(common::spec::ValidateService(spec, options_.limits)));
  RUNE_RETURN_IF_ERROR(CheckRunnerEnabled(spec, options_));
  const std::string ns = spec.namespace_();
  const std::string name = spec.name();
  const std::string canonical = common::spec::CanonicalSpec(spec);
  const absl::Time now = options_.clock();
  return store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    response->Clear();
    const Reader reader = Reader::Of(txn);
    RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> namespace_record,
                          txn.Get(store::kNamespace, store::kSystemNamespace, ns));
    if (!namespace_record.has_value()) return NamespaceNotFound(ns);
    RUNE_RETURN_IF_ERROR(CheckNoCycle(reader, spec));
    RUNE_ASSIGN_OR_RETURN(std::vector<std::string> warnings, MissingReferences(reader, spec));
    for (std::string& w : warnings) response->add_warnings(std::move(w));

    RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> old, FindService(reader, ns, name));
    if (old.has_value() && !request.force() &&
        common::spec::CanonicalSpec(old->spec()) == canonical) {
      *response->mutable_service() = std::move(*old);
      response->set_action(api::UNCHANGED);
      return absl::OkStatus();
    }

    api::Service service;
    *service.mutable_spec() = spec;
    api::ObjectMeta* meta = service.mutable_metadata();
    if (old.has_value()) {
      const api::ObjectMeta& previous = old->metadata();
      meta->set_id(previous.id());
      meta->set_generation(previous.generation() + 1);
      *meta->mutable_created_at() = previous.created_at();
      if (previous.has_last_non_zero_scale()) {
        meta->set_last_non_zero_scale(previous.last_non_zero_scale());
      }
    } else {
      meta->set_id(NewServiceId());
      meta->set_generation(1);
      common::ToTimestamp(now, meta->mutable_created_at());
    }
    common::ToTimestamp(now, meta->mutable_updated_at());
    meta->set_tag(request.tag());
    *meta->mutable_labels() = spec.labels();
    *service.mutable_status() = InitialStatus(spec);
    const uint64_t expected = old.has_value() ? old->metadata().resource_version() : 0;
    RUNE_ASSIGN_OR_RETURN(const uint64_t version,
                          txn.Put(store::kService, ns, name, service.SerializeAsString(), expected));

    api::ServiceHistoryEntry entry;
    entry.set_generation(meta->generation());
    common::ToTimestamp(now, entry.mutable_created_at());
    entry.set_tag(request.tag());
    *entry.mutable_spec() = spec;
    RUNE_RETURN_IF_ERROR(txn.Put(store::kServiceHistory, ns,
                                 HistoryName(name, meta->generation()), entry.SerializeAsString())
                             .status());
    RUNE_RETURN_IF_ERROR(TrimHistory(txn, ns, name, options_.history_limit));

    meta->set_resource_version(version);
    *response->mutable_service() = std::move(service);
    response->set_action(old.has_value() ? api::UPDATED : api::CREATED);
    return absl::OkStatus();
  });
}

absl::Status ServiceServiceImpl::Delete(const api::DeleteServiceRequest& request,
                                        api::DeleteServiceResponse* response) {
  const std::string ns = EffectiveNamespace(request.namespace_());
  const std::string& name = request.name();
  const absl::Time now = options_.clock();
  return store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    response->Clear();
    response->set_namespace_(ns);
    response->set_name(name);
    response->set_dry_run(request.dry_run());
    const Reader reader = Reader::Of(txn);
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> service, FindService(reader, ns, name));
    if (!service.has_value()) return ServiceNotFound(ns, name);
    absl::Status blocked = absl::OkStatus();
    RUNE_ASSIGN_OR_RETURN(std::optional<DeletionOperation> active,
                          FindActiveDeletion(reader, ns, name));
    if (active.has_value()) {
      blocked = DeletionInProgress(*active);
    } else if (!request.force()) {
      RUNE_ASSIGN_OR_RETURN(std::vector<api::Dependent> dependents, Dependents(reader, ns, name));
      blocked = DependentsBlock(ns, name, dependents);
    }
    if (request.dry_run()) {
      if (!blocked.ok()) response->add_blocked_by(std::string(blocked.message()));
      return absl::OkStatus();
    }
    RUNE_RETURN_IF_ERROR(blocked);
    if (options_.async_deletion) {
      RUNE_ASSIGN_OR_RETURN(*response->mutable_operation(), StartDeletion(txn, ns, name, now));
      return absl::OkStatus();
    }
    RUNE_ASSIGN_OR_RETURN(*response->mutable_operation(), DeleteServiceNow(txn, ns, name, now));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ServiceServiceImpl::ApplyService(grpc::CallbackServerContext* ctx,
                                                           const api::ApplyServiceRequest* request,
                                                           api::ApplyServiceResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    return Apply(*request, response);
  });
}

grpc::ServerUnaryReactor* ServiceServiceImpl::GetService(grpc::CallbackServerContext* ctx,
                                                         const api::GetServiceRequest* request,
                                                         api::GetServiceResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(*response->mutable_service(),
                          AuthorizedService(authz_, *ctx, *request, Reader::Of(store_)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ServiceServiceImpl::ListServices(
    grpc::CallbackServerContext* ctx, const api::ListServicesRequest* request,
    api::ListServicesResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    RUNE_ASSIGN_OR_RETURN(common::Selector selector, RequestSelector(request->selector()));
    RUNE_ASSIGN_OR_RETURN(
        std::vector<api::Service> services,
        daemon::ListServices(Reader::Of(store_), ListNamespace(request->namespace_())));
    for (api::Service& service : services) {
      if (common::Matches(selector, LabelsOf(service))) {
        *response->add_services() = std::move(service);
      }
    }
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<api::WatchServicesResponse>* ServiceServiceImpl::WatchServices(
    grpc::CallbackServerContext* ctx, const api::WatchServicesRequest* request) {
  using Stream = WatchStream<api::WatchServicesResponse>;
  absl::Status allowed = authz_->Authorize(*ctx, *request).status();
  if (!allowed.ok()) return new Stream(ToGrpcStatus(ctx, allowed));
  absl::StatusOr<common::Selector> parsed = RequestSelector(request->selector());
  if (!parsed.ok()) return new Stream(ToGrpcStatus(ctx, parsed.status()));
  const common::Selector selector = *parsed;
  const std::string only = request->name();
  auto matches = [selector, only](const api::Service& service) {
    return (only.empty() || service.spec().name() == only) &&
           common::Matches(selector, LabelsOf(service));
  };
  const std::string ns = ListNamespace(request->namespace_());
  WatchSource<api::WatchServicesResponse, api::Service> source;
  source.parse = &ParseService;
  source.matches = matches;
  source.field = [](api::WatchServicesResponse& r) { return r.mutable_service(); };
  return OpenWatch(ctx, store_, store::kService, ns, std::move(source));
}

grpc::ServerUnaryReactor* ServiceServiceImpl::DeleteService(
    grpc::CallbackServerContext* ctx, const api::DeleteServiceRequest* request,
    api::DeleteServiceResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    return Delete(*request, response);
  });
}

grpc::ServerUnaryReactor* ServiceServiceImpl::GetDeletionStatus(
    grpc::CallbackServerContext* ctx, const api::GetDeletionStatusRequest* request,
    api::GetDeletionStatusResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    const std::string ns = EffectiveNamespace(request->namespace_());
    RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                          store_->Get(store::kDeletionOp, ns, request->operation_id()));
    if (!record.has_value()) return DeletionOperationNotFound(ns, request->operation_id());
    RUNE_ASSIGN_OR_RETURN(DeletionOperation op, ParseDeletionOp(*record));
    // Expired operations are gone even if no write has pruned them yet.
    if (IsExpired(op, options_.clock())) {
      return DeletionOperationNotFound(ns, request->operation_id());
    }
    *response->mutable_operation() = std::move(op);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ServiceServiceImpl::ListDeletionOperations(
    grpc::CallbackServerContext* ctx, const api::ListDeletionOperationsRequest* request,
    api::ListDeletionOperationsResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    RUNE_ASSIGN_OR_RETURN(
        std::vector<store::Record> records,
        store_->List(store::kDeletionOp, ListNamespace(request->namespace_())));
    const absl::Time now = options_.clock();
    std::vector<DeletionOperation> ops;
    for (const store::Record& r : records) {
      RUNE_ASSIGN_OR_RETURN(DeletionOperation op, ParseDeletionOp(r));
      if (IsExpired(op, now)) continue;
      if (request->state() != DeletionOperation::STATE_UNSPECIFIED &&
          op.state() != request->state()) {
        continue;
      }
      ops.push_back(std::move(op));
    }
    std::sort(ops.begin(), ops.end(), [](const DeletionOperation& a, const DeletionOperation& b) {
      const auto key = [](const DeletionOperation& op) {
        return std::make_tuple(op.started_at().seconds(), op.started_at().nanos(), op.id());
      };
      return key(a) > key(b);
    });
    for (DeletionOperation& op : ops) *response->add_operations() = std::move(op);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ServiceServiceImpl::GetServiceHistory(
    grpc::CallbackServerContext* ctx, const api::GetServiceHistoryRequest* request,
    api::GetServiceHistoryResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    const Reader reader = Reader::Of(store_);
    RUNE_ASSIGN_OR_RETURN(const api::Service service,
                          AuthorizedService(authz_, *ctx, *request, reader));
    const std::string& ns = service.spec().namespace_();
    const int64_t current = service.metadata().generation();
    RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records,
                          reader.List(store::kServiceHistory, ns, HistoryPrefix(request->name())));
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      RUNE_ASSIGN_OR_RETURN(api::ServiceHistoryEntry entry, ParseHistory(*it));
      entry.set_current(entry.generation() == current);
      *response->add_entries() = std::move(entry);
    }
    response->set_current_generation(current);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ServiceServiceImpl::GetDependencyGraph(
    grpc::CallbackServerContext* ctx, const api::GetDependencyGraphRequest* request,
    api::GetDependencyGraphResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    const Reader reader = Reader::Of(store_);
    RUNE_ASSIGN_OR_RETURN(const api::Service service,
                          AuthorizedService(authz_, *ctx, *request, reader));
    RUNE_ASSIGN_OR_RETURN(*response, DependencyGraph(reader, service, request->transitive()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ServiceServiceImpl::ListDependents(
    grpc::CallbackServerContext* ctx, const api::ListDependentsRequest* request,
    api::ListDependentsResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    const Reader reader = Reader::Of(store_);
    RUNE_ASSIGN_OR_RETURN(const api::Service service,
                          AuthorizedService(authz_, *ctx, *request, reader));
    const std::string& ns = service.spec().namespace_();
    RUNE_ASSIGN_OR_RETURN(std::vector<api::Dependent> dependents,
                          Dependents(reader, ns, request->name()));
    for (api::Dependent& d : dependents) *response->add_dependents() = std::move(d);
    return absl::OkStatus();
  });
}

#define RUNE_AUTHORIZED_(Name, Body)                                                       \
  grpc::ServerUnaryReactor* ServiceServiceImpl::Name(grpc::CallbackServerContext* ctx,       \
                                                     const api::Name##Request* request,      \
                                                     api::Name##Response* response) {       \
    return RunUnary(ctx, [=]() -> absl::Status {                                             \
      RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());                      \
      return Body(*request, response);                                                       \
    });                                                                                      \
  }

RUNE_AUTHORIZED_(ScaleService, Scale)
RUNE_AUTHORIZED_(StopService, Stop)
RUNE_AUTHORIZED_(RestartService, Restart)
RUNE_AUTHORIZED_(RollbackService, Rollback)

#undef RUNE_AUTHORIZED_

}  // namespace rune::daemon
