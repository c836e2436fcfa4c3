#include "rune/deps_file_check.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/spec/documents.h"

namespace rune::cli {
namespace {

using common::spec::CastObject;
using common::spec::Finding;

bool AboutDependencies(const Finding& f) {
  if (f.violation.warning) return false;
  // Problems of the file itself (YAML syntax, document shape) have no path.
  return f.violation.path.empty() || absl::StrContains(f.violation.path, ".dependencies") ||
         absl::StartsWith(f.violation.reason, "dependency cycle detected");
}

}  // namespace

DepsFileCheck CheckDependencyFiles(const std::vector<DepsSource>& files,
                                   const common::spec::LoadOptions& options) {
  DepsFileCheck check;
  std::vector<Finding> findings;
  std::vector<CastObject> objects;
  for (const DepsSource& file : files) {
    common::spec::CastFileResult loaded = common::spec::LoadCastText(file.name, file.text, options);
    for (const Finding& f : loaded.findings) {
      if (AboutDependencies(f)) findings.push_back(f);
    }
    for (CastObject& o : loaded.objects) objects.push_back(std::move(o));
  }
  for (const Finding& f : common::spec::CheckBatch(objects)) {
    if (AboutDependencies(f)) findings.push_back(f);
  }

  using Key = std::tuple<api::Dependency::Kind, std::string, std::string>;
  std::set<Key> present;
  for (const CastObject& o : objects) {
    switch (o.kind) {
      case CastObject::Kind::kService:
        present.insert({api::Dependency::SERVICE, o.object_namespace(), o.name()});
        break;
      case CastObject::Kind::kSecret:
        present.insert({api::Dependency::SECRET, o.object_namespace(), o.name()});
        break;
      case CastObject::Kind::kConfigmap:
        present.insert({api::Dependency::CONFIGMAP, o.object_namespace(), o.name()});
        break;
      case CastObject::Kind::kNamespace:
        break;
    }
  }
  for (const CastObject& o : objects) {
    if (o.kind != CastObject::Kind::kService) continue;
    check.services.push_back(absl::StrCat(o.object_namespace(), "/", o.name()));
    const auto& deps = o.service.dependencies();
    for (int i = 0; i < deps.size(); ++i) {
      const api::Dependency& d = deps[i];
      if (d.optional() || d.name().empty()) continue;
      const api::Dependency::Kind kind =
          d.kind() == api::Dependency::KIND_UNSPECIFIED ? api::Dependency::SERVICE : d.kind();
      const std::string ns = d.namespace_().empty() ? o.object_namespace() : d.namespace_();
      if (present.count({kind, ns, d.name()}) > 0) continue;
      Finding f;
      f.file = o.file;
      f.violation.path = absl::StrCat("service.dependencies[", i, "]");
      f.violation.mark = o.MarkOf(f.violation.path);
      f.line = f.violation.mark.line;
      f.column = f.violation.mark.column;
      f.violation.reason = absl::StrCat("missing dependency: ", common::spec::DependencyKindName(kind), " \"", ns,
                                        "/", d.name(), "\"");
      findings.push_back(std::move(f));
    }
  }
  // By file in the order given, then by position.
  std::map<std::string, size_t> file_order;
  for (const DepsSource& file : files) file_order.emplace(file.name, file_order.size());
  std::stable_sort(findings.begin(), findings.end(), [&file_order](const Finding& a, const Finding& b) {
    return std::make_tuple(file_order[a.file], a.line, a.column) <
           std::make_tuple(file_order[b.file], b.line, b.column);
  });
  std::set<std::string> with_findings;
  for (const Finding& f : findings) with_findings.insert(f.file);
  check.files_with_findings = static_cast<int>(with_findings.size());
  check.findings = std::move(findings);
  return check;
}

}  // namespace rune::cli
