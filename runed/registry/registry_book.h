// Registry credentials for image pulls (SPEC §3.6.18, §5.10): the runefile's
// `docker.registries` (read-only) and entries added at runtime through
// AdminService (stored encrypted under `registry/system/<name>`, used by the
// next pull). For an image it picks the entry serving the image's registry
// host and builds the engine's `X-Registry-Auth` header.
//
//   RegistryBook book({.store = db, .kek = key, .runefile = entries,
//                      .secrets = secret_reader, .ecr = ecr_login, .env = env});
//   RUNE_ASSIGN_OR_RETURN(api::AddRegistryResponse added, book.Add(request));
//   RUNE_ASSIGN_OR_RETURN(std::string header, book.PullAuth("ghcr.io/acme/api:1"));
//   // header: base64url JSON {"username":…,"password":…,"serveraddress":"ghcr.io"},
//   // "" when no entry serves ghcr.io
//
// Errors of Add/List/Remove are SPEC §2.6's: InvalidArgument M07
// (`validation error: registry.server: …`), AlreadyExists M18, NotFound M15,
// FailedPrecondition for runefile entries. PullAuth's errors name the entry:
// `registry "ghcr": cannot read /etc/rune/ghcr.token: No such file or
// directory`. Credentials never leave memory except sealed in the store and
// in the header sent to the engine.
#ifndef RUNE_RUNED_REGISTRY_REGISTRY_BOOK_H_
#define RUNE_RUNED_REGISTRY_REGISTRY_BOOK_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/runefile/runefile.h"
#include "proto/admin.pb.h"
#include "runed/registry/ecr.h"
#include "runed/registry/sigv4.h"
#include "runed/store/store.h"

namespace rune::daemon::registry {

// Exchanges AWS keys for an ECR login (EcrTokenSource::Login, which caches
// it until shortly before it expires).
using EcrLogin =
    std::function<absl::StatusOr<EcrToken>(const std::string& region, const AwsCredentials& keys)>;

// The decrypted data of a secret; nullopt when it does not exist.
using SecretReader = std::function<absl::StatusOr<std::optional<std::map<std::string, std::string>>>(
    absl::string_view ns, absl::string_view name)>;

struct RegistryBookDeps {
  store::Store* store = nullptr;
  std::string kek;  // 32 bytes
  // Checked by the runefile decoder, expanded by ExpandRunefileRegistries.
  std::vector<common::RunefileRegistry> runefile;
  SecretReader secrets;
  EcrLogin ecr;
  // runed's environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
  // AWS_SESSION_TOKEN for ecr entries without keys of their own.
  std::map<std::string, std::string> env;
};

// Expands `${NAME}` in the credential fields (username, password, token,
// password_file, token_file) of runefile entries from `env`. An unset
// variable is an error `docker.registries[<i>].<field>: environment variable
// "<NAME>" is not set`.
absl::StatusOr<std::vector<common::RunefileRegistry>> ExpandRunefileRegistries(
    std::vector<common::RunefileRegistry> entries, const std::map<std::string, std::string>& env);

class RegistryBook {
 public:
  explicit RegistryBook(RegistryBookDeps deps);

  // Validates and stores a runtime entry; its credentials are sealed.
  absl::StatusOr<api::AddRegistryResponse> Add(const api::AddRegistryRequest& request);
  // Runefile and runtime entries, sorted by name; credentials never shown.
  absl::StatusOr<api::ListRegistriesResponse> List();
  absl::StatusOr<api::RemoveRegistryResponse> Remove(const std::string& name);

  // The X-Registry-Auth value for pulling `image` ("" when no entry serves
  // its registry host). The most specific entry wins: an exact host before
  // wildcards, a longer suffix before a shorter one, the runefile before
  // runtime entries, then the name.
  absl::StatusOr<std::string> PullAuth(absl::string_view image);

 private:
  struct Entry {
    api::RegistryInfo info;
    common::RunefileRegistry fields;  // runefile entries: as written (expanded)
    std::string record;               // runtime entries: the stored RegistryRecord
  };
  absl::StatusOr<std::vector<Entry>> Entries();
  absl::StatusOr<std::string> AuthConfig(const Entry& entry, const std::string& host);

  RegistryBookDeps deps_;
};

}  // namespace rune::daemon::registry

#endif  // RUNE_RUNED_REGISTRY_REGISTRY_BOOK_H_
