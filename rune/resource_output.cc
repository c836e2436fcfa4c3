#include "rune/resource_output.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "rune/output.h"

namespace rune::cli {

std::string Listed::Key() const {
  const std::string& unique = id.empty() ? name : id;
  return namespace_name.empty() ? unique : absl::StrCat(namespace_name, "/", unique);
}

ListingOptions ListingOptionsOf(const Invocation& inv, const ResourceKind& kind) {
  ListingOptions o;
  o.all_namespaces = kind.namespaced && inv.parsed.Bool("all-namespaces");
  o.show_labels = !kind.labels_column && inv.parsed.Bool("show-labels");
  o.headers = !inv.parsed.Bool("no-headers");
  o.format = inv.parsed.String("output");
  return o;
}

std::vector<std::string> ListingHeader(const ResourceKind& kind, const ListingOptions& options) {
  std::vector<std::string> header;
  if (options.all_namespaces) header.push_back("NAMESPACE");
  header.push_back("NAME");
  header.insert(header.end(), kind.columns.begin(), kind.columns.end());
  if (options.show_labels) header.push_back("LABELS");
  return header;
}

std::vector<std::string> ListingRow(const ResourceKind& kind, const ListingOptions& options,
                                    const Listed& item) {
  std::vector<std::string> row;
  if (options.all_namespaces) row.push_back(item.namespace_name);
  row.push_back(item.name);
  row.insert(row.end(), item.cells.begin(), item.cells.end());
  row.resize(1 + (options.all_namespaces ? 1 : 0) + kind.columns.size());
  if (options.show_labels) row.push_back(LabelsCell(item.labels));
  return row;
}

void SortListed(std::vector<Listed>* items) {
  const auto order = [](const Listed& l) {
    return l.order.empty() ? std::vector<std::string>{l.name} : l.order;
  };
  std::stable_sort(items->begin(), items->end(), [&order](const Listed& a, const Listed& b) {
    if (a.namespace_name != b.namespace_name) return a.namespace_name < b.namespace_name;
    return order(a) < order(b);
  });
}

void PrintListing(Invocation& inv, const ResourceKind& kind, std::vector<Listed> items, bool named,
                  const std::string& namespace_name) {
  const ListingOptions options = ListingOptionsOf(inv, kind);
  SortListed(&items);
  if (options.format != "table") {
    common::Value doc = common::Value::Object();
    if (named && !items.empty()) {
      doc.Set(kind.singular, items.front().document);
    } else {
      common::Value list = common::Value::Array();
      for (const Listed& item : items) list.Push(item.document);
      doc.Set(kind.plural, std::move(list));
    }
    PrintDocument(inv, doc, options.format);
    return;
  }
  if (items.empty()) {
    if (!kind.namespaced || options.all_namespaces) {
      inv.err() << "No " << kind.plural << " found.\n";
    } else {
      inv.err() << "No " << kind.plural << " found in namespace \"" << namespace_name << "\".\n";
    }
    return;
  }
  Table table(ListingHeader(kind, options));
  for (const Listed& item : items) table.Add(ListingRow(kind, options, item));
  table.Print(inv.out(), options.headers);
}

std::string ObjectRef(const std::string& kind, const std::string& namespace_name,
                      const std::string& name) {
  if (namespace_name.empty()) return absl::StrCat(kind, "/", name);
  return absl::StrCat(kind, "/", namespace_name, "/", name);
}

std::string QuotedObject(const std::string& kind, const std::string& namespace_name,
                         const std::string& name) {
  if (namespace_name.empty()) return absl::StrCat(kind, " \"", name, "\"");
  return absl::StrCat(kind, " \"", namespace_name, "/", name, "\"");
}

void PrintDeleteOutcome(Invocation& inv, const DeleteOutcome& o) {
  const std::string format = inv.parsed.String("output");
  if (format == "json" || format == "yaml") {
    common::Value doc = common::Value::Object();
    doc.Set("kind", o.kind);
    if (!o.namespace_name.empty()) doc.Set("namespace", o.namespace_name);
    doc.Set("name", o.name);
    if (!o.operation.empty()) doc.Set("operation", o.operation);
    if (!o.state.empty()) doc.Set("state", o.state);
    doc.Set("dryRun", o.dry_run);
    if (!o.blocked_by.empty()) {
      common::Value blocked = common::Value::Array();
      for (const std::string& b : o.blocked_by) blocked.Push(b);
      doc.Set("blockedBy", std::move(blocked));
    }
    PrintDocument(inv, doc, format);
    return;
  }
  const std::string ref = ObjectRef(o.kind, o.namespace_name, o.name);
  if (o.dry_run) {
    inv.out() << ref << " would be deleted\n";
    for (const std::string& b : o.blocked_by) inv.out() << "  blocked by: " << b << "\n";
    return;
  }
  inv.out() << ref << " " << o.result << "\n";
}

absl::Status IgnoreNotFound(Invocation& inv, absl::Status status, const std::string& kind,
                            const std::string& namespace_name, const std::string& name) {
  if (status.code() != absl::StatusCode::kNotFound || !inv.parsed.Bool("ignore-not-found")) {
    return status;
  }
  if (!inv.json_errors()) {
    inv.err() << QuotedObject(kind, namespace_name, name) << " not found (ignored)\n";
  }
  return absl::OkStatus();
}

}  // namespace rune::cli
