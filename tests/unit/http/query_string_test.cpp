#include "http/query_string.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace batchd::http {
namespace {

// Every expectation here is what qs 6.17 (Express's parser) returns for the same text.
void ExpectParses(std::string_view query, std::string_view expected_json) {
    auto parsed = ParseQueryString(query);
    ASSERT_TRUE(parsed) << query << ": " << parsed.error().detail;
    EXPECT_EQ(boost::json::value(*parsed), boost::json::parse(expected_json))
        << query << " gave " << boost::json::serialize(*parsed);
}

TEST(QueryStringTest, PlainPairs) {
    ExpectParses("", "{}");
    ExpectParses("a=x", R"({"a":"x"})");
    ExpectParses("a", R"({"a":""})");
    ExpectParses("a=x&b=", R"({"a":"x","b":""})");
}

TEST(QueryStringTest, RepeatedKeysCombineIntoAnArray) {
    ExpectParses("a=x&a=y", R"({"a":["x","y"]})");
    ExpectParses("a=1&b[]=2&a=3", R"({"a":["1","3"],"b":["2"]})");
}

TEST(QueryStringTest, BracketArrays) {
    ExpectParses("a[]=x&a[]=y", R"({"a":["x","y"]})");
    ExpectParses("a[]=x&a=y", R"({"a":["x","y"]})");
    ExpectParses("a[]=x,y", R"({"a":["x,y"]})");
}

TEST(QueryStringTest, IndexedArraysAreCompactedInIndexOrder) {
    ExpectParses("a[0]=x&a[1]=y", R"({"a":["x","y"]})");
    ExpectParses("a[1]=y&a[0]=x", R"({"a":["x","y"]})");
    ExpectParses("a[5]=x", R"({"a":["x"]})");
    ExpectParses("a[25]=x&a[100]=y", R"({"a":["x","y"]})");  // no arrayLimit (MEDUSA-SPEC §4.1)
    ExpectParses("a[0]=x&a[0]=y", R"({"a":[["x","y"]]})");
    ExpectParses("a[0][b]=x&a[0][c]=y", R"({"a":[{"b":"x","c":"y"}]})");
}

TEST(QueryStringTest, NonCanonicalIndicesAreKeys) {
    ExpectParses("a[01]=x", R"({"a":{"01":"x"}})");
    ExpectParses("a[-1]=x", R"({"a":{"-1":"x"}})");
}

TEST(QueryStringTest, EncodedBracketsNest) {
    ExpectParses("type%5B0%5D=product-export", R"({"type":["product-export"]})");
    ExpectParses("type%5b%5d=a", R"({"type":["a"]})");
}

TEST(QueryStringTest, BracketKeysNestObjects) {
    ExpectParses("created_at[gt]=2022-01-01", R"({"created_at":{"gt":"2022-01-01"}})");
    ExpectParses("created_at[gt]=a&created_at[lt]=b", R"({"created_at":{"gt":"a","lt":"b"}})");
    ExpectParses("a[b][c]=d", R"({"a":{"b":{"c":"d"}}})");
}

TEST(QueryStringTest, DepthBeyondFiveStaysOneKey) {
    ExpectParses("a[b][c][d][e][f][g][h]=x", R"({"a":{"b":{"c":{"d":{"e":{"f":{"[g][h]":"x"}}}}}}})");
}

TEST(QueryStringTest, MixedShapesMergeAsQsDoes) {
    ExpectParses("a=x&a[b]=y", R"({"a":["x",{"b":"y"}]})");
    ExpectParses("a[b]=x&a=y", R"({"a":[{"b":"x"},"y"]})");
    ExpectParses("a[]=x&a[b]=y", R"({"a":{"0":"x","b":"y"}})");
    ExpectParses("[]=x", R"({"0":"x"})");
    ExpectParses("a[b=c", R"({"a":{"[b":"c"}})");
}

TEST(QueryStringTest, DecodesPercentAndPlus) {
    ExpectParses("q=hello+world%21", R"({"q":"hello world!"})");
    ExpectParses("na%6De=%E2%82%AC", R"({"name":"€"})");
}

TEST(QueryStringTest, KeepsTextWhoseEscapesCannotBeDecoded) {
    ExpectParses("q=100%", R"({"q":"100%"})");
    ExpectParses("q=%E2%82", R"({"q":"%E2%82"})");
    ExpectParses("q=a+%ZZ", R"({"q":"a %ZZ"})");
}

TEST(QueryStringTest, RawBytesThatAreNotUtf8BecomeReplacementCharacters) {
    ExpectParses("q=a\xFF", R"({"q":"a\uFFFD"})");
}

TEST(QueryStringTest, IgnoresEmptyKeys) { ExpectParses("=x&&b=1", R"({"b":"1"})"); }

TEST(QueryStringTest, ReadsAtMostOneThousandParameters) {
    std::string query;
    for (int i = 0; i < 1001; ++i) {
        query += "k" + std::to_string(i) + "=v&";
    }
    auto parsed = ParseQueryString(query);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->size(), 1000U);
    EXPECT_FALSE(parsed->contains("k1000"));
}

TEST(QueryStringTest, NulByteIsInvalidData) {
    for (std::string_view query : {"id[]=job%00", "a%00=b", "a=b&c=%00"}) {
        auto parsed = ParseQueryString(query);
        ASSERT_FALSE(parsed) << query;
        EXPECT_EQ(parsed.error().code, core::Errc::kInvalidData);
    }
}

}  // namespace
}  // namespace batchd::http
