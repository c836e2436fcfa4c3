#include "runed/api/service_dependencies.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/spec/validate.h"
#include "common/status_macros.h"
#include "common/violation.h"

namespace rune::daemon {
namespace {

using api::Dependency;
using api::DependencyNode;

std::string DependencyNamespace(const api::ServiceSpec& spec, const Dependency& dep) {
  return dep.namespace_().empty() ? spec.namespace_() : dep.namespace_();
}

const char* KindWord(Dependency::Kind kind) {
  switch (kind) {
    case Dependency::SECRET:
      return "secret";
    case Dependency::CONFIGMAP:
      return "configmap";
    default:
      return "service";
  }
}

const char* StoreKind(Dependency::Kind kind) {
  switch (kind) {
    case Dependency::SECRET:
      return store::kSecret;
    case Dependency::CONFIGMAP:
      return store::kConfigmap;
    default:
      return store::kService;
  }
}

std::string NodeId(Dependency::Kind kind, absl::string_view ns, absl::string_view name) {
  return absl::StrCat(KindWord(kind), "/", ns, "/", name);
}

// Builds the graph: every node once, edges in declaration order per service,
// each service expanded at most once (so cycles end at a listed node).
class GraphBuilder {
 public:
  GraphBuilder(const Reader& reader, bool transitive, api::GetDependencyGraphResponse* out)
      : reader_(reader), transitive_(transitive), out_(out) {}

  absl::Status Build(const api::Service& root) {
    const api::ServiceSpec& spec = root.spec();
    const std::string id = NodeId(Dependency::SERVICE, spec.namespace_(), spec.name());
    Target& target = services_[id];
    target.service = root;
    RUNE_ASSIGN_OR_RETURN(target.instances, InstancesOf(reader_, spec.namespace_(), spec.name()));
    AddNode(id, Dependency::SERVICE, spec.namespace_(), spec.name(),
            ServiceNodeState(root, target.instances));
    out_->set_root(id);
    expanded_.insert(id);
    return Expand(*target.service);
  }

 private:
  // A service dependency as found in the store (service unset: missing).
  struct Target {
    std::optional<api::Service> service;
    std::vector<api::Instance> instances;
  };

  void AddNode(const std::string& id, Dependency::Kind kind, absl::string_view ns,
               absl::string_view name, DependencyNode::State state) {
    DependencyNode* node = out_->add_nodes();
    node->set_id(id);
    node->set_kind(kind);
    node->set_namespace_(std::string(ns));
    node->set_name(std::string(name));
    node->set_state(state);
    seen_.insert(id);
  }

  absl::StatusOr<const Target*> LookupService(const std::string& id, absl::string_view ns,
                                              absl::string_view name) {
    auto it = services_.find(id);
    if (it != services_.end()) return &it->second;
    Target target;
    RUNE_ASSIGN_OR_RETURN(target.service, FindService(reader_, ns, name));
    if (target.service.has_value()) {
      RUNE_ASSIGN_OR_RETURN(target.instances, InstancesOf(reader_, ns, name));
    }
    return &services_.emplace(id, std::move(target)).first->second;
  }

  absl::Status Expand(const api::Service& service) {
    const api::ServiceSpec& spec = service.spec();
    const std::string from = NodeId(Dependency::SERVICE, spec.namespace_(), spec.name());
    std::vector<const api::Service*> next;
    for (const Dependency& dep : spec.dependencies()) {
      const std::string ns = DependencyNamespace(spec, dep);
      const std::string to = NodeId(dep.kind(), ns, dep.name());
      api::DependencyEdge* edge = out_->add_edges();
      edge->set_from(from);
      edge->set_to(to);
      edge->set_optional(dep.optional());
      edge->set_timeout_seconds(dep.timeout_seconds());
      if (dep.kind() == Dependency::SERVICE) {
        const Dependency::ReadyWhen ready_when =
            dep.ready_when() == Dependency::READY_WHEN_UNSPECIFIED ? Dependency::RUNNING
                                                                   : dep.ready_when();
        edge->set_ready_when(ready_when);
        RUNE_ASSIGN_OR_RETURN(const Target* target, LookupService(to, ns, dep.name()));
        const bool exists = target->service.has_value();
        edge->set_satisfied(exists && ServiceSatisfies(ready_when, target->instances));
        if (seen_.count(to) == 0) {
          AddNode(to, dep.kind(), ns, dep.name(),
                  exists ? ServiceNodeState(*target->service, target->instances)
                         : DependencyNode::MISSING);
        }
        if (exists && transitive_ && expanded_.insert(to).second) {
          next.push_back(&*target->service);
        }
      } else {
        RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                              reader_.Get(StoreKind(dep.kind()), ns, dep.name()));
        edge->set_satisfied(record.has_value());
        if (seen_.count(to) == 0) {
          AddNode(to, dep.kind(), ns, dep.name(),
                  record.has_value() ? DependencyNode::PRESENT : DependencyNode::MISSING);
        }
      }
    }
    for (const api::Service* child : next) RUNE_RETURN_IF_ERROR(Expand(*child));
    return absl::OkStatus();
  }

  const Reader& reader_;
  const bool transitive_;
  api::GetDependencyGraphResponse* out_;
  std::set<std::string> seen_;      // node IDs listed
  std::set<std::string> expanded_;  // service node IDs whose edges are listed
  std::map<std::string, Target> services_;
};

}  // namespace

absl::StatusOr<std::vector<api::Dependent>> Dependents(const Reader& reader, absl::string_view ns,
                                                       absl::string_view name) {
  RUNE_ASSIGN_OR_RETURN(std::vector<api::Service> services, ListServices(reader, ""));
  std::vector<api::Dependent> out;
  for (const api::Service& service : services) {
    const api::ServiceSpec& spec = service.spec();
    if (spec.namespace_() == ns && spec.name() == name) continue;
    for (const Dependency& dep : spec.dependencies()) {
      if (dep.kind() != Dependency::SERVICE || dep.name() != name ||
          DependencyNamespace(spec, dep) != ns) {
        continue;
      }
      api::Dependent d;
      d.set_namespace_(spec.namespace_());
      d.set_name(spec.name());
      d.set_optional(dep.optional());
      out.push_back(std::move(d));
      break;
    }
  }
  // ListServices is sorted by key `<ns>/<name>`; sort explicitly anyway so
  // the order does not depend on the backend's key encoding.
  std::sort(out.begin(), out.end(), [](const api::Dependent& a, const api::Dependent& b) {
    return std::tie(a.namespace_(), a.name()) < std::tie(b.namespace_(), b.name());
  });
  return out;
}

absl::Status DependentsBlock(absl::string_view ns, absl::string_view name,
                             const std::vector<api::Dependent>& dependents) {
  std::vector<std::string> required;
  for (const api::Dependent& d : dependents) {
    if (!d.optional()) required.push_back(ServiceKey(d.namespace_(), d.name()));
  }
  if (required.empty()) return absl::OkStatus();
  return common::WithHint(
      absl::FailedPreconditionError(absl::StrCat("service \"", ns, "/", name,
                                                 "\" has dependents: ",
                                                 absl::StrJoin(required, ", "))),
      absl::StrCat("list them with 'rune deps dependents ", name, " -n ", ns,
                   "' or re-run with --force"));
}

absl::Status CheckNoCycle(const Reader& reader, const api::ServiceSpec& spec) {
  const std::string self = ServiceKey(spec.namespace_(), spec.name());
  std::vector<std::string> own = common::spec::ServiceDependencyKeys(spec);
  if (own.empty()) return absl::OkStatus();  // nothing leaves this service
  RUNE_ASSIGN_OR_RETURN(std::vector<api::Service> services, ListServices(reader, ""));
  std::map<std::string, std::vector<std::string>> graph;
  for (const api::Service& s : services) {
    graph[ServiceKey(s.spec().namespace_(), s.spec().name())] =
        common::spec::ServiceDependencyKeys(s.spec());
  }
  graph[self] = std::move(own);
  std::optional<std::vector<std::string>> cycle =
      common::spec::FindCycle(self, [&graph](const std::string& key) {
        auto it = graph.find(key);
        return it == graph.end() ? std::vector<std::string>() : it->second;
      });
  if (!cycle.has_value()) return absl::OkStatus();
  common::Violation v;
  v.path = "service.dependencies";
  v.reason = common::spec::CycleReason(*cycle);
  v.rule = "dependency-cycle";
  return common::ValidationStatus({v});
}

absl::StatusOr<api::GetDependencyGraphResponse> DependencyGraph(const Reader& reader,
                                                                const api::Service& root,
                                                                bool transitive) {
  api::GetDependencyGraphResponse out;
  RUNE_RETURN_IF_ERROR(GraphBuilder(reader, transitive, &out).Build(root));
  return out;
}

DependencyNode::State ServiceNodeState(const api::Service& service,
                                       const std::vector<api::Instance>& instances) {
  bool ready = false, running = false, starting = false, failed = false;
  for (const api::Instance& i : instances) {
    ready = ready || (i.ready() && i.status() == api::Instance::RUNNING);
    running = running || i.status() == api::Instance::RUNNING;
    starting = starting || i.status() == api::Instance::STARTING;
    failed = failed || i.status() == api::Instance::FAILED;
  }
  if (ready) return DependencyNode::HEALTHY;
  if (running) return DependencyNode::RUNNING;
  if (starting) return DependencyNode::STARTED;
  if (service.spec().scale() == 0) return DependencyNode::STOPPED;
  if (failed || service.status().phase() == api::ServiceStatus::FAILED) {
    return DependencyNode::FAILED;
  }
  return DependencyNode::PENDING;
}

bool ServiceSatisfies(Dependency::ReadyWhen ready_when,
                      const std::vector<api::Instance>& instances) {
  for (const api::Instance& i : instances) {
    switch (ready_when) {
      case Dependency::STARTED:
        if (i.status() == api::Instance::STARTING || i.status() == api::Instance::RUNNING) {
          return true;
        }
        break;
      case Dependency::HEALTHY:
        if (i.status() == api::Instance::RUNNING && i.ready()) return true;
        break;
      default:  // RUNNING, and unset
        if (i.status() == api::Instance::RUNNING) return true;
        break;
    }
  }
  return false;
}

}  // namespace rune::daemon
