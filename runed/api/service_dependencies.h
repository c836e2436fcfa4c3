// The service dependency graph (SPEC §3.6.10, §4.4, §5.8.4): dependents of a
// service (all namespaces), the M10 deletion guard, the dependency graph
// returned by GetDependencyGraph, and the global cycle check of ApplyService
// (M08).
//
//   RUNE_ASSIGN_OR_RETURN(std::vector<api::Dependent> d,
//                         Dependents(Reader::Of(store), "default", "db"));
//   absl::Status blocked = DependentsBlock("default", "db", d);  // M10 or OK
#ifndef RUNE_RUNED_API_SERVICE_DEPENDENCIES_H_
#define RUNE_RUNED_API_SERVICE_DEPENDENCIES_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/service.pb.h"
#include "proto/types.pb.h"
#include "runed/api/service_records.h"

namespace rune::daemon {

// Services of every namespace that declare a service dependency on `ns/name`,
// sorted by namespace then name.
absl::StatusOr<std::vector<api::Dependent>> Dependents(const Reader& reader, absl::string_view ns,
                                                       absl::string_view name);

// M10 (FailedPrecondition, with its hint) when a non-optional dependent
// exists; OK otherwise.
absl::Status DependentsBlock(absl::string_view ns, absl::string_view name,
                             const std::vector<api::Dependent>& dependents);

// InvalidArgument M08 when storing `spec` (namespace set) would close a
// cycle in the service graph of all namespaces (optional edges included); the
// cycle is listed from `spec`'s service.
absl::Status CheckNoCycle(const Reader& reader, const api::ServiceSpec& spec);

// The graph rooted at the existing service `root`: its dependencies, and with
// `transitive` those of every service reached. Each service is expanded once,
// so a cycle shows as an edge back to a node already listed.
absl::StatusOr<api::GetDependencyGraphResponse> DependencyGraph(const Reader& reader,
                                                                const api::Service& root,
                                                                bool transitive);

// The state shown for a service node, from its instances (SPEC §3.6.10).
api::DependencyNode::State ServiceNodeState(const api::Service& service,
                                            const std::vector<api::Instance>& instances);

// Whether instances of a service satisfy `ready_when` (SPEC §5.8.4 step 3;
// unset = RUNNING).
bool ServiceSatisfies(api::Dependency::ReadyWhen ready_when,
                      const std::vector<api::Instance>& instances);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_SERVICE_DEPENDENCIES_H_
