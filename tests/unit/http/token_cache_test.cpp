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
    cache.Store("hash-a", UserNamed("usr_a"), kStart);
    ASSERT_TRUE(cache.Find("hash-a", kStart + milliseconds{4'999}));
    EXPECT_EQ(cache.Find("hash-a", kStart + milliseconds{4'999})->id.value, "usr_a");
    EXPECT_FALSE(cache.Find("hash-a", kStart + milliseconds{5'000}));
    EXPECT_FALSE(cache.Find("hash-b", kStart));
}

TEST(TokenCacheTest, StoringAgainRenewsTheEntry) {
    TokenCache cache{milliseconds{5'000}, 16};
    cache.Store("hash-a", UserNamed("usr_a"), kStart);
    cache.Store("hash-a", UserNamed("usr_a"), kStart + milliseconds{4'000});
    EXPECT_TRUE(cache.Find("hash-a", kStart + milliseconds{8'000}));
}

TEST(TokenCacheTest, AClockThatWentBackDoesNotExtendAnEntry) {
    TokenCache cache{milliseconds{5'000}, 16};
    cache.Store("hash-a", UserNamed("usr_a"), kStart);
    EXPECT_FALSE(cache.Find("hash-a", kStart - milliseconds{1}));
}

TEST(TokenCacheTest, AFullCacheStartsOverInsteadOfGrowing) {
    TokenCache cache{milliseconds{5'000}, 2};
    cache.Store("hash-a", UserNamed("usr_a"), kStart);
    cache.Store("hash-b", UserNamed("usr_b"), kStart);
    cache.Store("hash-c", UserNamed("usr_c"), kStart);
    EXPECT_FALSE(cache.Find("hash-a", kStart));
    EXPECT_FALSE(cache.Find("hash-b", kStart));
    EXPECT_TRUE(cache.Find("hash-c", kStart));
}

}  // namespace
}  // namespace batchd::http
