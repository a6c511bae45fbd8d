#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/ids.hpp"
#include "core/ports/user_store.hpp"

namespace batchd::http {

/// Who an API token belonged to a moment ago: saves the store round trip (and the hop to the
/// blocking pool) that authenticating every request would otherwise cost. Only successful lookups
/// are kept, for `ttl`, so a new token works at once and a removed user or token stops working
/// within `ttl`. Keys are the tokens' SHA-256 digests, as the store keeps them, never the tokens.
/// Bounded: when full, the whole cache is dropped (the next requests refill it).
///
/// Thread safety: every method may be called from any thread. Not blocking beyond a short lock.
class TokenCache {
public:
    TokenCache(std::chrono::milliseconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity) {}

    /// The user of `token_hash` if it was stored less than `ttl` before `now`.
    [[nodiscard]] std::optional<core::User> Find(std::string_view token_hash, core::TimePoint now) const;

    void Store(std::string token_hash, core::User user, core::TimePoint now);

private:
    struct Entry {
        core::User user;
        core::TimePoint stored_at;
    };

    std::chrono::milliseconds ttl_;
    std::size_t capacity_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace batchd::http
