// The `-o json|yaml` documents of SPEC §3.5: spec fields in the schema order
// of §4 (unset optional fields omitted), then `metadata` and `status`. The
// output of a service, configmap or namespace is a valid cast document: fed to
// LoadCastText it decodes to the same spec (tested both ways).
//
//   Value doc = Value::Object().Set("service", ServiceDocument(service));
//   out << ToYaml(doc);
#ifndef RUNE_COMMON_SPEC_DOCUMENTS_H_
#define RUNE_COMMON_SPEC_DOCUMENTS_H_

#include "common/document.h"
#include "proto/types.pb.h"

namespace rune::common::spec {

// The spec alone (what a user would write).
Value ServiceSpecDocument(const api::ServiceSpec& spec);
// Spec + metadata{id, generation, createdAt, updatedAt, lastNonZeroScale, tag}
// + status{phase, observedGeneration, desired, ready, running, message,
// lastScaleAt}.
Value ServiceDocument(const api::Service& service);
// {name, namespace, labels, type, keys[], metadata{version, createdAt,
// updatedAt}} — never values.
Value SecretDocument(const api::SecretInfo& secret);
// {name, namespace, labels, data{}, metadata{version, createdAt, updatedAt}}.
Value ConfigmapDocument(const api::Configmap& configmap);
// {name, description, labels, metadata{createdAt, updatedAt}}.
Value NamespaceDocument(const api::Namespace& ns);
// {id, name, namespace, service, generation, runner, node, status, ready,
// restarts, exitCode, lastFailureMessage, message, ip, containerId|pid,
// startedAt, finishedAt, createdAt, updatedAt, conditions[{type, status,
// message, lastTransitionTime}]} (not castable).
Value InstanceDocument(const api::Instance& instance);

// Upper-case enum spellings of the API → the YAML forms: "Always",
// "OnFailure", "Never"; phases "Running", …
std::string RestartPolicyName(api::ServiceSpec::RestartPolicy policy);
std::string PhaseName(api::ServiceStatus::Phase phase);
// Instance states of §5.8.2: "Pending", "Starting", "Running", "Unhealthy",
// "Stopping", "Stopped", "Failed" ("" when unset).
std::string InstanceStateName(api::Instance::State state);
// Dependency spellings of §4.4: "service", "secret", "configmap" (unset reads
// as "service"); readyWhen "running", "healthy", "started" ("" when unset).
std::string DependencyKindName(api::Dependency::Kind kind);
std::string ReadyWhenName(api::Dependency::ReadyWhen ready_when);
// Registry credential types: "basic", "token", "ecr", "dockerconfigjson"
// ("" when unset), and back (TYPE_UNSPECIFIED for anything else).
std::string RegistryTypeName(api::RegistryInfo::Type type);
api::RegistryInfo::Type RegistryTypeOf(absl::string_view name);

}  // namespace rune::common::spec

#endif  // RUNE_COMMON_SPEC_DOCUMENTS_H_
