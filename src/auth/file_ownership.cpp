#include "auth/file_ownership.hpp"

#include "core/ports/user_store.hpp"

namespace batchd::auth {

bool OwnsFileKey(const core::UserId& user, std::string_view key) {
    // A user id that could not have been created (empty, with a '/', …) owns nothing: checked here
    // too so that this rule does not rest on every way a user row can come into being.
    if (!core::IsValidUserId(user.value)) {
        return false;
    }
    return key.size() > user.value.size() + 1 && key.starts_with(user.value) && key[user.value.size()] == '/';
}

core::Result<void> CheckFileOwner(const core::UserId& user, std::string_view key) {
    if (!OwnsFileKey(user, key)) {
        return core::Error{core::Errc::kNotAllowed, std::string(kNotYourFileMessage)};
    }
    return {};
}

}  // namespace batchd::auth
