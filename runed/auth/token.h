// Bearer tokens of SPEC §5.5: `rune_<id>.<secret>` with a 16-hex-character ID
// and 43 base64url characters of secret (32 random bytes from BoringSSL).
// Only SHA-256 of the whole string is stored; comparison is constant-time.
//
//   NewToken t = GenerateToken();          // t.text is shown once
//   std::string hash = HashToken(t.text);  // stored
//   std::optional<std::string> id = TokenId(presented);
//   if (id && HashesEqual(HashToken(presented), hash)) …
#ifndef RUNE_RUNED_AUTH_TOKEN_H_
#define RUNE_RUNED_AUTH_TOKEN_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rune::daemon::auth {

struct NewToken {
  std::string id;    // 16 lowercase hex characters
  std::string text;  // rune_<id>.<secret>
};

NewToken GenerateToken();

// The `<id>` of a well-formed token string, or nullopt when the format is
// wrong.
std::optional<std::string> TokenId(absl::string_view token);

// SHA-256 of the token string (32 raw bytes).
std::string HashToken(absl::string_view token);

// Constant-time equality of two hashes (false when the lengths differ).
bool HashesEqual(absl::string_view a, absl::string_view b);

// `n` random bytes as lowercase hex (IDs of users and tokens).
std::string RandomHex(int n);

}  // namespace rune::daemon::auth

#endif  // RUNE_RUNED_AUTH_TOKEN_H_
