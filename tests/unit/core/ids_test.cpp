#include "core/ids.hpp"

#include <gtest/gtest.h>

namespace batchd::core {
namespace {

constexpr std::array<std::uint8_t, 10> kZeros{};

TEST(Ids, UlidIdHasPrefixAnd26CrockfordCharacters) {
    const std::string id =
        MakeUlidId("batch_", TimePoint{std::chrono::milliseconds{1'469'918'176'385}}, kZeros);
    ASSERT_EQ(id.size(), 6U + 26U);
    EXPECT_EQ(id.substr(0, 6), "batch_");
    // The ULID spec's example time 1469918176385 encodes as 01ARYZ6S41.
    EXPECT_EQ(id.substr(6, 10), "01ARYZ6S41");
    EXPECT_EQ(id.substr(16), "0000000000000000");
}

TEST(Ids, UlidIdsSortByTime) {
    std::array<std::uint8_t, 10> ones{};
    ones.fill(0xff);
    const auto earlier = MakeUlidId("", TimePoint{std::chrono::milliseconds{1000}}, ones);
    const auto later = MakeUlidId("", TimePoint{std::chrono::milliseconds{1001}}, kZeros);
    EXPECT_LT(earlier, later);
    EXPECT_EQ(earlier.substr(10), "ZZZZZZZZZZZZZZZZ");
}

}  // namespace
}  // namespace batchd::core
