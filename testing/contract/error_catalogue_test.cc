#include "testing/contract/error_catalogue.h"

#include <set>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "re2/re2.h"

namespace rune::contract {
namespace {

GoldenCase Case(int exit_code, std::string err, ServerMode server = ServerMode::kReal,
                std::string out = "") {
  GoldenCase c;
  c.name = "m22_runner_disabled";  // names never count
  c.server = server;
  c.exit_code = exit_code;
  c.stderr_text = std::move(err);
  c.stdout_text = std::move(out);
  return c;
}

const MessageEntry& Entry(const std::string& label) {
  for (const MessageEntry& m : CanonicalMessages()) {
    if (Label(m) == label) return m;
  }
  ADD_FAILURE() << "no entry " << label;
  static const MessageEntry none;
  return none;
}

const StatusRow& Row(const std::string& code) {
  for (const StatusRow& r : StatusRows()) {
    if (r.code == code) return r;
  }
  ADD_FAILURE() << "no row " << code;
  static const StatusRow none;
  return none;
}

const char kServiceNotFound[] =
    "Error: service \"api\" not found in namespace \"prod\"\n"
    "Hint: run 'rune get services -n prod' to list services\n"
    "Request ID: <RID>\n";

TEST(ErrorCatalogue, HasEveryIdAndEveryStatusCode) {
  std::set<std::string> ids;
  for (const MessageEntry& m : CanonicalMessages()) {
    EXPECT_TRUE(RE2(m.message).ok()) << Label(m);
    ids.insert(m.id);
  }
  for (int i = 1; i <= 49; ++i) EXPECT_EQ(ids.count(absl::StrFormat("M%02d", i)), 1u) << i;
  EXPECT_EQ(ids.size(), 49u);
  EXPECT_EQ(StatusRows().size(), 17u);
}

TEST(ErrorCatalogue, ParsesTheHumanForm) {
  std::optional<ReportedError> e = ParseReportedError(
      "Warning: x\nError: validation failed: 2 error(s) in 1 file(s)\n  a.yaml:1:1: x: y\n"
      "  a.yaml:2:1: x: z\nHint: run 'rune lint a.yaml' for details\n");
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->json);
  EXPECT_EQ(e->message, "validation failed: 2 error(s) in 1 file(s)\na.yaml:1:1: x: y\na.yaml:2:1: x: z");
  EXPECT_EQ(e->hint, "run 'rune lint a.yaml' for details");
  EXPECT_FALSE(e->has_request_id);
  // Anything after the block is not the §2.2 form.
  EXPECT_FALSE(ParseReportedError("Error: x\nHint: y\nmore\n").has_value());
  EXPECT_FALSE(ParseReportedError("nothing went wrong\n").has_value());
}

TEST(ErrorCatalogue, ParsesTheJsonFormWithItsKeysInOrder) {
  std::optional<ReportedError> e = ParseReportedError(
      R"({"code":"NotFound","exit":4,"message":"a\n\"b\"","hint":null,"request_id":"<RID>"})"
      "\n");
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->json);
  EXPECT_EQ(e->code, "NotFound");
  EXPECT_EQ(e->json_exit, 4);
  EXPECT_EQ(e->message, "a\n\"b\"");
  EXPECT_FALSE(e->hint.has_value());
  EXPECT_TRUE(e->has_request_id);
  EXPECT_FALSE(ParseReportedError(
                   R"({"exit":4,"code":"NotFound","message":"a","hint":null,"request_id":null})"
                   "\n")
                   .has_value());
}

TEST(ErrorCatalogue, RecognisesACaseByWhatItExpects) {
  const GoldenCase c = Case(4, kServiceNotFound);
  EXPECT_TRUE(Pins(Entry("M14 (service, instance, secret or configmap)"), c));
  // The case is called m22_…, but what it expects is M14.
  EXPECT_FALSE(Pins(Entry("M22"), c));
  EXPECT_FALSE(Pins(Entry("M15 (namespace)"), c));
  EXPECT_FALSE(Pins(Entry("M16"), c));
}

TEST(ErrorCatalogue, NeedsTheExitCodeHintAndRequestIdOfTheSpec) {
  const MessageEntry& m14 = Entry("M14 (service, instance, secret or configmap)");
  EXPECT_FALSE(Pins(m14, Case(5, kServiceNotFound)));
  // The hint must name the namespace of the message and the kind's plural.
  EXPECT_FALSE(Pins(m14, Case(4,
                              "Error: service \"api\" not found in namespace \"prod\"\n"
                              "Hint: run 'rune get services -n default' to list services\n"
                              "Request ID: <RID>\n")));
  EXPECT_FALSE(Pins(m14, Case(4,
                              "Error: service \"api\" not found in namespace \"prod\"\n"
                              "Hint: list existing resources with 'rune get'\n"
                              "Request ID: <RID>\n")));
  EXPECT_FALSE(Pins(m14, Case(4,
                              "Error: service \"api\" not found in namespace \"prod\"\n"
                              "Hint: run 'rune get services -n prod' to list services\n")));
  // "—" in the hint column: no Hint line at all.
  EXPECT_TRUE(Pins(Entry("M13"),
                   Case(5, "Error: namespace \"system\" is reserved\nRequest ID: <RID>\n")));
  EXPECT_FALSE(Pins(Entry("M13"), Case(5,
                                       "Error: namespace \"system\" is reserved\n"
                                       "Hint: the object changed concurrently; retry the command\n"
                                       "Request ID: <RID>\n")));
}

TEST(ErrorCatalogue, ServerTextsNeedARealRuned) {
  EXPECT_FALSE(Pins(Entry("M14 (service, instance, secret or configmap)"),
                    Case(4, kServiceNotFound, ServerMode::kFake)));
  EXPECT_TRUE(Pins(Entry("M26"), Case(5,
                                      "Error: service \"default/api\" was modified concurrently\n"
                                      "Hint: the object changed concurrently; retry the command\n"
                                      "Request ID: <RID>\n",
                                      ServerMode::kFake)));
}

TEST(ErrorCatalogue, JsonCasesMustAgreeOnCodeAndExit) {
  const std::string json =
      R"({"code":"NotFound","exit":4,"message":"service \"api\" not found in namespace \"prod\"",)"
      R"("hint":"run 'rune get services -n prod' to list services","request_id":"<RID>"})"
      "\n";
  const MessageEntry& m14 = Entry("M14 (service, instance, secret or configmap)");
  EXPECT_TRUE(Pins(m14, Case(4, json)));
  EXPECT_FALSE(Pins(m14, Case(5, json)));  // "exit" disagrees with exit_code
  std::string wrong_code = json;
  wrong_code.replace(wrong_code.find("NotFound"), 8, "Internal");
  EXPECT_FALSE(Pins(m14, Case(4, wrong_code)));
}

TEST(ErrorCatalogue, SeparatesM07FromM08AndM09FromM47) {
  const std::string cycle =
      "Error: validation error: service.dependencies: dependency cycle detected: default/a -> "
      "default/b -> default/a\nHint: validate the spec locally with 'rune lint'\nRequest ID: <RID>\n";
  EXPECT_TRUE(Pins(Entry("M08"), Case(6, cycle)));
  EXPECT_FALSE(Pins(Entry("M07"), Case(6, cycle)));
  const std::string lint = "Error: validation failed: 1 error(s) in 1 file(s)\n";
  EXPECT_FALSE(Pins(Entry("M47"), Case(6, lint, ServerMode::kNone)));  // findings missing
  EXPECT_TRUE(Pins(Entry("M47"),
                   Case(6, lint, ServerMode::kNone, "a.yaml:1:1: error: service.name: required\n")));
  EXPECT_FALSE(Pins(Entry("M09"), Case(6, lint, ServerMode::kNone)));
}

TEST(ErrorCatalogue, StatusRowsNeedAServerStatus) {
  const std::string internal_json =
      R"({"code":"Internal","exit":1,"message":"boom","hint":"search the runed logs for the )"
      R"(request ID: journalctl -u runed","request_id":"<RID>"})"
      "\n";
  EXPECT_TRUE(Pins(Row("Internal"), Case(1, internal_json, ServerMode::kFake)));
  EXPECT_FALSE(Pins(Row("DataLoss"), Case(1, internal_json, ServerMode::kFake)));
  // Internal, Unknown and DataLoss look alike in the human form.
  EXPECT_FALSE(Pins(Row("Internal"),
                    Case(1,
                         "Error: boom\nHint: search the runed logs for the request ID: journalctl "
                         "-u runed\nRequest ID: <RID>\n",
                         ServerMode::kFake)));
  EXPECT_TRUE(Pins(Row("NotFound"), Case(4,
                                         "Error: policy \"x\" not found\nHint: list existing "
                                         "resources with 'rune get'\nRequest ID: <RID>\n")));
  // A connect failure is Unavailable too, but no status from runed.
  EXPECT_FALSE(Pins(Row("Unavailable"),
                    Case(1,
                         "Error: failed to connect to API server at 127.0.0.1:1: connection "
                         "refused\nHint: check that runed is running and reachable (systemctl "
                         "status runed, firewall, TLS settings)\n",
                         ServerMode::kNone)));
  EXPECT_TRUE(Pins(Row("OK"), Case(0, "", ServerMode::kReal)));
  EXPECT_FALSE(Pins(Row("OK"), Case(0, "", ServerMode::kNone)));
}

TEST(ErrorCatalogue, ListsWhatNoCasePins) {
  const std::vector<std::string> missing = Uncovered({Case(4, kServiceNotFound)});
  EXPECT_EQ(missing.size(), CanonicalMessages().size() - 1 + StatusRows().size());
  for (const std::string& line : missing) EXPECT_NE(line.rfind("M14 (service", 0), 0u) << line;
}

}  // namespace
}  // namespace rune::contract
