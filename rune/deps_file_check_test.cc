#include "rune/deps_file_check.h"

#include "gtest/gtest.h"

namespace rune::cli {
namespace {

std::vector<std::string> Lines(const DepsFileCheck& check) {
  std::vector<std::string> out;
  for (const common::spec::Finding& f : check.findings) out.push_back(common::spec::FormatFinding(f));
  return out;
}

TEST(CheckDependencyFiles, EverythingPresentIsValid) {
  const DepsFileCheck c = CheckDependencyFiles(
      {{"a.yaml",
        "service: {name: api, process: {command: /bin/true}, scale: 1,\n"
        "          dependencies: [db, {secret: creds}, {service: cache, optional: true}]}\n"
        "---\n"
        "service: {name: db, process: {command: /bin/true}, scale: 1}\n"
        "---\n"
        "secret: {name: creds, value: x}\n"}},
      {});
  EXPECT_TRUE(c.findings.empty()) << Lines(c)[0];
  EXPECT_EQ(c.services, (std::vector<std::string>{"default/api", "default/db"}));
}

TEST(CheckDependencyFiles, RequiredDependenciesMustBeInTheFiles) {
  const DepsFileCheck c = CheckDependencyFiles(
      {{"a.yaml",
        "service:\n"
        "  name: api\n"
        "  namespace: prod\n"
        "  process: {command: /bin/true}\n"
        "  scale: 1\n"
        "  dependencies:\n"
        "    - db\n"
        "    - db.default\n"
        "    - configmap: settings\n"}},
      {});
  EXPECT_EQ(Lines(c), (std::vector<std::string>{
                          "a.yaml:7:7: service.dependencies[0]: missing dependency: service \"prod/db\"",
                          "a.yaml:8:7: service.dependencies[1]: missing dependency: service \"default/db\"",
                          "a.yaml:9:7: service.dependencies[2]: missing dependency: configmap "
                          "\"prod/settings\""}));
  EXPECT_EQ(c.files_with_findings, 1);
}

TEST(CheckDependencyFiles, ObjectsOfOtherFilesCountAndCyclesAreFound) {
  const DepsFileCheck c = CheckDependencyFiles(
      {{"a.yaml", "service: {name: a, process: {command: /bin/true}, scale: 1, dependencies: [b]}\n"},
       {"b.yaml", "service: {name: b, process: {command: /bin/true}, scale: 1, dependencies: [a]}\n"}},
      {});
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].violation.reason,
            "dependency cycle detected: default/a -> default/b -> default/a");
}

TEST(CheckDependencyFiles, OnlyDependencyFindingsAndSyntaxErrors) {
  const DepsFileCheck bad_port = CheckDependencyFiles(
      {{"a.yaml",
        "service: {name: a, process: {command: /bin/true}, scale: 1, ports: [{name: x, port: 0}]}\n"}},
      {});
  EXPECT_TRUE(bad_port.findings.empty());
  const DepsFileCheck bad_yaml = CheckDependencyFiles({{"a.yaml", "service: [\n"}}, {});
  EXPECT_EQ(bad_yaml.findings.size(), 1u);
  const DepsFileCheck bad_entry = CheckDependencyFiles(
      {{"a.yaml",
        "service: {name: a, process: {command: /bin/true}, scale: 1,\n"
        "          dependencies: [{service: a}]}\n"}},
      {});
  ASSERT_EQ(bad_entry.findings.size(), 1u);
  EXPECT_EQ(bad_entry.findings[0].violation.path, "service.dependencies[0]");
}

}  // namespace
}  // namespace rune::cli
