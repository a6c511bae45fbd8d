#include "core/time_text.hpp"

#include <gtest/gtest.h>

namespace batchd::core {
namespace {

constexpr TimePoint kMedusaSnapshotTime{std::chrono::milliseconds{1'656'367'200'000}};

TEST(TimeText, FormatsUtcWithMilliseconds) {
    EXPECT_EQ(FormatIsoTime(kMedusaSnapshotTime), "2022-06-27T22:00:00.000Z");
    EXPECT_EQ(FormatIsoTime(kMedusaSnapshotTime + std::chrono::milliseconds{7}), "2022-06-27T22:00:00.007Z");
    EXPECT_EQ(FormatIsoTime(TimePoint{}), "1970-01-01T00:00:00.000Z");
}

TEST(TimeText, ParsesWhatItFormats) {
    const TimePoint at = kMedusaSnapshotTime + std::chrono::milliseconds{123};
    EXPECT_EQ(ParseIsoTime(FormatIsoTime(at)), at);
}

TEST(TimeText, ParsesTheFormsClientsSend) {
    EXPECT_EQ(ParseIsoTime("2022-06-27T22:00:00Z"), kMedusaSnapshotTime);
    EXPECT_EQ(ParseIsoTime("2022-06-27T22:00:00"), kMedusaSnapshotTime);
    EXPECT_EQ(ParseIsoTime("2022-06-27T22:00"), kMedusaSnapshotTime);
    EXPECT_EQ(ParseIsoTime("2022-06-28T00:00:00+02:00"), kMedusaSnapshotTime);
    EXPECT_EQ(ParseIsoTime("2022-06-27T22:00:00.5Z"), kMedusaSnapshotTime + std::chrono::milliseconds{500});
    EXPECT_EQ(ParseIsoTime("2022-06-27"), kMedusaSnapshotTime - std::chrono::hours{22});
}

TEST(TimeText, RefusesNumbersAndNonsense) {
    EXPECT_EQ(ParseIsoTime("1656367200"), std::nullopt);
    EXPECT_EQ(ParseIsoTime(""), std::nullopt);
    EXPECT_EQ(ParseIsoTime("yesterday"), std::nullopt);
    EXPECT_EQ(ParseIsoTime("2022-02-30"), std::nullopt);
    EXPECT_EQ(ParseIsoTime("2022-06-27T25:00"), std::nullopt);
    EXPECT_EQ(ParseIsoTime("2022-06-27T22:00:00Zjunk"), std::nullopt);
}

}  // namespace
}  // namespace batchd::core
