#include "rune/lint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/duration.h"
#include "common/errors.h"
#include "common/runefile/runefile.h"
#include "common/yaml/node.h"

namespace rune::cli {
namespace {

namespace spec = common::spec;

constexpr absl::string_view kUnrecognized =
    "unrecognized document: expected a cast file (service, secrets, \xE2\x80\xA6) or a runefile "
    "(server, auth, \xE2\x80\xA6)";

// The legacy spellings --fix renames (SPEC §3.6.11).
const std::map<std::string, std::string>& LegacyKeys() {
  static const auto* keys = new std::map<std::string, std::string>{
      {"configmapMounts", "configMounts"},  {"configmapName", "configName"},
      {"interval", "intervalSeconds"},      {"periodSeconds", "intervalSeconds"},
      {"timeout", "timeoutSeconds"},        {"initialDelay", "initialDelaySeconds"},
  };
  return *keys;
}

// YAML 1.1 booleans that YAML 1.2 reads as strings.
std::optional<std::string> Yaml11Boolean(absl::string_view token) {
  static const auto* words = new std::map<std::string, std::string>{
      {"yes", "true"},  {"Yes", "true"},   {"YES", "true"},   {"on", "true"},
      {"On", "true"},   {"ON", "true"},    {"True", "true"},  {"TRUE", "true"},
      {"y", "true"},    {"Y", "true"},     {"no", "false"},   {"No", "false"},
      {"NO", "false"},  {"off", "false"},  {"Off", "false"},  {"OFF", "false"},
      {"False", "false"}, {"FALSE", "false"}, {"n", "false"}, {"N", "false"},
  };
  auto it = words->find(std::string(token));
  if (it == words->end()) return std::nullopt;
  return it->second;
}

// The text split into lines without their '\n'; a final newline does not
// start another line.
std::vector<std::string> SplitLines(absl::string_view text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Byte offset of the 1-based code-point column `column` in `line`, or npos.
size_t ByteOffset(absl::string_view line, int column) {
  int current = 1;
  for (size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    if (current == column) return i;
    ++current;
  }
  return current == column ? line.size() : std::string::npos;
}

bool IsTokenEnd(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == ',' || c == ']' || c == '}' || c == '#';
}

// One replacement in one line of the text.
struct Edit {
  int line = 0;  // 1-based
  size_t begin = 0;
  size_t end = 0;
  std::string replacement;
};

// A duration value (`10s`, "1m") written after a renamed *Seconds key:
// whole seconds replace it.
std::optional<Edit> SecondsValueEdit(const std::string& line_text, int line, size_t after_colon) {
  size_t begin = line_text.find_first_not_of(" \t", after_colon);
  if (begin == std::string::npos) return std::nullopt;
  size_t end = begin;
  std::string word;
  if (line_text[begin] == '"' || line_text[begin] == '\'') {
    end = line_text.find(line_text[begin], begin + 1);
    if (end == std::string::npos) return std::nullopt;
    word = line_text.substr(begin + 1, end - begin - 1);
    ++end;
  } else {
    while (end < line_text.size() && !IsTokenEnd(line_text[end])) ++end;
    word = line_text.substr(begin, end - begin);
  }
  if (word.empty() || absl::ascii_isdigit(static_cast<unsigned char>(word.back()))) {
    return std::nullopt;  // already a number (or nothing)
  }
  absl::StatusOr<absl::Duration> d = common::ParseDuration(word);
  if (!d.ok() || *d % absl::Seconds(1) != absl::ZeroDuration()) return std::nullopt;
  return Edit{line, begin, end, absl::StrCat(absl::ToInt64Seconds(*d))};
}

// The rewrites that fix `f` in `lines`, if it is one --fix knows.
std::vector<Edit> FixEdits(const LintFinding& f, const std::vector<std::string>& lines) {
  const common::Violation& v = f.finding.violation;
  const int line = f.finding.line;
  if (line < 1 || line > static_cast<int>(lines.size())) return {};
  const std::string& text = lines[line - 1];
  const size_t at = ByteOffset(text, f.finding.column);
  if (at == std::string::npos || at >= text.size()) return {};
  const std::string rule = f.Rule();
  if (rule == "unknown-field" || rule == "deprecated" || v.fixable) {
    // A legacy key, possibly quoted (JSON).
    size_t begin = at, end = at;
    const char quote = text[at];
    if (quote == '"' || quote == '\'') {
      end = text.find(quote, at + 1);
      if (end == std::string::npos) return {};
      ++begin;
    } else {
      while (end < text.size() && (absl::ascii_isalnum(static_cast<unsigned char>(text[end])) ||
                                   text[end] == '_')) {
        ++end;
      }
    }
    auto it = LegacyKeys().find(text.substr(begin, end - begin));
    const size_t after = quote == '"' || quote == '\'' ? end + 1 : end;
    const size_t colon = text.find_first_not_of(" \t", after);
    if (it != LegacyKeys().end() && colon != std::string::npos && text[colon] == ':') {
      std::vector<Edit> edits = {{line, begin, end, it->second}};
      if (it->first != "periodSeconds" && absl::EndsWith(it->second, "Seconds")) {
        std::optional<Edit> value = SecondsValueEdit(text, line, colon + 1);
        if (value.has_value()) edits.push_back(*value);
      }
      return edits;
    }
  }
  if (rule == "type" || v.fixable) {
    size_t end = at;
    while (end < text.size() && !IsTokenEnd(text[end])) ++end;
    std::optional<std::string> b = Yaml11Boolean(absl::string_view(text).substr(at, end - at));
    if (b.has_value()) return {{line, at, end, *b}};
  }
  return {};
}

// Leading whitespace holding a tab, and trailing whitespace: the rewrites
// --fix makes on every line. Returns the fixed line ("\r" kept).
std::string FixWhitespace(const std::string& line, bool* tab, bool* trailing,
                          size_t* trailing_column) {
  std::string body = line;
  std::string cr;
  if (!body.empty() && body.back() == '\r') {
    body.pop_back();
    cr = "\r";
  }
  const size_t last = body.find_last_not_of(" \t");
  const size_t keep = last == std::string::npos ? 0 : last + 1;
  *trailing = keep < body.size();
  *trailing_column = keep + 1;
  body.resize(keep);
  const size_t indent_end = body.find_first_not_of(" \t");
  const size_t indent = indent_end == std::string::npos ? body.size() : indent_end;
  *tab = body.substr(0, indent).find('\t') != std::string::npos;
  if (*tab) {
    std::string spaces;
    for (size_t i = 0; i < indent; ++i) spaces += body[i] == '\t' ? "  " : " ";
    body = spaces + body.substr(indent);
  }
  return body + cr;
}

bool HasIndentTab(const std::vector<std::string>& lines, int line) {
  if (line < 1 || line > static_cast<int>(lines.size())) return false;
  const std::string& text = lines[line - 1];
  const size_t indent_end = text.find_first_not_of(" \t");
  return text.substr(0, indent_end == std::string::npos ? text.size() : indent_end).find('\t') !=
         std::string::npos;
}

LintFinding MakeFinding(absl::string_view file, int line, int column, common::Violation v,
                        const LintOptions& options) {
  LintFinding f;
  f.finding.file = std::string(file);
  f.finding.line = line;
  f.finding.column = column;
  f.error = !v.warning || options.strict;
  f.finding.violation = std::move(v);
  return f;
}

void MarkFixable(LintFile* file) {
  const std::vector<std::string> lines = SplitLines(file->text);
  for (LintFinding& f : file->findings) {
    f.fixable = !FixEdits(f, lines).empty() ||
                (f.Rule() == "yaml-syntax" && HasIndentTab(lines, f.finding.line));
  }
}

bool HasRunefileKey(const common::yaml::Node& root) {
  if (!root.IsMapping()) return false;
  const std::vector<std::string>& keys = common::RunefileTopLevelKeys();
  for (const auto& [key, value] : root.entries) {
    if (std::find(keys.begin(), keys.end(), key.value) != keys.end()) return true;
  }
  return false;
}

int Digits(int n) { return static_cast<int>(absl::StrCat(n).size()); }

}  // namespace

std::string LintFinding::Rule() const {
  return finding.violation.rule.empty() ? "type" : finding.violation.rule;
}

int LintFile::errors() const {
  return static_cast<int>(
      std::count_if(findings.begin(), findings.end(), [](const LintFinding& f) { return f.error; }));
}

int LintFile::warnings() const {
  return static_cast<int>(findings.size()) - errors();
}

LintFile LintText(absl::string_view name, std::string text, const LintOptions& options) {
  LintFile file;
  file.name = std::string(name);
  file.text = std::move(text);
  absl::StatusOr<std::vector<common::yaml::Document>> docs =
      common::yaml::ParseDocuments(file.text);
  // Text that does not parse is reported by the cast loader, as `cast` would.
  bool cast = !docs.ok();
  bool runefile = false;
  const common::yaml::Node* first = nullptr;
  if (docs.ok()) {
    for (const common::yaml::Document& doc : *docs) {
      if (doc.empty) continue;
      if (first == nullptr) first = &doc.root;
      if (spec::IsCastDocument(doc.root)) {
        cast = true;
      } else if (HasRunefileKey(doc.root)) {
        runefile = true;
      }
    }
    if (first == nullptr) cast = true;  // nothing but comments or `---`
  }
  if (cast) {
    spec::LoadOptions load;
    load.default_namespace = options.default_namespace;
    spec::CastFileResult result = spec::LoadCastText(file.name, file.text, load);
    for (spec::Finding& f : result.findings) {
      file.findings.push_back(
          MakeFinding(file.name, f.line, f.column, std::move(f.violation), options));
    }
    file.objects = std::move(result.objects);
  } else if (runefile) {
    file.kind = "runefile";
    for (const common::RunefileFinding& r : common::ParseRunefile(file.text).findings) {
      common::Violation v;
      v.path = r.path;
      v.reason = r.message;
      v.rule = r.rule;
      v.hint = r.hint;
      file.findings.push_back(MakeFinding(file.name, r.line, r.column, std::move(v), options));
    }
  } else {
    common::Violation v;
    v.reason = std::string(kUnrecognized);
    v.rule = "unknown-field";
    file.findings.push_back(
        MakeFinding(file.name, first->mark.line, first->mark.column, std::move(v), options));
  }
  MarkFixable(&file);
  return file;
}

void AddBatchFindings(std::vector<LintFile>* files, const LintOptions& options) {
  std::vector<spec::CastObject> all;
  for (const LintFile& f : *files) all.insert(all.end(), f.objects.begin(), f.objects.end());
  for (spec::Finding& f : spec::CheckBatch(all)) {
    for (LintFile& file : *files) {
      if (file.name != f.file) continue;
      file.findings.push_back(
          MakeFinding(file.name, f.line, f.column, std::move(f.violation), options));
      break;
    }
  }
}

bool FixFile(LintFile* file, const LintOptions& options) {
  bool changed = false;
  std::vector<LintFinding> fixed;
  for (int round = 0; round < 4; ++round) {
    std::vector<std::string> lines = SplitLines(file->text);
    std::vector<Edit> edits;
    std::vector<LintFinding> fixed_now;
    for (const LintFinding& f : file->findings) {
      std::vector<Edit> e = FixEdits(f, lines);
      if (e.empty()) continue;
      edits.insert(edits.end(), e.begin(), e.end());
      fixed_now.push_back(f);
    }
    // Right to left, so earlier offsets stay valid; one edit per position.
    std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
      return std::tie(a.line, a.begin) > std::tie(b.line, b.begin);
    });
    std::set<std::pair<int, size_t>> done;
    for (const Edit& e : edits) {
      if (!done.insert({e.line, e.begin}).second) continue;
      lines[e.line - 1].replace(e.begin, e.end - e.begin, e.replacement);
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      bool tab = false, trailing = false;
      size_t trailing_column = 0;
      const std::string before = lines[i];
      lines[i] = FixWhitespace(before, &tab, &trailing, &trailing_column);
      const int line = static_cast<int>(i) + 1;
      if (tab) {
        common::Violation v;
        v.reason = "tab in indentation";
        v.rule = "yaml-syntax";
        fixed_now.push_back(MakeFinding(file->name, line, 1, v, options));
      }
      if (trailing) {
        common::Violation v;
        v.reason = "trailing whitespace";
        v.rule = "yaml-syntax";
        v.warning = true;
        fixed_now.push_back(MakeFinding(file->name, line, static_cast<int>(trailing_column), v,
                                        LintOptions{options.default_namespace, false}));
      }
    }
    std::string text;
    for (const std::string& l : lines) absl::StrAppend(&text, l, "\n");
    if (!absl::EndsWith(file->text, "\n") && !text.empty()) text.pop_back();
    if (text == file->text) break;
    std::stable_sort(fixed_now.begin(), fixed_now.end(), [](const LintFinding& a, const LintFinding& b) {
      return std::tie(a.finding.line, a.finding.column) < std::tie(b.finding.line, b.finding.column);
    });
    for (LintFinding& f : fixed_now) {
      f.fixable = true;
      f.fixed = true;
      fixed.push_back(std::move(f));
    }
    *file = LintText(file->name, std::move(text), options);
    changed = true;
  }
  file->fixed = std::move(fixed);
  return changed;
}

std::string FormatLintFinding(const LintFinding& finding, absl::string_view text, int context) {
  const spec::Finding& f = finding.finding;
  std::string out = f.file;
  if (f.line > 0) absl::StrAppend(&out, ":", f.line, ":", f.column);
  absl::StrAppend(&out, ": ", finding.Severity(), ": ");
  if (!f.violation.path.empty()) absl::StrAppend(&out, f.violation.path, ": ");
  absl::StrAppend(&out, f.violation.reason);
  if (finding.fixed) return absl::StrCat(out, " (fixed)\n");
  out += "\n";
  const std::vector<std::string> lines = SplitLines(text);
  const int count = static_cast<int>(lines.size());
  if (f.line >= 1 && f.line <= count) {
    const int first = std::max(1, f.line - context);
    const int last = std::min(count, f.line + context);
    const int width = std::max(5, Digits(last));
    auto source_line = [&](int n) {
      std::string l = lines[n - 1];
      if (!l.empty() && l.back() == '\r') l.pop_back();
      if (l.empty()) return absl::StrFormat("%*d |\n", width, n);
      return absl::StrFormat("%*d | %s\n", width, n, l);
    };
    for (int n = first; n <= f.line; ++n) out += source_line(n);
    // The caret keeps the line's tabs so it lines up under them.
    std::string pad;
    const std::string& l = lines[f.line - 1];
    const size_t at = ByteOffset(l, f.column);
    for (size_t i = 0; i < std::min(at, l.size()); ++i) {
      if ((static_cast<unsigned char>(l[i]) & 0xC0) == 0x80) continue;
      pad += l[i] == '\t' ? '\t' : ' ';
    }
    if (f.column >= 1) absl::StrAppend(&out, std::string(width + 1, ' '), "| ", pad, "^\n");
    for (int n = f.line + 1; n <= last; ++n) out += source_line(n);
  }
  if (!f.violation.hint.empty()) absl::StrAppend(&out, "  hint: ", f.violation.hint, "\n");
  return out;
}

std::string FileSummaryLine(const LintFile& file) {
  if (file.findings.empty()) return absl::StrCat(file.name, ": ok");
  return absl::StrCat(file.name, ": ", file.errors(), " error(s), ", file.warnings(),
                      " warning(s)");
}

common::Value LintDocument(const std::vector<LintFile>& files) {
  common::Value file_list = common::Value::Array();
  common::Value findings = common::Value::Array();
  int errors = 0, warnings = 0, fixes = 0;
  auto finding_doc = [](const LintFinding& f) {
    const common::Violation& v = f.finding.violation;
    common::Value d = common::Value::Object();
    d.Set("file", f.finding.file);
    d.Set("line", f.finding.line);
    d.Set("column", f.finding.column);
    d.Set("severity", f.Severity());
    d.Set("rule", f.Rule());
    d.Set("path", v.path);
    d.Set("message", v.reason);
    d.Set("hint", v.hint.empty() ? common::Value::Null() : common::Value(v.hint));
    d.Set("fixable", f.fixable);
    d.Set("fixed", f.fixed);
    return d;
  };
  for (const LintFile& file : files) {
    file_list.Push(common::Value::Object()
                       .Set("path", file.name)
                       .Set("kind", file.kind)
                       .Set("errors", file.errors())
                       .Set("warnings", file.warnings()));
    for (const LintFinding& f : file.fixed) findings.Push(finding_doc(f));
    for (const LintFinding& f : file.findings) findings.Push(finding_doc(f));
    errors += file.errors();
    warnings += file.warnings();
    fixes += static_cast<int>(file.fixed.size());
  }
  common::Value doc = common::Value::Object();
  doc.Set("files", std::move(file_list));
  doc.Set("findings", std::move(findings));
  doc.Set("errorCount", errors);
  doc.Set("warningCount", warnings);
  doc.Set("fixCount", fixes);
  doc.Set("success", errors == 0);
  return doc;
}

absl::Status ReplaceFileContents(const std::string& path, absl::string_view text) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return common::OutputFileError(absl::StrCat("cannot fix ", path, ": ", std::strerror(errno)));
  }
  std::string temp = path + ".rune-fix-XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) {
    return common::OutputFileError(absl::StrCat("cannot fix ", path, ": ", std::strerror(errno)));
  }
  bool ok = fchmod(fd, st.st_mode & 07777) == 0;
  size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && fsync(fd) == 0;
  const int error = errno;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(temp.c_str(), path.c_str()) != 0) {
    const int e = ok ? errno : error;
    unlink(temp.c_str());
    return common::OutputFileError(absl::StrCat("cannot fix ", path, ": ", std::strerror(e)));
  }
  return absl::OkStatus();
}

}  // namespace rune::cli
