// What the Docker runner sends to the engine for one instance (SPEC §5.10):
// the container name, the `rune.*` labels, the body of
// `POST /containers/create` built from a StartSpec, and the query of an
// image pull. Pure functions, so the exact engine requests can be tested
// without an engine.
//
//   ContainerName({"prod", "api-instance-7c2e8a3b"});   // "rune.prod.api-instance-7c2e8a3b"
//   ContainerOptions options;
//   options.network = "rune";
//   options.binds = {"/run/rune/mounts/api-instance-7c2e8a3b/tls:/etc/tls:ro"};
//   RUNE_ASSIGN_OR_RETURN(google::protobuf::Value body, CreateBody(spec, options));
//   engine.Call("POST", "/containers/create?name=" + ContainerName(key), &body);
//   PullQuery("ghcr.io/acme/api:1.2");   // "fromImage=ghcr.io%2Facme%2Fapi&tag=1.2"
#ifndef RUNE_RUNED_RUNNER_DOCKER_CONTAINER_CONFIG_H_
#define RUNE_RUNED_RUNNER_DOCKER_CONTAINER_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "runed/runner/runner.h"

namespace rune::daemon::docker {

// Label keys (SPEC §5.10).
inline constexpr char kManagedLabel[] = "rune.managed";
inline constexpr char kNamespaceLabel[] = "rune.namespace";
inline constexpr char kServiceLabel[] = "rune.service";
inline constexpr char kServiceIdLabel[] = "rune.service.id";
inline constexpr char kInstanceIdLabel[] = "rune.instance.id";
inline constexpr char kInstanceNameLabel[] = "rune.instance.name";
inline constexpr char kGenerationLabel[] = "rune.generation";

// Networks the engine always has; runed never creates them and attaches
// containers to them without aliases.
bool IsBuiltinNetwork(absl::string_view network);

// `rune.<namespace>.<instance-id>`.
std::string ContainerName(const runner::InstanceKey& key);

// The `rune.*` labels of an instance's container.
std::map<std::string, std::string> ContainerLabels(const runner::StartSpec& spec);

struct ContainerOptions {
  // docker.network; "" = the engine's default network.
  std::string network;
  // `HostConfig.Binds` entries of the secret and config mounts
  // (`<host dir>:<mountPath>:ro`).
  std::vector<std::string> binds;
};

// The JSON body of `POST /containers/create` (SPEC §5.10): Image,
// Entrypoint (`command`), Cmd (`args`), Env, Labels, restart policy `no`,
// the network with aliases `<service>.<ns>.rune` and
// `<instance-name>.<service>.<ns>.rune`, NanoCpus/CpuShares/Memory/
// MemoryReservation, ExposedPorts and the PortBindings of `expose`, User,
// ReadonlyRootfs, CapDrop/CapAdd and the mount binds. InvalidArgument for a
// quantity or expose port the validator should have refused.
absl::StatusOr<google::protobuf::Value> CreateBody(const runner::StartSpec& spec,
                                                   const ContainerOptions& options);

// The query of `POST /images/create` for `image`: `fromImage=<repo>&tag=<tag>`
// (tag `latest` when the reference names none), or `fromImage=<ref>` alone
// for a digest reference; values percent-encoded.
std::string PullQuery(absl::string_view image);

// Percent-encodes everything but unreserved characters (RFC 3986), for
// query values and path segments.
std::string UrlEncode(absl::string_view text);

}  // namespace rune::daemon::docker

#endif  // RUNE_RUNED_RUNNER_DOCKER_CONTAINER_CONFIG_H_
