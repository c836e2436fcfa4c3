#include "rune/connection.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/duration.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/version.h"
#include "proto/health.grpc.pb.h"

namespace rune::cli {
namespace {

constexpr char kDefaultServer[] = "localhost:7863";
constexpr int kMaxMessageBytes = 16 * 1024 * 1024;

// The system CA bundle, looked up without NSS or OpenSSL defaults.
constexpr const char* kCaBundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::UnknownError(std::strerror(errno));
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

bool IsLoopbackHost(absl::string_view address) {
  absl::string_view host = address;
  if (absl::ConsumePrefix(&host, "[")) {
    host = host.substr(0, host.find(']'));
  } else {
    host = host.substr(0, host.rfind(':'));
  }
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

// The reason part of M01 for a failed connection attempt.
std::string ConnectReason(const grpc::Status& status) {
  const std::string text = absl::AsciiStrToLower(status.error_message());
  if (absl::StrContains(text, "connection refused")) return "connection refused";
  if (absl::StrContains(text, "dns") || absl::StrContains(text, "resolve") ||
      absl::StrContains(text, "name or service not known") ||
      absl::StrContains(text, "domain name not found")) {
    return "cannot resolve host";
  }
  if (absl::StrContains(text, "handshake") || absl::StrContains(text, "ssl") ||
      absl::StrContains(text, "tls") || absl::StrContains(text, "certificate")) {
    return "TLS handshake failed";
  }
  // runed closes a connection it accepted before HTTP/2 starts only in the
  // TLS layer: a plaintext client reaching a TLS listener, or a client
  // without an acceptable certificate reaching an mTLS listener.
  if (absl::StrContains(text, "socket closed") || absl::StrContains(text, "connection reset")) {
    return "TLS handshake failed";
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
      absl::StrContains(text, "timed out") || absl::StrContains(text, "timeout")) {
    return "connection timed out";
  }
  return "unavailable";
}

std::string Metadata(const std::multimap<grpc::string_ref, grpc::string_ref>& md,
                     absl::string_view key) {
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

std::string ClientConfigPath(const Invocation& inv) {
  if (inv.parsed.IsSet("config")) return inv.parsed.String("config");
  if (!inv.Env("RUNE_CLI_CONFIG").empty()) return inv.Env("RUNE_CLI_CONFIG");
  return absl::StrCat(inv.Env("HOME"), "/.rune/config.yaml");
}

std::string NormalizeAddress(absl::string_view address, bool* tls) {
  address = absl::StripAsciiWhitespace(address);
  if (absl::ConsumePrefix(&address, "https://")) {
    *tls = true;
  } else {
    absl::ConsumePrefix(&address, "http://");
  }
  absl::ConsumeSuffix(&address, "/");
  std::string out(address);
  if (absl::StartsWith(out, "[")) {
    if (out.find("]:") == std::string::npos) out += ":7863";
    return out;
  }
  const size_t colons = std::count(out.begin(), out.end(), ':');
  if (colons > 1) return absl::StrCat("[", out, "]:7863");  // bare IPv6
  if (colons == 0) out += ":7863";
  return out;
}

absl::StatusOr<ConnectionSettings> ResolveConnection(Invocation& inv) {
  const auto& p = inv.parsed;
  ConnectionSettings s;
  s.config_path = ClientConfigPath(inv);
  inv.Debug(absl::StrCat("Using config file: ", s.config_path));
  absl::StatusOr<ClientConfig> config = LoadClientConfig(s.config_path);
  if (!config.ok()) return config.status();

  const ContextEntry* ctx = nullptr;
  if (inv.HasEnv("RUNE_CONTEXT") && !inv.Env("RUNE_CONTEXT").empty()) {
    ctx = config->Find(inv.Env("RUNE_CONTEXT"));
    if (ctx == nullptr) return common::ContextMissingError(inv.Env("RUNE_CONTEXT"));
  } else if (!config->current_context.empty()) {
    ctx = config->Find(config->current_context);  // missing: "no context"
  }
  if (ctx != nullptr) s.context = ctx->name;

  std::string server = kDefaultServer;
  if (p.IsSet("api-server")) {
    server = p.String("api-server");
  } else if (!inv.Env("RUNE_API_SERVER").empty()) {
    server = inv.Env("RUNE_API_SERVER");
  } else if (ctx != nullptr && !ctx->server.empty()) {
    server = ctx->server;
  }
  s.address = NormalizeAddress(server, &s.tls);
  if (ctx != nullptr && ctx->tls.has_value()) {
    s.tls = true;
    s.tls_files = *ctx->tls;
  }

  if (p.IsSet("namespace")) {
    s.namespace_name = p.String("namespace");
  } else if (!inv.Env("RUNE_NAMESPACE").empty()) {
    s.namespace_name = inv.Env("RUNE_NAMESPACE");
  } else if (ctx != nullptr && !ctx->namespace_name.empty()) {
    s.namespace_name = ctx->namespace_name;
  } else {
    s.namespace_name = "default";
  }

  // Token: --token > --token-file > RUNE_TOKEN > RUNE_TOKEN_FILE > context.
  if (p.IsSet("token")) {
    s.token = p.String("token");
  } else if (p.IsSet("token-file")) {
    const std::string path = p.String("token-file");
    struct stat st;
    if (stat(path.c_str(), &st) != 0 && errno == ENOENT) {
      return common::LocalPathError(absl::StrCat("path \"", path, "\" does not exist"));
    }
    absl::StatusOr<std::string> token = ReadTokenFile(path);
    if (!token.ok()) return token.status();
    s.token = *token;
  } else if (!inv.Env("RUNE_TOKEN").empty()) {
    s.token = inv.Env("RUNE_TOKEN");
  } else if (!inv.Env("RUNE_TOKEN_FILE").empty()) {
    absl::StatusOr<std::string> token = ReadTokenFile(inv.Env("RUNE_TOKEN_FILE"));
    if (!token.ok()) return token.status();
    s.token = *token;
  } else if (ctx != nullptr && !ctx->token.empty()) {
    s.token = ctx->token;
  } else if (ctx != nullptr && !ctx->token_file.empty()) {
    absl::StatusOr<std::string> token = ReadTokenFile(ctx->token_file);
    if (!token.ok()) return token.status();
    s.token = *token;
  }
  return s;
}

absl::StatusOr<ConnectionSettings> ContextSettings(const std::string& config_path,
                                                   const ContextEntry& entry) {
  ConnectionSettings s;
  s.config_path = config_path;
  s.context = entry.name;
  s.address = NormalizeAddress(entry.server.empty() ? kDefaultServer : entry.server, &s.tls);
  if (entry.tls.has_value()) {
    s.tls = true;
    s.tls_files = *entry.tls;
  }
  RUNE_ASSIGN_OR_RETURN(s.token, ReadContextToken(entry));
  s.namespace_name = entry.namespace_name.empty() ? "default" : entry.namespace_name;
  return s;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(Invocation& inv,
                                                             const ConnectionSettings& settings) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetUserAgentPrefix(absl::StrCat("rune/", common::CurrentBuild().version));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  // A refused connection fails the call at once instead of retrying.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);

  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (settings.tls) {
    grpc::SslCredentialsOptions options;
    std::string ca_path = settings.tls_files.ca;
    if (ca_path.empty()) {
      for (const char* candidate : kCaBundles) {
        struct stat st;
        if (stat(candidate, &st) == 0) {
          ca_path = candidate;
          break;
        }
      }
    }
    if (!ca_path.empty()) {
      absl::StatusOr<std::string> pem = ReadFile(ca_path);
      if (!pem.ok()) {
        return common::ClientConfigError(
            absl::StrCat("failed to read client config ", settings.config_path, ": tls.ca ", ca_path,
                         ": ", pem.status().message()),
            settings.config_path);
      }
      options.pem_root_certs = *pem;
    }
    for (auto [path, out, what] :
         {std::tuple<const std::string&, std::string*, const char*>{settings.tls_files.cert,
                                                                     &options.pem_cert_chain, "cert"},
          {settings.tls_files.key, &options.pem_private_key, "key"}}) {
      if (path.empty()) continue;
      absl::StatusOr<std::string> pem = ReadFile(path);
      if (!pem.ok()) {
        return common::ClientConfigError(
            absl::StrCat("failed to read client config ", settings.config_path, ": tls.", what, " ",
                         path, ": ", pem.status().message()),
            settings.config_path);
      }
      *out = *pem;
    }
    if (!settings.tls_files.server_name.empty()) {
      args.SetSslTargetNameOverride(settings.tls_files.server_name);
    }
    creds = grpc::SslCredentials(options);
  } else {
    creds = grpc::InsecureChannelCredentials();
    if (!settings.token.empty() && !IsLoopbackHost(settings.address)) {
      std::string host = settings.address.substr(0, settings.address.rfind(':'));
      inv.Warn(absl::StrCat("sending bearer token over an unencrypted connection to ", host));
    }
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(settings.address, creds, args);
  return std::unique_ptr<Connection>(new Connection(inv, settings, std::move(channel)));
}

void Connection::Prepare(grpc::ClientContext* ctx) {
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + inv_.parsed.Duration("request-timeout")));
  ctx->set_wait_for_ready(false);
  if (!settings_.token.empty()) ctx->AddMetadata("authorization", "Bearer " + settings_.token);
}

void Connection::PrepareStream(grpc::ClientContext* ctx) {
  ctx->set_wait_for_ready(false);
  if (!settings_.token.empty()) ctx->AddMetadata("authorization", "Bearer " + settings_.token);
}

absl::Status Connection::Finish(absl::string_view method, const grpc::ClientContext& ctx,
                                const grpc::Status& status, absl::Time start) {
  std::string request_id = Metadata(ctx.GetServerTrailingMetadata(), "x-rune-request-id");
  if (request_id.empty()) request_id = Metadata(ctx.GetServerInitialMetadata(), "x-rune-request-id");
  const absl::StatusCode code = static_cast<absl::StatusCode>(status.error_code());
  inv_.Debug(absl::StrCat("rpc ", method, " code=", common::CodeName(code),
                          " request_id=", request_id.empty() ? "-" : request_id, " ",
                          absl::ToInt64Milliseconds(absl::Now() - start), "ms"));
  if (status.ok()) return absl::OkStatus();
  if (request_id.empty()) {
    // No response from runed: the call never reached a server.
    inv_.Debug(absl::StrCat("transport error: ", status.error_message()));
    const bool connected = channel_->GetState(false) == GRPC_CHANNEL_READY;
    if (code == absl::StatusCode::kUnavailable ||
        (code == absl::StatusCode::kDeadlineExceeded && !connected)) {
      return common::ConnectError(settings_.address, ConnectReason(status));
    }
    if (code == absl::StatusCode::kDeadlineExceeded) {
      return common::ClientDeadlineError(absl::StrCat(
          "request timed out after ",
          common::FormatDuration(inv_.parsed.Duration("request-timeout"))));
    }
  }
  const std::string hint = Metadata(ctx.GetServerTrailingMetadata(), "x-rune-hint");
  return common::ServerError(code, status.error_message(), request_id, hint);
}

absl::StatusOr<std::unique_ptr<Connection>> Connect(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(ConnectionSettings settings, ResolveConnection(inv));
  return Connection::Open(inv, settings);
}

absl::StatusOr<api::GetVersionResponse> FetchServerVersion(Invocation& inv) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect(inv));
  auto stub = api::HealthService::NewStub(conn->channel());
  api::GetVersionResponse response;
  RUNE_RETURN_IF_ERROR(conn->Call(stub.get(), &api::HealthService::Stub::GetVersion,
                                  "HealthService.GetVersion", api::GetVersionRequest(), &response));
  return response;
}

}  // namespace rune::cli
