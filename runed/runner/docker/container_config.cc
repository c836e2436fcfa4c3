#include "runed/runner/docker/container_config.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/spec/quantity.h"
#include "runed/runner/docker/engine_client.h"

namespace rune::daemon::docker {
namespace {

using google::protobuf::Value;

std::string ProtocolName(api::ServicePort::Protocol p) {
  return p == api::ServicePort::UDP ? "udp" : "tcp";
}

int TargetPort(const api::ServicePort& p) { return p.has_target_port() ? p.target_port() : p.port(); }

std::string CapabilityName(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  if (absl::StartsWith(upper, "CAP_")) return upper;
  return absl::StrCat("CAP_", upper);
}

}  // namespace

bool IsBuiltinNetwork(absl::string_view network) {
  return network == "host" || network == "none" || network == "bridge" || network == "default";
}

std::string ContainerName(const runner::InstanceKey& key) {
  return absl::StrCat("rune.", key.ns, ".", key.id);
}

std::map<std::string, std::string> ContainerLabels(const runner::StartSpec& spec) {
  return {
      {kManagedLabel, "true"},
      {kNamespaceLabel, spec.ns},
      {kServiceLabel, spec.service},
      {kServiceIdLabel, spec.service_id},
      {kInstanceIdLabel, spec.id},
      {kInstanceNameLabel, spec.name},
      {kGenerationLabel, absl::StrCat(spec.generation)},
  };
}

absl::StatusOr<Value> CreateBody(const runner::StartSpec& start, const ContainerOptions& options) {
  const api::ServiceSpec& spec = start.spec;
  Value body = Object();
  At(body, "Image") = Str(spec.image());
  if (!spec.command().empty()) {
    At(body, "Entrypoint") = List({spec.command().begin(), spec.command().end()});
  }
  if (!spec.args().empty()) At(body, "Cmd") = List({spec.args().begin(), spec.args().end()});
  At(body, "Env") = List(start.env);
  Value labels = Object();
  for (const auto& [key, value] : ContainerLabels(start)) At(labels, key) = Str(value);
  At(body, "Labels") = std::move(labels);

  Value host = Object();
  Value restart = Object();
  At(restart, "Name") = Str("no");
  At(host, "RestartPolicy") = std::move(restart);

  // Resources (SPEC §5.10): limits are hard, requests are weights/reservations.
  const api::ResourceRequirements& res = spec.resources();
  if (!res.cpu().limit().empty()) {
    absl::StatusOr<int64_t> millis = common::spec::ParseCpuMillis(res.cpu().limit());
    if (!millis.ok()) return millis.status();
    At(host, "NanoCpus") = Num(static_cast<double>(*millis) * 1e6);
  }
  if (!res.cpu().request().empty()) {
    absl::StatusOr<int64_t> millis = common::spec::ParseCpuMillis(res.cpu().request());
    if (!millis.ok()) return millis.status();
    At(host, "CpuShares") = Num(static_cast<double>(std::max<int64_t>(2, *millis * 1024 / 1000)));
  }
  if (!res.memory().limit().empty()) {
    absl::StatusOr<int64_t> bytes = common::spec::ParseMemoryBytes(res.memory().limit());
    if (!bytes.ok()) return bytes.status();
    At(host, "Memory") = Num(static_cast<double>(*bytes));
  }
  if (!res.memory().request().empty()) {
    absl::StatusOr<int64_t> bytes = common::spec::ParseMemoryBytes(res.memory().request());
    if (!bytes.ok()) return bytes.status();
    At(host, "MemoryReservation") = Num(static_cast<double>(*bytes));
  }

  // Ports: every port is declared; only `expose` is published on the host.
  if (!spec.ports().empty()) {
    Value exposed = Object();
    for (const api::ServicePort& p : spec.ports()) {
      At(exposed, absl::StrCat(TargetPort(p), "/", ProtocolName(p.protocol()))) = Object();
    }
    At(body, "ExposedPorts") = std::move(exposed);
  }
  if (spec.has_expose()) {
    const api::Expose& expose = spec.expose();
    const api::ServicePort* port = nullptr;
    for (const api::ServicePort& p : spec.ports()) {
      if (p.name() == expose.port() || absl::StrCat(p.port()) == expose.port()) {
        port = &p;
        break;
      }
    }
    if (port == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("expose.port \"", expose.port(), "\" is not one of the service's ports"));
    }
    Value binding = Object();
    At(binding, "HostIp") = Str(expose.bind_address().empty() ? "0.0.0.0" : expose.bind_address());
    At(binding, "HostPort") =
        Str(absl::StrCat(expose.has_host_port() ? expose.host_port() : port->port()));
    Value bindings = Object();
    Value list;
    *list.mutable_list_value()->add_values() = std::move(binding);
    At(bindings, absl::StrCat(TargetPort(*port), "/", ProtocolName(port->protocol()))) = std::move(list);
    At(host, "PortBindings") = std::move(bindings);
  }

  // securityContext (container form).
  if (spec.has_security_context()) {
    const api::ContainerSecurityContext& sc = spec.security_context();
    if (!sc.user().empty() || !sc.group().empty()) {
      At(body, "User") = Str(sc.group().empty() ? sc.user() : absl::StrCat(sc.user(), ":", sc.group()));
    }
    if (sc.read_only_fs()) At(host, "ReadonlyRootfs") = Bool(true);
    if (sc.capabilities_set() || !sc.capabilities().empty()) {
      At(host, "CapDrop") = List({"ALL"});
      std::vector<std::string> add;
      for (const std::string& c : sc.capabilities()) add.push_back(CapabilityName(c));
      if (!add.empty()) At(host, "CapAdd") = List(add);
    }
  }
  if (!options.binds.empty()) At(host, "Binds") = List(options.binds);

  if (!options.network.empty()) {
    At(host, "NetworkMode") = Str(options.network);
    if (!IsBuiltinNetwork(options.network)) {
      Value endpoint = Object();
      const std::string service_host = absl::StrCat(start.service, ".", start.ns, ".rune");
      At(endpoint, "Aliases") = List({service_host, absl::StrCat(start.name, ".", service_host)});
      Value endpoints = Object();
      At(endpoints, options.network) = std::move(endpoint);
      Value networking = Object();
      At(networking, "EndpointsConfig") = std::move(endpoints);
      At(body, "NetworkingConfig") = std::move(networking);
    }
  }
  At(body, "HostConfig") = std::move(host);
  return body;
}

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string PullQuery(absl::string_view image) {
  if (absl::StrContains(image, "@")) return absl::StrCat("fromImage=", UrlEncode(image));
  // A tag is a ':' after the last '/' (a ':' before it belongs to a
  // registry host's port).
  const size_t slash = image.rfind('/');
  const size_t colon = image.rfind(':');
  if (colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash)) {
    return absl::StrCat("fromImage=", UrlEncode(image.substr(0, colon)),
                        "&tag=", UrlEncode(image.substr(colon + 1)));
  }
  return absl::StrCat("fromImage=", UrlEncode(image), "&tag=latest");
}

}  // namespace rune::daemon::docker
