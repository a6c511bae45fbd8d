#include "http/errors.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace batchd::http {
namespace {

boost::json::value Body(const Response& response) { return boost::json::parse(response.body); }

std::string HeaderOf(const Response& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

TEST(ErrorTableTest, NotAllowedAndInvalidDataAre400WithTypeAndMessage) {
    const Response not_allowed =
        ErrorResponse({core::Errc::kNotAllowed, "Cannot cancel completed batch job"});
    EXPECT_EQ(not_allowed.status, 400);
    EXPECT_EQ(Body(not_allowed),
              boost::json::parse(R"({"type":"not_allowed","message":"Cannot cancel completed batch job"})"));
    const Response invalid = ErrorResponse({core::Errc::kInvalidData, "context must be an object"});
    EXPECT_EQ(invalid.status, 400);
    EXPECT_EQ(Body(invalid),
              boost::json::parse(R"({"type":"invalid_data","message":"context must be an object"})"));
    EXPECT_EQ(invalid.content_type, "application/json; charset=utf-8");
}

TEST(ErrorTableTest, NotFoundIs404) {
    const Response response = ErrorResponse({core::Errc::kNotFound, "Batch job with id nope was not found"});
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(Body(response),
              boost::json::parse(R"({"type":"not_found","message":"Batch job with id nope was not found"})"));
}

TEST(ErrorTableTest, UnauthorizedIsPlainText401) {
    const Response response = ErrorResponse({core::Errc::kUnauthorized, "no token"});
    EXPECT_EQ(response.status, 401);
    EXPECT_EQ(response.body, "Unauthorized");
    EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
}

TEST(ErrorTableTest, DuplicateIs422WithInvalidRequestCode) {
    const Response response = ErrorResponse({core::Errc::kDuplicate, "Key already exists"});
    EXPECT_EQ(response.status, 422);
    EXPECT_EQ(
        Body(response),
        boost::json::parse(
            R"({"type":"duplicate_error","code":"invalid_request_error","message":"Key already exists"})"));
}

TEST(ErrorTableTest, ConflictIs409WithMedusasTextNotTheDetail) {
    const Response response = ErrorResponse({core::Errc::kConflict, "lost 10 races"});
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(Body(response), boost::json::parse(R"({"type":"conflict","code":"invalid_state_error",
        "message":"The request conflicted with another request. You may retry the request with the provided Idempotency-Key."})"));
}

TEST(ErrorTableTest, TooLargeIs413) {
    const Response response = ErrorResponse({core::Errc::kTooLarge, "Request body is larger than the limit"});
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(Body(response).at("message"), "Request body is larger than the limit");
}

TEST(ErrorTableTest, UnavailableIs503AndHidesTheDetail) {
    const Response response =
        ErrorResponse({core::Errc::kUnavailable, "could not connect to server: 10.0.0.5"});
    EXPECT_EQ(response.status, 503);
    EXPECT_EQ(Body(response).at("type"), "unavailable");
    EXPECT_EQ(response.body.find("10.0.0.5"), std::string::npos);
    EXPECT_EQ(HeaderOf(response, "Retry-After"), "1");
}

TEST(ErrorTableTest, InternalIsTheGeneric500) {
    const Response response = ErrorResponse({core::Errc::kInternal, "SQLITE_CORRUPT in table batch_job"});
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(
        Body(response),
        boost::json::parse(
            R"({"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."})"));
    EXPECT_EQ(Body(InternalErrorResponse()), Body(response));
}

TEST(ErrorTableTest, UnexpectedStateIs500WithItsMessage) {  // MEDUSA-SPEC §5: no file service
    const Response response = ErrorResponse({core::Errc::kUnexpectedState, "no file store is configured"});
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(Body(response),
              boost::json::parse(R"({"type":"unexpected_state","message":"no file store is configured"})"));
}

TEST(ErrorTableTest, EveryCodeHasAStatus) {
    EXPECT_EQ(HttpStatusOf(core::Errc::kNotAllowed), 400);
    EXPECT_EQ(HttpStatusOf(core::Errc::kInvalidData), 400);
    EXPECT_EQ(HttpStatusOf(core::Errc::kUnauthorized), 401);
    EXPECT_EQ(HttpStatusOf(core::Errc::kNotFound), 404);
    EXPECT_EQ(HttpStatusOf(core::Errc::kConflict), 409);
    EXPECT_EQ(HttpStatusOf(core::Errc::kTooLarge), 413);
    EXPECT_EQ(HttpStatusOf(core::Errc::kDuplicate), 422);
    EXPECT_EQ(HttpStatusOf(core::Errc::kUnavailable), 503);
    EXPECT_EQ(HttpStatusOf(core::Errc::kUnexpectedState), 500);
    EXPECT_EQ(HttpStatusOf(core::Errc::kInternal), 500);
}

}  // namespace
}  // namespace batchd::http
