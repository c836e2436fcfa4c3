// `rune admin bootstrap|user|token …` (SPEC §3.6.18) over AdminService.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "proto/admin.grpc.pb.h"
#include "rune/admin_common.h"
#include "rune/commands.h"
#include "rune/connection.h"
#include "rune/output.h"

namespace rune::cli {
namespace {

common::Value UserDoc(const api::User& u) {
  common::Value policies = common::Value::Array();
  for (const std::string& p : u.policies()) policies.Push(p);
  common::Value doc = common::Value::Object();
  doc.Set("name", u.name()).Set("id", u.id());
  if (!u.email().empty()) doc.Set("email", u.email());
  doc.Set("policies", std::move(policies));
  doc.Set("createdAt", common::FormatTimestamp(u.created_at()));
  return doc;
}

std::string TokenStatus(api::TokenInfo::Status s) {
  switch (s) {
    case api::TokenInfo::ACTIVE:
      return "active";
    case api::TokenInfo::EXPIRED:
      return "expired";
    case api::TokenInfo::REVOKED:
      return "revoked";
    default:
      return "unknown";
  }
}

common::Value TokenDoc(const api::TokenInfo& t) {
  common::Value doc = common::Value::Object();
  doc.Set("id", t.id()).Set("name", t.name()).Set("subject", t.subject_name());
  if (!t.description().empty()) doc.Set("description", t.description());
  doc.Set("issuedAt", common::FormatTimestamp(t.issued_at()));
  if (t.has_expires_at()) doc.Set("expiresAt", common::FormatTimestamp(t.expires_at()));
  if (t.has_revoked_at()) doc.Set("revokedAt", common::FormatTimestamp(t.revoked_at()));
  doc.Set("status", TokenStatus(t.status()));
  return doc;
}

}  // namespace

absl::Status RunAdminBootstrap(Invocation& inv) {
  // The file is opened before the call: the token exists only once, so a
  // path that cannot be written must fail before it is issued.
  std::optional<SecretFile> file;
  if (inv.parsed.IsSet("out-file")) {
    RUNE_ASSIGN_OR_RETURN(file, SecretFile::Create(inv.parsed.String("out-file")));
  }
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::BootstrapResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::Bootstrap,
                                        "AdminService.Bootstrap", api::BootstrapRequest(),
                                        &response));
  if (!file.has_value()) {
    inv.out() << response.token() << "\n";
    return absl::OkStatus();
  }
  RUNE_RETURN_IF_ERROR(file->Write(response.token() + "\n"));
  inv.out() << "Bootstrap successful. Token written to " << file->path() << " (mode 0600).\n";
  return absl::OkStatus();
}

absl::Status RunAdminUserCreate(Invocation& inv) {
  api::UpsertUserRequest request;
  request.set_name(inv.parsed.args[0]);
  if (inv.parsed.IsSet("email")) request.set_email(inv.parsed.String("email"));
  for (const std::string& p : inv.parsed.Strings("policy")) request.add_policies(p);
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::UpsertUserResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::UpsertUser,
                                        "AdminService.UpsertUser", request, &response));
  inv.out() << "user/" << response.user().name() << " "
            << (response.action() == api::CREATED ? "created" : "updated") << "\n";
  return absl::OkStatus();
}

absl::Status RunAdminUserList(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::ListUsersResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::ListUsers,
                                        "AdminService.ListUsers", api::ListUsersRequest(),
                                        &response));
  const std::string format = inv.parsed.String("output");
  if (format != "table") {
    common::Value items = common::Value::Array();
    for (const api::User& u : response.users()) items.Push(UserDoc(u));
    PrintDocument(inv, common::Value::Object().Set("users", std::move(items)), format);
    return absl::OkStatus();
  }
  if (response.users().empty()) {
    inv.err() << "No users found.\n";
    return absl::OkStatus();
  }
  Table table({"NAME", "ID", "EMAIL", "POLICIES", "CREATED"});
  for (const api::User& u : response.users()) {
    table.Add({u.name(), u.id(), u.email().empty() ? "-" : u.email(),
               u.policies().empty() ? "-" : absl::StrJoin(u.policies(), ","),
               common::FormatTimestamp(u.created_at())});
  }
  table.Print(inv.out(), true);
  return absl::OkStatus();
}

absl::Status RunAdminUserDelete(Invocation& inv) {
  api::DeleteUserRequest request;
  request.set_name(inv.parsed.args[0]);
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::DeleteUserResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::DeleteUser,
                                        "AdminService.DeleteUser", request, &response));
  inv.out() << "user/" << response.name() << " deleted";
  if (response.revoked_tokens() > 0) {
    inv.out() << " (" << response.revoked_tokens() << " token"
              << (response.revoked_tokens() == 1 ? "" : "s") << " revoked)";
  }
  inv.out() << "\n";
  return absl::OkStatus();
}

absl::Status RunAdminTokenCreate(Invocation& inv) {
  const auto& p = inv.parsed;
  api::CreateTokenRequest request;
  request.set_name(p.args[0]);
  if (p.IsSet("subject-name")) request.set_subject_name(p.String("subject-name"));
  if (p.IsSet("subject-id")) request.set_subject_id(p.String("subject-id"));
  for (const std::string& policy : p.Strings("policies")) request.add_policies(policy);
  request.set_ttl_seconds(absl::ToInt64Seconds(p.Duration("ttl")));
  request.set_description(p.String("description"));
  std::optional<SecretFile> file;
  if (p.IsSet("out-file")) {
    RUNE_ASSIGN_OR_RETURN(file, SecretFile::Create(p.String("out-file")));
  }
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::CreateTokenResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::CreateToken,
                                        "AdminService.CreateToken", request, &response));
  if (file.has_value()) {
    RUNE_RETURN_IF_ERROR(file->Write(response.token() + "\n"));
    inv.out() << "Token \"" << request.name() << "\" (id " << response.id() << ") written to "
              << file->path() << "\n";
    return absl::OkStatus();
  }
  inv.out() << response.token() << "\n";
  if (!inv.json_errors()) {
    inv.err() << "Token \"" << request.name() << "\" created (id " << response.id()
              << "); the secret is shown only once\n";
  }
  return absl::OkStatus();
}

absl::Status RunAdminTokenList(Invocation& inv) {
  api::ListTokensRequest request;
  request.set_user(inv.parsed.String("user"));
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::ListTokensResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::ListTokens,
                                        "AdminService.ListTokens", request, &response));
  const std::string format = inv.parsed.String("output");
  if (format != "table") {
    common::Value items = common::Value::Array();
    for (const api::TokenInfo& t : response.tokens()) items.Push(TokenDoc(t));
    PrintDocument(inv, common::Value::Object().Set("tokens", std::move(items)), format);
    return absl::OkStatus();
  }
  if (response.tokens().empty()) {
    inv.err() << "No tokens found.\n";
    return absl::OkStatus();
  }
  Table table({"ID", "NAME", "SUBJECT", "ISSUED", "EXPIRES", "STATUS"});
  for (const api::TokenInfo& t : response.tokens()) {
    table.Add({t.id(), t.name(), t.subject_name(), common::FormatTimestamp(t.issued_at()),
               t.has_expires_at() ? common::FormatTimestamp(t.expires_at()) : "never",
               TokenStatus(t.status())});
  }
  table.Print(inv.out(), true);
  return absl::OkStatus();
}

absl::Status RunAdminTokenRevoke(Invocation& inv) {
  api::RevokeTokenRequest request;
  request.set_id(inv.parsed.args[0]);
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::RevokeTokenResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::RevokeToken,
                                        "AdminService.RevokeToken", request, &response));
  inv.out() << "token/" << response.id() << (response.already_revoked() ? " already" : "")
            << " revoked\n";
  return absl::OkStatus();
}

}  // namespace rune::cli
