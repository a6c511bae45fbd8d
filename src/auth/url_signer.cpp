#include "auth/url_signer.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include <sodium.h>

namespace batchd::auth {
namespace {

constexpr std::size_t kMinSecretBytes = 32;

void EnsureSodium() {
    static const int initialized = [] {
        if (sodium_init() < 0) {
            throw std::runtime_error("libsodium failed to initialise");
        }
        return 1;
    }();
    static_cast<void>(initialized);
}

// What is signed: "<key>\n<expires unix ms>". The expiry is digits (and maybe a '-'), never a
// newline, so the last newline splits the two unambiguously, whatever bytes the key holds.
std::string SignedText(std::string_view key, core::TimePoint expires_at) {
    std::string text;
    text.reserve(key.size() + 24);
    text.append(key);
    text.push_back('\n');
    text.append(std::to_string(expires_at.time_since_epoch().count()));
    return text;
}

}  // namespace

UrlSigner::UrlSigner(std::string secret) : secret_(std::move(secret)) {
    if (secret_.size() < kMinSecretBytes) {
        throw std::invalid_argument("the URL signing secret must be at least 32 bytes long");
    }
    EnsureSodium();
}

std::string UrlSigner::Sign(std::string_view key, core::TimePoint expires_at) const {
    const std::string text = SignedText(key, expires_at);
    // The init/update/final form takes a key of any length (the one-shot form wants exactly 32).
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()),
                                secret_.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
    crypto_auth_hmacsha256_final(&state, mac.data());
    sodium_memzero(&state, sizeof state);
    std::array<char, crypto_auth_hmacsha256_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
    return std::string(hex.data(), crypto_auth_hmacsha256_BYTES * 2);
}

bool UrlSigner::Verify(std::string_view key,
                       core::TimePoint expires_at,
                       std::string_view signature,
                       core::TimePoint now) const {
    const std::string expected = Sign(key, expires_at);
    // The length is no secret (always 64); the bytes are compared in constant time.
    const bool same = signature.size() == expected.size() &&
                      sodium_memcmp(signature.data(), expected.data(), expected.size()) == 0;
    return same && now <= expires_at;
}

}  // namespace batchd::auth
