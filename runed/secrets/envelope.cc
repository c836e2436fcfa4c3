#include "runed/secrets/envelope.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "openssl/aead.h"
#include "openssl/crypto.h"
#include "openssl/rand.h"

namespace rune::daemon::secrets {
namespace {

const uint8_t* Bytes(absl::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// An AES-256-GCM context for `key`; InvalidArgument for a bad key length.
absl::StatusOr<bssl::UniquePtr<EVP_AEAD_CTX>> Context(absl::string_view key) {
  if (key.size() != kKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-256-GCM needs a 32-byte key, got ", key.size(), " bytes"));
  }
  bssl::UniquePtr<EVP_AEAD_CTX> ctx(EVP_AEAD_CTX_new(EVP_aead_aes_256_gcm(), Bytes(key),
                                                     key.size(), EVP_AEAD_DEFAULT_TAG_LENGTH));
  if (ctx == nullptr) return absl::InternalError("cannot initialise AES-256-GCM");
  return ctx;
}

std::string DekAad(absl::string_view aad) { return absl::StrCat(aad, "|dek"); }

}  // namespace

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  RAND_bytes(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size());
  return bytes;
}

absl::StatusOr<std::string> Seal(absl::string_view key, absl::string_view plaintext,
                                 absl::string_view aad) {
  RUNE_ASSIGN_OR_RETURN(bssl::UniquePtr<EVP_AEAD_CTX> ctx, Context(key));
  std::string out = RandomBytes(kNonceBytes);
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  uint8_t* const body = reinterpret_cast<uint8_t*>(out.data()) + kNonceBytes;
  size_t written = 0;
  if (EVP_AEAD_CTX_seal(ctx.get(), body, &written, out.size() - kNonceBytes, Bytes(out),
                        kNonceBytes, Bytes(plaintext), plaintext.size(), Bytes(aad),
                        aad.size()) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  out.resize(kNonceBytes + written);
  return out;
}

absl::StatusOr<std::string> Open(absl::string_view key, absl::string_view sealed,
                                 absl::string_view aad) {
  RUNE_ASSIGN_OR_RETURN(bssl::UniquePtr<EVP_AEAD_CTX> ctx, Context(key));
  if (sealed.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("sealed data is truncated");
  }
  const absl::string_view body = sealed.substr(kNonceBytes);
  std::string out(body.size(), '\0');
  size_t written = 0;
  if (EVP_AEAD_CTX_open(ctx.get(), reinterpret_cast<uint8_t*>(out.data()), &written, out.size(),
                        Bytes(sealed), kNonceBytes, Bytes(body), body.size(), Bytes(aad),
                        aad.size()) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return absl::DataLossError("authentication failed (wrong key or altered data)");
  }
  out.resize(written);
  return out;
}

absl::StatusOr<Envelope> SealEnvelope(absl::string_view kek, absl::string_view plaintext,
                                      absl::string_view aad) {
  std::string dek = RandomBytes(kKeyBytes);
  Envelope e;
  absl::StatusOr<std::string> wrapped = Seal(kek, dek, DekAad(aad));
  absl::StatusOr<std::string> ciphertext = Seal(dek, plaintext, aad);
  OPENSSL_cleanse(dek.data(), dek.size());
  RUNE_RETURN_IF_ERROR(wrapped.status());
  RUNE_RETURN_IF_ERROR(ciphertext.status());
  e.wrapped_dek = std::move(*wrapped);
  e.ciphertext = std::move(*ciphertext);
  return e;
}

absl::StatusOr<std::string> OpenEnvelope(absl::string_view kek, const Envelope& envelope,
                                         absl::string_view aad) {
  RUNE_ASSIGN_OR_RETURN(std::string dek, Open(kek, envelope.wrapped_dek, DekAad(aad)));
  absl::StatusOr<std::string> plaintext = Open(dek, envelope.ciphertext, aad);
  OPENSSL_cleanse(dek.data(), dek.size());
  return plaintext;
}

}  // namespace rune::daemon::secrets
