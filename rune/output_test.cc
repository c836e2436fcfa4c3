#include "rune/output.h"

#include <sstream>

#include "gtest/gtest.h"

namespace rune::cli {
namespace {

TEST(Table, AlignsOnCodePointsWithThreeSpacesAndDashes) {
  Table t({"NAME", "LABELS", "AGE"});
  t.Add({"prod", "", "3d"});
  t.Add({"caf\xc3\xa9-long", "env=prod", "12s"});
  std::ostringstream with, without;
  t.Print(with, true);
  t.Print(without, false);
  EXPECT_EQ(with.str(),
            "NAME        LABELS     AGE\n"
            "prod        -          3d\n"
            "caf\xc3\xa9-long   env=prod   12s\n");
  EXPECT_EQ(without.str(),
            "prod        -          3d\n"
            "caf\xc3\xa9-long   env=prod   12s\n");
}

TEST(Labels, CellAndDocumentAreSorted) {
  EXPECT_EQ(LabelsCell({}), "-");
  EXPECT_EQ(LabelsCell({{"tier", "web"}, {"env", "prod"}}), "env=prod,tier=web");
}

}  // namespace
}  // namespace rune::cli
