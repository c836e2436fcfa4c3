// `rune cast` (alias `apply`, SPEC §3.6.1): expand the sources, parse and
// validate every object before anything is sent (M09), then apply them in
// order — namespaces, configmaps, secrets, services by dependency — report
// one result line per object, then wait until the services are ready.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/duration.h"
#include "common/errors.h"
#include "common/spec/cast.h"
#include "common/status_macros.h"
#include "proto/configmap.grpc.pb.h"
#include "proto/namespace.grpc.pb.h"
#include "proto/secret.grpc.pb.h"
#include "proto/service.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/output.h"
#include "rune/service_wait.h"
#include "rune/sources.h"

namespace rune::cli {
namespace {

namespace spec = common::spec;
using spec::CastObject;

// The flags that only make sense with a runeset source.

// What happened to one object.
struct Applied {
  std::string kind;
  std::string ns;  // "" for namespaces
  std::string name;
  std::string action;  // created, updated, unchanged, valid (dry run)
  int64_t generation = 0;  // services
  int64_t version = 0;     // secrets, configmaps
};

const char* ActionName(api::ApplyAction action) {
  switch (action) {
    case api::CREATED:
      return "created";
    case api::UPDATED:
      return "updated";
    case api::UNCHANGED:
      return "unchanged";
    default:
      return "applied";
  }
}

std::string Ref(const Applied& a) {
  return a.ns.empty() ? absl::StrCat(a.kind, "/", a.name)
                      : absl::StrCat(a.kind, "/", a.ns, "/", a.name);
}

// "service/default/api created (generation 1)".
std::string ResultLine(const Applied& a) {
  std::string line = absl::StrCat(Ref(a), " ", a.action);
  if (a.kind == "service") absl::StrAppend(&line, " (generation ", a.generation, ")");
  if (a.kind == "secret" || a.kind == "configmap") {
    absl::StrAppend(&line, " (version ", a.version, ")");
  }
  return line;
}

// One service that became ready while cast waited.
struct Ready {
  std::string ns;
  std::string name;
  int ready = 0;
  int desired = 0;
};

common::Value ResultDocument(const std::vector<Applied>& applied,
                             const std::vector<Ready>& ready = {}) {
  common::Value resources = common::Value::Array();
  for (const Applied& a : applied) {
    common::Value r = common::Value::Object();
    r.Set("kind", a.kind);
    if (!a.ns.empty()) r.Set("namespace", a.ns);
    r.Set("name", a.name);
    r.Set("action", a.action);
    if (a.kind == "service" && a.generation > 0) r.Set("generation", a.generation);
    if ((a.kind == "secret" || a.kind == "configmap") && a.version > 0) r.Set("version", a.version);
    resources.Push(std::move(r));
  }
  common::Value ready_list = common::Value::Array();
  for (const Ready& r : ready) {
    ready_list.Push(common::Value::Object()
                        .Set("namespace", r.ns)
                        .Set("name", r.name)
                        .Set("ready", r.ready)
                        .Set("desired", r.desired));
  }
  return common::Value::Object()
      .Set("resources", std::move(resources))
      .Set("ready", std::move(ready_list));
}

// Reads, decodes and validates every file, then checks the batch. Warnings
// are printed; any error is M09 and nothing is returned.
absl::StatusOr<std::vector<CastObject>> LoadBatch(Invocation& inv,
                                                  const std::vector<SourceFile>& files,
                                                  const std::string& default_namespace) {
  spec::LoadOptions options;
  options.default_namespace = default_namespace;
  std::vector<CastObject> objects;
  std::vector<spec::Finding> findings;
  for (const SourceFile& file : files) {
    RUNE_ASSIGN_OR_RETURN(std::string text, ReadSourceFile(file, inv.in()));
    spec::CastFileResult result = spec::LoadCastText(file.name, text, options);
    findings.insert(findings.end(), result.findings.begin(), result.findings.end());
    objects.insert(objects.end(), std::make_move_iterator(result.objects.begin()),
                   std::make_move_iterator(result.objects.end()));
  }
  for (spec::Finding& f : spec::CheckBatch(objects)) findings.push_back(std::move(f));
  // File by file in argument order, then by position.
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < files.size(); ++i) order.emplace(files[i].name, i);
  std::stable_sort(findings.begin(), findings.end(),
                   [&order](const spec::Finding& a, const spec::Finding& b) {
                     return std::make_tuple(order[a.file], a.line, a.column) <
                            std::make_tuple(order[b.file], b.line, b.column);
                   });
  std::vector<std::string> lines;
  std::set<std::string> error_files;
  for (const spec::Finding& f : findings) {
    if (f.violation.warning) {
      inv.Warn(spec::FormatFinding(f));
      continue;
    }
    lines.push_back(spec::FormatFinding(f));
    error_files.insert(f.file);
  }
  if (lines.empty()) return objects;
  std::string message = absl::StrCat("validation failed: ", lines.size(), " error(s) in ",
                                     error_files.size(), " file(s)");
  for (const std::string& line : lines) absl::StrAppend(&message, "\n", line);
  const std::string lint = absl::StrCat(inv.parsed.Bool("recursive") ? "-r " : "",
                                        absl::StrJoin(inv.parsed.args, " "));
  return common::LocalSpecError(message, absl::StrCat("run 'rune lint ", lint, "' for details"));
}

class Caster {
 public:
  Caster(Invocation& inv, Connection& conn)
      : inv_(inv),
        conn_(conn),
        json_(inv.parsed.String("output") == "json"),
        namespaces_(api::NamespaceService::NewStub(conn.channel())),
        configmaps_(api::ConfigmapService::NewStub(conn.channel())),
        secrets_(api::SecretService::NewStub(conn.channel())),
        services_(api::ServiceService::NewStub(conn.channel())) {}

  const std::vector<Applied>& applied() const { return applied_; }

  // --create-namespace: every target namespace that does not exist and is
  // not declared in the batch, in order of first use.
  absl::Status CreateMissingNamespaces(const std::vector<const CastObject*>& order) {
    std::set<std::string> declared, checked;
    for (const CastObject* o : order) {
      if (o->kind == CastObject::Kind::kNamespace) declared.insert(o->name());
    }
    for (const CastObject* o : order) {
      const std::string& ns = o->object_namespace();
      if (ns.empty() || declared.count(ns) > 0 || !checked.insert(ns).second) continue;
      api::GetNamespaceRequest get;
      get.set_name(ns);
      api::GetNamespaceResponse got;
      absl::Status s = conn_.Call(namespaces_.get(), &api::NamespaceService::Stub::GetNamespace,
                                  "NamespaceService.GetNamespace", get, &got);
      if (s.ok()) continue;
      if (s.code() != absl::StatusCode::kNotFound) return s;
      api::CreateNamespaceRequest create;
      create.mutable_namespace_()->set_name(ns);
      api::CreateNamespaceResponse created;
      RUNE_RETURN_IF_ERROR(conn_.Call(namespaces_.get(),
                                      &api::NamespaceService::Stub::CreateNamespace,
                                      "NamespaceService.CreateNamespace", create, &created));
      Report({"namespace", "", ns, "created"});
    }
    return absl::OkStatus();
  }

  absl::Status Apply(const CastObject& o) {
    switch (o.kind) {
      case CastObject::Kind::kNamespace: {
        api::ApplyNamespaceRequest request;
        *request.mutable_namespace_() = o.ns;
        api::ApplyNamespaceResponse response;
        RUNE_RETURN_IF_ERROR(conn_.Call(namespaces_.get(),
                                        &api::NamespaceService::Stub::ApplyNamespace,
                                        "NamespaceService.ApplyNamespace", request, &response));
        Report({"namespace", "", response.namespace_().name(), ActionName(response.action())});
        return absl::OkStatus();
      }
      case CastObject::Kind::kConfigmap: {
        api::ApplyConfigmapRequest request;
        *request.mutable_configmap() = o.configmap;
        api::ApplyConfigmapResponse response;
        RUNE_RETURN_IF_ERROR(conn_.Call(configmaps_.get(),
                                        &api::ConfigmapService::Stub::ApplyConfigmap,
                                        "ConfigmapService.ApplyConfigmap", request, &response));
        const api::Configmap& c = response.configmap();
        Applied a{"configmap", c.namespace_(), c.name(), ActionName(response.action())};
        a.version = c.metadata().version();
        Report(a);
        return absl::OkStatus();
      }
      case CastObject::Kind::kSecret: {
        api::ApplySecretRequest request;
        *request.mutable_secret() = o.secret;
        api::ApplySecretResponse response;
        RUNE_RETURN_IF_ERROR(conn_.Call(secrets_.get(), &api::SecretService::Stub::ApplySecret,
                                        "SecretService.ApplySecret", request, &response));
        const api::SecretInfo& s = response.secret();
        Applied a{"secret", s.namespace_(), s.name(), ActionName(response.action())};
        a.version = s.metadata().version();
        Report(a);
        return absl::OkStatus();
      }
      case CastObject::Kind::kService: {
        api::ApplyServiceRequest request;
        *request.mutable_spec() = o.service;
        request.set_force(inv_.parsed.Bool("force"));
        request.set_tag(inv_.parsed.String("tag"));
        api::ApplyServiceResponse response;
        RUNE_RETURN_IF_ERROR(conn_.Call(services_.get(), &api::ServiceService::Stub::ApplyService,
                                        "ServiceService.ApplyService", request, &response));
        for (const std::string& w : response.warnings()) inv_.Warn(w);
        const api::Service& s = response.service();
        Applied a{"service", s.spec().namespace_(), s.spec().name(), ActionName(response.action())};
        a.generation = s.metadata().generation();
        Report(a);
        return absl::OkStatus();
      }
    }
    return absl::InternalError("unknown object kind");
  }

 private:
  void Report(Applied a) {
    if (!json_) inv_.out() << ResultLine(a) << "\n";
    applied_.push_back(std::move(a));
  }

  Invocation& inv_;
  Connection& conn_;
  const bool json_;
  std::unique_ptr<api::NamespaceService::Stub> namespaces_;
  std::unique_ptr<api::ConfigmapService::Stub> configmaps_;
  std::unique_ptr<api::SecretService::Stub> secrets_;
  std::unique_ptr<api::ServiceService::Stub> services_;
  std::vector<Applied> applied_;
};

// Step 5 of §3.6.1: waits until every applied service (in apply order) is
// ready, or stopped at scale 0, printing each as it gets there.
absl::StatusOr<std::vector<Ready>> WaitForReadiness(Invocation& inv, Connection& conn,
                                                    const std::vector<Applied>& applied) {
  std::vector<ServiceWait> waits;
  for (const Applied& a : applied) {
    if (a.kind == "service") waits.push_back({a.ns, a.name, WaitGoal::kReady});
  }
  std::vector<Ready> ready;
  if (waits.empty() || inv.parsed.Bool("detach")) return ready;
  const absl::Duration timeout = inv.parsed.Duration("timeout");
  if (ShowProgress(inv)) {
    inv.err() << "Waiting for " << waits.size() << " service(s) to become ready (timeout "
              << common::FormatDuration(timeout) << ")...\n";
    inv.err().flush();
  }
  const bool json = inv.parsed.String("output") == "json";
  WaitCallbacks callbacks;
  callbacks.on_done = [&](const ServiceWait& w) {
    const api::ServiceStatus& st = w.service.status();
    ready.push_back({w.ns, w.name, st.ready(), st.desired()});
    if (json) return;
    inv.out() << "service/" << w.ns << "/" << w.name << " ready (" << st.ready() << "/"
              << st.desired() << " instances)\n";
    inv.out().flush();
  };
  RUNE_RETURN_IF_ERROR(WaitForServices(inv, conn, timeout, &waits, callbacks));
  return ready;
}

}  // namespace

absl::Status RunCast(Invocation& inv) {
  const auto& p = inv.parsed;
  RUNE_ASSIGN_OR_RETURN(
      std::vector<SourceFile> files,
      ExpandPlainSources(p, "cast", {"set", "set-string", "values", "release", "render"},
                         /*runeset_alone=*/true));
  RUNE_ASSIGN_OR_RETURN(ConnectionSettings settings, ResolveConnection(inv));
  RUNE_ASSIGN_OR_RETURN(std::vector<CastObject> objects,
                        LoadBatch(inv, files, settings.namespace_name));
  const std::vector<const CastObject*> order = spec::ApplyOrder(objects);
  const bool json = p.String("output") == "json";

  if (p.Bool("dry-run")) {
    std::vector<Applied> valid;
    for (const CastObject* o : order) {
      valid.push_back({o->kind_name(), o->object_namespace(), o->name(), "valid"});
      if (!json) inv.out() << o->Ref() << " valid (dry run)\n";
    }
    if (json) {
      PrintDocument(inv, ResultDocument(valid), "json");
    } else {
      inv.out() << "Dry run: " << valid.size() << " resources valid, nothing applied\n";
    }
    return absl::OkStatus();
  }
  if (order.empty()) {
    if (json) PrintDocument(inv, ResultDocument({}), "json");
    if (!inv.json_errors()) inv.err() << "No resources found in the sources; nothing applied.\n";
    return absl::OkStatus();
  }

  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(inv, settings));
  Caster caster(inv, *conn);
  if (p.Bool("create-namespace")) RUNE_RETURN_IF_ERROR(caster.CreateMissingNamespaces(order));
  for (const CastObject* o : order) RUNE_RETURN_IF_ERROR(caster.Apply(*o));
  RUNE_ASSIGN_OR_RETURN(std::vector<Ready> ready, WaitForReadiness(inv, *conn, caster.applied()));
  if (json) PrintDocument(inv, ResultDocument(caster.applied(), ready), "json");
  return absl::OkStatus();
}

}  // namespace rune::cli
