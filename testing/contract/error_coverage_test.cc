// SPEC §2.6 "each pinned by at least one golden test", and every row of
// §2.4: fails listing each message form and status row that no case under
// testdata/cli/ pins (see error_catalogue.h for what "pins" means).
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "testing/contract/error_catalogue.h"
#include "testing/contract/golden_case.h"

namespace rune::contract {
namespace {

std::string CasesRoot() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/", workspace != nullptr ? workspace : "rune",
                      "/testdata/cli");
}

TEST(ErrorCoverage, EveryMessageAndStatusRowIsPinnedByAGoldenCase) {
  absl::StatusOr<std::vector<GoldenCase>> cases = ReadGoldenCases(CasesRoot());
  ASSERT_TRUE(cases.ok()) << cases.status();
  ASSERT_GT(cases->size(), 100u) << "the golden cases are not in the runfiles";

  for (const MessageEntry& m : CanonicalMessages()) {
    std::vector<std::string> by;
    for (const GoldenCase& c : *cases) {
      if (Pins(m, c)) by.push_back(c.name);
    }
    std::cout << Label(m) << ": " << by.size() << " case(s)" << (by.empty() ? "" : ", e.g. ")
              << (by.empty() ? "" : by.front()) << "\n";
  }
  for (const StatusRow& r : StatusRows()) {
    std::vector<std::string> by;
    for (const GoldenCase& c : *cases) {
      if (Pins(r, c)) by.push_back(c.name);
    }
    std::cout << "§2.4 " << r.code << ": " << by.size() << " case(s)"
              << (by.empty() ? "" : ", e.g. ") << (by.empty() ? "" : by.front()) << "\n";
  }

  // For the reader: errors outside §2.6 (command-specific messages).
  std::cout << "\ncases whose error is none of the §2.6 forms:\n";
  for (const GoldenCase& c : *cases) {
    std::optional<ReportedError> e = ParseReportedError(c.stderr_text);
    if (!e.has_value()) continue;
    bool known = false;
    for (const MessageEntry& m : CanonicalMessages()) known = known || Pins(m, c);
    if (!known) {
      std::cout << "  " << c.name << " (exit " << c.exit_code << "): "
                << e->message.substr(0, e->message.find('\n')) << "\n";
    }
  }

  const std::vector<std::string> missing = Uncovered(*cases);
  std::cout << "\n" << CanonicalMessages().size() << " message forms (M01-M49), "
            << StatusRows().size() << " status rows, " << cases->size() << " golden cases\n"
            << "uncovered: " << missing.size() << "\n";
  for (const std::string& line : missing) std::cout << "  " << line << "\n";
  EXPECT_EQ(missing.size(), 0u) << "add a golden case under testdata/cli/ for each line above";
}

}  // namespace
}  // namespace rune::contract
