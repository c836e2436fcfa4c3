// Printing command results: the tables of SPEC §1.5 (upper-case headers,
// left-aligned cells, three spaces between columns, widths in UTF-8 code
// points, empty cells as "-", no trailing spaces) and JSON/YAML documents.
//
//   Table t({"NAME", "LABELS", "AGE"});
//   t.Add({"prod", "-", "3d"});
//   t.Print(inv.out(), /*headers=*/true);
//   PrintDocument(inv, doc, "yaml");
#ifndef RUNE_RUNE_OUTPUT_H_
#define RUNE_RUNE_OUTPUT_H_

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "common/document.h"
#include "rune/invocation.h"

namespace rune::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }

  // `headers` false: --no-headers.
  void Print(std::ostream& out, bool headers) const;

  // The column widths Print uses (in code points).
  std::vector<size_t> Widths(bool headers) const;
  const std::vector<std::string>& headers() const { return headers_; }

  // One line (without '\n') laid out with `widths`: empty cells as "-", a
  // cell wider than its column pushes the rest right, no trailing spaces.
  // Watch rows use it with the widths of the initial snapshot.
  static std::string FormatRow(std::vector<std::string> row, const std::vector<size_t>& widths);

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// `format` is "json" (indented) or "yaml".
void PrintDocument(Invocation& inv, const common::Value& doc, const std::string& format);

// Labels as `k=v,…` sorted by key, or "-" when there are none.
std::string LabelsCell(const std::map<std::string, std::string>& labels);

// The labels as a document object (keys sorted).
common::Value LabelsDoc(const std::map<std::string, std::string>& labels);

}  // namespace rune::cli

#endif  // RUNE_RUNE_OUTPUT_H_
