#include "common/cli/help.h"

#include "common/cli/man.h"
#include "common/cli/test_table.h"
#include "gtest/gtest.h"

namespace rune::common::cli {
namespace {

TEST(Help, LeafLayout) {
  const Command& root = TestRoot();
  const Command* cast = &root.subcommands[1];
  EXPECT_EQ(RenderHelp({&root, cast}),
            "Apply files\n"
            "\n"
            "Usage:\n"
            "  tool cast <source>... [flags]\n"
            "\n"
            "Aliases:\n"
            "  cast, apply\n"
            "\n"
            "Flags:\n"
            "      --config string   file\n"
            "  -h, --help            help for cast\n"
            "  -o, --output string   format: one of text, json (default \"text\")\n"
            "\n"
            "Global Flags:\n"
            "  -n, --namespace string           target namespace\n"
            "      --request-timeout duration   deadline (default 30s)\n"
            "  -v, --verbose                    say more\n");
}

TEST(Help, GroupLayout) {
  const Command& root = TestRoot();
  const std::string help = RenderHelp({&root});
  EXPECT_NE(help.find("Usage:\n  tool [command]\n"), std::string::npos);
  EXPECT_NE(help.find("Available Commands:\n  scale       Scale a service\n"), std::string::npos);
  EXPECT_EQ(help.find("__secret"), std::string::npos);
  EXPECT_NE(help.find("Use \"tool [command] --help\" for more information about a command.\n"),
            std::string::npos);
}

TEST(Man, OnePagePerCommandPath) {
  ManInfo info;
  info.date = "2026-01-01";
  info.source = "tool 1";
  info.manual = "Tool Manual";
  std::vector<ManPage> pages = RenderManPages(TestRoot(), info);
  std::vector<std::string> names;
  for (const ManPage& p : pages) names.push_back(p.file_name);
  EXPECT_EQ(names, (std::vector<std::string>{"tool.1", "tool-scale.1", "tool-cast.1", "tool-exec.1",
                                             "tool-admin.1", "tool-admin-user.1",
                                             "tool-admin-user-create.1", "tool-status.1"}));
  EXPECT_NE(pages[1].content.find(".TH \"TOOL-SCALE\" \"1\" \"2026-01-01\""), std::string::npos);
  EXPECT_NE(pages[1].content.find("\\fB\\-\\-mode\\fR \\fIstring\\fR"), std::string::npos);
}

TEST(Man, RoffEscape) {
  EXPECT_EQ(RoffEscape(".start -x \\"), "\\&.start \\-x \\e");
  EXPECT_EQ(RoffEscape("inst/\u2026 \u2014 caf\u00e9"), "inst/\\[u2026] \\[u2014] caf\\[u00E9]");
}

}  // namespace
}  // namespace rune::common::cli
