#include "runed/registry/registry_book.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runed/registry/records.pb.h"
#include "runed/secrets/envelope.h"

namespace rune::daemon::registry {
namespace {

using common::RunefileRegistry;

// The JSON an X-Registry-Auth value carries.
std::string Decode(const std::string& header) {
  std::string json;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(header, &json)) << header;
  EXPECT_EQ(header.size() % 4, 0u) << "padded: " << header;
  return json;
}

class RegistryBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::NewMemoryStore();
    dir_ = ::testing::TempDir() + "/registry_book_" + std::to_string(getpid());
    ASSERT_EQ(system(("mkdir -p " + dir_).c_str()), 0);
  }

  RegistryBook Book(std::vector<RunefileRegistry> runefile = {}) {
    RegistryBookDeps deps;
    deps.store = store_.get();
    deps.kek = kek_;
    deps.runefile = std::move(runefile);
    deps.secrets = [this](absl::string_view ns,
                          absl::string_view name) -> absl::StatusOr<std::optional<std::map<std::string, std::string>>> {
      auto it = secrets_.find(absl::StrCat(ns, "/", name));
      if (it == secrets_.end()) return std::nullopt;
      return it->second;
    };
    deps.ecr = [this](const std::string& region,
                      const AwsCredentials& keys) -> absl::StatusOr<EcrToken> {
      ecr_calls_.push_back(absl::StrCat(region, " ", keys.access_key_id, " ", keys.secret_access_key,
                                        " ", keys.session_token));
      return EcrToken{"AWS", "ecr-password", "", absl::InfiniteFuture()};
    };
    deps.env = env_;
    return RegistryBook(std::move(deps));
  }

  std::string File(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::unique_ptr<store::Store> store_;
  std::string kek_ = std::string(32, 'k');
  std::string dir_;
  std::map<std::string, std::map<std::string, std::string>> secrets_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> ecr_calls_;
};

api::AddRegistryRequest Basic(const std::string& name, const std::string& server) {
  api::AddRegistryRequest r;
  r.set_name(name);
  r.set_server(server);
  r.set_username("bot");
  r.set_password("hunter2-" + name);
  return r;
}

TEST_F(RegistryBookTest, AddSealsCredentialsAndListShowsBothSources) {
  RegistryBook book = Book({{.name = "hub", .registry = "docker.io", .username = "u", .password = "p"}});
  absl::StatusOr<api::AddRegistryResponse> added = book.Add(Basic("ghcr", "ghcr.io"));
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->registry().type(), api::RegistryInfo::BASIC);
  EXPECT_EQ(added->registry().source(), api::RegistryInfo::RUNTIME);

  // The stored record holds no plaintext.
  store::Record stored;
  ASSERT_TRUE(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    stored = *txn.Get(store::kRegistry, store::kSystemNamespace, "ghcr").value();
    return absl::OkStatus();
  }).ok());
  EXPECT_FALSE(absl::StrContains(stored.value, "hunter2")) << "credentials stored in clear";

  absl::StatusOr<api::ListRegistriesResponse> list = book.List();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->registries_size(), 2);
  EXPECT_EQ(list->registries(0).name(), "ghcr");
  EXPECT_EQ(list->registries(0).source(), api::RegistryInfo::RUNTIME);
  EXPECT_EQ(list->registries(1).name(), "hub");
  EXPECT_EQ(list->registries(1).source(), api::RegistryInfo::RUNEFILE);
  EXPECT_EQ(list->registries(1).type(), api::RegistryInfo::BASIC);
}

TEST_F(RegistryBookTest, AddRefusesInvalidAndDuplicateEntries) {
  RegistryBook book = Book({{.name = "hub", .registry = "docker.io", .username = "u", .password = "p"}});
  api::AddRegistryRequest bad;
  bad.set_name("Bad");
  bad.set_server("https://ghcr.io");
  absl::Status s = book.Add(bad).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "validation error: registry.server: must be a host, "
                                             "host:port or *.suffix, got \"https://ghcr.io\""))
      << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "validation error: registry.name: invalid name \"Bad\""))
      << s;

  ASSERT_TRUE(book.Add(Basic("ghcr", "ghcr.io")).ok());
  s = book.Add(Basic("ghcr", "ghcr.io")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "registry \"ghcr\" already exists");
  s = book.Add(Basic("hub", "docker.io")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "registry \"hub\" already exists");
}

TEST_F(RegistryBookTest, RemoveOnlyRuntimeEntries) {
  RegistryBook book = Book({{.name = "hub", .registry = "docker.io", .username = "u", .password = "p"}});
  ASSERT_TRUE(book.Add(Basic("ghcr", "ghcr.io")).ok());
  absl::Status s = book.Remove("hub").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "registry \"hub\" is defined in the runefile; edit the runefile and restart runed");
  EXPECT_TRUE(book.Remove("ghcr").ok());
  s = book.Remove("ghcr").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "registry \"ghcr\" not found");
  EXPECT_EQ(book.PullAuth("ghcr.io/acme/api:1").value(), "");
}

TEST_F(RegistryBookTest, PullAuthPicksTheMostSpecificEntry) {
  RegistryBook book = Book(
      {{.name = "wide", .registry = "*.com", .username = "wide", .password = "p"},
       {.name = "file", .registry = "reg.example.com",
        .username = "fileuser", .password_file = File("pw", "from-file\n")}});
  ASSERT_TRUE(book.Add(Basic("narrow", "*.example.com")).ok());
  ASSERT_TRUE(book.Add(Basic("exact", "reg.example.com")).ok());

  // Exact host: the runefile entry wins the tie with the runtime one.
  EXPECT_EQ(Decode(book.PullAuth("reg.example.com/app:1").value()),
            "{\"username\":\"fileuser\",\"password\":\"from-file\",\"serveraddress\":\"reg.example.com\"}");
  // A longer suffix before a shorter one; ports do not matter to wildcards.
  EXPECT_EQ(Decode(book.PullAuth("eu.example.com:5000/app").value()),
            "{\"username\":\"bot\",\"password\":\"hunter2-narrow\",\"serveraddress\":\"eu.example.com:5000\"}");
  EXPECT_TRUE(absl::StrContains(Decode(book.PullAuth("x.other.com/app").value()), "\"wide\""));
  EXPECT_EQ(book.PullAuth("busybox").value(), "");
  EXPECT_EQ(book.PullAuth("localhost/busybox:test").value(), "");
}

TEST_F(RegistryBookTest, CredentialErrorsNameTheEntry) {
  RegistryBook book = Book({{.name = "gone", .registry = "ghcr.io", .username = "u",
                             .password_file = dir_ + "/missing"},
                            {.name = "sec", .registry = "quay.io", .type = "basic",
                             .from_secret = "ops/quay"}});
  absl::Status s = book.PullAuth("ghcr.io/a/b").status();
  EXPECT_EQ(s.message(), absl::StrCat("registry \"gone\": cannot read ", dir_,
                                      "/missing: No such file or directory"));
  s = book.PullAuth("quay.io/a/b").status();
  EXPECT_EQ(s.message(), "registry \"sec\": secret \"ops/quay\" not found");
  secrets_["ops/quay"] = {{"username", "q"}};
  s = book.PullAuth("quay.io/a/b").status();
  EXPECT_EQ(s.message(), "registry \"sec\": secret \"ops/quay\" has no key \"password\"");
  secrets_["ops/quay"]["password"] = "qp";
  EXPECT_EQ(Decode(book.PullAuth("quay.io/a/b").value()),
            "{\"username\":\"q\",\"password\":\"qp\",\"serveraddress\":\"quay.io\"}");
}

TEST_F(RegistryBookTest, TokenDockerConfigAndEcr) {
  const std::string config = absl::StrCat(
      "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"", absl::Base64Escape("hubuser:hubpass"),
      "\"},\"other.io\":{\"identitytoken\":\"idt\"}}}");
  RegistryBook book = Book({{.name = "tok", .registry = "tok.io", .token_file = File("t", "bearer\n")},
                            {.name = "cfg", .registry = "docker.io", .type = "dockerconfigjson",
                             .password_file = File("config.json", config)},
                            {.name = "cfg2", .registry = "other.io", .type = "dockerconfigjson",
                             .password = config},
                            {.name = "nocfg", .registry = "none.io", .type = "dockerconfigjson",
                             .password = config},
                            {.name = "ecr", .registry = "1.dkr.ecr.eu-west-1.amazonaws.com",
                             .region = "eu-west-1"}});
  EXPECT_EQ(Decode(book.PullAuth("tok.io/a").value()),
            "{\"registrytoken\":\"bearer\",\"serveraddress\":\"tok.io\"}");
  EXPECT_EQ(Decode(book.PullAuth("nginx:1").value()),
            "{\"username\":\"hubuser\",\"password\":\"hubpass\",\"serveraddress\":\"docker.io\"}");
  EXPECT_EQ(Decode(book.PullAuth("other.io/a").value()),
            "{\"identitytoken\":\"idt\",\"serveraddress\":\"other.io\"}");
  EXPECT_EQ(book.PullAuth("none.io/a").status().message(),
            "registry \"nocfg\": the Docker config has no credentials for none.io");

  const std::string ecr_image = "1.dkr.ecr.eu-west-1.amazonaws.com/app:1";
  EXPECT_TRUE(absl::StrContains(book.PullAuth(ecr_image).status().message(), "no AWS credentials"));
  env_ = {{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "SECRET"}, {"AWS_SESSION_TOKEN", "S"}};
  RegistryBook with_env = Book({{.name = "ecr", .registry = "1.dkr.ecr.eu-west-1.amazonaws.com",
                                 .region = "eu-west-1"}});
  EXPECT_EQ(Decode(with_env.PullAuth(ecr_image).value()),
            "{\"username\":\"AWS\",\"password\":\"ecr-password\",\"serveraddress\":"
            "\"1.dkr.ecr.eu-west-1.amazonaws.com\"}");
  api::AddRegistryRequest keyed;
  keyed.set_name("ecr2");
  keyed.set_server("*.dkr.ecr.us-east-1.amazonaws.com");
  keyed.set_type(api::RegistryInfo::ECR);
  keyed.set_region("us-east-1");
  keyed.set_username("OWNKEY");
  keyed.set_password("OWNSECRET");
  ASSERT_TRUE(with_env.Add(keyed).ok());
  ASSERT_TRUE(with_env.PullAuth("2.dkr.ecr.us-east-1.amazonaws.com/app").ok());
  EXPECT_EQ(ecr_calls_, (std::vector<std::string>{"eu-west-1 AKID SECRET S",
                                                   "us-east-1 OWNKEY OWNSECRET "}));
}

TEST_F(RegistryBookTest, ARecordCopiedUnderAnotherNameDoesNotOpen) {
  RegistryBook book = Book();
  ASSERT_TRUE(book.Add(Basic("ghcr", "ghcr.io")).ok());
  ASSERT_TRUE(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    store::Record r = *txn.Get(store::kRegistry, store::kSystemNamespace, "ghcr").value();
    RegistryRecord record;
    record.ParseFromString(r.value);
    record.mutable_info()->set_name("copy");
    record.mutable_info()->set_server("copy.io");
    return txn.Put(store::kRegistry, store::kSystemNamespace, "copy", record.SerializeAsString())
        .status();
  }).ok());
  absl::Status s = book.PullAuth("copy.io/a").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_TRUE(absl::StartsWith(s.message(), "registry \"copy\": ")) << s;
}

TEST(ExpandRunefileRegistries, ExpandsVariablesAndRefusesUnsetOnes) {
  std::vector<RunefileRegistry> in = {
      {.name = "a", .registry = "x.io", .username = "${USER_NAME}", .password = "p-${PW}-${PW}$"}};
  absl::StatusOr<std::vector<RunefileRegistry>> out =
      ExpandRunefileRegistries(in, {{"USER_NAME", "bot"}, {"PW", "1"}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].username, "bot");
  EXPECT_EQ((*out)[0].password, "p-1-1$");
  absl::Status s = ExpandRunefileRegistries(in, {{"USER_NAME", "bot"}}).status();
  EXPECT_EQ(s.message(), "docker.registries[0].password: environment variable \"PW\" is not set");
}

}  // namespace
}  // namespace rune::daemon::registry
