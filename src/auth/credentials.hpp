#pragma once

#include <string>
#include <string_view>

#include "core/ids.hpp"

/// Credentials: how passwords and API tokens are turned into what the store keeps.
///
/// The store never sees a secret. A password becomes an argon2id string (libsodium's
/// crypto_pwhash_str, "interactive" limits, salt and parameters included); an API token becomes the
/// lowercase hex SHA-256 of its text, so a lookup by token is an index lookup by hash. A token is 32
/// random bytes, which is why a fast, unsalted hash is enough for it and not for a password.
///
/// Blocking: HashPassword and VerifyPassword take tens of milliseconds on purpose (argon2id); call
/// them off the io threads. Thread safety: every function may be called from any thread.
namespace batchd::auth {

/// argon2id hash of `password`, in the self-describing "$argon2id$v=19$m=…" form.
/// Throws std::runtime_error only when libsodium cannot get the memory it needs.
[[nodiscard]] std::string HashPassword(std::string_view password);

/// Whether `password` matches `hash` (as made by HashPassword). A malformed hash never matches.
[[nodiscard]] bool VerifyPassword(std::string_view hash, std::string_view password);

/// A new API token: 32 random bytes as URL-safe base64 without padding (43 characters).
[[nodiscard]] std::string NewApiToken();

/// What the store keeps for an API token: the lowercase hex SHA-256 of its text (64 characters).
[[nodiscard]] std::string HashApiToken(std::string_view token);

/// A new user id, "usr_" + a ULID for `now`, as Medusa names users.
[[nodiscard]] std::string NewUserId(core::TimePoint now);

}  // namespace batchd::auth
