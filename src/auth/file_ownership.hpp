#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/ids.hpp"

/// File ownership (docs/adr/0006-file-ownership.md): every file key begins with its owner's user id
/// (core::OwnedFileKey: `<user_id>/uploads/…`, `<user_id>/protected/…`, `<user_id>/exports/…`), so
/// who may touch a file is read from the key itself, with no table to keep in step with the file
/// store. The admin routes that name a key (download-url, DELETE /admin/uploads) allow only the
/// caller's own keys; a signed `GET /files/<key>` link stays a bearer capability, whoever holds it.
///
/// Pure functions. Thread safety: none needed.
namespace batchd::auth {

/// The message of the 400 not_allowed for someone else's key, worded as Medusa's batch-job rule
/// (MEDUSA-SPEC §4, "Cannot access a batch job that does not belong to the logged in user").
inline constexpr std::string_view kNotYourFileMessage =
    "Cannot access a file that does not belong to the logged in user";

/// Whether `key`'s first '/'-separated segment is `user`'s id and something follows it. `key` must
/// already have passed the traversal rules (no '.'/'..' part, not absolute): this looks at text only.
[[nodiscard]] bool OwnsFileKey(const core::UserId& user, std::string_view key);

/// kNotAllowed with kNotYourFileMessage unless OwnsFileKey(user, key).
[[nodiscard]] core::Result<void> CheckFileOwner(const core::UserId& user, std::string_view key);

}  // namespace batchd::auth
