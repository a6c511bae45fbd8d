#pragma once

#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/ids.hpp"

namespace batchd::core {

/// An admin user, as the API shows it (`expand=created_by_user`). Secrets are not part of it.
struct User {
    UserId id;
    std::string email;
    std::string first_name;
    std::string last_name;
    std::string role = "admin";
    TimePoint created_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> deleted_at;
};

/// A user to create. Secrets arrive already hashed: the store never sees a password or a token.
struct NewUser {
    User user;
    std::string password_hash;   // argon2id string (libsodium crypto_pwhash_str), or empty
    std::string api_token_hash;  // hex digest of the API token, or empty for none
};

/// Where admin users and their credentials live. Implemented by the same adapters as JobStore.
/// Blocking; thread safety: every method may be called concurrently.
class UserStore {
public:
    virtual ~UserStore() = default;

    /// kDuplicate if the id or email is taken.
    [[nodiscard]] virtual Result<User> CreateUser(const NewUser& user) = 0;

    /// The live (not deleted) user whose API token hashes to `token_hash`, else kNotFound.
    [[nodiscard]] virtual Result<User> FindUserByTokenHash(const std::string& token_hash) = 0;

    /// The live user with this id, else kNotFound.
    [[nodiscard]] virtual Result<User> GetUser(const UserId& id) = 0;
};

}  // namespace batchd::core
