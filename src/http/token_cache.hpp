#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
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
/// are kept, for `ttl`, so a new token works at once. Keys are the tokens' SHA-256 digests, as the
/// store keeps them, never the tokens. Bounded: when full, the whole cache is dropped (the next
/// requests refill it).
///
/// A deleted user must not keep working from here: Clear() drops everything and bumps a
/// generation, and Store() of a lookup that began before the last Clear() is ignored, so a lookup
/// racing a deletion cannot put the deleted user back. The API calls Clear() when it hears
/// core::kUserDeletedEvent on the bus; without a bus shared with the deleting process, `ttl` is the
/// bound.
///
/// Thread safety: every method may be called from any thread. Not blocking beyond a short lock.
class TokenCache {
public:
    TokenCache(std::chrono::milliseconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity) {}

    /// The user of `token_hash` if it was stored less than `ttl` before `now`.
    [[nodiscard]] std::optional<core::User> Find(std::string_view token_hash, core::TimePoint now) const;

    /// Take this before the store lookup whose result goes to Store.
    [[nodiscard]] std::uint64_t Generation() const;

    /// Remembers `user` for `token_hash`, unless Clear() ran since `generation` was taken.
    void Store(std::string token_hash, core::User user, core::TimePoint now, std::uint64_t generation);

    /// Forgets every entry and every lookup still in flight.
    void Clear();

private:
    struct Entry {
        core::User user;
        core::TimePoint stored_at;
    };

    std::chrono::milliseconds ttl_;
    std::size_t capacity_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
    std::uint64_t generation_ = 0;                    // guarded by mu_
};

}  // namespace batchd::http
