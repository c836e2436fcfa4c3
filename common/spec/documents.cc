#include "common/spec/documents.h"

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "common/duration.h"
#include "common/proto_time.h"

namespace rune::common::spec {
namespace {

template <typename Map>
Value SortedMap(const Map& map) {
  std::map<std::string, std::string> sorted(map.begin(), map.end());
  Value out = Value::Object();
  for (auto& [k, v] : sorted) out.Set(k, v);
  return out;
}

Value Strings(const google::protobuf::RepeatedPtrField<std::string>& list) {
  Value out = Value::Array();
  for (const std::string& s : list) out.Push(s);
  return out;
}

void SetMap(Value& doc, const char* key, const google::protobuf::Map<std::string, std::string>& map) {
  if (!map.empty()) doc.Set(key, SortedMap(map));
}

void SetString(Value& doc, const char* key, const std::string& value) {
  if (!value.empty()) doc.Set(key, value);
}

void SetList(Value& doc, const char* key, const google::protobuf::RepeatedPtrField<std::string>& list) {
  if (!list.empty()) doc.Set(key, Strings(list));
}

// A port written as a number or a name ("8080" → 8080, "http" → "http").
Value PortValue(const std::string& port) {
  if (!port.empty() && port.size() <= 9 && port[0] != '0' &&
      std::all_of(port.begin(), port.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return Value(static_cast<int64_t>(std::stoll(port)));
  }
  return Value(port);
}

Value ProbeDocument(const api::Probe& p) {
  Value doc = Value::Object();
  static const char* const kTypes[] = {"", "http", "tcp", "exec"};
  if (p.type() > 0 && p.type() <= 3) doc.Set("type", kTypes[p.type()]);
  SetString(doc, "path", p.path());
  if (!p.port().empty()) doc.Set("port", PortValue(p.port()));
  if (p.scheme() == api::Probe::SCHEME_HTTP) doc.Set("scheme", "http");
  if (p.scheme() == api::Probe::SCHEME_HTTPS) doc.Set("scheme", "https");
  SetMap(doc, "headers", p.headers());
  SetList(doc, "command", p.command());
  if (p.has_initial_delay_seconds()) doc.Set("initialDelaySeconds", p.initial_delay_seconds());
  if (p.has_interval_seconds()) doc.Set("intervalSeconds", p.interval_seconds());
  if (p.has_timeout_seconds()) doc.Set("timeoutSeconds", p.timeout_seconds());
  if (p.has_failure_threshold()) doc.Set("failureThreshold", p.failure_threshold());
  if (p.has_success_threshold()) doc.Set("successThreshold", p.success_threshold());
  return doc;
}

Value ItemsDocument(const google::protobuf::RepeatedPtrField<api::KeyToPath>& items) {
  Value out = Value::Array();
  for (const api::KeyToPath& i : items) {
    Value item = Value::Object();
    item.Set("key", i.key());
    item.Set("path", i.path());
    out.Push(std::move(item));
  }
  return out;
}

Value PeersDocument(const google::protobuf::RepeatedPtrField<api::NetworkPolicyPeer>& peers) {
  Value out = Value::Array();
  for (const api::NetworkPolicyPeer& p : peers) {
    Value peer = Value::Object();
    SetString(peer, "service", p.service());
    SetString(peer, "namespace", p.namespace_());
    SetString(peer, "cidr", p.cidr());
    out.Push(std::move(peer));
  }
  return out;
}

void SetTime(Value& doc, const char* key, bool has, const google::protobuf::Timestamp& ts) {
  if (has) doc.Set(key, FormatTimestamp(ts));
}

}  // namespace

std::string DependencyKindName(api::Dependency::Kind kind) {
  switch (kind) {
    case api::Dependency::SECRET:
      return "secret";
    case api::Dependency::CONFIGMAP:
      return "configmap";
    default:
      return "service";
  }
}

std::string ReadyWhenName(api::Dependency::ReadyWhen ready_when) {
  switch (ready_when) {
    case api::Dependency::RUNNING:
      return "running";
    case api::Dependency::HEALTHY:
      return "healthy";
    case api::Dependency::STARTED:
      return "started";
    default:
      return "";
  }
}

std::string RestartPolicyName(api::ServiceSpec::RestartPolicy policy) {
  switch (policy) {
    case api::ServiceSpec::ALWAYS:
      return "Always";
    case api::ServiceSpec::ON_FAILURE:
      return "OnFailure";
    case api::ServiceSpec::NEVER:
      return "Never";
    default:
      return "";
  }
}

std::string PhaseName(api::ServiceStatus::Phase phase) {
  switch (phase) {
    case api::ServiceStatus::PENDING:
      return "Pending";
    case api::ServiceStatus::DEPLOYING:
      return "Deploying";
    case api::ServiceStatus::RUNNING:
      return "Running";
    case api::ServiceStatus::DEGRADED:
      return "Degraded";
    case api::ServiceStatus::FAILED:
      return "Failed";
    case api::ServiceStatus::STOPPING:
      return "Stopping";
    case api::ServiceStatus::STOPPED:
      return "Stopped";
    case api::ServiceStatus::DELETING:
      return "Deleting";
    default:
      return "";
  }
}

std::string InstanceStateName(api::Instance::State state) {
  switch (state) {
    case api::Instance::PENDING:
      return "Pending";
    case api::Instance::STARTING:
      return "Starting";
    case api::Instance::RUNNING:
      return "Running";
    case api::Instance::UNHEALTHY:
      return "Unhealthy";
    case api::Instance::STOPPING:
      return "Stopping";
    case api::Instance::STOPPED:
      return "Stopped";
    case api::Instance::FAILED:
      return "Failed";
    default:
      return "";
  }
}

Value ServiceSpecDocument(const api::ServiceSpec& s) {
  Value doc = Value::Object();
  doc.Set("name", s.name());
  SetString(doc, "namespace", s.namespace_());
  SetMap(doc, "labels", s.labels());
  SetString(doc, "image", s.image());
  if (s.has_process()) {
    const api::ProcessSpec& p = s.process();
    Value process = Value::Object();
    SetString(process, "command", p.command());
    SetList(process, "args", p.args());
    SetString(process, "workdir", p.workdir());
    if (p.has_security_context()) {
      const api::ProcessSecurityContext& sc = p.security_context();
      Value ctx = Value::Object();
      SetString(ctx, "user", sc.user());
      SetString(ctx, "group", sc.group());
      if (sc.read_only_fs()) ctx.Set("readOnlyFS", true);
      if (sc.capabilities_set() || !sc.capabilities().empty()) {
        ctx.Set("capabilities", Strings(sc.capabilities()));
      }
      SetList(ctx, "allowedSyscalls", sc.allowed_syscalls());
      SetList(ctx, "deniedSyscalls", sc.denied_syscalls());
      if (!ctx.members().empty()) process.Set("securityContext", std::move(ctx));
    }
    doc.Set("process", std::move(process));
  }
  SetList(doc, "command", s.command());
  SetList(doc, "args", s.args());
  if (s.has_scale()) doc.Set("scale", s.scale());
  if (!s.ports().empty()) {
    Value ports = Value::Array();
    for (const api::ServicePort& p : s.ports()) {
      Value port = Value::Object();
      SetString(port, "name", p.name());
      port.Set("port", p.port());
      if (p.has_target_port()) port.Set("targetPort", p.target_port());
      if (p.protocol() == api::ServicePort::TCP) port.Set("protocol", "tcp");
      if (p.protocol() == api::ServicePort::UDP) port.Set("protocol", "udp");
      ports.Push(std::move(port));
    }
    doc.Set("ports", std::move(ports));
  }
  SetMap(doc, "env", s.env());
  if (!s.env_from().empty()) {
    Value list = Value::Array();
    for (const api::EnvFromSource& e : s.env_from()) {
      Value item = Value::Object();
      if (e.has_secret_ref()) item.Set("secretRef", e.secret_ref());
      if (e.has_config_ref()) item.Set("configRef", e.config_ref());
      SetString(item, "prefix", e.prefix());
      list.Push(std::move(item));
    }
    doc.Set("envFrom", std::move(list));
  }
  if (s.has_resources()) {
    Value resources = Value::Object();
    const auto bounds = [&resources](const char* key, bool has, const api::ResourceBounds& b) {
      if (!has) return;
      Value v = Value::Object();
      SetString(v, "request", b.request());
      SetString(v, "limit", b.limit());
      resources.Set(key, std::move(v));
    };
    bounds("cpu", s.resources().has_cpu(), s.resources().cpu());
    bounds("memory", s.resources().has_memory(), s.resources().memory());
    doc.Set("resources", std::move(resources));
  }
  if (s.has_health()) {
    Value health = Value::Object();
    if (s.health().has_liveness()) health.Set("liveness", ProbeDocument(s.health().liveness()));
    if (s.health().has_readiness()) health.Set("readiness", ProbeDocument(s.health().readiness()));
    doc.Set("health", std::move(health));
  }
  SetString(doc, "restartPolicy", RestartPolicyName(s.restart_policy()));
  if (!s.dependencies().empty()) {
    Value deps = Value::Array();
    for (const api::Dependency& d : s.dependencies()) {
      Value dep = Value::Object();
      dep.Set(DependencyKindName(d.kind()), d.name());
      SetString(dep, "namespace", d.namespace_());
      SetString(dep, "readyWhen", ReadyWhenName(d.ready_when()));
      if (d.timeout_seconds() != 0) dep.Set("timeoutSeconds", d.timeout_seconds());
      if (d.optional()) dep.Set("optional", true);
      deps.Push(std::move(dep));
    }
    doc.Set("dependencies", std::move(deps));
  }
  if (!s.secret_mounts().empty()) {
    Value mounts = Value::Array();
    for (const api::SecretMount& m : s.secret_mounts()) {
      Value mount = Value::Object();
      mount.Set("name", m.name());
      SetString(mount, "secretName", m.secret_name());
      mount.Set("mountPath", m.mount_path());
      if (!m.items().empty()) mount.Set("items", ItemsDocument(m.items()));
      mounts.Push(std::move(mount));
    }
    doc.Set("secretMounts", std::move(mounts));
  }
  if (!s.config_mounts().empty()) {
    Value mounts = Value::Array();
    for (const api::ConfigMount& m : s.config_mounts()) {
      Value mount = Value::Object();
      mount.Set("name", m.name());
      SetString(mount, "configName", m.config_name());
      mount.Set("mountPath", m.mount_path());
      if (!m.items().empty()) mount.Set("items", ItemsDocument(m.items()));
      mounts.Push(std::move(mount));
    }
    doc.Set("configMounts", std::move(mounts));
  }
  if (s.has_expose()) {
    const api::Expose& e = s.expose();
    Value expose = Value::Object();
    if (!e.port().empty()) expose.Set("port", PortValue(e.port()));
    SetString(expose, "host", e.host());
    if (e.has_host_port()) expose.Set("hostPort", e.host_port());
    SetString(expose, "bindAddress", e.bind_address());
    doc.Set("expose", std::move(expose));
  }
  if (s.has_security_context()) {
    const api::ContainerSecurityContext& sc = s.security_context();
    Value ctx = Value::Object();
    SetString(ctx, "user", sc.user());
    SetString(ctx, "group", sc.group());
    if (sc.read_only_fs()) ctx.Set("readOnlyFS", true);
    if (sc.capabilities_set() || !sc.capabilities().empty()) {
      ctx.Set("capabilities", Strings(sc.capabilities()));
    }
    doc.Set("securityContext", std::move(ctx));
  }
  if (s.has_discovery()) {
    Value discovery = Value::Object();
    static const char* const kModes[] = {"", "round-robin", "load-balanced", "none"};
    const int mode = s.discovery().mode();
    if (mode > 0 && mode <= 3) discovery.Set("mode", kModes[mode]);
    doc.Set("discovery", std::move(discovery));
  }
  if (s.has_network_policy()) {
    Value np = Value::Object();
    if (!s.network_policy().ingress().empty()) {
      Value rules = Value::Array();
      for (const api::NetworkPolicyIngressRule& r : s.network_policy().ingress()) {
        Value rule = Value::Object();
        if (!r.from().empty()) rule.Set("from", PeersDocument(r.from()));
        SetList(rule, "ports", r.ports());
        rules.Push(std::move(rule));
      }
      np.Set("ingress", std::move(rules));
    }
    if (!s.network_policy().egress().empty()) {
      Value rules = Value::Array();
      for (const api::NetworkPolicyEgressRule& r : s.network_policy().egress()) {
        Value rule = Value::Object();
        if (!r.to().empty()) rule.Set("to", PeersDocument(r.to()));
        SetList(rule, "ports", r.ports());
        rules.Push(std::move(rule));
      }
      np.Set("egress", std::move(rules));
    }
    doc.Set("networkPolicy", std::move(np));
  }
  if (s.has_affinity()) {
    const api::Affinity& a = s.affinity();
    Value affinity = Value::Object();
    SetList(affinity, "required", a.required());
    SetList(affinity, "preferred", a.preferred());
    SetList(affinity, "with", a.with());
    SetList(affinity, "avoid", a.avoid());
    SetString(affinity, "spread", a.spread());
    doc.Set("affinity", std::move(affinity));
  }
  if (s.has_autoscale()) {
    const api::Autoscale& a = s.autoscale();
    Value autoscale = Value::Object();
    if (a.enabled()) autoscale.Set("enabled", true);
    if (a.has_min()) autoscale.Set("min", a.min());
    if (a.has_max()) autoscale.Set("max", a.max());
    if (a.metric() == api::Autoscale::CPU) autoscale.Set("metric", "cpu");
    if (a.metric() == api::Autoscale::MEMORY) autoscale.Set("metric", "memory");
    if (a.has_target()) autoscale.Set("target", a.target());
    if (a.has_cooldown()) {
      autoscale.Set("cooldown", common::FormatDuration(absl::Seconds(a.cooldown().seconds()) +
                                               absl::Nanoseconds(a.cooldown().nanos())));
    }
    if (a.has_step()) autoscale.Set("step", a.step());
    doc.Set("autoscale", std::move(autoscale));
  }
  return doc;
}

Value ServiceDocument(const api::Service& service) {
  Value doc = ServiceSpecDocument(service.spec());
  const api::ObjectMeta& m = service.metadata();
  Value meta = Value::Object();
  SetString(meta, "id", m.id());
  if (m.generation() != 0) meta.Set("generation", m.generation());
  SetTime(meta, "createdAt", m.has_created_at(), m.created_at());
  SetTime(meta, "updatedAt", m.has_updated_at(), m.updated_at());
  if (m.has_last_non_zero_scale()) meta.Set("lastNonZeroScale", m.last_non_zero_scale());
  SetString(meta, "tag", m.tag());
  doc.Set("metadata", std::move(meta));
  const api::ServiceStatus& st = service.status();
  Value status = Value::Object();
  SetString(status, "phase", PhaseName(st.phase()));
  if (st.observed_generation() != 0) status.Set("observedGeneration", st.observed_generation());
  status.Set("desired", st.desired());
  status.Set("ready", st.ready());
  status.Set("running", st.running());
  SetString(status, "message", st.message());
  SetTime(status, "lastScaleAt", st.has_last_scale_at(), st.last_scale_at());
  doc.Set("status", std::move(status));
  return doc;
}

Value SecretDocument(const api::SecretInfo& secret) {
  Value doc = Value::Object();
  doc.Set("name", secret.name());
  SetString(doc, "namespace", secret.namespace_());
  SetMap(doc, "labels", secret.labels());
  doc.Set("type", secret.type().empty() ? std::string("static") : secret.type());
  std::vector<std::string> keys(secret.keys().begin(), secret.keys().end());
  std::sort(keys.begin(), keys.end());
  Value list = Value::Array();
  for (std::string& k : keys) list.Push(std::move(k));
  doc.Set("keys", std::move(list));
  Value meta = Value::Object();
  if (secret.metadata().version() != 0) meta.Set("version", secret.metadata().version());
  SetTime(meta, "createdAt", secret.metadata().has_created_at(), secret.metadata().created_at());
  SetTime(meta, "updatedAt", secret.metadata().has_updated_at(), secret.metadata().updated_at());
  doc.Set("metadata", std::move(meta));
  return doc;
}

Value ConfigmapDocument(const api::Configmap& configmap) {
  Value doc = Value::Object();
  doc.Set("name", configmap.name());
  SetString(doc, "namespace", configmap.namespace_());
  SetMap(doc, "labels", configmap.labels());
  SetMap(doc, "data", configmap.data());
  if (configmap.has_metadata()) {
    const api::ObjectMeta& m = configmap.metadata();
    Value meta = Value::Object();
    if (m.version() != 0) meta.Set("version", m.version());
    SetTime(meta, "createdAt", m.has_created_at(), m.created_at());
    SetTime(meta, "updatedAt", m.has_updated_at(), m.updated_at());
    doc.Set("metadata", std::move(meta));
  }
  return doc;
}

Value NamespaceDocument(const api::Namespace& ns) {
  Value doc = Value::Object();
  doc.Set("name", ns.name());
  SetString(doc, "description", ns.description());
  SetMap(doc, "labels", ns.labels());
  if (ns.has_metadata()) {
    const api::ObjectMeta& m = ns.metadata();
    Value meta = Value::Object();
    SetTime(meta, "createdAt", m.has_created_at(), m.created_at());
    SetTime(meta, "updatedAt", m.has_updated_at(), m.updated_at());
    doc.Set("metadata", std::move(meta));
  }
  return doc;
}

Value InstanceDocument(const api::Instance& i) {
  Value doc = Value::Object();
  doc.Set("id", i.id());
  doc.Set("name", i.name());
  SetString(doc, "namespace", i.namespace_());
  SetString(doc, "service", i.service());
  if (i.generation() != 0) doc.Set("generation", i.generation());
  if (i.runner() == api::Instance::PROCESS) doc.Set("runner", "process");
  if (i.runner() == api::Instance::DOCKER) doc.Set("runner", "docker");
  SetString(doc, "node", i.node());
  SetString(doc, "status", InstanceStateName(i.status()));
  doc.Set("ready", i.ready());
  doc.Set("restarts", static_cast<int64_t>(i.restarts()));
  if (i.has_exit_code()) doc.Set("exitCode", static_cast<int64_t>(i.exit_code()));
  SetString(doc, "lastFailureMessage", i.last_failure_message());
  SetString(doc, "message", i.message());
  SetString(doc, "ip", i.ip());
  if (i.runtime_id_case() == api::Instance::kContainerId) SetString(doc, "containerId", i.container_id());
  if (i.runtime_id_case() == api::Instance::kPid) doc.Set("pid", i.pid());
  SetTime(doc, "startedAt", i.has_started_at(), i.started_at());
  SetTime(doc, "finishedAt", i.has_finished_at(), i.finished_at());
  SetTime(doc, "createdAt", i.has_created_at(), i.created_at());
  SetTime(doc, "updatedAt", i.has_updated_at(), i.updated_at());
  if (i.conditions_size() > 0) {
    static const char* const kTypes[] = {"", "Ready", "Healthy", "ImagePulled"};
    Value conditions = Value::Array();
    for (const api::InstanceCondition& c : i.conditions()) {
      Value cond = Value::Object();
      if (c.type() > 0 && c.type() <= 3) cond.Set("type", kTypes[c.type()]);
      cond.Set("status", c.status());
      SetString(cond, "message", c.message());
      SetTime(cond, "lastTransitionTime", c.has_last_transition_time(), c.last_transition_time());
      conditions.Push(std::move(cond));
    }
    doc.Set("conditions", std::move(conditions));
  }
  return doc;
}

std::string RegistryTypeName(api::RegistryInfo::Type type) {
  if (type == api::RegistryInfo::TYPE_UNSPECIFIED) return "";
  return absl::AsciiStrToLower(api::RegistryInfo::Type_Name(type));
}

api::RegistryInfo::Type RegistryTypeOf(absl::string_view name) {
  api::RegistryInfo::Type type = api::RegistryInfo::TYPE_UNSPECIFIED;
  if (name.empty() || name != absl::AsciiStrToLower(name) ||
      !api::RegistryInfo::Type_Parse(absl::AsciiStrToUpper(name), &type)) {
    return api::RegistryInfo::TYPE_UNSPECIFIED;
  }
  return type;
}

}  // namespace rune::common::spec
