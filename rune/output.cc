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

void Table::Print(std::ostream& out, bool headers) const {
  std::vector<std::vector<std::string>> lines;
  if (headers) lines.push_back(headers_);
  lines.insert(lines.end(), rows_.begin(), rows_.end());
  std::vector<size_t> widths(headers_.size(), 0);
  for (auto& line : lines) {
    if (widths.size() < line.size()) widths.resize(line.size(), 0);
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i].empty()) line[i] = "-";
      widths[i] = std::max(widths[i], CodePoints(line[i]));
    }
  }
  for (const auto& line : lines) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      absl::StrAppend(&text, line[i]);
      if (i + 1 < line.size()) text.append(widths[i] - CodePoints(line[i]) + 3, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  }
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
