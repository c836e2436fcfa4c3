// `rune admin registry add|list|remove` (SPEC §3.6.18) over AdminService:
// credentials are read here from files or stdin, sent once, stored sealed by
// runed and never shown again.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/spec/documents.h"
#include "common/status_macros.h"
#include "proto/admin.grpc.pb.h"
#include "rune/admin_common.h"
#include "rune/commands.h"
#include "rune/output.h"

namespace rune::cli {
namespace {

std::string SourceName(api::RegistryInfo::Source source) {
  return source == api::RegistryInfo::RUNEFILE ? "runefile" : "runtime";
}

// A credential from a file or stdin, without the trailing newline.
absl::StatusOr<std::string> ReadCredential(Invocation& inv, const std::string& path) {
  RUNE_ASSIGN_OR_RETURN(std::string text, ReadInput(inv, path));
  return std::string(absl::StripTrailingAsciiWhitespace(text));
}

}  // namespace

absl::Status RunAdminRegistryAdd(Invocation& inv) {
  const auto& p = inv.parsed;
  api::AddRegistryRequest request;
  request.set_name(p.String("name"));
  request.set_server(p.String("server"));
  if (p.IsSet("type")) request.set_type(common::spec::RegistryTypeOf(p.String("type")));
  if (p.IsSet("username")) request.set_username(p.String("username"));
  if (p.IsSet("password-file")) {
    RUNE_ASSIGN_OR_RETURN(std::string password, ReadCredential(inv, p.String("password-file")));
    request.set_password(std::move(password));
  } else if (p.Bool("password-stdin")) {
    RUNE_ASSIGN_OR_RETURN(std::string password, ReadCredential(inv, "-"));
    request.set_password(std::move(password));
  }
  if (p.IsSet("token-file")) {
    RUNE_ASSIGN_OR_RETURN(std::string token, ReadCredential(inv, p.String("token-file")));
    request.set_token(std::move(token));
  }
  if (p.IsSet("region")) request.set_region(p.String("region"));
  if (p.IsSet("from-secret")) request.set_from_secret(p.String("from-secret"));
  // This command's --token-file is the registry's token and shadows the
  // global flag of the same name: the bearer token comes from --token,
  // RUNE_TOKEN, RUNE_TOKEN_FILE or the context.
  common::cli::ParsedCommand without_registry_token = p;
  without_registry_token.flags.erase("token-file");
  Invocation connect(without_registry_token, inv.environment(), inv.streams(), inv.json_errors());
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(connect));
  api::AddRegistryResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(), &api::AdminService::Stub::AddRegistry,
                                        "AdminService.AddRegistry", request, &response));
  inv.out() << "registry/" << response.registry().name() << " added\n";
  return absl::OkStatus();
}

absl::Status RunAdminRegistryList(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::ListRegistriesResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(),
                                        &api::AdminService::Stub::ListRegistries,
                                        "AdminService.ListRegistries",
                                        api::ListRegistriesRequest(), &response));
  const std::string format = inv.parsed.String("output");
  if (format != "table") {
    common::Value items = common::Value::Array();
    for (const api::RegistryInfo& r : response.registries()) {
      common::Value doc = common::Value::Object();
      doc.Set("name", r.name()).Set("server", r.server()).Set("type", common::spec::RegistryTypeName(r.type()));
      doc.Set("source", SourceName(r.source()));
      if (!r.region().empty()) doc.Set("region", r.region());
      if (!r.from_secret().empty()) doc.Set("fromSecret", r.from_secret());
      items.Push(std::move(doc));
    }
    PrintDocument(inv, common::Value::Object().Set("registries", std::move(items)), format);
    return absl::OkStatus();
  }
  if (response.registries().empty()) {
    inv.err() << "No registries found.\n";
    return absl::OkStatus();
  }
  Table table({"NAME", "SERVER", "TYPE", "SOURCE"});
  for (const api::RegistryInfo& r : response.registries()) {
    table.Add({r.name(), r.server(), common::spec::RegistryTypeName(r.type()), SourceName(r.source())});
  }
  table.Print(inv.out(), true);
  return absl::OkStatus();
}

absl::Status RunAdminRegistryRemove(Invocation& inv) {
  api::RemoveRegistryRequest request;
  request.set_name(inv.parsed.args[0]);
  RUNE_ASSIGN_OR_RETURN(AdminClient admin, AdminClient::Connect(inv));
  api::RemoveRegistryResponse response;
  RUNE_RETURN_IF_ERROR(admin.conn->Call(admin.stub.get(),
                                        &api::AdminService::Stub::RemoveRegistry,
                                        "AdminService.RemoveRegistry", request, &response));
  inv.out() << "registry/" << response.name() << " removed\n";
  return absl::OkStatus();
}

}  // namespace rune::cli
