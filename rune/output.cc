#include "rune/output.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rune::cli {

namespace {

size_t CodePoints(absl::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::vector<size_t> Table::Widths(bool headers) const {
  std::vector<size_t> widths(headers_.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& line) {
    if (widths.size() < line.size()) widths.resize(line.size(), 0);
    for (size_t i = 0; i < line.size(); ++i) {
      widths[i] = std::max(widths[i], line[i].empty() ? size_t{1} : CodePoints(line[i]));
    }
  };
  if (headers) measure(headers_);
  for (const auto& row : rows_) measure(row);
  return widths;
}

std::string Table::FormatRow(std::vector<std::string> row, const std::vector<size_t>& widths) {
  std::string text;
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i].empty()) row[i] = "-";
    absl::StrAppend(&text, row[i]);
    if (i + 1 < row.size()) {
      const size_t width = i < widths.size() ? widths[i] : 0;
      const size_t used = CodePoints(row[i]);
      text.append((width > used ? width - used : 0) + 3, ' ');
    }
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

void Table::Print(std::ostream& out, bool headers) const {
  const std::vector<size_t> widths = Widths(headers);
  if (headers) out << FormatRow(headers_, widths) << "\n";
  for (const auto& row : rows_) out << FormatRow(row, widths) << "\n";
}

void PrintDocument(Invocation& inv, const common::Value& doc, const std::string& format) {
  inv.out() << (format == "json" ? common::ToJson(doc, /*indented=*/true) : common::ToYaml(doc));
}

std::string LabelsCell(const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return "-";
  return absl::StrJoin(labels, ",", absl::PairFormatter("="));
}

common::Value LabelsDoc(const std::map<std::string, std::string>& labels) {
  common::Value doc = common::Value::Object();
  for (const auto& [k, v] : labels) doc.Set(k, v);
  return doc;
}

}  // namespace rune::cli
