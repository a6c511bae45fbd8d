// TokenCache from many threads at once, as the server's I/O threads use it while a user deletion is
// heard on the bus: run under ThreadSanitizer (ctest label `concurrency`), and checked for answers
// that mix up two tokens' users or bring back a deleted one.
#include <array>
#include <atomic>
#include <chrono>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/token_cache.hpp"

namespace batchd::http {
namespace {

using std::chrono::milliseconds;

const core::TimePoint kStart{milliseconds{1'700'000'000'000}};

constexpr int kTokens = 40;

core::User UserOf(int token) {
    core::User user;
    user.id = core::UserId{"usr_" + std::to_string(token)};
    user.email = "user" + std::to_string(token) + "@example.com";
    return user;
}

std::string HashOf(int token) { return "hash-" + std::to_string(token); }

TEST(TokenCacheConcurrencyTest, ReadersNeverFindAnotherTokensUserNorADeletedOne) {
    constexpr int kReaders = 6;
    constexpr int kRounds = 300;
    // Fewer places than tokens: the cache is also dropped for room while others read it.
    TokenCache cache{milliseconds{60'000}, 16};
    std::array<std::atomic<bool>, kTokens> deleted{};  // the store's truth
    std::array<std::atomic<bool>, kTokens> heard{};    // the deletion was heard: Clear() has returned
    std::atomic<int> found{0};
    std::atomic<int> wrong_user{0};
    std::atomic<int> deleted_found{0};
    std::latch start{kReaders + 1};
    {
        std::vector<std::jthread> threads;
        for (int r = 0; r < kReaders; ++r) {
            threads.emplace_back([&, r] {
                start.arrive_and_wait();
                for (int round = 0; round < kRounds; ++round) {
                    const int token = (r * 7 + round) % kTokens;
                    const core::TimePoint now = kStart + milliseconds{round};
                    // As the API authenticates: the generation first, then the store lookup.
                    const std::uint64_t generation = cache.Generation();
                    if (!deleted[token].load()) {
                        cache.Store(HashOf(token), UserOf(token), now, generation);
                    }
                    const bool was_heard = heard[token].load();
                    const auto user = cache.Find(HashOf(token), now);
                    if (!user) {
                        continue;
                    }
                    ++found;
                    if (user->id.value != UserOf(token).id.value || user->email != UserOf(token).email) {
                        ++wrong_user;
                    }
                    if (was_heard) {
                        ++deleted_found;
                    }
                }
            });
        }
        threads.emplace_back([&] {  // deletes every third user, as a DELETE and its bus event would
            start.arrive_and_wait();
            for (int token = 0; token < kTokens; token += 3) {
                deleted[token].store(true);
                cache.Clear();
                heard[token].store(true);
                std::this_thread::yield();
            }
        });
    }
    EXPECT_EQ(wrong_user.load(), 0);
    EXPECT_EQ(deleted_found.load(), 0) << "a deleted user was found after its deletion was heard";
    EXPECT_GT(found.load(), 0) << "no lookup ever hit: the test did not exercise the cache";
}

}  // namespace
}  // namespace batchd::http
