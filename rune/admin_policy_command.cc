// `rune admin policy create|get|list|attach|detach|delete` (SPEC §3.6.18,
// §4.7). Policy files are decoded and validated locally first (M09), with
// the validator runed runs too.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/policy/policy.h"
#include "common/status_macros.h"
#include "common/yaml/node.h"
#include "rune/admin_common.h"
#include "rune/commands.h"
#include "rune/output.h"

namespace rune::cli {
namespace {

// M09 for the findings of one file.
absl::Status Findings(const std::string& file, const std::vector<std::string>& lines) {
  std::string message = absl::StrCat("validation failed: ", lines.size(), " error(s) in 1 file(s)");
  for (const std::string& line : lines) absl::StrAppend(&message, "\n", line);
  return common::LocalSpecError(message, absl::StrCat("run 'rune lint ", file, "' for details"));
}

// Reads, decodes and validates a policy file.
absl::StatusOr<api::Policy> LoadPolicy(Invocation& inv, const std::string& path) {
  RUNE_ASSIGN_OR_RETURN(std::string text, ReadInput(inv, path));
  const std::string file = path == "-" ? "<stdin>" : path;
  common::yaml::Mark mark;
  absl::StatusOr<std::vector<common::yaml::Document>> docs =
      common::yaml::ParseDocuments(text, &mark);
  if (!docs.ok()) {
    return Findings(path, {absl::StrCat(file, ":", mark.line, ":", mark.column, ": ",
                                        docs.status().message())});
  }
  if (docs->size() != 1 || docs->front().empty) {
    return Findings(path, {absl::StrCat(file, ":1:1: policy: expected exactly one document, got ",
                                        docs->size())});
  }
  common::PolicyDecode decoded = common::DecodePolicy(docs->front().root);
  // Structural findings first, then the semantic ones of fields that decoded.
  std::vector<common::Violation> all = decoded.violations;
  for (common::Violation& v : common::ValidatePolicy(decoded.policy)) {
    const bool covered = std::any_of(all.begin(), all.end(), [&](const common::Violation& d) {
      return d.path != "policy" && absl::StartsWith(v.path, d.path);
    });
    if (!covered) all.push_back(std::move(v));
  }
  if (all.empty()) return decoded.policy;
  std::vector<std::string> lines;
  for (const common::Violation& v : all) {
    const common::yaml::Mark at = v.mark.line > 0 ? v.mark : decoded.MarkOf(v.path);
    lines.push_back(absl::StrCat(file, ":", at.line, ":", at.column, ": ", v.path, ": ", v.reason));
  }
  return Findings(path, lines);
}

}  // namespace

absl::Status RunAdminPolicyCreate(Invocation& inv) {
  api::CreatePolicyRequest request;
  RUNE_ASSIGN_OR_RETURN(*request.mutable_policy(), LoadPolicy(inv, inv.parsed.String("file")));
  request.set_replace(inv.parsed.Bool("replace"));
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::CreatePolicyResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::CreatePolicy,
                                        "AdminService.CreatePolicy", request, &response));
  inv.out() << "policy/" << response.policy().name() << " "
            << (response.action() == api::CREATED ? "created" : "replaced") << "\n";
  return absl::OkStatus();
}

absl::Status RunAdminPolicyGet(Invocation& inv) {
  api::GetPolicyRequest request;
  request.set_name(inv.parsed.args[0]);
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::GetPolicyResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::GetPolicy,
                                        "AdminService.GetPolicy", request, &response));
  PrintDocument(inv, common::PolicyDocument(response.policy()), inv.parsed.String("output"));
  return absl::OkStatus();
}

absl::Status RunAdminPolicyList(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::ListPoliciesResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::ListPolicies,
                                        "AdminService.ListPolicies", api::ListPoliciesRequest(),
                                        &response));
  const std::string format = inv.parsed.String("output");
  if (format != "table") {
    common::Value items = common::Value::Array();
    for (const api::Policy& p : response.policies()) items.Push(common::PolicyDocument(p));
    PrintDocument(inv, common::Value::Object().Set("policies", std::move(items)), format);
    return absl::OkStatus();
  }
  Table table({"NAME", "BUILTIN", "RULES", "DESCRIPTION"});
  for (const api::Policy& p : response.policies()) {
    table.Add({p.name(), p.builtin() ? "true" : "false", absl::StrCat(p.rules_size()),
               p.description().empty() ? "-" : p.description()});
  }
  table.Print(inv.out(), true);
  return absl::OkStatus();
}

absl::Status RunAdminPolicyAttach(Invocation& inv) {
  api::AttachPolicyRequest request;
  request.set_policy(inv.parsed.args[0]);
  request.set_user(inv.parsed.String("to-user"));
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::AttachPolicyResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::AttachPolicy,
                                        "AdminService.AttachPolicy", request, &response));
  inv.out() << "policy/" << request.policy() << (response.already_attached() ? " already" : "")
            << " attached to user/" << request.user() << "\n";
  return absl::OkStatus();
}

absl::Status RunAdminPolicyDetach(Invocation& inv) {
  api::DetachPolicyRequest request;
  request.set_policy(inv.parsed.args[0]);
  request.set_user(inv.parsed.String("from-user"));
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::DetachPolicyResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::DetachPolicy,
                                        "AdminService.DetachPolicy", request, &response));
  inv.out() << "policy/" << request.policy()
            << (response.not_attached() ? " not attached to" : " detached from") << " user/"
            << request.user() << "\n";
  return absl::OkStatus();
}

absl::Status RunAdminPolicyDelete(Invocation& inv) {
  api::DeletePolicyRequest request;
  request.set_name(inv.parsed.args[0]);
  request.set_force(inv.parsed.Bool("force"));
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::DeletePolicyResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::DeletePolicy,
                                        "AdminService.DeletePolicy", request, &response));
  inv.out() << "policy/" << response.name() << " deleted\n";
  for (const std::string& u : response.detached_users()) {
    inv.out() << "  detached from user/" << u << "\n";
  }
  return absl::OkStatus();
}

}  // namespace rune::cli
