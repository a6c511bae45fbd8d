#include "auth/credentials.hpp"

#include <array>
#include <stdexcept>

#include <sodium.h>

namespace batchd::auth {
namespace {

// sodium_init picks the fastest implementations and seeds the generator; it is safe to call more than
// once, but once per process is enough. -1 means the library is unusable, which is a startup fault.
void EnsureSodium() {
    static const int initialized = [] {
        if (sodium_init() < 0) {
            throw std::runtime_error("libsodium failed to initialise");
        }
        return 1;
    }();
    static_cast<void>(initialized);
}

}  // namespace

std::string HashPassword(std::string_view password) {
    EnsureSodium();
    std::array<char, crypto_pwhash_STRBYTES> hash{};
    if (crypto_pwhash_str(hash.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        throw std::runtime_error("out of memory while hashing a password");
    }
    return std::string(hash.data());
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
    EnsureSodium();
    // crypto_pwhash_str_verify wants a NUL-terminated string of at most STRBYTES - 1 characters.
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) {
        return false;
    }
    std::array<char, crypto_pwhash_STRBYTES> terminated{};
    hash.copy(terminated.data(), hash.size());
    return crypto_pwhash_str_verify(terminated.data(), password.data(), password.size()) == 0;
}

std::string NewApiToken() {
    EnsureSodium();
    std::array<unsigned char, 32> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string text(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
    sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kVariant);
    text.resize(text.find('\0'));  // ENCODED_LEN counts the terminator
    sodium_memzero(bytes.data(), bytes.size());
    return text;
}

std::string HashApiToken(std::string_view token) {
    EnsureSodium();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size());
    std::string hex(digest.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    hex.pop_back();  // the terminator
    return hex;
}

std::string NewUserId(core::TimePoint now) {
    EnsureSodium();
    std::array<std::uint8_t, 10> random{};
    randombytes_buf(random.data(), random.size());
    return core::MakeUlidId("usr_", now, random);
}

}  // namespace batchd::auth
