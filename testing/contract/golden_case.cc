#include "testing/contract/golden_case.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "re2/re2.h"

namespace rune::contract {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> Slurp(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

// The §2.3 object: exactly these keys, in this order, on one line.
constexpr char kJsonShape[] =
    R"(\{"code":"[A-Za-z]+","exit":-?\d+,"message":"(?:[^"\\]|\\.)*",)"
    R"("hint":(?:null|"(?:[^"\\]|\\.)*"),"request_id":(?:null|"(?:[^"\\]|\\.)*")\})";

std::optional<ReportedError> ParseJson(const std::string& line) {
  static const RE2 shape(kJsonShape);
  if (!RE2::FullMatch(line, shape)) return std::nullopt;
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(line, &object).ok()) return std::nullopt;
  const auto& f = object.fields();
  ReportedError e;
  e.json = true;
  e.code = f.at("code").string_value();
  e.json_exit = static_cast<int>(f.at("exit").number_value());
  e.message = f.at("message").string_value();
  if (f.at("hint").kind_case() == google::protobuf::Value::kStringValue) {
    e.hint = f.at("hint").string_value();
  }
  e.has_request_id = f.at("request_id").kind_case() == google::protobuf::Value::kStringValue;
  return e;
}

std::optional<ReportedError> ParseHuman(const std::vector<std::string>& lines) {
  size_t i = 0;
  while (i < lines.size() && !absl::StartsWith(lines[i], "Error: ")) ++i;
  if (i == lines.size()) return std::nullopt;
  ReportedError e;
  std::vector<std::string> message = {lines[i].substr(7)};
  for (++i; i < lines.size() && absl::StartsWith(lines[i], "  "); ++i) {
    message.push_back(lines[i].substr(2));
  }
  e.message = absl::StrJoin(message, "\n");
  if (i < lines.size() && absl::StartsWith(lines[i], "Hint: ")) e.hint = lines[i++].substr(6);
  if (i < lines.size() && absl::StartsWith(lines[i], "Request ID: ")) {
    e.has_request_id = true;
    ++i;
  }
  if (i != lines.size()) return std::nullopt;  // something after the block: not §2.2
  return e;
}

}  // namespace

std::optional<ReportedError> ParseReportedError(const std::string& stderr_text) {
  if (stderr_text.empty() || stderr_text.back() != '\n') return std::nullopt;
  std::vector<std::string> lines =
      absl::StrSplit(absl::string_view(stderr_text).substr(0, stderr_text.size() - 1), '\n');
  if (lines.size() == 1 && absl::StartsWith(lines[0], "{")) return ParseJson(lines[0]);
  return ParseHuman(lines);
}

absl::StatusOr<GoldenCase> ReadGoldenCase(const std::string& dir) {
  const fs::path path(dir);
  GoldenCase c;
  c.name = path.filename().string();
  std::optional<std::string> exit_code = Slurp(path / "exit_code");
  if (!exit_code.has_value()) return absl::NotFoundError(absl::StrCat(dir, "/exit_code is missing"));
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*exit_code), &c.exit_code)) {
    return absl::InvalidArgumentError(absl::StrCat(dir, "/exit_code is not a number"));
  }
  c.stdout_text = Slurp(path / "stdout").value_or("");
  c.stderr_text = Slurp(path / "stderr").value_or("");
  const std::string server(absl::StripAsciiWhitespace(Slurp(path / "server").value_or("real")));
  if (server == "real") {
    c.server = ServerMode::kReal;
  } else if (server == "fake") {
    c.server = ServerMode::kFake;
  } else if (server == "none") {
    c.server = ServerMode::kNone;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(dir, "/server is \"", server, "\""));
  }
  return c;
}

absl::StatusOr<std::vector<GoldenCase>> ReadGoldenCases(const std::string& root) {
  std::vector<GoldenCase> cases;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, ec)) {
    if (!fs::exists(entry.path() / "exit_code")) continue;
    absl::StatusOr<GoldenCase> c = ReadGoldenCase(entry.path().string());
    if (!c.ok()) return c.status();
    cases.push_back(std::move(*c));
  }
  if (ec) return absl::NotFoundError(absl::StrCat("cannot list ", root, ": ", ec.message()));
  std::sort(cases.begin(), cases.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.name < b.name; });
  return cases;
}

}  // namespace rune::contract
