// Service validation (SPEC §4.2–§4.5, texts of §4.9).
#include "common/spec/validate.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/labels.h"
#include "common/spec/checks.h"
#include "common/spec/quantity.h"
#include "common/spec/syscalls.h"
#include "absl/strings/numbers.h"

namespace rune::common::spec {
namespace {

using internal::Checker;

constexpr int kMaxPort = 65535;
constexpr char kPortHint[] = "use a port number between 1 and 65535";

// A port number field: 1–65535, with lint's hint when out of range.
void CheckPort(Checker& c, const std::string& path, int64_t v) {
  if (v < 1 || v > kMaxPort) c.Add(path, internal::RangeReason(1, kMaxPort, v), "range", kPortHint);
}

constexpr char kNotEnforcedHint[] =
    "the field is validated and stored, but this release does not act on it";

const char* ProbeTypeName(api::Probe::Type t) {
  switch (t) {
    case api::Probe::HTTP:
      return "http";
    case api::Probe::TCP:
      return "tcp";
    case api::Probe::EXEC:
      return "exec";
    default:
      return "";
  }
}

const char* KindName(api::Dependency::Kind k) {
  switch (k) {
    case api::Dependency::SERVICE:
      return "service";
    case api::Dependency::SECRET:
      return "secret";
    case api::Dependency::CONFIGMAP:
      return "configmap";
    default:
      return "";
  }
}

bool IsDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

// A probe or expose `port`: a number or a ports[].name.
void CheckPortReference(const api::ServiceSpec& s, const std::string& path, const std::string& port,
                        bool number_must_be_declared, Checker& c) {
  if (IsDigits(port) || (!port.empty() && port[0] == '-' && IsDigits(port.substr(1)))) {
    int n = 0;
    if (!internal::ParsePortNumber(port, &n)) {
      int64_t v = 0;
      if (port.size() <= 12 && absl::SimpleAtoi(port, &v)) {
        CheckPort(c, path, v);
      } else {
        c.Add(path, absl::StrCat("references unknown port \"", port, "\""), "reference");
      }
      return;
    }
    if (!number_must_be_declared) return;
    for (const api::ServicePort& p : s.ports()) {
      if (p.port() == n) return;
    }
    c.Add(path, absl::StrCat("references unknown port \"", port, "\""), "reference",
          "use a ports[].name or a port number listed in ports");
    return;
  }
  for (const api::ServicePort& p : s.ports()) {
    if (p.name() == port) return;
  }
  c.Add(path, absl::StrCat("references unknown port \"", port, "\""), "reference",
        "use a ports[].name or a port number");
}

void CheckPorts(const api::ServiceSpec& s, Checker& c) {
  std::set<std::string> names;
  std::set<std::pair<int, int>> numbers;
  for (int i = 0; i < s.ports_size(); ++i) {
    const api::ServicePort& p = s.ports(i);
    const std::string path = absl::StrCat("service.ports[", i, "]");
    if (p.name().empty()) {
      c.Required(path + ".name");
    } else if (!IsDns1123Label(p.name())) {
      c.Add(path + ".name", Dns1123Reason(p.name()), "dns1123");
    } else if (p.name().size() > 15) {
      c.Add(path + ".name", absl::StrCat("must be at most 15 characters, got ", p.name().size()),
            "range");
    } else if (!names.insert(p.name()).second) {
      c.Add(path + ".name", absl::StrCat("duplicate port name \"", p.name(), "\""), "duplicate");
    }
    if (p.port() == 0) {
      c.Required(path + ".port");
    } else {
      CheckPort(c, path + ".port", p.port());
    }
    if (p.has_target_port()) CheckPort(c, path + ".targetPort", p.target_port());
    const int protocol = p.protocol() == api::ServicePort::PROTOCOL_UNSPECIFIED
                             ? api::ServicePort::TCP
                             : static_cast<int>(p.protocol());
    if (protocol != api::ServicePort::TCP && protocol != api::ServicePort::UDP) {
      c.Add(path + ".protocol", internal::EnumReason({"tcp", "udp"}, absl::StrCat(p.protocol())),
            "enum");
    }
    if (p.port() != 0 && !numbers.insert({p.port(), protocol}).second) {
      c.Add(path + ".port",
            absl::StrCat("duplicate port \"", p.port(), "/",
                         protocol == api::ServicePort::UDP ? "udp" : "tcp", "\""),
            "duplicate");
    }
  }
}

void CheckEnv(const api::ServiceSpec& s, Checker& c) {
  const std::map<std::string, std::string> env(s.env().begin(), s.env().end());
  for (const auto& [key, value] : env) {
    const std::string path = absl::StrCat("service.env.", key);
    if (!internal::IsEnvName(key)) {
      c.Add(path, absl::StrCat("invalid environment variable name \"", key, "\""), "type",
            "names start with a letter or '_' and contain only letters, digits and '_'");
    }
    absl::StatusOr<std::vector<EnvReference>> refs = ParseEnvReferences(value, s.namespace_());
    if (!refs.ok()) c.Add(path, std::string(refs.status().message()), "reference");
  }
  for (int i = 0; i < s.env_from_size(); ++i) {
    const api::EnvFromSource& e = s.env_from(i);
    const std::string path = absl::StrCat("service.envFrom[", i, "]");
    switch (e.source_case()) {
      case api::EnvFromSource::kSecretRef:
        c.Name(path + ".secretRef", e.secret_ref(), true);
        break;
      case api::EnvFromSource::kConfigRef:
        c.Name(path + ".configRef", e.config_ref(), true);
        break;
      default:
        c.Add(path, "exactly one of secretRef or configRef is required", "conflict");
    }
    if (!e.prefix().empty() && !internal::IsEnvName(e.prefix())) {
      c.Add(path + ".prefix", absl::StrCat("invalid prefix \"", e.prefix(), "\""), "type",
            "a prefix starts with a letter or '_' and contains only letters, digits and '_'");
    }
  }
}

void CheckBounds(const api::ResourceBounds& b, const std::string& path, bool cpu, Checker& c) {
  const auto parse = [cpu](const std::string& v) {
    return cpu ? ParseCpuMillis(v) : ParseMemoryBytes(v);
  };
  const char* hint = cpu ? "CPU is millicores (\"500m\") or cores (\"0.5\", \"2\"), at most 1024"
                         : "memory is a number with an optional unit: k M G T P E or Ki Mi Gi Ti Pi Ei";
  absl::StatusOr<int64_t> request = absl::InvalidArgumentError("");
  absl::StatusOr<int64_t> limit = absl::InvalidArgumentError("");
  if (!b.request().empty()) {
    request = parse(b.request());
    if (!request.ok()) c.Add(path + ".request", std::string(request.status().message()), "quantity", hint);
  }
  if (!b.limit().empty()) {
    limit = parse(b.limit());
    if (!limit.ok()) c.Add(path + ".limit", std::string(limit.status().message()), "quantity", hint);
  }
  if (request.ok() && limit.ok() && *request > *limit) {
    c.Add(path + ".request",
          absl::StrCat("request (", b.request(), ") must not exceed limit (", b.limit(), ")"),
          "quantity");
  }
}

void CheckProbe(const api::ServiceSpec& s, const api::Probe& p, const std::string& path,
                bool liveness, Checker& c) {
  const std::string type = ProbeTypeName(p.type());
  if (p.type() == api::Probe::TYPE_UNSPECIFIED) {
    c.Required(path + ".type");
  } else if (type.empty()) {
    c.Add(path + ".type", internal::EnumReason({"http", "tcp", "exec"}, absl::StrCat(p.type())),
          "enum");
  }
  const bool http = p.type() == api::Probe::HTTP;
  const bool exec = p.type() == api::Probe::EXEC;
  const std::string not_allowed = absl::StrCat("not allowed with type ", type);
  if (!type.empty()) {
    if (!http) {
      if (!p.path().empty()) c.Add(path + ".path", not_allowed, "conflict");
      if (p.scheme() != api::Probe::SCHEME_UNSPECIFIED) c.Add(path + ".scheme", not_allowed, "conflict");
      if (!p.headers().empty()) c.Add(path + ".headers", not_allowed, "conflict");
    }
    if (exec) {
      if (!p.port().empty()) c.Add(path + ".port", not_allowed, "conflict");
      if (p.command().empty()) c.Required(path + ".command");
    } else {
      if (!p.command().empty()) c.Add(path + ".command", not_allowed, "conflict");
      if (p.port().empty()) {
        c.Required(path + ".port");
      } else {
        CheckPortReference(s, path + ".port", p.port(), false, c);
      }
    }
  }
  if (http && !p.path().empty() && p.path()[0] != '/') {
    c.Add(path + ".path", "must start with \"/\"", "path");
  }
  if (p.scheme() != api::Probe::SCHEME_UNSPECIFIED && p.scheme() != api::Probe::SCHEME_HTTP &&
      p.scheme() != api::Probe::SCHEME_HTTPS) {
    c.Add(path + ".scheme", internal::EnumReason({"http", "https"}, absl::StrCat(p.scheme())), "enum");
  }
  const std::map<std::string, std::string> headers(p.headers().begin(), p.headers().end());
  for (const auto& [name, value] : headers) {
    bool ok = !name.empty();
    for (char ch : name) ok = ok && (absl::ascii_isalnum(ch) || ch == '-');
    if (!ok) {
      c.Add(absl::StrCat(path, ".headers.", name), absl::StrCat("invalid header name \"", name, "\""),
            "type", "header names contain only letters, digits and '-'");
    }
  }
  if (p.has_initial_delay_seconds()) c.Range(path + ".initialDelaySeconds", p.initial_delay_seconds(), 0, 3600);
  int interval = 10;
  if (p.has_interval_seconds()) {
    c.Range(path + ".intervalSeconds", p.interval_seconds(), 1, 3600);
    if (p.interval_seconds() >= 1 && p.interval_seconds() <= 3600) interval = p.interval_seconds();
  }
  if (p.has_timeout_seconds()) c.Range(path + ".timeoutSeconds", p.timeout_seconds(), 1, interval);
  if (p.has_failure_threshold()) c.Range(path + ".failureThreshold", p.failure_threshold(), 1, 100);
  if (p.has_success_threshold()) {
    if (liveness && p.success_threshold() != 1) {
      c.Add(path + ".successThreshold",
            absl::StrCat("must be 1 for a liveness probe, got ", p.success_threshold()), "range");
    } else {
      c.Range(path + ".successThreshold", p.success_threshold(), 1, 100);
    }
  }
}

void CheckDependencies(const api::ServiceSpec& s, Checker& c) {
  std::set<std::string> seen;
  for (int i = 0; i < s.dependencies_size(); ++i) {
    const api::Dependency& d = s.dependencies(i);
    const std::string path = absl::StrCat("service.dependencies[", i, "]");
    const std::string kind = KindName(d.kind());
    if (kind.empty()) {
      c.Add(path, "exactly one of service, secret or configmap is required", "conflict");
      continue;
    }
    c.Name(path + ".name", d.name(), true);
    c.Name(path + ".namespace", d.namespace_(), false);
    const std::string& ns = d.namespace_().empty() ? s.namespace_() : d.namespace_();
    if (d.kind() != api::Dependency::SERVICE && !d.namespace_().empty() && !s.namespace_().empty() &&
        d.namespace_() != s.namespace_()) {
      c.Add(path + ".namespace",
            absl::StrCat("must reference a secret or configmap in namespace \"", s.namespace_(), "\""),
            "reference");
    }
    if (d.ready_when() != api::Dependency::READY_WHEN_UNSPECIFIED) {
      if (d.kind() != api::Dependency::SERVICE) {
        c.Add(path + ".readyWhen", absl::StrCat("not allowed with ", kind), "conflict");
      } else if (d.ready_when() != api::Dependency::RUNNING &&
                 d.ready_when() != api::Dependency::HEALTHY &&
                 d.ready_when() != api::Dependency::STARTED) {
        c.Add(path + ".readyWhen",
              internal::EnumReason({"running", "healthy", "started"}, absl::StrCat(d.ready_when())),
              "enum");
      }
    }
    c.Min(path + ".timeoutSeconds", d.timeout_seconds(), 0);
    if (d.kind() == api::Dependency::SERVICE && d.name() == s.name() && ns == s.namespace_()) {
      c.Add(path, "must not depend on itself", "dependency-cycle");
      continue;
    }
    const std::string ref = ns.empty() ? absl::StrCat(kind, "/", d.name())
                                       : absl::StrCat(kind, "/", ns, "/", d.name());
    if (!d.name().empty() && !seen.insert(ref).second) {
      c.Add(path, absl::StrCat("duplicate dependency \"", ref, "\""), "duplicate");
    }
  }
}

void CheckMountPath(const std::string& path, const std::string& value, std::set<std::string>& seen,
                    Checker& c) {
  if (value.empty()) {
    c.Required(path);
  } else if (value[0] != '/') {
    c.Add(path, "must be an absolute path", "path");
  } else if (value == "/") {
    c.Add(path, "must not be \"/\"", "path");
  } else if (!internal::IsCleanPath(value)) {
    c.Add(path, "must be a clean absolute path (no '.', '..', '//' or trailing '/')", "path");
  } else if (!seen.insert(value).second) {
    c.Add(path, absl::StrCat("duplicate mount path \"", value, "\""), "duplicate");
  }
}

void CheckItems(const google::protobuf::RepeatedPtrField<api::KeyToPath>& items,
                const std::string& path, Checker& c) {
  std::set<std::string> paths;
  for (int j = 0; j < items.size(); ++j) {
    const api::KeyToPath& item = items.Get(j);
    const std::string ip = absl::StrCat(path, ".items[", j, "]");
    if (item.key().empty()) {
      c.Required(ip + ".key");
    } else if (!internal::IsDataKey(item.key())) {
      c.Add(ip + ".key", absl::StrCat("invalid key \"", item.key(), "\""), "type");
    }
    if (item.path().empty()) {
      c.Required(ip + ".path");
    } else if (item.path()[0] == '/' || !internal::IsCleanPath(item.path())) {
      c.Add(ip + ".path", "must be a relative path without '..'", "path");
    } else if (!paths.insert(item.path()).second) {
      c.Add(ip + ".path", absl::StrCat("duplicate item path \"", item.path(), "\""), "duplicate");
    }
  }
}

void CheckMounts(const api::ServiceSpec& s, Checker& c) {
  std::set<std::string> names;
  std::set<std::string> paths;
  const auto name = [&](const std::string& path, const std::string& value) {
    c.Name(path, value, true);
    if (IsDns1123Label(value) && !names.insert(value).second) {
      c.Add(path, absl::StrCat("duplicate mount name \"", value, "\""), "duplicate");
    }
  };
  for (int i = 0; i < s.secret_mounts_size(); ++i) {
    const api::SecretMount& m = s.secret_mounts(i);
    const std::string path = absl::StrCat("service.secretMounts[", i, "]");
    name(path + ".name", m.name());
    c.Name(path + ".secretName", m.secret_name(), false);
    CheckMountPath(path + ".mountPath", m.mount_path(), paths, c);
    CheckItems(m.items(), path, c);
  }
  for (int i = 0; i < s.config_mounts_size(); ++i) {
    const api::ConfigMount& m = s.config_mounts(i);
    const std::string path = absl::StrCat("service.configMounts[", i, "]");
    name(path + ".name", m.name());
    c.Name(path + ".configName", m.config_name(), false);
    CheckMountPath(path + ".mountPath", m.mount_path(), paths, c);
    CheckItems(m.items(), path, c);
  }
}

void CheckCapabilities(const google::protobuf::RepeatedPtrField<std::string>& caps,
                       const std::string& path, Checker& c) {
  for (int i = 0; i < caps.size(); ++i) {
    if (!CanonicalCapability(caps.Get(i)).has_value()) {
      c.Add(absl::StrCat(path, "[", i, "]"), absl::StrCat("unknown capability \"", caps.Get(i), "\""),
            "enum", "use a Linux capability name such as NET_BIND_SERVICE or CAP_CHOWN");
    }
  }
}

void CheckSyscalls(const google::protobuf::RepeatedPtrField<std::string>& calls,
                   const std::string& path, Checker& c) {
  for (int i = 0; i < calls.size(); ++i) {
    if (!IsKnownSyscall(calls.Get(i))) {
      c.Add(absl::StrCat(path, "[", i, "]"), absl::StrCat("unknown syscall \"", calls.Get(i), "\""),
            "enum");
    }
  }
}

void CheckProcess(const api::ServiceSpec& s, Checker& c) {
  const api::ProcessSpec& p = s.process();
  if (p.command().empty()) {
    c.Required("service.process.command");
  } else if (p.command()[0] != '/') {
    c.Add("service.process.command", "must be an absolute path", "path");
  }
  if (!p.workdir().empty() && p.workdir()[0] != '/') {
    c.Add("service.process.workdir", "must be an absolute path", "path");
  }
  const api::ProcessSecurityContext& sc = p.security_context();
  const std::string path = "service.process.securityContext";
  CheckCapabilities(sc.capabilities(), path + ".capabilities", c);
  CheckSyscalls(sc.allowed_syscalls(), path + ".allowedSyscalls", c);
  CheckSyscalls(sc.denied_syscalls(), path + ".deniedSyscalls", c);
  if (!sc.allowed_syscalls().empty() && !sc.denied_syscalls().empty()) {
    c.Add(path + ".deniedSyscalls", "allowedSyscalls and deniedSyscalls are mutually exclusive",
          "conflict");
  }
}

void CheckExpose(const api::ServiceSpec& s, Checker& c) {
  const api::Expose& e = s.expose();
  if (e.port().empty()) {
    c.Required("service.expose.port");
  } else {
    CheckPortReference(s, "service.expose.port", e.port(), true, c);
  }
  if (!e.host().empty() && !internal::IsHostName(e.host())) {
    c.Add("service.expose.host", absl::StrCat("invalid host \"", e.host(), "\""), "type",
          "use a DNS name such as api.example.com");
  }
  if (e.has_host_port()) CheckPort(c, "service.expose.hostPort", e.host_port());
  if (!e.bind_address().empty() && !internal::IsIpAddress(e.bind_address())) {
    c.Add("service.expose.bindAddress", absl::StrCat("invalid IP address \"", e.bind_address(), "\""),
          "type");
  }
}

void CheckPeer(const api::NetworkPolicyPeer& peer, const std::string& path, Checker& c) {
  c.Name(path + ".service", peer.service(), false);
  c.Name(path + ".namespace", peer.namespace_(), false);
  if (!peer.cidr().empty() && !internal::IsCidr(peer.cidr())) {
    c.Add(path + ".cidr", absl::StrCat("invalid CIDR \"", peer.cidr(), "\""), "type");
  }
}

void CheckPolicyPorts(const google::protobuf::RepeatedPtrField<std::string>& ports,
                      const std::string& path, Checker& c) {
  for (int k = 0; k < ports.size(); ++k) {
    const std::string pp = absl::StrCat(path, ".ports[", k, "]");
    const std::string& port = ports.Get(k);
    int n;
    if (IsDigits(port)) {
      if (!internal::ParsePortNumber(port, &n)) {
        int64_t v = 0;
        if (port.size() <= 12 && absl::SimpleAtoi(port, &v)) {
          CheckPort(c, pp, v);
        } else {
          c.Add(pp, absl::StrCat("references unknown port \"", port, "\""), "reference");
        }
      }
    } else {
      c.Name(pp, port, true);
    }
  }
}

void CheckRoadmap(const api::ServiceSpec& s, Checker& c) {
  if (s.has_discovery()) {
    const int mode = s.discovery().mode();
    if (mode < 0 || mode > api::Discovery::NONE) {
      c.Add("service.discovery.mode",
            internal::EnumReason({"round-robin", "load-balanced", "none"}, absl::StrCat(mode)), "enum");
    }
    c.Warn("service.discovery", "accepted but not enforced", "not-enforced", kNotEnforcedHint);
  }
  if (s.has_network_policy()) {
    const api::NetworkPolicy& np = s.network_policy();
    for (int i = 0; i < np.ingress_size(); ++i) {
      const std::string path = absl::StrCat("service.networkPolicy.ingress[", i, "]");
      for (int j = 0; j < np.ingress(i).from_size(); ++j) {
        CheckPeer(np.ingress(i).from(j), absl::StrCat(path, ".from[", j, "]"), c);
      }
      CheckPolicyPorts(np.ingress(i).ports(), path, c);
    }
    for (int i = 0; i < np.egress_size(); ++i) {
      const std::string path = absl::StrCat("service.networkPolicy.egress[", i, "]");
      for (int j = 0; j < np.egress(i).to_size(); ++j) {
        CheckPeer(np.egress(i).to(j), absl::StrCat(path, ".to[", j, "]"), c);
      }
      CheckPolicyPorts(np.egress(i).ports(), path, c);
    }
    c.Warn("service.networkPolicy", "accepted but not enforced", "not-enforced", kNotEnforcedHint);
  }
  if (s.has_affinity()) {
    c.Warn("service.affinity", "accepted but not enforced", "not-enforced", kNotEnforcedHint);
  }
  if (s.has_autoscale()) {
    const api::Autoscale& a = s.autoscale();
    if (a.has_min()) c.Min("service.autoscale.min", a.min(), 1);
    if (a.has_max()) c.Min("service.autoscale.max", a.max(), a.has_min() && a.min() >= 1 ? a.min() : 1);
    const int metric = a.metric();
    if (metric < 0 || metric > api::Autoscale::MEMORY) {
      c.Add("service.autoscale.metric", internal::EnumReason({"cpu", "memory"}, absl::StrCat(metric)),
            "enum");
    }
    if (a.has_target()) c.Range("service.autoscale.target", a.target(), 1, 100);
    if (a.has_cooldown() && (a.cooldown().seconds() < 0 || a.cooldown().nanos() < 0)) {
      c.Add("service.autoscale.cooldown", "must not be negative", "range");
    }
    if (a.has_step()) c.Min("service.autoscale.step", a.step(), 1);
    c.Warn("service.autoscale", "accepted but not enforced", "not-enforced", kNotEnforcedHint);
  }
}

}  // namespace

std::vector<Violation> ValidateService(const api::ServiceSpec& s, const ValidationLimits& limits) {
  std::vector<Violation> out;
  Checker c(&out);
  c.Name("service.name", s.name(), true);
  c.Namespace("service.namespace", s.namespace_());
  c.Labels("service.labels", s.labels());
  const bool process = s.has_process();
  if (process == !s.image().empty()) {
    c.Add("service.image", "exactly one of image or process is required", "conflict");
  }
  if (process) {
    CheckProcess(s, c);
    if (!s.command().empty()) {
      c.Add("service.command", "not allowed with process; use process.command", "conflict");
    }
    if (!s.args().empty()) c.Add("service.args", "not allowed with process; use process.args", "conflict");
    if (s.has_security_context()) {
      c.Add("service.securityContext", "not allowed with process; use process.securityContext",
            "conflict");
    }
  }
  if (!s.has_scale()) {
    c.Required("service.scale");
  } else if (s.scale() < 0 || s.scale() > limits.max_scale) {
    c.Range("service.scale", s.scale(), 0, limits.max_scale);
  } else if (s.has_expose() && s.scale() > 1) {
    c.Add("service.scale", "must be 0 or 1 when expose is set", "conflict");
  }
  CheckPorts(s, c);
  CheckEnv(s, c);
  if (s.has_resources()) {
    CheckBounds(s.resources().cpu(), "service.resources.cpu", true, c);
    CheckBounds(s.resources().memory(), "service.resources.memory", false, c);
  }
  if (s.has_health()) {
    if (s.health().has_liveness()) {
      CheckProbe(s, s.health().liveness(), "service.health.liveness", true, c);
    }
    if (s.health().has_readiness()) {
      CheckProbe(s, s.health().readiness(), "service.health.readiness", false, c);
    }
  }
  const int policy = s.restart_policy();
  if (policy < 0 || policy > api::ServiceSpec::NEVER) {
    c.Add("service.restartPolicy",
          internal::EnumReason({"Always", "OnFailure", "Never"}, absl::StrCat(policy)), "enum");
  }
  CheckDependencies(s, c);
  CheckMounts(s, c);
  if (s.has_expose()) CheckExpose(s, c);
  if (s.has_security_context()) {
    CheckCapabilities(s.security_context().capabilities(), "service.securityContext.capabilities", c);
  }
  CheckRoadmap(s, c);
  return out;
}

}  // namespace rune::common::spec
