#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

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

/// The bus event (core::BusEvent, the user's id in `job_id`) published after a user is deleted:
/// every API server that hears it drops its cache of API tokens (http::TokenCache), so the deleted
/// user's token stops working at once, wherever the deletion was made.
inline constexpr std::string_view kUserDeletedEvent = "user.deleted";

/// Whether `id` may name a user: 1 to 64 bytes of [A-Za-z0-9_-], the first one a letter or digit. A
/// user's id is the first segment of every file key the user owns (docs/adr/0006-file-ownership.md),
/// so it must be one plain path segment: no '/', no '.', nothing a file store could read another
/// way. A leading '_' is kept for segments no user may own (kUnownedFileSegment).
[[nodiscard]] inline bool IsValidUserId(std::string_view id) {
    constexpr std::size_t kMaxUserIdBytes = 64;
    if (id.empty() || id.size() > kMaxUserIdBytes || id.front() == '_' || id.front() == '-') {
        return false;
    }
    for (const char c : id) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '_' || c == '-';
        if (!plain) {
            return false;
        }
    }
    return true;
}

/// The owner segment of files whose job has no `created_by` (fixtures only): it fails IsValidUserId
/// (leading '_'), so no user can ever own it.
inline constexpr std::string_view kUnownedFileSegment = "_unowned";

/// The key of a file owned by `owner`: `<owner id>/<rest>` (kUnownedFileSegment for no owner), as
/// every key batchd makes is (docs/adr/0006-file-ownership.md). `rest` has no leading '/'.
[[nodiscard]] inline std::string OwnedFileKey(const std::optional<UserId>& owner, std::string_view rest) {
    std::string key = owner ? owner->value : std::string(kUnownedFileSegment);
    key += '/';
    key += rest;
    return key;
}

/// Where admin users and their credentials live. Implemented by the same adapters as JobStore.
/// Blocking; thread safety: every method may be called concurrently.
class UserStore {
public:
    virtual ~UserStore() = default;

    /// kDuplicate if the id, email or token hash is taken (ids and emails of deleted users stay
    /// taken; DeleteUser forgets the token hash); kInvalidData if the id fails IsValidUserId.
    [[nodiscard]] virtual Result<User> CreateUser(const NewUser& user) = 0;

    /// The live (not deleted) user whose API token hashes to `token_hash`, else kNotFound.
    [[nodiscard]] virtual Result<User> FindUserByTokenHash(const std::string& token_hash) = 0;

    /// The live user with this id, else kNotFound.
    [[nodiscard]] virtual Result<User> GetUser(const UserId& id) = 0;

    /// The live user with this email (exact, case-sensitive match), else kNotFound.
    [[nodiscard]] virtual Result<User> FindUserByEmail(const std::string& email) = 0;

    /// Soft-deletes the live user `id`: sets deleted_at (and updated_at) to `at` and forgets the API
    /// token hash, so the token stops working for good. The row stays (jobs name it in created_by;
    /// its email and id stay taken). kNotFound if there is no live user with this id.
    [[nodiscard]] virtual Result<void> DeleteUser(const UserId& id, TimePoint at) = 0;
};

}  // namespace batchd::core
