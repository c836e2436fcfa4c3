#include "runed/secrets/envelope.h"

#include <string>

#include "gtest/gtest.h"

namespace rune::daemon::secrets {
namespace {

TEST(Envelope, SealLaysOutNonceCiphertextTag) {
  const std::string key = RandomBytes(kKeyBytes);
  absl::StatusOr<std::string> a = Seal(key, "hello", "aad");
  absl::StatusOr<std::string> b = Seal(key, "hello", "aad");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->size(), kNonceBytes + 5 + kTagBytes);
  EXPECT_NE(a->substr(0, kNonceBytes), b->substr(0, kNonceBytes));  // random nonce
  EXPECT_EQ(a->find("hello"), std::string::npos);
  absl::StatusOr<std::string> opened = Open(key, *a, "aad");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "hello");
}

TEST(Envelope, OpenRefusesWrongKeyAadOrAlteredText) {
  const std::string key = RandomBytes(kKeyBytes);
  const std::string sealed = *Seal(key, "value", "ns|a|1");
  EXPECT_EQ(Open(RandomBytes(kKeyBytes), sealed, "ns|a|1").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Open(key, sealed, "ns|a|2").status().code(), absl::StatusCode::kDataLoss);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string altered = sealed;
    altered[i] ^= 0x01;
    EXPECT_EQ(Open(key, altered, "ns|a|1").status().code(), absl::StatusCode::kDataLoss) << i;
  }
  EXPECT_EQ(Open(key, sealed.substr(0, 20), "ns|a|1").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(Envelope, KeysMustBe32Bytes) {
  EXPECT_EQ(Seal("short", "x", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Open(std::string(31, 'k'), std::string(40, 'x'), "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Envelope, DekIsWrappedWithItsOwnAad) {
  const std::string kek = RandomBytes(kKeyBytes);
  absl::StatusOr<Envelope> e = SealEnvelope(kek, "payload", "default|db|1");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->wrapped_dek.size(), kNonceBytes + kKeyBytes + kTagBytes);
  // The DEK opens with the "|dek" AAD only, and it is not the KEK.
  absl::StatusOr<std::string> dek = Open(kek, e->wrapped_dek, "default|db|1|dek");
  ASSERT_TRUE(dek.ok()) << dek.status();
  EXPECT_EQ(dek->size(), kKeyBytes);
  EXPECT_NE(*dek, kek);
  EXPECT_FALSE(Open(kek, e->wrapped_dek, "default|db|1").ok());
  EXPECT_EQ(*Open(*dek, e->ciphertext, "default|db|1"), "payload");
  EXPECT_EQ(*OpenEnvelope(kek, *e, "default|db|1"), "payload");
  // Bound to the name and version.
  EXPECT_EQ(OpenEnvelope(kek, *e, "default|db|2").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(OpenEnvelope(kek, *e, "default|other|1").status().code(),
            absl::StatusCode::kDataLoss);
  // A new DEK per envelope.
  absl::StatusOr<Envelope> again = SealEnvelope(kek, "payload", "default|db|1");
  EXPECT_NE(*Open(kek, again->wrapped_dek, "default|db|1|dek"), *dek);
}

}  // namespace
}  // namespace rune::daemon::secrets
