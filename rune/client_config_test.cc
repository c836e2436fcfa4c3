#include "rune/client_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "common/errors.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/auth.grpc.pb.h"
#include "rune/cli.h"

namespace rune::cli {
namespace {

namespace fs = std::filesystem;

std::string TmpDir() { return std::string(getenv("TEST_TMPDIR")); }

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = TmpDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string Read(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

// A fresh, empty directory under TEST_TMPDIR.
std::string FreshDir(const std::string& name) {
  const std::string dir = TmpDir() + "/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

int Mode(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

void ExpectSameConfig(const ClientConfig& a, const ClientConfig& b) {
  EXPECT_EQ(a.current_context, b.current_context);
  ASSERT_EQ(a.contexts.size(), b.contexts.size());
  for (size_t i = 0; i < a.contexts.size(); ++i) {
    const ContextEntry& x = a.contexts[i];
    const ContextEntry& y = b.contexts[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.server, y.server) << x.name;
    EXPECT_EQ(x.namespace_name, y.namespace_name) << x.name;
    EXPECT_EQ(x.token, y.token) << x.name;
    EXPECT_EQ(x.token_file, y.token_file) << x.name;
    ASSERT_EQ(x.tls.has_value(), y.tls.has_value()) << x.name;
    if (x.tls.has_value()) {
      EXPECT_EQ(x.tls->ca, y.tls->ca) << x.name;
      EXPECT_EQ(x.tls->cert, y.tls->cert) << x.name;
      EXPECT_EQ(x.tls->key, y.tls->key) << x.name;
      EXPECT_EQ(x.tls->server_name, y.tls->server_name) << x.name;
    }
  }
}

TEST(LoadClientConfig, MissingFileIsEmpty) {
  absl::StatusOr<ClientConfig> c = LoadClientConfig("/nonexistent/config.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->contexts.empty());
}

TEST(LoadClientConfig, ReadsContexts) {
  absl::StatusOr<ClientConfig> c = LoadClientConfig(Write("a.yaml", R"(
current-context: dev
unknown-top: ignored
contexts:
  dev:
    server: localhost:7863
    defaultNamespace: legacy
    token: rune_x
  prod:
    server: https://runed.example.com
    namespace: prod
    token-file: /t
    tls:
      ca: /ca.crt
      server-name: runed.internal
)"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->current_context, "dev");
  ASSERT_EQ(c->contexts.size(), 2u);
  EXPECT_EQ(c->Find("dev")->namespace_name, "legacy");
  EXPECT_FALSE(c->Find("dev")->tls.has_value());
  EXPECT_EQ(c->Find("prod")->namespace_name, "prod");
  ASSERT_TRUE(c->Find("prod")->tls.has_value());
  EXPECT_EQ(c->Find("prod")->tls->server_name, "runed.internal");
}

TEST(LoadClientConfig, MalformedIsM43) {
  const std::string bad = Write("b.yaml", "contexts: [\n");
  absl::StatusOr<ClientConfig> c = LoadClientConfig(bad);
  ASSERT_FALSE(c.ok());
  common::ErrorReport r = common::Classify(c.status());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.message.rfind("failed to read client config " + bad + ": line ", 0) == 0) << r.message;
  EXPECT_EQ(r.hint, "fix or remove " + bad);

  const std::string types = Write("c.yaml", "contexts:\n  dev:\n    server: [a]\n");
  c = LoadClientConfig(types);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "failed to read client config " + types +
                                      ": contexts.dev.server: expected a string, got a list");

  const std::string both = Write("d.yaml", "contexts:\n  dev:\n    token: a\n    token-file: /b\n");
  c = LoadClientConfig(both);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "failed to read client config " + both +
                                      ": contexts.dev: token and token-file are mutually exclusive");
}

TEST(SaveClientConfig, WritesTheDocumentedLayout) {
  const std::string dir = FreshDir("layout");
  ClientConfig config;
  config.current_context = "dev";
  ContextEntry dev;
  dev.name = "dev";
  dev.server = "localhost:7863";
  dev.namespace_name = "default";
  dev.token_file = "/home/me/.rune/dev.token";
  ContextEntry prod;
  prod.name = "prod";
  prod.server = "https://runed.example.com";
  prod.token = "rune_x";
  prod.tls = TlsFiles{"/etc/rune/ca.crt", "/etc/rune/client.crt", "/etc/rune/client.key",
                      "runed.internal"};
  ContextEntry bare;
  bare.name = "bare";
  ContextEntry empty_tls;
  empty_tls.name = "tls-only";
  empty_tls.server = "10.0.0.1";
  empty_tls.tls = TlsFiles();
  config.contexts = {dev, prod, bare, empty_tls};
  ASSERT_TRUE(SaveClientConfig(dir + "/config.yaml", config).ok());
  EXPECT_EQ(Read(dir + "/config.yaml"),
            "current-context: dev\n"
            "contexts:\n"
            "  dev:\n"
            "    server: localhost:7863\n"
            "    namespace: default\n"
            "    token-file: /home/me/.rune/dev.token\n"
            "  prod:\n"
            "    server: https://runed.example.com\n"
            "    token: rune_x\n"
            "    tls:\n"
            "      ca: /etc/rune/ca.crt\n"
            "      cert: /etc/rune/client.crt\n"
            "      key: /etc/rune/client.key\n"
            "      server-name: runed.internal\n"
            "  bare: {}\n"
            "  tls-only:\n"
            "    server: \"10.0.0.1\"\n"
            "    tls: {}\n");
}

TEST(SaveClientConfig, RoundTripsEveryField) {
  const std::string dir = FreshDir("roundtrip");
  ClientConfig config;
  config.current_context = "yes";  // a YAML boolean when unquoted
  ContextEntry a;
  a.name = "yes";
  a.server = "[::1]:7863";
  a.namespace_name = "123";
  a.token = "*tok: with # odd\n\"chars\" \xc3\xa9 ";
  a.tls = TlsFiles{"/path with spaces/ca.crt", "", "", "- dash"};
  ContextEntry b;
  b.name = "null";
  b.server = "http://h:1";
  b.token_file = "/t";
  ContextEntry c;
  c.name = "empty-tls";
  c.tls = TlsFiles();
  config.contexts = {a, b, c};
  const std::string path = dir + "/config.yaml";
  ASSERT_TRUE(SaveClientConfig(path, config).ok());
  absl::StatusOr<ClientConfig> back = LoadClientConfig(path);
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << Read(path);
  ExpectSameConfig(config, *back);

  // Saving what was loaded is a fixed point.
  const std::string first = Read(path);
  ASSERT_TRUE(SaveClientConfig(path, *back).ok());
  EXPECT_EQ(Read(path), first);
}

TEST(SaveClientConfig, EmptyConfig) {
  const std::string dir = FreshDir("empty");
  ASSERT_TRUE(SaveClientConfig(dir + "/config.yaml", ClientConfig()).ok());
  EXPECT_EQ(Read(dir + "/config.yaml"), "contexts: {}\n");
  absl::StatusOr<ClientConfig> back = LoadClientConfig(dir + "/config.yaml");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->contexts.empty());
  EXPECT_EQ(back->current_context, "");
}

TEST(SaveClientConfig, DropsUnknownKeysAndLegacyNames) {
  const std::string dir = FreshDir("unknown");
  const std::string path = dir + "/config.yaml";
  std::ofstream(path) << "current-context: dev\n"
                         "preferences: {color: true}\n"
                         "contexts:\n"
                         "  dev:\n"
                         "    server: localhost\n"
                         "    defaultNamespace: legacy\n"
                         "    extra: 1\n"
                         "    tls:\n"
                         "      ca: /ca\n"
                         "      insecure: true\n";
  absl::StatusOr<ClientConfig> config = LoadClientConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(SaveClientConfig(path, *config).ok());
  EXPECT_EQ(Read(path),
            "current-context: dev\n"
            "contexts:\n"
            "  dev:\n"
            "    server: localhost\n"
            "    namespace: legacy\n"
            "    tls:\n"
            "      ca: /ca\n");
}

TEST(SaveClientConfig, ModesAreStrictWhateverTheUmask) {
  const std::string dir = FreshDir("modes");
  const mode_t old_umask = umask(0);
  const std::string path = dir + "/a/b/config.yaml";
  const absl::Status s = SaveClientConfig(path, ClientConfig());
  umask(old_umask);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Mode(dir + "/a"), 0700);
  EXPECT_EQ(Mode(dir + "/a/b"), 0700);
  EXPECT_EQ(Mode(path), 0600);

  // An existing, more open file is replaced by a 0600 one; existing
  // directories keep their mode.
  chmod(path.c_str(), 0644);
  chmod((dir + "/a/b").c_str(), 0755);
  ASSERT_TRUE(SaveClientConfig(path, ClientConfig()).ok());
  EXPECT_EQ(Mode(path), 0600);
  EXPECT_EQ(Mode(dir + "/a/b"), 0755);
}

TEST(SaveClientConfig, LeavesNoTemporaryFiles) {
  const std::string dir = FreshDir("atomic");
  ClientConfig config;
  config.contexts.push_back(ContextEntry{"dev", "localhost", "", "", "", std::nullopt});
  ASSERT_TRUE(SaveClientConfig(dir + "/config.yaml", config).ok());
  ASSERT_TRUE(SaveClientConfig(dir + "/config.yaml", config).ok());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"config.yaml"});
}

TEST(SaveClientConfig, ReplacesTheTargetOfASymlink) {
  const std::string dir = FreshDir("symlink");
  fs::create_directories(dir + "/dotfiles");
  std::ofstream(dir + "/dotfiles/config.yaml") << "contexts: {}\n";
  fs::create_symlink(dir + "/dotfiles/config.yaml", dir + "/config.yaml");
  ClientConfig config;
  config.current_context = "dev";
  ASSERT_TRUE(SaveClientConfig(dir + "/config.yaml", config).ok());
  EXPECT_TRUE(fs::is_symlink(dir + "/config.yaml"));
  EXPECT_EQ(Read(dir + "/dotfiles/config.yaml"), "current-context: dev\ncontexts: {}\n");
}

TEST(SaveClientConfig, FailuresAreOutputFileErrors) {
  const std::string dir = FreshDir("failures");
  std::ofstream(dir + "/file") << "x";
  absl::Status s = SaveClientConfig(dir + "/file/config.yaml", ClientConfig());
  ASSERT_FALSE(s.ok());
  common::ErrorReport r = common::Classify(s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.code, absl::StatusCode::kUnknown);
  EXPECT_FALSE(r.hint.has_value());
  EXPECT_EQ(r.message, "failed to write client config " + dir + "/file/config.yaml: " + dir +
                           "/file is not a directory");

  // The target is a directory: the rename fails and the temporary file goes.
  fs::create_directories(dir + "/taken");
  s = SaveClientConfig(dir + "/taken", ClientConfig());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(common::ClassOf(s), common::ErrorClass::kOutputFile);
  EXPECT_EQ(s.message(), "failed to write client config " + dir + "/taken: rename: Is a directory");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"file", "taken"}));
}

TEST(MaskToken, Forms) {
  EXPECT_EQ(MaskToken(""), "<none>");
  EXPECT_EQ(MaskToken("a"), "******");
  EXPECT_EQ(MaskToken("0123456789"), "******");
  EXPECT_EQ(MaskToken("0123456789a"), "012******89a");
  EXPECT_EQ(MaskToken("rune_9f2c4e71a0b3d586.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_xyz"),
            "rune_9f2******xyz");
  // rune_ without a usable id or secret: the generic form.
  EXPECT_EQ(MaskToken("rune_ab.cdefghijk"), "run******ijk");
  EXPECT_EQ(MaskToken("rune_abcdefgh.ij"), "run******.ij");
  EXPECT_EQ(MaskToken("rune_abcdefghijkl"), "run******jkl");
  // Lengths count code points, and no character is cut in half.
  EXPECT_EQ(MaskToken("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
            "******");
  EXPECT_EQ(MaskToken("\xc3\xa9"
                      "bcdefghij\xc3\xa9"),
            "\xc3\xa9"
            "bc******ij\xc3\xa9");
}

TEST(SelectedContextName, OverrideThenCurrent) {
  ClientConfig config;
  config.contexts.push_back(ContextEntry{"dev", "", "", "", "", std::nullopt});
  config.contexts.push_back(ContextEntry{"prod", "", "", "", "", std::nullopt});

  absl::StatusOr<std::string> name = SelectedContextName(config, "");
  ASSERT_FALSE(name.ok());
  common::ErrorReport r = common::Classify(name.status());
  EXPECT_EQ(r.message, "no current context is set");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.code, absl::StatusCode::kNotFound);
  EXPECT_EQ(r.hint, "list contexts with 'rune context list'");

  config.current_context = "dev";
  EXPECT_EQ(SelectedContextName(config, "").value(), "dev");
  EXPECT_EQ(SelectedContextName(config, "prod").value(), "prod");

  name = SelectedContextName(config, "nope");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().message(), "context \"nope\" not found");
  EXPECT_EQ(common::ClassOf(name.status()), common::ErrorClass::kContextMissing);

  config.current_context = "gone";  // dangling
  name = SelectedContextName(config, "");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().message(), "context \"gone\" not found");
}

TEST(ReadContextToken, InlineFileOrNone) {
  ContextEntry c;
  EXPECT_EQ(ReadContextToken(c).value(), "");
  c.token_file = Write("ctx.token", "  rune_abc.def\n");
  EXPECT_EQ(ReadContextToken(c).value(), "rune_abc.def");
  c.token = "inline";
  EXPECT_EQ(ReadContextToken(c).value(), "inline");
  c.token.clear();
  c.token_file = TmpDir() + "/missing.token";
  absl::StatusOr<std::string> t = ReadContextToken(c);
  ASSERT_FALSE(t.ok());
  common::ErrorReport r = common::Classify(t.status());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.message, "failed to read token file " + c.token_file + ": No such file or directory");
  EXPECT_EQ(r.hint, "fix or remove " + c.token_file);
}

// The commands that write the file (context set/use/delete, logout), run
// through the real command line.
class ConfigCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    path_ = dir_ + "/.rune/config.yaml";
    env_ = {{"HOME", dir_}, {"RUNE_CLI_CONFIG", path_}};
  }

  int Rune(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    std::istringstream in;
    return rune::cli::Run(args, env_, Streams{&in, &out_, &err_});
  }

  ClientConfig Config() {
    absl::StatusOr<ClientConfig> c = LoadClientConfig(path_);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : ClientConfig();
  }

  std::string dir_;
  std::string path_;
  Environment env_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(ConfigCommandTest, SetCreatesUpdatesAndMakesOnlyTheFirstCurrent) {
  ASSERT_EQ(Rune({"context", "set", "dev", "--server", "localhost:7863", "-n", "team"}), 0)
      << err_.str();
  EXPECT_EQ(out_.str(), "Context \"dev\" created\n");
  EXPECT_EQ(Mode(dir_ + "/.rune"), 0700);
  EXPECT_EQ(Mode(path_), 0600);
  ClientConfig c = Config();
  EXPECT_EQ(c.current_context, "dev");
  ASSERT_EQ(c.contexts.size(), 1u);
  EXPECT_EQ(c.contexts[0].server, "localhost:7863");
  EXPECT_EQ(c.contexts[0].namespace_name, "team");
  EXPECT_FALSE(c.contexts[0].tls.has_value());

  // Namespace and credentials come from the flags only, never from RUNE_*.
  env_["RUNE_NAMESPACE"] = "from-env";
  env_["RUNE_TOKEN"] = "from-env";
  ASSERT_EQ(Rune({"config", "set-context", "prod", "--server", "https://runed.example.com",
                  "--token", "rune_abc.def", "--tls-ca", "ca.crt", "--tls-server-name", "r.internal"}),
            0)
      << err_.str();
  EXPECT_EQ(out_.str(), "Context \"prod\" created\n");
  c = Config();
  EXPECT_EQ(c.current_context, "dev");
  const ContextEntry* prod = c.Find("prod");
  ASSERT_NE(prod, nullptr);
  EXPECT_EQ(prod->namespace_name, "");
  EXPECT_EQ(prod->token, "rune_abc.def");
  ASSERT_TRUE(prod->tls.has_value());
  EXPECT_EQ(prod->tls->ca, (fs::current_path() / "ca.crt").string());
  EXPECT_EQ(prod->tls->server_name, "r.internal");

  // Switching to a token file drops the inline token; the path is absolute.
  const std::string token_file = Write("prod.token", "rune_file.token\n");
  const std::string relative = fs::relative(token_file).string();
  ASSERT_EQ(Rune({"context", "set", "prod", "--token-file", relative, "-n", "prod"}), 0)
      << err_.str();
  EXPECT_EQ(out_.str(), "Context \"prod\" updated\n");
  prod = nullptr;
  c = Config();
  prod = c.Find("prod");
  ASSERT_NE(prod, nullptr);
  EXPECT_EQ(prod->token, "");
  EXPECT_EQ(prod->token_file, token_file);
  EXPECT_EQ(prod->namespace_name, "prod");
  EXPECT_EQ(prod->server, "https://runed.example.com");

  // An empty value clears a field.
  ASSERT_EQ(Rune({"context", "set", "prod", "--namespace="}), 0) << err_.str();
  EXPECT_EQ(Config().Find("prod")->namespace_name, "");
}

TEST_F(ConfigCommandTest, SetRejectsBadInputWithoutWriting) {
  EXPECT_EQ(Rune({"context", "set", "dev"}), 2);
  EXPECT_EQ(err_.str(),
            "Error: required flag \"--server\" not set\n"
            "Hint: run 'rune context set --help' for usage\n");
  EXPECT_EQ(Rune({"context", "set", "dev", "--server", "h", "--token-file", dir_ + "/nope"}), 2);
  EXPECT_EQ(err_.str(), "Error: path \"" + dir_ + "/nope\" does not exist\n");
  EXPECT_EQ(Rune({"context", "set", "dev", "--server", "h", "--tls-key", "k.pem"}), 2);
  EXPECT_EQ(err_.str(),
            "Error: --tls-key requires --tls-cert\n"
            "Hint: run 'rune context set --help' for usage\n");
  EXPECT_EQ(Rune({"context", "set", "dev", "--server", "h", "-n", "Bad"}), 2);
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(ConfigCommandTest, UseDeleteAndLogout) {
  const std::string token_file = Write("dev.token", "rune_dev.token\n");
  ASSERT_EQ(Rune({"context", "set", "dev", "--server", "localhost", "--token-file", token_file}), 0);
  ASSERT_EQ(Rune({"context", "set", "prod", "--server", "localhost", "--token", "secret-token"}), 0);
  ASSERT_EQ(Rune({"use-context", "prod"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Switched to context \"prod\"\n");
  EXPECT_EQ(Config().current_context, "prod");

  EXPECT_EQ(Rune({"context", "delete", "prod"}), 5);
  EXPECT_EQ(Config().contexts.size(), 2u);
  ASSERT_EQ(Rune({"context", "use", "dev"}), 0);
  ASSERT_EQ(Rune({"context", "delete", "prod"}), 0);
  EXPECT_EQ(out_.str(), "Context \"prod\" deleted\n");
  EXPECT_EQ(Config().Find("prod"), nullptr);

  ASSERT_EQ(Rune({"logout"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Logged out of context \"dev\"\n");
  ClientConfig c = Config();
  ASSERT_NE(c.Find("dev"), nullptr);
  EXPECT_EQ(c.Find("dev")->token_file, "");
  EXPECT_EQ(c.Find("dev")->server, "localhost");
  EXPECT_EQ(Read(token_file), "rune_dev.token\n");  // the token file itself stays
}

// A stand-in for runed's AuthService that records the bearer token.
class RevokeService final : public api::AuthService::Service {
 public:
  explicit RevokeService(grpc::Status answer) : answer_(std::move(answer)) {}

  grpc::Status RevokeSelf(grpc::ServerContext* ctx, const api::RevokeSelfRequest*,
                          api::RevokeSelfResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ctx->client_metadata().find("authorization");
    if (it != ctx->client_metadata().end()) {
      authorization_ = std::string(it->second.data(), it->second.size());
    }
    ++calls_;
    response->set_token_id("9f2c4e71a0b3d586");
    return answer_;
  }

  std::string authorization() {
    std::lock_guard<std::mutex> lock(mu_);
    return authorization_;
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  grpc::Status answer_;
  std::mutex mu_;
  std::string authorization_;
  int calls_ = 0;
};

struct TestServer {
  explicit TestServer(grpc::Status answer) : service(std::move(answer)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
  }
  ~TestServer() { server->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  RevokeService service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

TEST_F(ConfigCommandTest, LogoutRevokeUsesTheContextsOwnSettings) {
  TestServer server(grpc::Status::OK);
  ASSERT_NE(server.server, nullptr);
  const std::string token_file = Write("revoke.token", "rune_revoke.me\n");
  ASSERT_EQ(Rune({"context", "set", "dev", "--server", "127.0.0.1:1"}), 0);
  ASSERT_EQ(Rune({"context", "set", "ci", "--server", server.address(), "--token-file", token_file}),
            0);
  // Flags and variables aimed elsewhere do not redirect the revocation.
  env_["RUNE_API_SERVER"] = "127.0.0.1:1";
  env_["RUNE_TOKEN"] = "someone-else";
  ASSERT_EQ(Rune({"logout", "ci", "--revoke", "--api-server", "127.0.0.1:2", "--token", "x"}), 0)
      << err_.str();
  EXPECT_EQ(out_.str(), "Logged out of context \"ci\"\n");
  EXPECT_EQ(server.service.calls(), 1);
  EXPECT_EQ(server.service.authorization(), "Bearer rune_revoke.me");
  ClientConfig c = Config();
  EXPECT_EQ(c.Find("ci")->token_file, "");
  EXPECT_EQ(c.current_context, "dev");
}

TEST_F(ConfigCommandTest, LogoutRevokeFailureLeavesTheFileAlone) {
  TestServer server(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid bearer token"));
  ASSERT_NE(server.server, nullptr);
  ASSERT_EQ(Rune({"context", "set", "ci", "--server", server.address(), "--token", "rune_old.one"}),
            0);
  const std::string before = Read(path_);
  EXPECT_EQ(Rune({"logout", "--revoke"}), 3);
  EXPECT_EQ(err_.str(),
            "Error: invalid bearer token\n"
            "Hint: run 'rune login' again\n");
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(server.service.authorization(), "Bearer rune_old.one");
  EXPECT_EQ(Read(path_), before);

  // Unreachable server: exit 1, file unchanged.
  ASSERT_EQ(Rune({"context", "set", "ci", "--server", "127.0.0.1:1"}), 0);
  const std::string before_unreachable = Read(path_);
  EXPECT_EQ(Rune({"logout", "ci", "--revoke"}), 1);
  EXPECT_EQ(err_.str().rfind("Error: failed to connect to API server at 127.0.0.1:1: ", 0), 0u)
      << err_.str();
  EXPECT_EQ(Read(path_), before_unreachable);
}

}  // namespace
}  // namespace rune::cli
