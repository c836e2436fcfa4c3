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

TEST(Help, MultiLineExamplesAreSeparated) {
  Command cmd;
  cmd.name = "tool";
  cmd.short_help = "A tool";
  cmd.examples = {"# first\ntool a", "# second\ntool b"};
  const std::string help = RenderHelp({&cmd});
  EXPECT_NE(help.find("Examples:\n  # first\n  tool a\n\n  # second\n  tool b\n"),
            std::string::npos)
      << help;
}

TEST(Man, SectionsAndExamplesPerPage) {
  ManInfo info;
  info.date = "2026-01-01";
  info.sections = [](const std::vector<const Command*>& path) {
    ManSection s;
    s.title = "EXIT STATUS";
    s.text = "Page of " + path.back()->name + ".";
    s.items = {{"0", "Success.\nNothing else."}};
    return std::vector<ManSection>{s};
  };
  Command root;
  root.name = "tool";
  root.short_help = "A tool";
  root.examples = {"# first\ntool a", "tool b"};
  Command sub;
  sub.name = "sub";
  sub.short_help = "A subcommand";
  sub.examples = {"tool sub x", "tool sub y"};
  root.subcommands = {sub};
  std::vector<ManPage> pages = RenderManPages(root, info);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_NE(pages[0].content.find(
                ".SH EXIT STATUS\nPage of tool.\n.TP\n\\fB0\\fR\nSuccess.\n.br\nNothing else.\n"),
            std::string::npos)
      << pages[0].content;
  EXPECT_NE(pages[0].content.find(
                ".SH EXAMPLES\n.RS 4\n.nf\n# first\ntool a\n.sp\ntool b\n.fi\n.RE\n"),
            std::string::npos)
      << pages[0].content;
  EXPECT_NE(pages[1].content.find("Page of sub."), std::string::npos);
  EXPECT_NE(pages[1].content.find(".SH EXAMPLES\n.RS 4\n.nf\ntool sub x\ntool sub y\n.fi\n"),
            std::string::npos)
      << pages[1].content;
}

TEST(Man, DocumentPage) {
  ManInfo info;
  info.section = 5;
  info.date = "2026-01-01";
  info.source = "tool 1";
  info.manual = "Tool Manual";
  ManDocument doc;
  doc.name = "toolfile";
  doc.summary = "settings of tool";
  doc.synopsis = "/etc/toolfile";
  ManSection example;
  example.title = "EXAMPLES";
  example.text = "A file:";
  example.verbatim = "a: 1\n\n.b: 2";
  doc.sections = {example};
  doc.see_also = {"tool(8)"};
  const ManPage page = RenderManDocument(doc, info);
  EXPECT_EQ(page.file_name, "toolfile.5");
  EXPECT_EQ(page.content,
            ".TH \"TOOLFILE\" \"5\" \"2026-01-01\" \"tool 1\" \"Tool Manual\"\n.nh\n.ad l\n"
            ".SH NAME\ntoolfile \\- settings of tool\n"
            ".SH SYNOPSIS\n.RS 4\n.nf\n/etc/toolfile\n.fi\n.RE\n"
            ".SH EXAMPLES\nA file:\n.PP\n.RS 4\n.nf\na: 1\n.sp\n\\&.b: 2\n.fi\n.RE\n"
            ".SH SEE ALSO\n\\fBtool\\fR(8)\n");
}

TEST(Man, RoffEscape) {
  EXPECT_EQ(RoffEscape(".start -x \\"), "\\&.start \\-x \\e");
  EXPECT_EQ(RoffEscape("inst/\u2026 \u2014 caf\u00e9"), "inst/\\[u2026] \\[u2014] caf\\[u00E9]");
}

}  // namespace
}  // namespace rune::common::cli
