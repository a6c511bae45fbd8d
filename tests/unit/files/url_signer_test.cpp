#include "auth/url_signer.hpp"

#include <chrono>
#include <stdexcept>

#include <gtest/gtest.h>

namespace batchd::auth {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
const core::TimePoint kExpires{milliseconds{1'700'000'000'000}};

TEST(UrlSignerTest, SignatureIsHexHmacSha256OfKeyAndExpiry) {
    const UrlSigner signer{std::string(kSecret)};
    // HMAC-SHA256(secret, "uploads/a b.csv\n1700000000000"), computed with Python's hmac module.
    EXPECT_EQ(signer.Sign("uploads/a b.csv", kExpires),
              "dc4328cf3471ffa100ba351e25f051c1205f017b1c2421910bb9c800b91235cd");
}

TEST(UrlSignerTest, RefusesShortSecrets) {
    EXPECT_THROW(UrlSigner{std::string(31, 'x')}, std::invalid_argument);
    EXPECT_NO_THROW(UrlSigner{std::string(32, 'x')});
}

TEST(UrlSignerTest, VerifiesItsOwnSignatureUntilExpiry) {
    const UrlSigner signer{std::string(kSecret)};
    const std::string signature = signer.Sign("exports/x.csv", kExpires);
    EXPECT_TRUE(signer.Verify("exports/x.csv", kExpires, signature, kExpires - milliseconds{3'600'000}));
    EXPECT_TRUE(signer.Verify("exports/x.csv", kExpires, signature, kExpires));
    EXPECT_FALSE(signer.Verify("exports/x.csv", kExpires, signature, kExpires + milliseconds{1}));
}

TEST(UrlSignerTest, RefusesAnotherKeyExpiryOrSecret) {
    const UrlSigner signer{std::string(kSecret)};
    const core::TimePoint now = kExpires - milliseconds{1000};
    const std::string signature = signer.Sign("exports/x.csv", kExpires);
    EXPECT_FALSE(signer.Verify("exports/y.csv", kExpires, signature, now));
    EXPECT_FALSE(signer.Verify("exports/x.csv", kExpires + milliseconds{1}, signature, now));
    const UrlSigner other{std::string(kSecret) + "!"};
    EXPECT_FALSE(other.Verify("exports/x.csv", kExpires, signature, now));
}

TEST(UrlSignerTest, RefusesMalformedSignatures) {
    const UrlSigner signer{std::string(kSecret)};
    const core::TimePoint now = kExpires - milliseconds{1000};
    std::string signature = signer.Sign("k", kExpires);
    EXPECT_FALSE(signer.Verify("k", kExpires, "", now));
    EXPECT_FALSE(signer.Verify("k", kExpires, signature.substr(0, 63), now));
    EXPECT_FALSE(signer.Verify("k", kExpires, signature + "0", now));
    signature[10] = signature[10] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(signer.Verify("k", kExpires, signature, now));
}

TEST(UrlSignerTest, KeyAndExpiryCannotBeShiftedIntoEachOther) {
    const UrlSigner signer{std::string(kSecret)};
    // "a\n1" + "\n" + "2…" must not equal "a" + "\n" + "1\n2…": the expiry is numeric only.
    EXPECT_NE(signer.Sign("a1", core::TimePoint{milliseconds{23}}),
              signer.Sign("a", core::TimePoint{milliseconds{123}}));
}

}  // namespace
}  // namespace batchd::auth
