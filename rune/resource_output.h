// What `rune get` and `rune delete` print for any kind of object (SPEC §1.5,
// §3.5, §3.6.2, §3.6.3): each kind turns its API message into a Listed (table
// cells + §3.5 document); the printers here add the NAMESPACE (-A) and LABELS
// (--show-labels) columns, sort, choose table or document, and word empty
// lists and delete results the same way for every kind.
//
//   const ResourceKind kSecrets{"secret", "secrets", {"TYPE", "KEYS", "VERSION", "AGE"}};
//   std::vector<Listed> items;
//   for (const api::SecretInfo& s : response.secrets()) items.push_back(ListSecret(s, now));
//   PrintListing(inv, kSecrets, std::move(items), /*named=*/false, "default");
#ifndef RUNE_RUNE_RESOURCE_OUTPUT_H_
#define RUNE_RUNE_RESOURCE_OUTPUT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/document.h"
#include "rune/invocation.h"

namespace rune::cli {

struct ResourceKind {
  std::string singular;              // "service": document key, messages
  std::string plural;                // "services": list key, messages
  std::vector<std::string> columns;  // after NAME: "TYPE", "STATUS", …
  bool namespaced = true;            // false: no NAMESPACE column, no namespace in messages
  bool labels_column = false;        // LABELS is one of `columns` already (namespaces)
};

// One object as the printers see it.
struct Listed {
  std::string namespace_name;  // "" for namespaces
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<std::string> cells;  // one per ResourceKind::columns
  common::Value document;          // the §3.5 resource object
  uint64_t resource_version = 0;
  // Identity when names repeat (instances: the instance ID); "" = the name.
  std::string id;
  // Row order within a namespace when it is not the name (instances:
  // service, name, generation); empty = the name.
  std::vector<std::string> order;

  // "<ns>/<id or name>", or the name for global kinds: identifies the object.
  std::string Key() const;
};

// The table-shaping flags of `get`.
struct ListingOptions {
  bool all_namespaces = false;  // -A: leading NAMESPACE column
  bool show_labels = false;     // --show-labels: trailing LABELS column
  bool headers = true;          // false: --no-headers
  std::string format = "table";
};
ListingOptions ListingOptionsOf(const Invocation& inv, const ResourceKind& kind);

// [NAMESPACE] NAME <columns> [LABELS], and one object's row in that layout.
std::vector<std::string> ListingHeader(const ResourceKind& kind, const ListingOptions& options);
std::vector<std::string> ListingRow(const ResourceKind& kind, const ListingOptions& options,
                                    const Listed& item);

// Namespace, then `order` (default: name), byte order.
void SortListed(std::vector<Listed>* items);

// Prints a `get` result. Named: the one object's document wrapped in the
// singular key, or a one-row table. List: the plural key, or a sorted table;
// an empty table prints nothing on stdout and `No <plural> found in namespace
// "<ns>".` (`No <plural> found.` with -A or for global kinds) on stderr.
void PrintListing(Invocation& inv, const ResourceKind& kind, std::vector<Listed> items, bool named,
                  const std::string& namespace_name);

// "service/default/api", or "namespace/prod" when `namespace_name` is empty.
std::string ObjectRef(const std::string& kind, const std::string& namespace_name,
                      const std::string& name);
// `service "default/api"`, or `namespace "prod"`.
std::string QuotedObject(const std::string& kind, const std::string& namespace_name,
                         const std::string& name);

// The outcome of `rune delete` for one object.
struct DeleteOutcome {
  std::string kind;            // "service", "secret", "configmap", "namespace"
  std::string namespace_name;  // "" for namespaces
  std::string name;
  std::string operation;  // deletion operation ID, "" when none
  std::string state;      // "completed", "pending", …; "" for a dry run
  bool dry_run = false;
  std::vector<std::string> blocked_by;  // dry run: why it would be refused
  // Text mode (not a dry run): what follows the reference, e.g. "deleted".
  std::string result;
};

// Text: `<ref> <result>`, or for a dry run `<ref> would be deleted` plus one
// `  blocked by: …` line per reason (exit 0 either way: the check itself
// succeeded). JSON/YAML: {kind, namespace, name, operation, state, dryRun,
// blockedBy}, empty fields left out.
void PrintDeleteOutcome(Invocation& inv, const DeleteOutcome& outcome);

// --ignore-not-found: a NotFound `status` becomes OK after printing
// `<kind> "<ns>/<name>" not found (ignored)` on stderr (not in JSON mode).
// Other statuses, and NotFound without the flag, are returned unchanged.
absl::Status IgnoreNotFound(Invocation& inv, absl::Status status, const std::string& kind,
                            const std::string& namespace_name, const std::string& name);

}  // namespace rune::cli

#endif  // RUNE_RUNE_RESOURCE_OUTPUT_H_
