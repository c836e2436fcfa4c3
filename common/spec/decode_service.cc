// Decoding of `service:` mappings (SPEC §4.2–§4.5).
#include "common/duration.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/spec/decoder.h"

namespace rune::common::spec::internal {
namespace {

using yaml::Node;

// ---------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------

void DecodeProbe(Decoder& d, const Node& n, const std::string& path, api::Probe* p) {
  d.Mapping(
      n, path,
      {
          {"type",
           [&](const Node& v, const std::string& f) {
             const int i = d.Enum(v, f, {"http", "tcp", "exec"}, false);
             if (i >= 0) p->set_type(static_cast<api::Probe::Type>(i + 1));
           }},
          {"path", d.String(p->mutable_path())},
          {"port", d.String(p->mutable_port())},
          {"scheme",
           [&](const Node& v, const std::string& f) {
             const int i = d.Enum(v, f, {"http", "https"}, false);
             if (i >= 0) p->set_scheme(static_cast<api::Probe::Scheme>(i + 1));
           }},
          {"headers", d.StringMap(p->mutable_headers())},
          {"command", d.StringList(p->mutable_command())},
          {"initialDelaySeconds", d.IntField([p](int32_t v) { p->set_initial_delay_seconds(v); })},
          {"intervalSeconds", d.IntField([p](int32_t v) { p->set_interval_seconds(v); })},
          {"timeoutSeconds", d.IntField([p](int32_t v) { p->set_timeout_seconds(v); })},
          {"failureThreshold", d.IntField([p](int32_t v) { p->set_failure_threshold(v); })},
          {"successThreshold", d.IntField([p](int32_t v) { p->set_success_threshold(v); })},
      },
      {{"interval", "intervalSeconds"},
       {"periodSeconds", "intervalSeconds"},
       {"timeout", "timeoutSeconds"},
       {"initialDelay", "initialDelaySeconds"}});
}

// A list entry that may be written as a string (`db`, `secret:creds`) or as a
// mapping: kString with the text in `*text`, kMapping for a mapping to decode
// field by field, kInvalid once an error has been reported.
enum class EntryForm { kInvalid, kString, kMapping };

EntryForm StringOrMapping(Decoder& d, const Node& n, const std::string& path, std::string* text) {
  if (!d.TagOk(n, path)) return EntryForm::kInvalid;
  if (n.IsScalar() && Classify(n) == ScalarKind::kNull) {
    d.TypeError(n, path, "a mapping");
    return EntryForm::kInvalid;
  }
  if (!n.IsScalar()) return EntryForm::kMapping;
  return d.Scalar(n, path, text) ? EntryForm::kString : EntryForm::kInvalid;
}

void DecodeDependency(Decoder& d, const Node& n, const std::string& path, api::Dependency* dep) {
  std::string text;
  const EntryForm form = StringOrMapping(d, n, path, &text);
  if (form == EntryForm::kInvalid) return;
  if (form == EntryForm::kString) {
    if (!ParseDependencyString(text, dep)) {
      d.Error(n, path, absl::StrCat("invalid dependency \"", text, "\""), "reference",
              "write <name>, <name>.<namespace>, service:<name>, secret:<name>, configmap:<name> "
              "or rune://<kind>/<namespace>/<name>");
    }
    d.Mark(path + ".name", n);
    return;
  }
  int kinds = 0;
  const auto kind = [&](api::Dependency::Kind k) {
    return [&d, &kinds, dep, k, path](const Node& v, const std::string& f) {
      ++kinds;
      if (kinds > 1) {
        d.Error(v, path, "exactly one of service, secret or configmap is required", "conflict");
        return;
      }
      dep->set_kind(k);
      d.Mark(path + ".name", v);
      d.Scalar(v, f, dep->mutable_name());
    };
  };
  d.Mapping(n, path,
            {
                {"service", kind(api::Dependency::SERVICE)},
                {"name", kind(api::Dependency::SERVICE)},
                {"secret", kind(api::Dependency::SECRET)},
                {"configmap", kind(api::Dependency::CONFIGMAP)},
                {"namespace", d.String(dep->mutable_namespace_())},
                {"readyWhen",
                 [&](const Node& v, const std::string& f) {
                   const int i = d.Enum(v, f, {"running", "healthy", "started"}, false);
                   if (i >= 0) dep->set_ready_when(static_cast<api::Dependency::ReadyWhen>(i + 1));
                 }},
                {"timeoutSeconds", d.IntField([dep](int32_t v) { dep->set_timeout_seconds(v); })},
                {"optional",
                 [&](const Node& v, const std::string& f) {
                   bool b = false;
                   if (d.Bool(v, f, &b)) dep->set_optional(b);
                 }},
            });
}

void DecodeEnvFrom(Decoder& d, const Node& n, const std::string& path, api::EnvFromSource* e) {
  std::string text;
  const EntryForm form = StringOrMapping(d, n, path, &text);
  if (form == EntryForm::kInvalid) return;
  if (form == EntryForm::kString) {
    absl::string_view rest = text;
    if (absl::ConsumePrefix(&rest, "secret:")) {
      e->set_secret_ref(std::string(rest));
      d.Mark(path + ".secretRef", n);
    } else if (absl::ConsumePrefix(&rest, "configmap:")) {
      e->set_config_ref(std::string(rest));
      d.Mark(path + ".configRef", n);
    } else {
      d.Error(n, path, absl::StrCat("invalid envFrom entry \"", text, "\""), "type",
              "write secret:<name>, configmap:<name> or a mapping with secretRef or configRef");
    }
    return;
  }
  int sources = 0;
  const auto source = [&](bool secret) {
    return [&d, &sources, e, secret, path](const Node& v, const std::string& f) {
      if (++sources > 1) {
        d.Error(v, path, "exactly one of secretRef or configRef is required", "conflict");
        return;
      }
      std::string name;
      d.Scalar(v, f, &name);
      const std::string canonical = path + (secret ? ".secretRef" : ".configRef");
      d.Mark(canonical, v);
      if (secret) {
        e->set_secret_ref(name);
      } else {
        e->set_config_ref(name);
      }
    };
  };
  d.Mapping(n, path,
            {
                {"secretRef", source(true)},
                {"secret", source(true)},
                {"configRef", source(false)},
                {"configmap", source(false)},
                {"configmapRef", source(false)},
                {"prefix", d.String(e->mutable_prefix())},
            });
}

Decoder::FieldFn Items(Decoder& d, google::protobuf::RepeatedPtrField<api::KeyToPath>* items) {
  return [&d, items](const Node& n, const std::string& path) {
    d.List(n, path, [&d, items](const Node& item, const std::string& ip) {
      api::KeyToPath* k = items->Add();
      d.Mapping(item, ip, {{"key", d.String(k->mutable_key())}, {"path", d.String(k->mutable_path())}});
    });
  };
}

void DecodeConfigMounts(Decoder& d, const Node& n, const std::string& path, api::ServiceSpec* s) {
  // Items keep the canonical path (configMounts[i]) whatever key they came from.
  const std::string base = "service.configMounts";
  if (!d.Present(n, path)) return;
  if (!n.IsSequence()) {
    d.TypeError(n, path, "a list");
    return;
  }
  for (const Node& item : n.items) {
    const std::string ip = absl::StrCat(base, "[", s->config_mounts_size(), "]");
    d.Mark(ip, item);
    api::ConfigMount* m = s->add_config_mounts();
    d.Mapping(item, ip,
              {
                  {"name", d.String(m->mutable_name())},
                  {"configName", d.String(m->mutable_config_name())},
                  {"configmapName",
                   [&d, m, ip](const Node& v, const std::string& f) {
                     d.Mark(ip + ".configName", v);
                     d.Scalar(v, f, m->mutable_config_name());
                   }},
                  {"mountPath", d.String(m->mutable_mount_path())},
                  {"items", Items(d, m->mutable_items())},
              });
    if (!item.IsMapping()) continue;
    for (const auto& [key, value] : item.entries) {
      if (key.IsScalar() && key.value == "configmapName") {
        d.Warning(key, ip + ".configmapName", "\"configmapName\" is deprecated; use \"configName\"",
                  "deprecated", "rename the key to configName", true);
      }
    }
  }
}

void DecodeSecurityContext(Decoder& d, const Node& n, const std::string& path,
                           api::ContainerSecurityContext* sc) {
  d.Mapping(n, path,
            {
                {"user", d.String(sc->mutable_user())},
                {"group", d.String(sc->mutable_group())},
                {"readOnlyFS", d.BoolField([sc](bool b) { sc->set_read_only_fs(b); })},
                {"capabilities",
                 [&d, sc](const Node& v, const std::string& f) {
                   if (d.Present(v, f)) sc->set_capabilities_set(true);
                   d.StringList(sc->mutable_capabilities())(v, f);
                 }},
            });
}

void DecodeProcess(Decoder& d, const Node& n, const std::string& path, api::ProcessSpec* p) {
  api::ProcessSecurityContext* sc = p->mutable_security_context();
  d.Mapping(n, path,
            {
                {"command", d.String(p->mutable_command())},
                {"args", d.StringList(p->mutable_args())},
                {"workdir", d.String(p->mutable_workdir())},
                {"securityContext",
                 [&d, sc](const Node& v, const std::string& f) {
                   d.Mapping(v, f,
                             {
                                 {"user", d.String(sc->mutable_user())},
                                 {"group", d.String(sc->mutable_group())},
                                 {"readOnlyFS", d.BoolField([sc](bool b) { sc->set_read_only_fs(b); })},
                                 {"capabilities",
                                  [&d, sc](const Node& c, const std::string& cf) {
                                    if (d.Present(c, cf)) sc->set_capabilities_set(true);
                                    d.StringList(sc->mutable_capabilities())(c, cf);
                                  }},
                                 {"allowedSyscalls", d.StringList(sc->mutable_allowed_syscalls())},
                                 {"deniedSyscalls", d.StringList(sc->mutable_denied_syscalls())},
                             });
                 }},
            });
  if (p->security_context().ByteSizeLong() == 0) p->clear_security_context();
}

void DecodePeers(Decoder& d, const Node& n, const std::string& path,
                 google::protobuf::RepeatedPtrField<api::NetworkPolicyPeer>* peers) {
  d.List(n, path, [&d, peers](const Node& item, const std::string& ip) {
    api::NetworkPolicyPeer* peer = peers->Add();
    d.Mapping(item, ip,
              {
                  {"service", d.String(peer->mutable_service())},
                  {"namespace", d.String(peer->mutable_namespace_())},
                  {"cidr", d.String(peer->mutable_cidr())},
              });
  });
}

void DecodeNetworkPolicy(Decoder& d, const Node& n, const std::string& path, api::NetworkPolicy* np) {
  d.Mapping(
      n, path,
      {
          {"ingress",
           [&d, np](const Node& v, const std::string& f) {
             d.List(v, f, [&d, np](const Node& item, const std::string& ip) {
               api::NetworkPolicyIngressRule* r = np->add_ingress();
               d.Mapping(item, ip,
                         {{"from", [&d, r](const Node& x, const std::string& xf) {
                             DecodePeers(d, x, xf, r->mutable_from());
                           }},
                          {"ports", d.StringList(r->mutable_ports())}});
             });
           }},
          {"egress",
           [&d, np](const Node& v, const std::string& f) {
             d.List(v, f, [&d, np](const Node& item, const std::string& ip) {
               api::NetworkPolicyEgressRule* r = np->add_egress();
               d.Mapping(item, ip,
                         {{"to", [&d, r](const Node& x, const std::string& xf) {
                             DecodePeers(d, x, xf, r->mutable_to());
                           }},
                          {"ports", d.StringList(r->mutable_ports())}});
             });
           }},
      });
}

void DecodeAutoscale(Decoder& d, const Node& n, const std::string& path, api::Autoscale* a) {
  d.Mapping(n, path,
            {
                {"enabled", d.BoolField([a](bool b) { a->set_enabled(b); })},
                {"min", d.IntField([a](int32_t v) { a->set_min(v); })},
                {"max", d.IntField([a](int32_t v) { a->set_max(v); })},
                {"metric",
                 [&d, a](const Node& v, const std::string& f) {
                   const int i = d.Enum(v, f, {"cpu", "memory"}, false);
                   if (i >= 0) a->set_metric(static_cast<api::Autoscale::Metric>(i + 1));
                 }},
                {"target", d.IntField([a](int32_t v) { a->set_target(v); })},
                {"cooldown",
                 [&d, a](const Node& v, const std::string& f) {
                   std::string text;
                   if (!d.Scalar(v, f, &text)) return;
                   absl::StatusOr<absl::Duration> dur = ParseDuration(text);
                   if (!dur.ok()) {
                     d.Error(v, f, absl::StrCat("invalid duration \"", text, "\""), "type",
                             "write a duration such as 30s, 5m or 1h30m");
                     return;
                   }
                   const int64_t nanos = absl::ToInt64Nanoseconds(*dur);
                   a->mutable_cooldown()->set_seconds(nanos / 1000000000);
                   a->mutable_cooldown()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
                 }},
                {"step", d.IntField([a](int32_t v) { a->set_step(v); })},
            });
}

// Enum fields whose first proto value after UNSPECIFIED is index 0 here.
template <typename Setter>
Decoder::FieldFn EnumField(Decoder& d, std::vector<std::string> choices, bool fold, Setter set) {
  return [&d, choices, fold, set](const Node& v, const std::string& f) {
    const int i = d.Enum(v, f, choices, fold);
    if (i >= 0) set(i + 1);
  };
}

}  // namespace

api::ServiceSpec DecodeService(const Node& node, Decoded* out) {
  api::ServiceSpec s;
  Decoder d(out);
  d.Mark("service", node);
  // Sub-messages are created only when their key holds a mapping.
  const auto sub = [&d](auto make, auto fn) {
    return [&d, make, fn](const Node& v, const std::string& f) {
      if (!d.Present(v, f)) return;
      if (!v.IsMapping()) {
        d.TypeError(v, f, "a mapping");
        return;
      }
      fn(v, f, make());
    };
  };
  d.Mapping(
      node, "service",
      {
          {"name", d.String(s.mutable_name())},
          {"namespace", d.String(s.mutable_namespace_())},
          {"labels", d.StringMap(s.mutable_labels())},
          {"image", d.String(s.mutable_image())},
          {"process", sub([&s] { return s.mutable_process(); },
                          [&d](const Node& v, const std::string& f, api::ProcessSpec* p) {
                            DecodeProcess(d, v, f, p);
                          })},
          {"command",
           [&](const Node& v, const std::string& f) {
             if (!d.Present(v, f)) return;
             if (v.IsScalar()) {
               d.Scalar(v, f, s.add_command());
               return;
             }
             d.StringList(s.mutable_command())(v, f);
           }},
          {"args", d.StringList(s.mutable_args())},
          {"scale", d.IntField([&s](int32_t v) { s.set_scale(v); })},
          {"ports",
           [&](const Node& v, const std::string& f) {
             d.List(v, f, [&](const Node& item, const std::string& ip) {
               api::ServicePort* p = s.add_ports();
               d.Mapping(item, ip,
                         {
                             {"name", d.String(p->mutable_name())},
                             {"port", d.IntField([p](int32_t x) { p->set_port(x); })},
                             {"targetPort", d.IntField([p](int32_t x) { p->set_target_port(x); })},
                             {"protocol", EnumField(d, {"tcp", "udp"}, true, [p](int x) {
                                p->set_protocol(static_cast<api::ServicePort::Protocol>(x));
                              })},
                         });
             });
           }},
          {"env", d.StringMap(s.mutable_env())},
          {"envFrom",
           [&](const Node& v, const std::string& f) {
             d.List(v, f, [&](const Node& item, const std::string& ip) {
               DecodeEnvFrom(d, item, ip, s.add_env_from());
             });
           }},
          {"resources",
           sub([&s] { return s.mutable_resources(); },
               [&d](const Node& v, const std::string& f, api::ResourceRequirements* r) {
                 const auto bounds = [&d](api::ResourceBounds* b) {
                   return [&d, b](const Node& x, const std::string& xf) {
                     d.Mapping(x, xf,
                               {{"request", d.String(b->mutable_request())},
                                {"limit", d.String(b->mutable_limit())}});
                   };
                 };
                 d.Mapping(v, f,
                           {{"cpu", bounds(r->mutable_cpu())},
                            {"memory", bounds(r->mutable_memory())}});
                 if (!r->has_cpu() || r->cpu().ByteSizeLong() == 0) r->clear_cpu();
                 if (!r->has_memory() || r->memory().ByteSizeLong() == 0) r->clear_memory();
               })},
          {"health",
           sub([&s] { return s.mutable_health(); },
               [&d](const Node& v, const std::string& f, api::HealthSpec* h) {
                 const auto probe = [&d](auto make) {
                   return [&d, make](const Node& x, const std::string& xf) {
                     if (!d.Present(x, xf)) return;
                     if (!x.IsMapping()) {
                       d.TypeError(x, xf, "a mapping");
                       return;
                     }
                     DecodeProbe(d, x, xf, make());
                   };
                 };
                 d.Mapping(v, f,
                           {{"liveness", probe([h] { return h->mutable_liveness(); })},
                            {"readiness", probe([h] { return h->mutable_readiness(); })}});
               })},
          {"restartPolicy", EnumField(d, {"Always", "OnFailure", "Never"}, true, [&s](int x) {
             s.set_restart_policy(static_cast<api::ServiceSpec::RestartPolicy>(x));
           })},
          {"dependencies",
           [&](const Node& v, const std::string& f) {
             d.List(v, f, [&](const Node& item, const std::string& ip) {
               DecodeDependency(d, item, ip, s.add_dependencies());
             });
           }},
          {"secretMounts",
           [&](const Node& v, const std::string& f) {
             d.List(v, f, [&](const Node& item, const std::string& ip) {
               api::SecretMount* m = s.add_secret_mounts();
               d.Mapping(item, ip,
                         {
                             {"name", d.String(m->mutable_name())},
                             {"secretName", d.String(m->mutable_secret_name())},
                             {"mountPath", d.String(m->mutable_mount_path())},
                             {"items", Items(d, m->mutable_items())},
                         });
             });
           }},
          {"configMounts",
           [&](const Node& v, const std::string& f) { DecodeConfigMounts(d, v, f, &s); }},
          {"configmapMounts",
           [&](const Node& v, const std::string& f) { DecodeConfigMounts(d, v, f, &s); }},
          {"expose", sub([&s] { return s.mutable_expose(); },
                         [&d](const Node& v, const std::string& f, api::Expose* e) {
                           d.Mapping(v, f,
                                     {
                                         {"port", d.String(e->mutable_port())},
                                         {"host", d.String(e->mutable_host())},
                                         {"hostPort", d.IntField([e](int32_t x) { e->set_host_port(x); })},
                                         {"bindAddress", d.String(e->mutable_bind_address())},
                                     });
                         })},
          {"securityContext",
           sub([&s] { return s.mutable_security_context(); },
               [&d](const Node& v, const std::string& f, api::ContainerSecurityContext* sc) {
                 DecodeSecurityContext(d, v, f, sc);
               })},
          {"discovery", sub([&s] { return s.mutable_discovery(); },
                            [&d](const Node& v, const std::string& f, api::Discovery* x) {
                              d.Mapping(v, f,
                                        {{"mode", EnumField(d, {"round-robin", "load-balanced", "none"},
                                                            false, [x](int m) {
                                                              x->set_mode(static_cast<api::Discovery::Mode>(m));
                                                            })}});
                            })},
          {"networkPolicy", sub([&s] { return s.mutable_network_policy(); },
                                [&d](const Node& v, const std::string& f, api::NetworkPolicy* np) {
                                  DecodeNetworkPolicy(d, v, f, np);
                                })},
          {"affinity", sub([&s] { return s.mutable_affinity(); },
                           [&d](const Node& v, const std::string& f, api::Affinity* a) {
                             d.Mapping(v, f,
                                       {
                                           {"required", d.StringList(a->mutable_required())},
                                           {"preferred", d.StringList(a->mutable_preferred())},
                                           {"with", d.StringList(a->mutable_with())},
                                           {"avoid", d.StringList(a->mutable_avoid())},
                                           {"spread", d.String(a->mutable_spread())},
                                       });
                           })},
          {"autoscale", sub([&s] { return s.mutable_autoscale(); },
                            [&d](const Node& v, const std::string& f, api::Autoscale* a) {
                              DecodeAutoscale(d, v, f, a);
                            })},
          {"skip", d.BoolField([&s](bool b) { s.set_skip(b); })},
      },
      {}, /*object_root=*/true);
  if (node.IsMapping()) {
    for (const auto& [key, value] : node.entries) {
      if (key.IsScalar() && key.value == "configmapMounts") {
        d.Warning(key, "service.configmapMounts", "\"configmapMounts\" is deprecated; use \"configMounts\"",
                  "deprecated", "rename the key to configMounts", true);
      }
    }
  }
  return s;
}

bool ParseDependencyString(absl::string_view text, api::Dependency* out) {
  api::Dependency d;
  const auto set_kind = [&d](absl::string_view kind) {
    if (kind == "service") {
      d.set_kind(api::Dependency::SERVICE);
    } else if (kind == "secret") {
      d.set_kind(api::Dependency::SECRET);
    } else if (kind == "configmap") {
      d.set_kind(api::Dependency::CONFIGMAP);
    } else {
      return false;
    }
    return true;
  };
  if (absl::ConsumePrefix(&text, "rune://")) {
    std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
    if (parts.size() != 3 || parts[1].empty() || parts[2].empty() || !set_kind(parts[0])) {
      return false;
    }
    d.set_namespace_(std::string(parts[1]));
    d.set_name(std::string(parts[2]));
    *out = std::move(d);
    return true;
  }
  const size_t colon = text.find(':');
  if (colon != absl::string_view::npos) {
    if (!set_kind(text.substr(0, colon))) return false;
    text = text.substr(colon + 1);
  } else {
    d.set_kind(api::Dependency::SERVICE);
  }
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() == 3 && parts[2] == "rune") parts.pop_back();
  if (parts.empty() || parts.size() > 2) return false;
  for (absl::string_view p : parts) {
    if (p.empty()) return false;
  }
  d.set_name(std::string(parts[0]));
  if (parts.size() == 2) d.set_namespace_(std::string(parts[1]));
  *out = std::move(d);
  return true;
}

}  // namespace rune::common::spec::internal
