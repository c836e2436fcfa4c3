// Envelope encryption of SPEC §5.13: AES-256-GCM (BoringSSL) with a random
// 12-byte nonce, sealed text laid out as `nonce || ciphertext || tag`, and a
// fresh 32-byte data key (DEK) per sealed value, itself sealed with the key
// encryption key (KEK).
//
//   Envelope e = *SealEnvelope(kek, plaintext, "default|db|1");
//   // e.wrapped_dek: the DEK sealed with `kek`, AAD "default|db|1|dek"
//   // e.ciphertext:  `plaintext` sealed with the DEK, AAD "default|db|1"
//   std::string back = *OpenEnvelope(kek, e, "default|db|1");
//
// Used for secrets (and registry credentials stored at runtime). Keys and
// plaintext stay in memory; nothing here logs.
#ifndef RUNE_RUNED_SECRETS_ENVELOPE_H_
#define RUNE_RUNED_SECRETS_ENVELOPE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::daemon::secrets {

// AES-256 key length (KEK and DEK).
inline constexpr size_t kKeyBytes = 32;
// AES-GCM nonce and tag lengths.
inline constexpr size_t kNonceBytes = 12;
inline constexpr size_t kTagBytes = 16;

// `n` bytes from BoringSSL's CSPRNG.
std::string RandomBytes(size_t n);

// Seals `plaintext` with the 32-byte `key`, authenticating `aad`; returns
// nonce || ciphertext || tag. InvalidArgument for a key of the wrong length.
absl::StatusOr<std::string> Seal(absl::string_view key, absl::string_view plaintext,
                                 absl::string_view aad);

// Opens what Seal produced. DataLoss when the text was altered, the key is
// not the sealing key or `aad` differs; InvalidArgument for a key of the
// wrong length.
absl::StatusOr<std::string> Open(absl::string_view key, absl::string_view sealed,
                                 absl::string_view aad);

struct Envelope {
  std::string wrapped_dek;  // Seal(kek, dek, aad + "|dek")
  std::string ciphertext;   // Seal(dek, plaintext, aad)
};

// Seals `plaintext` under a new random DEK wrapped with `kek`.
absl::StatusOr<Envelope> SealEnvelope(absl::string_view kek, absl::string_view plaintext,
                                      absl::string_view aad);

// Unwraps the DEK and opens the ciphertext; DataLoss as for Open.
absl::StatusOr<std::string> OpenEnvelope(absl::string_view kek, const Envelope& envelope,
                                         absl::string_view aad);

}  // namespace rune::daemon::secrets

#endif  // RUNE_RUNED_SECRETS_ENVELOPE_H_
