#include "runed/auth/token.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "openssl/crypto.h"
#include "openssl/rand.h"
#include "openssl/sha.h"

namespace rune::daemon::auth {
namespace {

constexpr absl::string_view kPrefix = "rune_";
constexpr size_t kIdLength = 16;
constexpr size_t kSecretLength = 43;

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool IsBase64Url(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string RandomHex(int n) {
  std::string bytes(static_cast<size_t>(n), '\0');
  RAND_bytes(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size());
  return absl::BytesToHexString(bytes);
}

NewToken GenerateToken() {
  NewToken t;
  t.id = RandomHex(kIdLength / 2);
  std::string secret(32, '\0');
  RAND_bytes(reinterpret_cast<uint8_t*>(secret.data()), secret.size());
  t.text = std::string(kPrefix) + t.id + "." + absl::WebSafeBase64Escape(secret);
  return t;
}

std::optional<std::string> TokenId(absl::string_view token) {
  if (token.size() != kPrefix.size() + kIdLength + 1 + kSecretLength) return std::nullopt;
  if (!absl::StartsWith(token, kPrefix)) return std::nullopt;
  absl::string_view id = token.substr(kPrefix.size(), kIdLength);
  if (token[kPrefix.size() + kIdLength] != '.') return std::nullopt;
  absl::string_view secret = token.substr(kPrefix.size() + kIdLength + 1);
  if (!IsLowerHex(id) || !IsBase64Url(secret)) return std::nullopt;
  return std::string(id);
}

std::string HashToken(absl::string_view token) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const uint8_t*>(token.data()), token.size(),
         reinterpret_cast<uint8_t*>(digest.data()));
  return digest;
}

bool HashesEqual(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace rune::daemon::auth
