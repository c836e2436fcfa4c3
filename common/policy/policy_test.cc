#include "common/policy/policy.h"

#include "gtest/gtest.h"

namespace rune::common {
namespace {

PolicyDecode Decode(const std::string& text) {
  yaml::Mark mark;
  auto docs = yaml::ParseDocuments(text, &mark);
  EXPECT_TRUE(docs.ok()) << docs.status();
  return DecodePolicy(docs->front().root);
}

TEST(Policy, DecodesAndCanonicalisesPluralResources) {
  PolicyDecode d = Decode(
      "name: editor-prod\ndescription: Edit\nrules:\n"
      "  - resource: services\n    verbs: [get, list]\n    namespace: prod\n");
  EXPECT_TRUE(d.violations.empty());
  EXPECT_TRUE(ValidatePolicy(d.policy).empty());
  ASSERT_EQ(d.policy.rules_size(), 1);
  EXPECT_EQ(d.policy.rules(0).resource(), "service");
  EXPECT_EQ(d.policy.rules(0).namespace_(), "prod");
  EXPECT_EQ(d.policy.rules(0).verbs(1), "list");
}

TEST(Policy, ReportsUnknownFieldsAndTypesWithPositions) {
  PolicyDecode d = Decode("name: x\ncolour: red\nrules:\n  - resource: [a]\n    verbs: get\n");
  ASSERT_EQ(d.violations.size(), 3u);
  EXPECT_EQ(d.violations[0].path, "policy");
  EXPECT_EQ(d.violations[0].reason, "unknown field \"colour\"");
  EXPECT_EQ(d.violations[0].mark.line, 2);
  EXPECT_EQ(d.violations[1].path, "policy.rules[0].resource");
  EXPECT_EQ(d.violations[1].reason, "expected a string, got a list");
  EXPECT_EQ(d.MarkOf(d.violations[1].path).line, 4);
  EXPECT_EQ(d.violations[2].reason, "expected a list, got a string");
}

TEST(Policy, ValidatesNamesResourcesVerbsAndNamespaces) {
  api::Policy p;
  p.set_name("Bad_Name");
  api::PolicyRule* r = p.add_rules();
  r->set_resource("pods");
  r->add_verbs("get");
  r->add_verbs("patch");
  r->set_namespace_("Prod");
  p.add_rules();
  std::vector<Violation> v = ValidatePolicy(p);
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0].path, "policy.name");
  EXPECT_EQ(v[1].path, "policy.rules[0].resource");
  EXPECT_EQ(v[1].reason,
            "must be one of: *, service, instance, namespace, secret, configmap, node, admin; "
            "got \"pods\"");
  EXPECT_EQ(v[2].path, "policy.rules[0].verbs[1]");
  EXPECT_EQ(v[3].path, "policy.rules[0].namespace");
  EXPECT_EQ(v[4].path, "policy.rules[1].resource");
  EXPECT_EQ(v[4].reason, "required");
  EXPECT_EQ(v[5].path, "policy.rules[1].verbs");
}

TEST(Policy, EmptyRulesAreRequired) {
  api::Policy p;
  p.set_name("ok");
  std::vector<Violation> v = ValidatePolicy(p);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].path, "policy.rules");
}

}  // namespace
}  // namespace rune::common
