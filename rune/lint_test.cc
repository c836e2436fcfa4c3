#include "rune/lint.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "common/document.h"
#include "gtest/gtest.h"

namespace rune::cli {
namespace {

LintFinding At(int line, int column, std::string path, std::string reason, std::string hint = "") {
  LintFinding f;
  f.finding.file = "services/api.yaml";
  f.finding.line = line;
  f.finding.column = column;
  f.finding.violation.path = std::move(path);
  f.finding.violation.reason = std::move(reason);
  f.finding.violation.rule = "range";
  f.finding.violation.hint = std::move(hint);
  return f;
}

constexpr char kApi[] =
    "service:\n"
    "  name: api\n"
    "  image: nginx\n"
    "  scale: 1\n"
    "  # ports\n"
    "\n"
    "  ports:\n"
    "    - name: http\n"
    "      port: 70000\n";

TEST(FormatLintFinding, ShowsContextGutterCaretAndHint) {
  const LintFinding f = At(9, 13, "service.ports[0].port", "must be between 1 and 65535, got 70000",
                           "use a port number between 1 and 65535");
  EXPECT_EQ(FormatLintFinding(f, kApi, 1),
            "services/api.yaml:9:13: error: service.ports[0].port: must be between 1 and 65535, "
            "got 70000\n"
            "    8 |     - name: http\n"
            "    9 |       port: 70000\n"
            "      |             ^\n"
            "  hint: use a port number between 1 and 65535\n");
}

TEST(FormatLintFinding, ContextAroundTheLineWithoutTrailingSpaces) {
  const LintFinding f = At(4, 10, "service.scale", "must be between 0 and 1000, got 5000");
  EXPECT_EQ(FormatLintFinding(f, kApi, 2),
            "services/api.yaml:4:10: error: service.scale: must be between 0 and 1000, got 5000\n"
            "    2 |   name: api\n"
            "    3 |   image: nginx\n"
            "    4 |   scale: 1\n"
            "      |          ^\n"
            "    5 |   # ports\n"
            "    6 |\n");
  EXPECT_EQ(FormatLintFinding(f, kApi, 0),
            "services/api.yaml:4:10: error: service.scale: must be between 0 and 1000, got 5000\n"
            "    4 |   scale: 1\n"
            "      |          ^\n");
}

TEST(FormatLintFinding, CaretCountsCodePointsAndKeepsTabs) {
  LintFinding f = At(1, 6, "", "bad");  // the 'x' after a two-byte character
  EXPECT_EQ(FormatLintFinding(f, "\tk: \xC3\xA9x\n", 0),
            "services/api.yaml:1:6: error: bad\n"
            "    1 | \tk: \xC3\xA9x\n"
            "      | \t    ^\n");
}

TEST(FormatLintFinding, WarningsFixedAndPositionless) {
  LintFinding w = At(3, 3, "service.autoscale", "accepted but not enforced");
  w.error = false;
  EXPECT_TRUE(absl::StartsWith(FormatLintFinding(w, kApi, 1),
                               "services/api.yaml:3:3: warning: service.autoscale: accepted"));
  LintFinding fixed = At(2, 9, "service.x", "expected a boolean, got a string");
  fixed.fixed = true;
  EXPECT_EQ(FormatLintFinding(fixed, kApi, 1),
            "services/api.yaml:2:9: error: service.x: expected a boolean, got a string (fixed)\n");
  LintFinding whole = At(0, 0, "", "cannot be read");
  EXPECT_EQ(FormatLintFinding(whole, kApi, 1), "services/api.yaml: error: cannot be read\n");
}

TEST(FormatLintFinding, GutterWidensForLongFiles) {
  std::string text;
  for (int i = 1; i <= 100001; ++i) text += "x: 1\n";
  LintFinding f = At(100000, 4, "", "bad");
  EXPECT_EQ(FormatLintFinding(f, text, 1),
            "services/api.yaml:100000:4: error: bad\n"
            " 99999 | x: 1\n"
            "100000 | x: 1\n"
            "       |    ^\n"
            "100001 | x: 1\n");
}

TEST(LintText, RecognisesRunefilesByTheirKeys) {
  LintFile f = LintText("runefile.yaml", "server:\n  grpc-addr: \":1\"\n", LintOptions{});
  EXPECT_EQ(f.kind, "runefile");
  ASSERT_EQ(f.findings.size(), 1u);
  EXPECT_EQ(f.findings[0].finding.line, 2);
  EXPECT_EQ(f.findings[0].finding.column, 3);
  EXPECT_EQ(f.findings[0].finding.violation.reason, "unknown field \"grpc-addr\"");
  EXPECT_FALSE(f.findings[0].finding.violation.hint.empty());
  EXPECT_EQ(f.findings[0].Rule(), "unknown-field");
  EXPECT_TRUE(f.findings[0].error);
}

TEST(LintText, UnrecognizedDocument) {
  LintFile f = LintText("x.yaml", "# comment\nfoo: 1\n", LintOptions{});
  ASSERT_EQ(f.findings.size(), 1u);
  EXPECT_EQ(f.findings[0].finding.line, 2);
  EXPECT_EQ(f.findings[0].finding.column, 1);
  EXPECT_EQ(f.findings[0].finding.violation.reason,
            "unrecognized document: expected a cast file (service, secrets, \xE2\x80\xA6) or a "
            "runefile (server, auth, \xE2\x80\xA6)");
  EXPECT_EQ(FileSummaryLine(f), "x.yaml: 1 error(s), 0 warning(s)");
}

TEST(LintText, CastFilesUseTheSpecLoader) {
  LintFile ok = LintText("a.yaml", "service:\n  name: api\n  image: nginx\n  scale: 1\n", LintOptions{});
  EXPECT_EQ(ok.kind, "cast");
  EXPECT_TRUE(ok.findings.empty());
  EXPECT_EQ(ok.objects.size(), 1u);
  EXPECT_EQ(FileSummaryLine(ok), "a.yaml: ok");

  LintFile bad = LintText("b.yaml", "service:\n  name: Api\n  image: nginx\n  scale: 1\n",
                          LintOptions{});
  ASSERT_EQ(bad.findings.size(), 1u);
  EXPECT_EQ(bad.findings[0].finding.line, 2);
  EXPECT_EQ(bad.findings[0].finding.column, 9);
  EXPECT_EQ(bad.findings[0].Rule(), "dns1123");
}

TEST(LintText, StrictTurnsWarningsIntoErrors) {
  const std::string text =
      "service:\n  name: api\n  image: nginx\n  scale: 1\n  autoscale:\n    enabled: true\n";
  LintFile relaxed = LintText("a.yaml", text, LintOptions{});
  ASSERT_FALSE(relaxed.findings.empty());
  EXPECT_EQ(relaxed.errors(), 0);
  EXPECT_GT(relaxed.warnings(), 0);
  LintOptions strict;
  strict.strict = true;
  LintFile hard = LintText("a.yaml", text, strict);
  EXPECT_GT(hard.errors(), 0);
  EXPECT_EQ(hard.warnings(), 0);
}

TEST(FixFile, RewritesBooleansLegacyKeysAndWhitespace) {
  LintFile f = LintText("a.yaml",
                        "service:   \n"
                        "  name: api\n"
                        "  image: nginx\n"
                        "  scale: 1\n"
                        "  securityContext:\n"
                        "    readOnlyFS: yes\n"
                        "  health:\n"
                        "    liveness:\n"
                        "      type: tcp\n"
                        "      port: 80\n"
                        "      interval: 10s\n"
                        "      timeout: \"2s\"\n"
                        "      initialDelay: 5\n",
                        LintOptions{});
  EXPECT_GT(f.errors(), 0);
  for (const LintFinding& x : f.findings) EXPECT_TRUE(x.fixable) << x.finding.violation.reason;
  EXPECT_TRUE(FixFile(&f, LintOptions{}));
  EXPECT_EQ(f.text,
            "service:\n"
            "  name: api\n"
            "  image: nginx\n"
            "  scale: 1\n"
            "  securityContext:\n"
            "    readOnlyFS: true\n"
            "  health:\n"
            "    liveness:\n"
            "      type: tcp\n"
            "      port: 80\n"
            "      intervalSeconds: 10\n"
            "      timeoutSeconds: 2\n"
            "      initialDelaySeconds: 5\n");
  EXPECT_TRUE(f.findings.empty()) << f.findings[0].finding.violation.reason;
  EXPECT_EQ(f.fixed.size(), 5u);
  for (const LintFinding& x : f.fixed) EXPECT_TRUE(x.fixed && x.fixable);
}

TEST(FixFile, TabsInIndentationThenWhatTheyHid) {
  LintFile f = LintText("a.yaml", "service:\n\tname: api\n\timage: nginx\n\tscale: 1\n\tskip: no\n",
                        LintOptions{});
  ASSERT_FALSE(f.findings.empty());
  EXPECT_EQ(f.findings[0].Rule(), "yaml-syntax");
  EXPECT_TRUE(f.findings[0].fixable);
  EXPECT_TRUE(FixFile(&f, LintOptions{}));
  EXPECT_EQ(f.text, "service:\n  name: api\n  image: nginx\n  scale: 1\n  skip: false\n");
  EXPECT_TRUE(f.findings.empty());
  EXPECT_EQ(f.fixed.size(), 5u);  // four tabs, one boolean
}

TEST(FixFile, LeavesOtherFindingsAndReportsNoChange) {
  LintFile f = LintText("a.yaml", "service:\n  name: api\n  image: nginx\n  scale: 5000\n", LintOptions{});
  ASSERT_EQ(f.findings.size(), 1u);
  EXPECT_FALSE(f.findings[0].fixable);
  EXPECT_FALSE(FixFile(&f, LintOptions{}));
  EXPECT_EQ(f.findings.size(), 1u);
  EXPECT_TRUE(f.fixed.empty());
}

TEST(LintDocument, HasTheSpecShape) {
  LintFile f = LintText("b.yaml", "service:\n  name: Api\n  image: nginx\n  scale: 1\n", LintOptions{});
  const std::string json = common::ToJson(LintDocument({f}), /*indented=*/false);
  EXPECT_TRUE(absl::StartsWith(
      json, "{\"files\":[{\"path\":\"b.yaml\",\"kind\":\"cast\",\"errors\":1,\"warnings\":0}],"
            "\"findings\":[{\"file\":\"b.yaml\",\"line\":2,\"column\":9,\"severity\":\"error\","
            "\"rule\":\"dns1123\",\"path\":\"service.name\",\"message\":\"invalid name \\\"Api\\\""))
      << json;
  EXPECT_TRUE(absl::EndsWith(json, "\"hint\":null,\"fixable\":false,\"fixed\":false}],"
                                   "\"errorCount\":1,\"warningCount\":0,\"fixCount\":0,"
                                   "\"success\":false}"))
      << json;
}

TEST(AddBatchFindings, DuplicatesAcrossFilesGoToTheLaterFile) {
  const std::string svc = "service:\n  name: api\n  image: nginx\n  scale: 1\n";
  std::vector<LintFile> files = {LintText("a.yaml", svc, LintOptions{}),
                                 LintText("b.yaml", svc, LintOptions{})};
  AddBatchFindings(&files, LintOptions{});
  EXPECT_TRUE(files[0].findings.empty());
  ASSERT_EQ(files[1].findings.size(), 1u);
  EXPECT_EQ(files[1].findings[0].Rule(), "duplicate");
  EXPECT_EQ(files[1].findings[0].finding.violation.reason,
            "service \"default/api\" is defined more than once (first at a.yaml:2)");
}

TEST(ReplaceFileContents, KeepsThePermissionBitsAndLeavesNoTemporaryFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "replace";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path file = dir / "svc.yaml";
  std::ofstream(file) << "old\n";
  ASSERT_EQ(chmod(file.c_str(), 0640), 0);
  ASSERT_TRUE(ReplaceFileContents(file.string(), "new\n").ok());
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "new\n");
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  EXPECT_FALSE(ReplaceFileContents((dir / "missing.yaml").string(), "x").ok());
}

}  // namespace
}  // namespace rune::cli
