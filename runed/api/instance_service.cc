#include "runed/api/instance_service.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/labels.h"
#include "common/status_macros.h"
#include "runed/api/call.h"
#include "runed/api/request_id.h"
#include "runed/api/service_records.h"
#include "runed/api/unimplemented.h"
#include "runed/api/watch_stream.h"

namespace rune::daemon {
namespace {

using Labels = std::map<std::string, std::string>;


Labels LabelsOf(const api::Service& service) {
  return {service.spec().labels().begin(), service.spec().labels().end()};
}

// The labels of the instance's service; none when the service is gone.
absl::StatusOr<Labels> ServiceLabels(const Reader& reader, const api::Instance& instance) {
  RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> service,
                        FindService(reader, instance.namespace_(), instance.service()));
  return service.has_value() ? LabelsOf(*service) : Labels();
}

// The request fields ListInstances and WatchInstances share.
struct Filter {
  std::string service;  // "" = every service
  common::Selector selector;
  bool has_selector = false;

  template <typename Request>
  static absl::StatusOr<Filter> Of(const Request& request) {
    Filter f;
    f.service = request.service();
    f.has_selector = !request.selector().empty();
    RUNE_ASSIGN_OR_RETURN(f.selector, RequestSelector(request.selector()));
    return f;
  }

  // `labels` is consulted only when a selector is set.
  bool Matches(const api::Instance& instance, const std::function<absl::StatusOr<Labels>()>& labels)
      const {
    if (!service.empty() && instance.service() != service) return false;
    if (!has_selector) return true;
    absl::StatusOr<Labels> l = labels();
    return l.ok() && common::Matches(selector, *l);
  }
};

bool InstanceOrder(const api::Instance& a, const api::Instance& b) {
  return std::make_tuple(a.namespace_(), a.service(), a.name(), a.generation(), a.id()) <
         std::make_tuple(b.namespace_(), b.service(), b.name(), b.generation(), b.id());
}

}  // namespace

void InstanceServiceImpl::SetDeleteInstance(DeleteFn fn) {
  absl::MutexLock lock(&mu_);
  delete_ = std::move(fn);
}

grpc::ServerUnaryReactor* InstanceServiceImpl::GetInstance(grpc::CallbackServerContext* ctx,
                                                           const api::GetInstanceRequest* request,
                                                           api::GetInstanceResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    const std::string ns = EffectiveNamespace(request->namespace_());
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Instance> instance,
                          FindInstance(Reader::Of(store_), ns, request->id()));
    if (!instance.has_value()) return InstanceNotFound(ns, request->id());
    *response->mutable_instance() = std::move(*instance);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InstanceServiceImpl::ListInstances(
    grpc::CallbackServerContext* ctx, const api::ListInstancesRequest* request,
    api::ListInstancesResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    RUNE_ASSIGN_OR_RETURN(const Filter filter, Filter::Of(*request));
    const std::string ns = ListNamespace(request->namespace_());
    const Reader reader = Reader::Of(store_);
    std::vector<api::Instance> instances;
    if (!filter.service.empty() && !ns.empty()) {
      RUNE_ASSIGN_OR_RETURN(instances, InstancesOf(reader, ns, filter.service));
    } else {
      RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records, reader.List(store::kInstance, ns));
      for (const store::Record& r : records) {
        RUNE_ASSIGN_OR_RETURN(api::Instance instance, ParseInstance(r));
        instances.push_back(std::move(instance));
      }
    }
    // Service labels, read once per service.
    std::map<std::pair<std::string, std::string>, Labels> labels;
    if (filter.has_selector) {
      RUNE_ASSIGN_OR_RETURN(std::vector<api::Service> services, ListServices(reader, ns));
      for (const api::Service& s : services) {
        labels[{s.spec().namespace_(), s.spec().name()}] = LabelsOf(s);
      }
    }
    std::sort(instances.begin(), instances.end(), &InstanceOrder);
    for (api::Instance& instance : instances) {
      const auto of_service = [&]() -> absl::StatusOr<Labels> {
        auto it = labels.find({instance.namespace_(), instance.service()});
        return it == labels.end() ? Labels() : it->second;
      };
      if (filter.Matches(instance, of_service)) *response->add_instances() = std::move(instance);
    }
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<api::WatchInstancesResponse>* InstanceServiceImpl::WatchInstances(
    grpc::CallbackServerContext* ctx, const api::WatchInstancesRequest* request) {
  using Stream = WatchStream<api::WatchInstancesResponse>;
  absl::Status allowed = authz_->Authorize(*ctx, *request).status();
  if (!allowed.ok()) return new Stream(ToGrpcStatus(ctx, allowed));
  absl::StatusOr<Filter> parsed = Filter::Of(*request);
  if (!parsed.ok()) return new Stream(ToGrpcStatus(ctx, parsed.status()));
  const Filter filter = *std::move(parsed);
  const std::string ns = ListNamespace(request->namespace_());
  store::Store* store = store_;
  // Labels are read when an event arrives, so a relabelled service moves its
  // instances in or out of the selection from then on.
  auto matches = [filter, store](const api::Instance& instance) {
    return filter.Matches(instance,
                          [&] { return ServiceLabels(Reader::Of(store), instance); });
  };
  WatchSource<api::WatchInstancesResponse, api::Instance> source;
  source.parse = &ParseInstance;
  source.matches = matches;
  source.field = [](api::WatchInstancesResponse& r) { return r.mutable_instance(); };
  source.order = &InstanceOrder;
  return OpenWatch(ctx, store_, store::kInstance, ns, std::move(source));
}

grpc::ServerUnaryReactor* InstanceServiceImpl::DeleteInstance(
    grpc::CallbackServerContext* ctx, const api::DeleteInstanceRequest* request,
    api::DeleteInstanceResponse* response) {
  return RunUnary(ctx, [=]() -> absl::Status {
    RUNE_RETURN_IF_ERROR(authz_->Authorize(*ctx, *request).status());
    // A missing instance is M14 whoever carries out deletions.
    const std::string ns = EffectiveNamespace(request->namespace_());
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Instance> instance,
                          FindInstance(Reader::Of(store_), ns, request->id()));
    if (!instance.has_value()) return InstanceNotFound(ns, request->id());
    DeleteFn fn;
    {
      absl::MutexLock lock(&mu_);
      fn = delete_;
    }
    if (!fn) return UnimplementedError(MethodOf(ctx));
    RUNE_ASSIGN_OR_RETURN(*response, fn(*request));
    return absl::OkStatus();
  });
}

}  // namespace rune::daemon
