// `rune deps graph|check|dependents|validate` (SPEC §3.6.10) over
// ServiceService.GetDependencyGraph and ListDependents; `deps validate -f`
// checks a local file offline.
#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "proto/service.grpc.pb.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/deps_file_check.h"
#include "rune/deps_view.h"
#include "rune/output.h"
#include "rune/sources.h"

namespace rune::cli {
namespace {

struct GraphQuery {
  std::string namespace_name;
  std::string name;
  api::GetDependencyGraphResponse graph;
};

absl::StatusOr<GraphQuery> FetchGraph(Invocation& inv, bool transitive) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  GraphQuery q;
  q.namespace_name = conn->settings().namespace_name;
  q.name = inv.parsed.args[0];
  api::GetDependencyGraphRequest request;
  request.set_namespace_(q.namespace_name);
  request.set_name(q.name);
  request.set_transitive(transitive);
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::GetDependencyGraph,
                                  "ServiceService.GetDependencyGraph", request, &q.graph));
  return q;
}

std::string Quoted(const GraphQuery& q) {
  return absl::StrCat("service \"", q.namespace_name, "/", q.name, "\"");
}

absl::Status ValidateFiles(Invocation& inv) {
  const std::string path = inv.parsed.String("file");
  RUNE_ASSIGN_OR_RETURN(ExpandedSources sources,
                        ExpandSources({path}, SourceOptions(), "rune deps validate"));
  if (sources.runeset.has_value()) {
    return common::UsageError(
        absl::StrCat("\"", *sources.runeset, "\" is a runeset; render it first with 'rune cast ",
                     *sources.runeset, " --render'"),
        "rune deps validate");
  }
  std::vector<DepsSource> files;
  for (const SourceFile& f : sources.files) {
    RUNE_ASSIGN_OR_RETURN(std::string text, ReadSourceFile(f, inv.in()));
    files.push_back({f.name, std::move(text)});
  }
  RUNE_ASSIGN_OR_RETURN(ConnectionSettings settings, ResolveConnection(inv));
  common::spec::LoadOptions options;
  options.default_namespace = settings.namespace_name;
  const DepsFileCheck check = CheckDependencyFiles(files, options);
  if (!check.findings.empty()) {
    std::string message = absl::StrCat("validation failed: ", check.findings.size(), " error(s) in ",
                                       check.files_with_findings, " file(s)");
    for (const common::spec::Finding& f : check.findings) {
      absl::StrAppend(&message, "\n", common::spec::FormatFinding(f));
    }
    return common::LocalSpecError(message, absl::StrCat("run 'rune lint ", path, "' for details"));
  }
  const std::string format = inv.parsed.String("output");
  if (format != "text") {
    common::Value services = common::Value::Array();
    for (const std::string& s : check.services) services.Push(s);
    PrintDocument(inv,
                  common::Value::Object().Set("file", path).Set("valid", true).Set(
                      "services", std::move(services)),
                  format);
    return absl::OkStatus();
  }
  if (check.services.empty()) {
    inv.err() << "No services found in \"" << path << "\".\n";
    return absl::OkStatus();
  }
  for (const std::string& s : check.services) {
    inv.out() << "Dependencies of service \"" << s << "\" are valid\n";
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunDepsGraph(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(GraphQuery q, FetchGraph(inv, /*transitive=*/true));
  const std::string format = inv.parsed.String("output");
  if (format != "text") {
    PrintDocument(inv, GraphDocument(q.graph), format);
  } else {
    inv.out() << RenderTree(q.graph);
  }
  return absl::OkStatus();
}

absl::Status RunDepsCheck(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(GraphQuery q, FetchGraph(inv, /*transitive=*/false));
  const std::vector<CheckRow> rows = CheckRows(q.graph);
  const std::string format = inv.parsed.String("output");
  if (format != "text") {
    PrintDocument(inv, GraphDocument(q.graph), format);
  } else if (rows.empty()) {
    inv.err() << "No dependencies declared by " << Quoted(q) << ".\n";
  } else {
    Table table({"DEPENDENCY", "NAMESPACE", "STATE", "READY-WHEN", "STATUS"});
    for (const CheckRow& r : rows) {
      table.Add({r.dependency, r.namespace_name, r.state, r.ready_when, r.Mark()});
    }
    table.Print(inv.out(), /*headers=*/true);
  }
  int required = 0;
  int unsatisfied = 0;
  for (const CheckRow& r : rows) {
    if (r.optional) continue;
    ++required;
    if (!r.satisfied) ++unsatisfied;
  }
  if (unsatisfied == 0) return absl::OkStatus();
  return common::WithHint(
      absl::FailedPreconditionError(absl::StrCat(unsatisfied, " of ", required,
                                                 " required dependencies of ", Quoted(q),
                                                 " are not satisfied")),
      absl::StrCat("inspect them with 'rune deps graph ", q.name, " -n ", q.namespace_name, "'"));
}

absl::Status RunDepsDependents(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::ServiceService::NewStub(conn->channel());
  const std::string& ns = conn->settings().namespace_name;
  api::ListDependentsRequest request;
  request.set_namespace_(ns);
  request.set_name(inv.parsed.args[0]);
  api::ListDependentsResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::ServiceService::Stub::ListDependents,
                                  "ServiceService.ListDependents", request, &response));
  std::vector<api::Dependent> dependents(response.dependents().begin(), response.dependents().end());
  std::stable_sort(dependents.begin(), dependents.end(),
                   [](const api::Dependent& a, const api::Dependent& b) {
                     return std::make_tuple(a.namespace_(), a.name()) <
                            std::make_tuple(b.namespace_(), b.name());
                   });
  const std::string format = inv.parsed.String("output");
  if (format != "text") {
    common::Value list = common::Value::Array();
    for (const api::Dependent& d : dependents) {
      list.Push(common::Value::Object()
                    .Set("namespace", d.namespace_())
                    .Set("name", d.name())
                    .Set("optional", d.optional()));
    }
    PrintDocument(inv, common::Value::Object().Set("dependents", std::move(list)), format);
    return absl::OkStatus();
  }
  if (dependents.empty()) {
    inv.err() << "No services depend on \"" << ns << "/" << inv.parsed.args[0] << "\".\n";
    return absl::OkStatus();
  }
  Table table({"NAME", "NAMESPACE", "REQUIRED"});
  for (const api::Dependent& d : dependents) {
    table.Add({d.name(), d.namespace_(), d.optional() ? "no (optional)" : "yes"});
  }
  table.Print(inv.out(), /*headers=*/true);
  return absl::OkStatus();
}

absl::Status RunDepsValidate(Invocation& inv) {
  if (inv.parsed.IsSet("file")) return ValidateFiles(inv);
  RUNE_ASSIGN_OR_RETURN(GraphQuery q, FetchGraph(inv, /*transitive=*/true));
  const std::vector<std::string> problems = ValidationProblems(q.graph);
  if (!problems.empty()) {
    return common::WithHint(
        absl::InvalidArgumentError(absl::StrCat("dependency validation failed for ", Quoted(q), "\n",
                                                absl::StrJoin(problems, "\n"))),
        absl::StrCat("inspect them with 'rune deps graph ", q.name, " -n ", q.namespace_name, "'"));
  }
  const std::string format = inv.parsed.String("output");
  if (format != "text") {
    PrintDocument(inv,
                  common::Value::Object()
                      .Set("namespace", q.namespace_name)
                      .Set("name", q.name)
                      .Set("valid", true),
                  format);
    return absl::OkStatus();
  }
  inv.out() << "Dependencies of " << Quoted(q) << " are valid\n";
  return absl::OkStatus();
}

}  // namespace rune::cli
