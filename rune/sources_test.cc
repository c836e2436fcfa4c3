#include "rune/sources.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace rune::cli {
namespace {

namespace fs = std::filesystem;

class SourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    fs::create_directories(root_);
  }

  std::string Touch(const std::string& relative, const std::string& text = "a: 1\n") {
    const fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  std::string P(const std::string& relative) const { return (root_ / relative).string(); }

  std::vector<std::string> Names(const std::vector<std::string>& args, bool recursive = false) {
    SourceOptions options;
    options.recursive = recursive;
    absl::StatusOr<ExpandedSources> s = ExpandSources(args, options, "rune cast");
    EXPECT_TRUE(s.ok()) << s.status();
    std::vector<std::string> out;
    if (!s.ok()) return out;
    for (const SourceFile& f : s->files) out.push_back(f.name);
    return out;
  }

  absl::Status Error(const std::vector<std::string>& args, bool recursive = false) {
    SourceOptions options;
    options.recursive = recursive;
    return ExpandSources(args, options, "rune cast").status();
  }

  fs::path root_;
};

TEST_F(SourcesTest, RegularFilesOfAnyExtensionInArgumentOrder) {
  Touch("b.txt");
  Touch("a.yaml");
  EXPECT_EQ(Names({P("b.txt"), P("a.yaml")}), (std::vector<std::string>{P("b.txt"), P("a.yaml")}));
}

TEST_F(SourcesTest, DirectoryYieldsSortedYamlAndJsonFilesOnly) {
  Touch("d/b.yml");
  Touch("d/a.yaml");
  Touch("d/c.json");
  Touch("d/notes.txt");
  Touch("d/sub/x.yaml");
  EXPECT_EQ(Names({P("d")}),
            (std::vector<std::string>{P("d/a.yaml"), P("d/b.yml"), P("d/c.json")}));
  // A trailing slash is not doubled.
  EXPECT_EQ(Names({P("d") + "/"}).front(), P("d/a.yaml"));
}

TEST_F(SourcesTest, RecursiveDescendsSortedByPath) {
  Touch("d/c.yaml");
  Touch("d/a.yaml");
  Touch("d/b/z.yaml");
  Touch("d/b/deeper/y.json");
  EXPECT_EQ(Names({P("d")}, /*recursive=*/true),
            (std::vector<std::string>{P("d/a.yaml"), P("d/b/deeper/y.json"), P("d/b/z.yaml"),
                                      P("d/c.yaml")}));
}

TEST_F(SourcesTest, GlobMatchesSortedAndDirectoriesExpanded) {
  Touch("g/svc-b.yaml");
  Touch("g/svc-a.yaml");
  Touch("g/svc-dir/inner.yaml");
  Touch("g/other.yaml");
  EXPECT_EQ(Names({P("g/svc-*")}),
            (std::vector<std::string>{P("g/svc-a.yaml"), P("g/svc-b.yaml"), P("g/svc-dir/inner.yaml")}));
  EXPECT_EQ(Names({P("g/svc-?.yaml")}),
            (std::vector<std::string>{P("g/svc-a.yaml"), P("g/svc-b.yaml")}));
  EXPECT_EQ(Names({P("g/[o]ther.yaml")}), (std::vector<std::string>{P("g/other.yaml")}));
}

TEST_F(SourcesTest, DuplicatesKeepTheFirstOccurrence) {
  Touch("d/a.yaml");
  Touch("d/b.yaml");
  EXPECT_EQ(Names({P("d/b.yaml"), P("d")}),
            (std::vector<std::string>{P("d/b.yaml"), P("d/a.yaml")}));
}

TEST_F(SourcesTest, StdinOnce) {
  EXPECT_EQ(Names({"-"}), (std::vector<std::string>{"<stdin>"}));
  absl::Status twice = Error({"-", "-"});
  EXPECT_EQ(common::Classify(twice).exit_code, 2);
}

TEST_F(SourcesTest, MissingPathIsM41) {
  absl::Status s = Error({P("nope.yaml")});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "path \"" + P("nope.yaml") + "\" does not exist");
  EXPECT_EQ(common::Classify(s).exit_code, 2);
  EXPECT_FALSE(common::Classify(s).hint.has_value());
}

TEST_F(SourcesTest, PatternWithoutMatch) {
  absl::Status s = Error({P("*.yaml")});
  EXPECT_EQ(s.message(), "pattern \"" + P("*.yaml") + "\" matched no files");
  EXPECT_EQ(common::Classify(s).exit_code, 2);
}

TEST_F(SourcesTest, DirectoryWithoutYaml) {
  Touch("empty/readme.md");
  Touch("empty/sub/deep.yaml");
  absl::Status s = Error({P("empty")});
  EXPECT_EQ(s.message(), "no YAML files found in \"" + P("empty") + "\"");
  EXPECT_EQ(common::Classify(s).exit_code, 2);
  EXPECT_EQ(Names({P("empty")}, /*recursive=*/true), (std::vector<std::string>{P("empty/sub/deep.yaml")}));
}

TEST_F(SourcesTest, RunesetsAreRecordedNotExpanded) {
  Touch("app/runeset.yaml");
  Touch("app/templates/svc.yaml");
  Touch("pkg.runeset.tgz");
  for (const std::string& arg : {P("app"), P("pkg.runeset.tgz"), std::string("https://example.com/a.tgz"),
                                 std::string("github.com/org/repo/sub@v1")}) {
    absl::StatusOr<ExpandedSources> s = ExpandSources({arg}, {}, "rune cast");
    ASSERT_TRUE(s.ok()) << arg << ": " << s.status();
    EXPECT_TRUE(s->files.empty()) << arg;
    EXPECT_EQ(s->runeset, arg);
    EXPECT_TRUE(IsRunesetSource(arg)) << arg;
  }
  EXPECT_FALSE(IsRunesetSource(Touch("plain.yaml")));
}

TEST_F(SourcesTest, PlainHttpIsAUsageError) {
  absl::Status s = Error({"http://example.com/app.tgz"});
  EXPECT_EQ(common::Classify(s).exit_code, 2);
  EXPECT_EQ(common::Classify(s).hint, "run 'rune cast --help' for usage");
}

TEST_F(SourcesTest, ReadsFilesAndStdin) {
  const std::string path = Touch("r.yaml", "x: 1\n");
  SourceFile f;
  f.name = path;
  f.path = path;
  std::istringstream in("from stdin");
  EXPECT_EQ(*ReadSourceFile(f, in), "x: 1\n");
  SourceFile s;
  s.is_stdin = true;
  EXPECT_EQ(*ReadSourceFile(s, in), "from stdin");
}

}  // namespace
}  // namespace rune::cli
