#include "http/token_cache.hpp"

#include <gtest/gtest.h>

namespace batchd::http {
namespace {

using std::chrono::milliseconds;

core::User UserNamed(std::string id) {
    core::User user;
    user.id = core::UserId{std::move(id)};
    return user;
}

const core::TimePoint kStart{milliseconds{1'700'000'000'000}};

TEST(TokenCacheTest, AStoredUserIsFoundUntilTheTtlHasPassed) {
    TokenCache cache{milliseconds{5'000}, 16};
    cache.Store("hash-a", UserNamed("usr_a"), kStart, cache.Generation());
    ASSERT_TRUE(cache.Find("hash-a", kStart + milliseconds{4'999}));
    EXPECT_EQ(cache.Find("hash-a", kStart + milliseconds{4'999})->id.value, "usr_a");
    EXPECT_FALSE(cache.Find("hash-a", kStart + milliseconds{5'000}));
    EXPECT_FALSE(cache.Find("hash-b", kStart));
}

TEST(TokenCacheTest, StoringAgainRenewsTheEntry) {
    TokenCache cache{milliseconds{5'000}, 16};
    cache.Store("hash-a", UserNamed("usr_a"), kStart, cache.Generation());
    cache.Store("hash-a", UserNamed("usr_a"), kStart + milliseconds{4'000}, cache.Generation());
    EXPECT_TRUE(cache.Find("hash-a", kStart + milliseconds{8'000}));
}

TEST(TokenCacheTest, AClockThatWentBackDoesNotExtendAnEntry) {
    TokenCache cache{milliseconds{5'000}, 16};
    cache.Store("hash-a", UserNamed("usr_a"), kStart, cache.Generation());
    EXPECT_FALSE(cache.Find("hash-a", kStart - milliseconds{1}));
}

TEST(TokenCacheTest, AFullCacheStartsOverInsteadOfGrowing) {
    TokenCache cache{milliseconds{5'000}, 2};
    cache.Store("hash-a", UserNamed("usr_a"), kStart, cache.Generation());
    cache.Store("hash-b", UserNamed("usr_b"), kStart, cache.Generation());
    cache.Store("hash-c", UserNamed("usr_c"), kStart, cache.Generation());
    EXPECT_FALSE(cache.Find("hash-a", kStart));
    EXPECT_FALSE(cache.Find("hash-b", kStart));
    EXPECT_TRUE(cache.Find("hash-c", kStart));
}

TEST(TokenCacheTest, ClearForgetsEveryEntry) {
    TokenCache cache{milliseconds{5'000}, 16};
    cache.Store("hash-a", UserNamed("usr_a"), kStart, cache.Generation());
    cache.Store("hash-b", UserNamed("usr_b"), kStart, cache.Generation());
    cache.Clear();
    EXPECT_FALSE(cache.Find("hash-a", kStart));
    EXPECT_FALSE(cache.Find("hash-b", kStart));
    cache.Store("hash-a", UserNamed("usr_a"), kStart, cache.Generation());
    EXPECT_TRUE(cache.Find("hash-a", kStart)) << "the cache works again after a Clear";
}

TEST(TokenCacheTest, ALookupThatBeganBeforeAClearIsNotStored) {
    TokenCache cache{milliseconds{5'000}, 16};
    const std::uint64_t before = cache.Generation();
    cache.Clear();  // a user was deleted while the store lookup ran
    cache.Store("hash-a", UserNamed("usr_a"), kStart, before);
    EXPECT_FALSE(cache.Find("hash-a", kStart));
}

}  // namespace
}  // namespace batchd::http
