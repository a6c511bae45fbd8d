#include "http/router.hpp"

#include <gtest/gtest.h>

#include "http/percent_encoding.hpp"

namespace batchd::http {
namespace {

RouteHandler Handler() {
    return [](Call&) -> boost::asio::awaitable<Response> { co_return Response{}; };
}

class RouterTest : public ::testing::Test {
protected:
    RouterTest() {
        router_.Add("GET", "/admin/batch-jobs", Handler());
        router_.Add("POST", "/admin/batch-jobs", Handler());
        router_.Add("GET", "/admin/batch-jobs/types", Handler());
        router_.Add("GET", "/admin/batch-jobs/:id", Handler());
        router_.Add("POST", "/admin/batch-jobs/:id/confirm", Handler());
    }
    Router router_;
};

TEST_F(RouterTest, MatchesLiteralPathAndMethod) {
    const RouteMatch match = router_.Match("POST", "/admin/batch-jobs");
    EXPECT_EQ(match.kind, RouteMatch::Kind::kFound);
    EXPECT_NE(match.handler, nullptr);
    EXPECT_TRUE(match.params.empty());
}

TEST_F(RouterTest, ExtractsNamedParameters) {
    const RouteMatch match = router_.Match("POST", "/admin/batch-jobs/job_1/confirm");
    ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
    ASSERT_EQ(match.params.size(), 1U);
    EXPECT_EQ(match.params[0].first, "id");
    EXPECT_EQ(match.params[0].second, "job_1");
}

TEST_F(RouterTest, DecodesPercentEncodedParameters) {
    const RouteMatch match = router_.Match("GET", "/admin/batch-jobs/job%201%2Fx");
    ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
    EXPECT_EQ(match.params.at(0).second, "job 1/x");
}

TEST_F(RouterTest, FirstAddedRouteWinsSoTypesIsNotAnId) {
    const RouteMatch types = router_.Match("GET", "/admin/batch-jobs/types");
    ASSERT_EQ(types.kind, RouteMatch::Kind::kFound);
    EXPECT_TRUE(types.params.empty());
    EXPECT_EQ(types.handler, router_.Match("GET", "/admin/batch-jobs/types").handler);
    EXPECT_NE(types.handler, router_.Match("GET", "/admin/batch-jobs/job_1").handler);
}

TEST_F(RouterTest, UnknownPathIsNoRoute) {
    EXPECT_EQ(router_.Match("GET", "/admin/nothing").kind, RouteMatch::Kind::kNoRoute);
    EXPECT_EQ(router_.Match("GET", "/admin/batch-jobs/a/b/c").kind, RouteMatch::Kind::kNoRoute);
    EXPECT_EQ(router_.Match("GET", "").kind, RouteMatch::Kind::kNoRoute);
}

TEST_F(RouterTest, KnownPathWithOtherMethodListsAllowedMethods) {
    const RouteMatch match = router_.Match("DELETE", "/admin/batch-jobs");
    EXPECT_EQ(match.kind, RouteMatch::Kind::kWrongMethod);
    EXPECT_EQ(match.allow, "GET, POST");
    EXPECT_EQ(router_.Match("GET", "/admin/batch-jobs/job_1/confirm").allow, "POST");
}

TEST_F(RouterTest, IgnoresOneTrailingSlashAndLiteralCase) {
    EXPECT_EQ(router_.Match("GET", "/admin/batch-jobs/").kind, RouteMatch::Kind::kFound);
    EXPECT_EQ(router_.Match("GET", "/Admin/Batch-Jobs").kind, RouteMatch::Kind::kFound);
}

TEST_F(RouterTest, ParameterNeverMatchesAnEmptySegment) {
    EXPECT_EQ(router_.Match("POST", "/admin/batch-jobs//confirm").kind, RouteMatch::Kind::kNoRoute);
}

TEST_F(RouterTest, MalformedEscapeInParameterIsBadParam) {
    const RouteMatch match = router_.Match("GET", "/admin/batch-jobs/job%G1");
    EXPECT_EQ(match.kind, RouteMatch::Kind::kBadParam);
    EXPECT_EQ(match.error, "Failed to decode param 'job%G1'");
    EXPECT_EQ(router_.Match("GET", "/admin/batch-jobs/job%2").kind, RouteMatch::Kind::kBadParam);
    EXPECT_EQ(router_.Match("GET", "/admin/batch-jobs/job%FF").kind, RouteMatch::Kind::kBadParam);
}

TEST_F(RouterTest, NulInParameterIsBadParam) {
    EXPECT_EQ(router_.Match("GET", "/admin/batch-jobs/job%00").kind, RouteMatch::Kind::kBadParam);
}

TEST(PercentDecodePathTest, KeepsPlusAndDecodesEscapes) {
    EXPECT_EQ(PercentDecodePath("a+b%2Bc%e2%82%ac"), "a+b+c\xE2\x82\xAC");
    EXPECT_EQ(PercentDecodePath("100%"), std::nullopt);
}

}  // namespace
}  // namespace batchd::http
