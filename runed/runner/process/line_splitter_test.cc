#include "runed/runner/process/line_splitter.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace rune::daemon::runner::process {
namespace {

class LineSplitterTest : public testing::Test {
 protected:
  void Feed(absl::string_view data) {
    split_.Feed(data, [this](absl::string_view l) { lines_.emplace_back(l); });
  }
  void Flush() {
    split_.Flush([this](absl::string_view l) { lines_.emplace_back(l); });
  }
  LineSplitter split_{8};
  std::vector<std::string> lines_;
};

TEST_F(LineSplitterTest, SplitsOnNewlineAcrossReads) {
  Feed("ab\ncd");
  EXPECT_EQ(lines_, (std::vector<std::string>{"ab"}));
  Feed("e\n\nf");
  EXPECT_EQ(lines_, (std::vector<std::string>{"ab", "cde", ""}));
  Flush();
  EXPECT_EQ(lines_, (std::vector<std::string>{"ab", "cde", "", "f"}));
  Flush();
  EXPECT_EQ(lines_.size(), 4u);
}

TEST_F(LineSplitterTest, ChunksLongLines) {
  Feed("0123456789abcdefXY\n");
  EXPECT_EQ(lines_, (std::vector<std::string>{"01234567", "89abcdef", "XY"}));
}

TEST_F(LineSplitterTest, LineOfExactlyTheLimitIsOneLine) {
  Feed("0123");
  Feed("4567");
  Feed("\nz\n");
  EXPECT_EQ(lines_, (std::vector<std::string>{"01234567", "z"}));
}

TEST_F(LineSplitterTest, ChunksAcrossReads) {
  Feed("01234");
  Feed("56789");
  EXPECT_EQ(lines_, (std::vector<std::string>{"01234567"}));
  Feed("\n");
  EXPECT_EQ(lines_, (std::vector<std::string>{"01234567", "89"}));
}

}  // namespace
}  // namespace rune::daemon::runner::process
