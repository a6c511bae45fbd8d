#include "http/utf8.hpp"

#include <gtest/gtest.h>

#include "http/json_body.hpp"

namespace batchd::http {
namespace {

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

std::string Replacements(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        out += kFffd;
    }
    return out;
}

TEST(Utf8Test, AcceptsWellFormedText) {
    EXPECT_TRUE(IsValidUtf8(""));
    EXPECT_TRUE(IsValidUtf8("plain ascii"));
    EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
    EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));                      // U+10FFFF
}

TEST(Utf8Test, RefusesOverlongsSurrogatesAndTruncations) {
    EXPECT_FALSE(IsValidUtf8("\xC0\x80"));
    EXPECT_FALSE(IsValidUtf8("\xE0\x80\x80"));
    EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));
    EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));
    EXPECT_FALSE(IsValidUtf8("\xE2\x82"));
    EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(Utf8Test, ReplacesEachMaximalSubpartOnceAsNodeDoes) {
    EXPECT_EQ(SanitizeUtf8("a\xFF"
                           "b"),
              "a" + Replacements(1) + "b");
    EXPECT_EQ(SanitizeUtf8("\xE2\x82"), Replacements(1));
    EXPECT_EQ(SanitizeUtf8("\xE2\x82"
                           "A"),
              Replacements(1) + "A");
    EXPECT_EQ(SanitizeUtf8("\xF0\x80\x80"), Replacements(3));
    EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), Replacements(3));
    EXPECT_EQ(SanitizeUtf8("ok \xC3\xA9"), "ok \xC3\xA9");
}

TEST(JsonBodyTest, BlankBodyIsAnEmptyObject) {
    EXPECT_EQ(ParseJsonObjectBody("").value(), boost::json::object{});
    EXPECT_EQ(ParseJsonObjectBody(" \r\n").value(), boost::json::object{});
}

TEST(JsonBodyTest, LastDuplicateKeyWinsAsInJsonParse) {
    EXPECT_EQ(ParseJsonObjectBody(R"({"a":1,"a":2})").value().at("a"), 2);
}

TEST(JsonBodyTest, DeepButReasonableNestingIsAccepted) {
    const std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
    EXPECT_TRUE(ParseJsonObjectBody(deep));
    const std::string too_deep = "{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
    auto parsed = ParseJsonObjectBody(too_deep);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, core::Errc::kInvalidData);
}

TEST(JsonBodyTest, TrailingGarbageIsMalformed) {
    auto parsed = ParseJsonObjectBody(R"({"a":1} x)");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, core::Errc::kInvalidData);
}

}  // namespace
}  // namespace batchd::http
