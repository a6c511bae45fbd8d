#include "http/token_cache.hpp"

namespace batchd::http {

std::optional<core::User> TokenCache::Find(std::string_view token_hash, core::TimePoint now) const {
    std::scoped_lock lock{mu_};
    const auto found = entries_.find(std::string(token_hash));
    if (found == entries_.end() || now - found->second.stored_at >= ttl_ || now < found->second.stored_at) {
        return std::nullopt;
    }
    return found->second.user;
}

std::uint64_t TokenCache::Generation() const {
    std::scoped_lock lock{mu_};
    return generation_;
}

void TokenCache::Store(std::string token_hash,
                       core::User user,
                       core::TimePoint now,
                       std::uint64_t generation) {
    std::scoped_lock lock{mu_};
    if (generation != generation_) {
        return;  // read before a deletion was heard: it may name a user that is gone
    }
    if (entries_.size() >= capacity_ && !entries_.contains(token_hash)) {
        entries_.clear();  // a simple bound: far more live tokens than this is not a normal load
    }
    entries_.insert_or_assign(std::move(token_hash), Entry{std::move(user), now});
}

void TokenCache::Clear() {
    std::scoped_lock lock{mu_};
    entries_.clear();
    ++generation_;
}

}  // namespace batchd::http
