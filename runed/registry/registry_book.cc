#include "runed/registry/registry_book.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/document.h"
#include "common/proto_time.h"
#include "common/runefile/registry.h"
#include "common/spec/documents.h"
#include "common/status_macros.h"
#include "common/violation.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runed/registry/records.pb.h"
#include "runed/secrets/envelope.h"

namespace rune::daemon::registry {
namespace {

using common::RunefileRegistry;

std::string Aad(absl::string_view name) { return absl::StrCat("registry|", name); }

absl::Status NotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat("registry \"", name, "\" not found"));
}

absl::Status Exists(absl::string_view name) {
  return absl::AlreadyExistsError(absl::StrCat("registry \"", name, "\" already exists"));
}

// A credential file's text without the trailing newline editors add.
absl::StatusOr<std::string> ReadCredentialFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return absl::FailedPreconditionError(absl::StrCat("cannot read ", path, ": ", std::strerror(err)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripTrailingAsciiWhitespace(text.str()));
}

// The API field of a runefile key in AddRegistry's validation paths.
std::string ApiField(absl::string_view key) {
  if (key == "registry") return "server";
  if (key == "password_file") return "password";
  if (key == "token_file") return "token";
  return std::string(key);
}

// Base64url with padding, as the engine's X-Registry-Auth decoder expects.
std::string Base64Url(absl::string_view data) {
  std::string out = absl::WebSafeBase64Escape(data);
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

// The plaintext credentials of an entry, wherever they are kept.
struct Credentials {
  std::string username;
  std::string password;  // dockerconfigjson: the document
  std::string token;
  std::string session_token;  // ecr
};

absl::StatusOr<std::string> SecretKey(const std::map<std::string, std::string>& data,
                                      absl::string_view secret, const char* key) {
  auto it = data.find(key);
  if (it == data.end() || it->second.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("secret \"", secret, "\" has no key \"", key, "\""));
  }
  return it->second;
}

// The engine's AuthConfig for a user name and password.
std::string PasswordAuth(absl::string_view username, absl::string_view password,
                         absl::string_view host) {
  return common::ToJson(common::Value::Object()
                            .Set("username", std::string(username))
                            .Set("password", std::string(password))
                            .Set("serveraddress", std::string(host)),
                        false);
}

// The `auths` entry of a Docker config.json that serves `host`.
absl::StatusOr<std::string> DockerConfigAuth(absl::string_view document, absl::string_view host) {
  google::protobuf::Struct config;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(std::string(document), &config, options).ok()) {
    return absl::FailedPreconditionError("the Docker config is not valid JSON");
  }
  auto auths = config.fields().find("auths");
  if (auths == config.fields().end() || !auths->second.has_struct_value()) {
    return absl::FailedPreconditionError("the Docker config has no \"auths\" object");
  }
  for (const auto& [key, value] : auths->second.struct_value().fields()) {
    // Keys are hosts, or URLs such as https://index.docker.io/v1/.
    absl::string_view server = key;
    if (!absl::ConsumePrefix(&server, "https://")) absl::ConsumePrefix(&server, "http://");
    server = server.substr(0, server.find('/'));
    if (common::RegistryMatch(server, host) == 0 || !value.has_struct_value()) continue;
    const auto& fields = value.struct_value().fields();
    auto text = [&](const char* name) -> std::string {
      auto it = fields.find(name);
      return it != fields.end() && it->second.has_string_value() ? it->second.string_value() : "";
    };
    if (!text("identitytoken").empty() || !text("registrytoken").empty()) {
      common::Value auth = common::Value::Object();
      if (!text("identitytoken").empty()) auth.Set("identitytoken", text("identitytoken"));
      if (!text("registrytoken").empty()) auth.Set("registrytoken", text("registrytoken"));
      auth.Set("serveraddress", std::string(host));
      return common::ToJson(auth, false);
    }
    std::string username = text("username"), password = text("password");
    if (!text("auth").empty()) {
      std::string decoded;
      if (!absl::Base64Unescape(text("auth"), &decoded) || decoded.find(':') == std::string::npos) {
        return absl::FailedPreconditionError(
            absl::StrCat("the Docker config's \"auth\" for ", key, " is not base64 of user:password"));
      }
      const size_t colon = decoded.find(':');
      username = decoded.substr(0, colon);
      password = decoded.substr(colon + 1);
    }
    if (username.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the Docker config's entry for ", key, " holds no credentials"));
    }
    return PasswordAuth(username, password, host);
  }
  return absl::FailedPreconditionError(
      absl::StrCat("the Docker config has no credentials for ", host));
}

}  // namespace

absl::StatusOr<std::vector<RunefileRegistry>> ExpandRunefileRegistries(
    std::vector<RunefileRegistry> entries, const std::map<std::string, std::string>& env) {
  for (size_t i = 0; i < entries.size(); ++i) {
    RunefileRegistry& r = entries[i];
    const std::vector<std::pair<const char*, std::string*>> fields = {
        {"username", &r.username},           {"password", &r.password}, {"token", &r.token},
        {"password_file", &r.password_file}, {"token_file", &r.token_file}};
    for (const auto& [field, value] : fields) {
      std::string out;
      absl::string_view rest = *value;
      while (!rest.empty()) {
        const size_t start = rest.find("${");
        const size_t end = start == absl::string_view::npos ? start : rest.find('}', start);
        if (end == absl::string_view::npos) {
          out.append(rest.data(), rest.size());
          break;
        }
        out.append(rest.data(), start);
        const std::string name(rest.substr(start + 2, end - start - 2));
        auto it = env.find(name);
        if (it == env.end()) {
          return absl::FailedPreconditionError(absl::StrCat("docker.registries[", i, "].", field,
                                                            ": environment variable \"", name,
                                                            "\" is not set"));
        }
        out += it->second;
        rest.remove_prefix(end + 1);
      }
      *value = std::move(out);
    }
  }
  return entries;
}

RegistryBook::RegistryBook(RegistryBookDeps deps) : deps_(std::move(deps)) {}

absl::StatusOr<api::AddRegistryResponse> RegistryBook::Add(const api::AddRegistryRequest& request) {
  RunefileRegistry fields;
  fields.name = request.name();
  fields.registry = request.server();
  fields.type = common::spec::RegistryTypeName(request.type());
  fields.username = request.username();
  fields.password = request.password();
  fields.token = request.token();
  fields.region = request.region();
  fields.from_secret = request.from_secret();
  std::vector<common::Violation> violations;
  for (const common::RegistryProblem& p : common::CheckRegistry(fields)) {
    violations.push_back({absl::StrCat("registry.", ApiField(p.field)), p.reason});
  }
  if (!violations.empty()) return common::ValidationStatus(violations);
  for (const RunefileRegistry& r : deps_.runefile) {
    if (r.name == fields.name) return Exists(fields.name);
  }

  api::AddRegistryResponse response;
  api::RegistryInfo& info = *response.mutable_registry();
  info.set_name(fields.name);
  info.set_server(fields.registry);
  info.set_type(common::spec::RegistryTypeOf(common::EffectiveRegistryType(fields)));
  info.set_source(api::RegistryInfo::RUNTIME);
  info.set_region(fields.region);
  info.set_from_secret(fields.from_secret);
  RegistryCredentials credentials;
  credentials.set_username(fields.username);
  credentials.set_password(fields.password);
  credentials.set_token(fields.token);
  RUNE_ASSIGN_OR_RETURN(secrets::Envelope sealed,
                        secrets::SealEnvelope(deps_.kek, credentials.SerializeAsString(),
                                              Aad(fields.name)));
  RegistryRecord record;
  *record.mutable_info() = info;
  record.set_wrapped_dek(std::move(sealed.wrapped_dek));
  record.set_ciphertext(std::move(sealed.ciphertext));
  common::ToTimestamp(absl::Now(), record.mutable_created_at());
  RUNE_RETURN_IF_ERROR(deps_.store->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> old,
                          txn.Get(store::kRegistry, store::kSystemNamespace, fields.name));
    if (old.has_value()) return Exists(fields.name);
    return txn.Put(store::kRegistry, store::kSystemNamespace, fields.name,
                   record.SerializeAsString(), 0)
        .status();
  }));
  return response;
}

absl::StatusOr<std::vector<RegistryBook::Entry>> RegistryBook::Entries() {
  std::vector<Entry> entries;
  for (const RunefileRegistry& r : deps_.runefile) {
    Entry e;
    e.info.set_name(r.name);
    e.info.set_server(r.registry);
    e.info.set_type(common::spec::RegistryTypeOf(common::EffectiveRegistryType(r)));
    e.info.set_source(api::RegistryInfo::RUNEFILE);
    e.info.set_region(r.region);
    e.info.set_from_secret(r.from_secret);
    e.fields = r;
    entries.push_back(std::move(e));
  }
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records,
                        deps_.store->List(store::kRegistry, store::kSystemNamespace));
  for (const store::Record& rec : records) {
    RegistryRecord record;
    if (!record.ParseFromString(rec.value)) {
      return absl::DataLossError(absl::StrCat("registry \"", rec.name, "\": corrupt record"));
    }
    Entry e;
    e.info = record.info();
    e.record = rec.value;
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.info.name() < b.info.name();
  });
  return entries;
}

absl::StatusOr<api::ListRegistriesResponse> RegistryBook::List() {
  RUNE_ASSIGN_OR_RETURN(std::vector<Entry> entries, Entries());
  api::ListRegistriesResponse response;
  for (Entry& e : entries) *response.add_registries() = std::move(e.info);
  return response;
}

absl::StatusOr<api::RemoveRegistryResponse> RegistryBook::Remove(const std::string& name) {
  for (const RunefileRegistry& r : deps_.runefile) {
    if (r.name == name) {
      return absl::FailedPreconditionError(
          absl::StrCat("registry \"", name,
                       "\" is defined in the runefile; edit the runefile and restart runed"));
    }
  }
  RUNE_RETURN_IF_ERROR(deps_.store->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(bool removed, txn.Delete(store::kRegistry, store::kSystemNamespace, name));
    return removed ? absl::OkStatus() : NotFound(name);
  }));
  api::RemoveRegistryResponse response;
  response.set_name(name);
  return response;
}

absl::StatusOr<std::string> RegistryBook::PullAuth(absl::string_view image) {
  const std::string host = common::ImageRegistryHost(image);
  RUNE_ASSIGN_OR_RETURN(std::vector<Entry> entries, Entries());
  const Entry* best = nullptr;
  auto rank = [&](const Entry& e) {
    return std::make_tuple(common::RegistryMatch(e.info.server(), host),
                           e.info.source() == api::RegistryInfo::RUNEFILE);
  };
  for (const Entry& e : entries) {  // sorted by name: the first of equals wins
    if (std::get<0>(rank(e)) == 0) continue;
    if (best == nullptr || rank(e) > rank(*best)) best = &e;
  }
  if (best == nullptr) return std::string();
  absl::StatusOr<std::string> auth = AuthConfig(*best, host);
  if (!auth.ok()) {
    return absl::Status(auth.status().code(), absl::StrCat("registry \"", best->info.name(),
                                                           "\": ", auth.status().message()));
  }
  return Base64Url(*auth);
}

absl::StatusOr<std::string> RegistryBook::AuthConfig(const Entry& entry, const std::string& host) {
  const api::RegistryInfo& info = entry.info;
  Credentials c;
  if (info.source() == api::RegistryInfo::RUNTIME) {
    RegistryRecord record;
    record.ParseFromString(entry.record);
    RUNE_ASSIGN_OR_RETURN(
        std::string plaintext,
        secrets::OpenEnvelope(deps_.kek, {record.wrapped_dek(), record.ciphertext()}, Aad(info.name())));
    RegistryCredentials stored;
    if (!stored.ParseFromString(plaintext)) return absl::DataLossError("corrupt credentials");
    c.username = stored.username();
    c.password = stored.password();
    c.token = stored.token();
  } else {
    const RunefileRegistry& f = entry.fields;
    c.username = f.username;
    c.password = f.password;
    c.token = f.token;
    if (!f.password_file.empty()) {
      RUNE_ASSIGN_OR_RETURN(c.password, ReadCredentialFile(f.password_file));
    }
    if (!f.token_file.empty()) {
      RUNE_ASSIGN_OR_RETURN(c.token, ReadCredentialFile(f.token_file));
    }
  }
  if (!info.from_secret().empty()) {
    const size_t slash = info.from_secret().find('/');
    const std::string ns = info.from_secret().substr(0, slash);
    const std::string name = info.from_secret().substr(slash + 1);
    using SecretData = std::optional<std::map<std::string, std::string>>;
    RUNE_ASSIGN_OR_RETURN(SecretData data, deps_.secrets(ns, name));
    if (!data.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("secret \"", info.from_secret(), "\" not found"));
    }
    switch (info.type()) {
      case api::RegistryInfo::BASIC: {
        RUNE_ASSIGN_OR_RETURN(c.username, SecretKey(*data, info.from_secret(), "username"));
        RUNE_ASSIGN_OR_RETURN(c.password, SecretKey(*data, info.from_secret(), "password"));
        break;
      }
      case api::RegistryInfo::TOKEN: {
        RUNE_ASSIGN_OR_RETURN(c.token, SecretKey(*data, info.from_secret(), "token"));
        break;
      }
      case api::RegistryInfo::ECR: {
        RUNE_ASSIGN_OR_RETURN(c.username, SecretKey(*data, info.from_secret(), "aws_access_key_id"));
        RUNE_ASSIGN_OR_RETURN(c.password,
                              SecretKey(*data, info.from_secret(), "aws_secret_access_key"));
        auto session = data->find("aws_session_token");
        if (session != data->end()) c.session_token = session->second;
        break;
      }
      default: {
        RUNE_ASSIGN_OR_RETURN(c.password, SecretKey(*data, info.from_secret(), ".dockerconfigjson"));
        break;
      }
    }
  }

  switch (info.type()) {
    case api::RegistryInfo::BASIC:
      return PasswordAuth(c.username, c.password, host);
    case api::RegistryInfo::TOKEN:
      return common::ToJson(common::Value::Object()
                                .Set("registrytoken", c.token)
                                .Set("serveraddress", host),
                            false);
    case api::RegistryInfo::ECR: {
      AwsCredentials keys{c.username, c.password, c.session_token};
      if (keys.access_key_id.empty()) {
        RUNE_ASSIGN_OR_RETURN(keys, AwsCredentialsFromEnv(deps_.env));
      }
      if (!deps_.ecr) return absl::FailedPreconditionError("ECR logins are not available");
      RUNE_ASSIGN_OR_RETURN(EcrToken login, deps_.ecr(info.region(), keys));
      return PasswordAuth(login.username, login.password, host);
    }
    case api::RegistryInfo::DOCKERCONFIGJSON:
      return DockerConfigAuth(c.password, host);
    default:
      return absl::DataLossError("unknown credential type");
  }
}

}  // namespace rune::daemon::registry
