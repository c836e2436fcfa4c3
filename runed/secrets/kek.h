// The key encryption key (KEK) of SPEC §5.13 and its start-up check (§5.3
// step 4).
//
//   RUNE_ASSIGN_OR_RETURN(Kek kek, SetUpKek(runefile.kek, data_dir, env, store));
//   for (const std::string& w : kek.warnings) Log().Warn(w);
//   auto secrets = NewSecretStore(store, kek.key);
//
// Sources (runefile `secret.encryption.kek`):
//  * file: base64 of 32 bytes, surrounding whitespace ignored; default path
//    `<data_dir>/kek.b64`. When missing and generate_if_missing, a random key
//    is written there with mode 0600 (after the check below passed).
//  * env: the variable named by `env` holds base64 of 32 bytes.
//  * generated: random for this process only; secrets written now cannot be
//    read after a restart. `meta/kek_check` is neither checked nor written,
//    so a store kept with a persistent key stays verifiable against it.
// The check: `meta/system/kek_check` holds a constant sealed with the KEK;
// written on the first start, opened on every later one. The key itself is
// never logged or stored.
#ifndef RUNE_RUNED_SECRETS_KEK_H_
#define RUNE_RUNED_SECRETS_KEK_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/runefile/runefile.h"
#include "runed/store/store.h"

namespace rune::daemon::secrets {

struct Kek {
  std::string key;  // 32 bytes
  // Lines for the log at warn level (generated source, loose file mode).
  std::vector<std::string> warnings;
};

// The message of a KEK that cannot open `meta/kek_check`.
inline constexpr char kKekMismatch[] =
    "KEK does not match the key used to encrypt existing secrets";

// Loads the KEK from its source and checks it against the store. Errors
// (all meant to stop runed): InvalidArgument for a missing or malformed key
// (file content, environment variable); FailedPrecondition kKekMismatch;
// Internal/Unavailable for file and store failures.
absl::StatusOr<Kek> SetUpKek(const common::RunefileKek& settings, absl::string_view data_dir,
                             const std::map<std::string, std::string>& env, store::Store* store);

// The key encoded in `text` (base64 of 32 bytes, whitespace trimmed);
// InvalidArgument "<where> must hold base64 of exactly 32 bytes (…)".
absl::StatusOr<std::string> DecodeKek(absl::string_view text, absl::string_view where);

}  // namespace rune::daemon::secrets

#endif  // RUNE_RUNED_SECRETS_KEK_H_
