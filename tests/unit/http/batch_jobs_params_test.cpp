#include "http/batch_jobs_params.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "core/time_text.hpp"

namespace batchd::http {
namespace {

std::string ListError(std::string_view query) {
    auto params = ParseListParams(query);
    if (params) {
        return "(accepted)";
    }
    EXPECT_EQ(params.error().code, core::Errc::kInvalidData) << query;
    return params.error().detail;
}

ListParams List(std::string_view query) {
    auto params = ParseListParams(query);
    EXPECT_TRUE(params) << query << ": " << (params ? "" : params.error().detail);
    return params ? *params : ListParams{};
}

std::string CreateError(std::string_view body) {
    auto request = ParseCreateBody(body);
    if (request) {
        return "(accepted)";
    }
    EXPECT_EQ(request.error().code, core::Errc::kInvalidData) << body;
    return request.error().detail;
}

core::TimePoint At(std::string_view iso) { return core::ParseIsoTime(iso).value(); }

// --- GET /admin/batch-jobs (MEDUSA-SPEC §4.1, §8.2) ---

TEST(ListParamsTest, DefaultsAreNewestFirstTenFromZero) {
    const ListParams params = List("");
    EXPECT_EQ(params.query.limit, 10);
    EXPECT_EQ(params.query.offset, 0);
    EXPECT_EQ(params.query.order_by, core::JobColumn::kCreatedAt);
    EXPECT_EQ(params.query.direction, core::SortDirection::kDescending);
    EXPECT_TRUE(params.query.ids.empty());
    EXPECT_TRUE(params.query.types.empty());
    EXPECT_TRUE(params.query.timestamps.empty());
    EXPECT_FALSE(params.query.created_by);
    EXPECT_TRUE(params.projection.fields.all());
}

TEST(ListParamsTest, ScalarTypeMustBeAnArray) {  // §8.2 scenario 18
    EXPECT_EQ(ListError("type=product-export"), "type must be an array");
}

TEST(ListParamsTest, BracketAndIndexedTypeArraysAreAccepted) {  // §8.2 scenario 18
    EXPECT_EQ(List("type[]=product-export").query.types, std::vector<std::string>{"product-export"});
    EXPECT_EQ(List("type%5B0%5D=product-export").query.types, std::vector<std::string>{"product-export"});
}

TEST(ListParamsTest, ScalarIdMustBeAnArray) {
    EXPECT_EQ(ListError("id=job_1"), "id must be an array");
    const ListParams params = List("id[]=job_1&id[]=job_2");
    ASSERT_EQ(params.query.ids.size(), 2U);
    EXPECT_EQ(params.query.ids[1].value, "job_2");
}

TEST(ListParamsTest, OneElementArrayIsSplitOnCommas) {
    EXPECT_EQ(List("type[]=a,b").query.types, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(List("type[]=a&type[]=b,c").query.types, (std::vector<std::string>{"a", "b,c"}));
}

TEST(ListParamsTest, ArrayElementsMustBeText) {
    EXPECT_EQ(ListError("type[0][a]=b"), "each value in type must be a string");
}

TEST(ListParamsTest, UnknownParameterShouldNotExist) {  // §8.2 scenario 19
    EXPECT_EQ(ListError("status=created"), "property status should not exist");
    EXPECT_EQ(ListError("created_by=admin_user"), "property created_by should not exist");
    EXPECT_EQ(ListError("deleted_at[gt]=2022-01-01"), "property deleted_at should not exist");
}

TEST(ListParamsTest, LimitMustBeANumber) {  // §8.2 scenario 21
    EXPECT_EQ(ListError("limit=abc"), "limit must be a number conforming to the specified constraints");
    EXPECT_EQ(ListError("offset=1x"), "offset must be a number conforming to the specified constraints");
    EXPECT_EQ(ListError("limit[]=1&limit[]=2"),
              "limit must be a number conforming to the specified constraints");
    EXPECT_EQ(ListError("limit=Infinity"), "limit must be a number conforming to the specified constraints");
}

TEST(ListParamsTest, LimitAndOffsetAreBounded) {  // BATCHD-CONTRACT §B.9
    EXPECT_EQ(ListError("limit=-1"), "limit must not be less than 0");
    EXPECT_EQ(ListError("offset=-5"), "offset must not be less than 0");
    EXPECT_EQ(ListError("limit=1001"), "limit must not be greater than 1000");
    EXPECT_EQ(ListError("offset=1e300"), "offset must not be greater than 2147483647");
    EXPECT_EQ(ListError("limit=2.5"), "limit must be an integer number");
}

TEST(ListParamsTest, LimitAndOffsetAreRead) {  // §8.2 scenario 20
    const ListParams params = List("limit=2&offset=1");
    EXPECT_EQ(params.query.limit, 2);
    EXPECT_EQ(params.query.offset, 1);
    EXPECT_EQ(List("limit=1000").query.limit, 1000);
    EXPECT_EQ(List("limit=%201e1%20").query.limit, 10);  // Number(" 1e1 ")
}

TEST(ListParamsTest, MessagesAreJoinedUnknownFirstThenDeclarationOrder) {
    EXPECT_EQ(
        ListError("limit=abc&foo=1&type=x&id=y&bar=2"),
        "property foo should not exist, property bar should not exist, id must be an array, type must be an "
        "array, limit must be a number conforming to the specified constraints");
    EXPECT_EQ(ListError("order[]=a&order[]=b&fields[]=x&fields[]=y&expand[]=p&expand[]=q"),
              "expand must be a string, fields must be a string, order must be a string");
}

TEST(ListParamsTest, NullMeansIsNull) {  // §8.1 scenario 2
    const ListParams params = List("completed_at=null");
    ASSERT_EQ(params.query.timestamps.size(), 1U);
    EXPECT_EQ(params.query.timestamps[0].column, core::JobColumn::kCompletedAt);
    EXPECT_TRUE(params.query.timestamps[0].is_null);
}

TEST(ListParamsTest, DateComparisonsAreParsed) {
    const ListParams params = List(
        "created_at[gt]=2022-06-27T22:00:00.000Z&created_at[lte]=2022-06-28&failed_at[lt]=2022-06-27T23:00%"
        "2B01:00");
    ASSERT_EQ(params.query.timestamps.size(), 2U);
    const core::TimestampFilter& failed = params.query.timestamps[0];  // declaration order: failed_at first
    EXPECT_EQ(failed.column, core::JobColumn::kFailedAt);
    EXPECT_EQ(failed.lt, At("2022-06-27T22:00:00.000Z"));
    const core::TimestampFilter& created = params.query.timestamps[1];
    EXPECT_EQ(created.column, core::JobColumn::kCreatedAt);
    EXPECT_EQ(created.gt, At("2022-06-27T22:00:00.000Z"));
    EXPECT_EQ(created.lte, At("2022-06-28T00:00:00.000Z"));
    EXPECT_FALSE(created.lt);
    EXPECT_FALSE(created.is_null);
}

TEST(ListParamsTest, UnixSecondsAreNotADate) {  // "Corrections": 500 in v1, 400 here
    EXPECT_EQ(
        ListError("created_at[gt]=1656367200"),
        R"({"message":"created_at must be one of: DateComparisonOperator","details":{"DateComparisonOperator":["gt must be a Date instance"]}})");
}

TEST(ListParamsTest, BadDateFilterMessageIsJsonAndReplacesOtherMessages) {
    EXPECT_EQ(
        ListError("foo=1&created_at[gt]=x&created_at[lt]=y"),
        R"({"message":"created_at must be one of: DateComparisonOperator","details":{"DateComparisonOperator":["lt must be a Date instance"," gt must be a Date instance"]}})");
    EXPECT_EQ(
        ListError("created_at=null"),
        R"({"message":"created_at must be one of: DateComparisonOperator","details":{"DateComparisonOperator":["an unknown value was passed to the validate function"]}})");
    EXPECT_EQ(
        ListError("completed_at[foo]=2022-01-01"),
        R"({"message":"completed_at must be one of: DateComparisonOperator","details":{"DateComparisonOperator":["property foo should not exist"]}})");
    EXPECT_EQ(
        ListError("canceled_at=yesterday"),
        R"({"message":"canceled_at must be one of: DateComparisonOperator","details":{"DateComparisonOperator":["an unknown value was passed to the validate function"]}})");
}

TEST(ListParamsTest, OrderIsAColumnWithOptionalMinus) {
    const ListParams descending = List("order=-completed_at");
    EXPECT_EQ(descending.query.order_by, core::JobColumn::kCompletedAt);
    EXPECT_EQ(descending.query.direction, core::SortDirection::kDescending);
    const ListParams ascending = List("order=created_at");
    EXPECT_EQ(ascending.query.order_by, core::JobColumn::kCreatedAt);
    EXPECT_EQ(ascending.query.direction, core::SortDirection::kAscending);
}

TEST(ListParamsTest, UnknownOrderColumnIsInvalidData) {  // BATCHD-CONTRACT §B.9
    EXPECT_EQ(ListError("order=nope"), "Order field nope is not valid");
    EXPECT_EQ(ListError("order=-context"), "Order field context is not valid");
    EXPECT_EQ(ListError("order=-"), "Order field  is not valid");
}

TEST(ListParamsTest, FieldsAndExpandAreChecked) {  // BATCHD-CONTRACT §B.9
    EXPECT_EQ(ListError("fields=type,status,nope"), "Requested fields [status, nope] are not valid");
    EXPECT_EQ(ListError("expand=created_by_user,owner"), "Relations [owner] are not valid");
    EXPECT_TRUE(List("expand=created_by_user").projection.expand_created_by_user);
    EXPECT_FALSE(List("fields=type").projection.Has(JobField::kContext));
}

TEST(ListParamsTest, NulByteIsInvalidData) {  // BATCHD-CONTRACT §B.9
    EXPECT_EQ(ListError("id[]=job%00"), "Query parameters must not contain NUL bytes");
}

TEST(JsNumberTest, FollowsJavaScriptNumber) {
    EXPECT_EQ(JsNumber(""), 0.0);
    EXPECT_EQ(JsNumber("  42\t"), 42.0);
    EXPECT_EQ(JsNumber("+7"), 7.0);
    EXPECT_EQ(JsNumber("-3"), -3.0);
    EXPECT_EQ(JsNumber(".5"), 0.5);
    EXPECT_EQ(JsNumber("5."), 5.0);
    EXPECT_EQ(JsNumber("1e3"), 1000.0);
    EXPECT_EQ(JsNumber("0x10"), 16.0);
    EXPECT_EQ(JsNumber("0b101"), 5.0);
    EXPECT_EQ(JsNumber("0o17"), 15.0);
    EXPECT_EQ(JsNumber("abc"), std::nullopt);
    EXPECT_EQ(JsNumber("1,000"), std::nullopt);
    EXPECT_EQ(JsNumber("-0x10"), std::nullopt);
    EXPECT_EQ(JsNumber("e5"), std::nullopt);
    EXPECT_EQ(JsNumber("1e"), std::nullopt);
}

TEST(ParseFilterDateTest, AcceptsIsoFormsOnly) {
    EXPECT_EQ(ParseFilterDate("2022"), At("2022-01-01T00:00:00Z"));
    EXPECT_EQ(ParseFilterDate("2022-06"), At("2022-06-01T00:00:00Z"));
    EXPECT_EQ(ParseFilterDate("2022-06-27"), At("2022-06-27T00:00:00Z"));
    EXPECT_EQ(ParseFilterDate("2022-06-27T22:00:00.123Z"), At("2022-06-27T22:00:00.123Z"));
    EXPECT_EQ(ParseFilterDate("1656367200"), std::nullopt);
    EXPECT_EQ(ParseFilterDate(""), std::nullopt);
    EXPECT_EQ(ParseFilterDate("2022-02-30"), std::nullopt);
    EXPECT_EQ(ParseFilterDate("yesterday"), std::nullopt);
}

// --- POST /admin/batch-jobs (MEDUSA-SPEC §4.2, §8.2) ---

TEST(CreateBodyTest, EmptyObjectNeedsTypeAndContext) {  // §8.2 scenario 12
    EXPECT_EQ(CreateError("{}"), "type must be a string, context must be an object");
    EXPECT_EQ(CreateError(""), "type must be a string, context must be an object");
}

TEST(CreateBodyTest, MissingContext) {  // §8.2 scenario 11
    EXPECT_EQ(CreateError(R"({"type":"product-export"})"), "context must be an object");
}

TEST(CreateBodyTest, UnknownKeyShouldNotExistAndComesFirst) {  // §8.2 scenario 13
    EXPECT_EQ(CreateError(R"({"type":"product-export","context":{},"foo":1})"),
              "property foo should not exist");
    EXPECT_EQ(CreateError(R"({"foo":1})"),
              "property foo should not exist, type must be a string, context must be an object");
}

TEST(CreateBodyTest, DryRunMustBeABoolean) {
    EXPECT_EQ(CreateError(R"({"type":"product-export","context":{},"dry_run":"yes"})"),
              "dry_run must be a boolean value");
}

TEST(CreateBodyTest, ContextMustBeAnObject) {
    EXPECT_EQ(CreateError(R"({"type":"x","context":[]})"), "context must be an object");
    EXPECT_EQ(CreateError(R"({"type":"x","context":null})"), "context must be an object");
    EXPECT_EQ(CreateError(R"({"type":"x","context":"{}"})"), "context must be an object");
    EXPECT_EQ(CreateError(R"({"type":5,"context":{}})"), "type must be a string");
}

TEST(CreateBodyTest, MalformedJsonIsInvalidData) {  // "Corrections", BATCHD-CONTRACT §B.5
    EXPECT_NE(CreateError(R"({"type":)").find("not valid JSON"), std::string::npos);
    EXPECT_NE(CreateError("{'type': 1}").find("not valid JSON"), std::string::npos);
}

TEST(CreateBodyTest, TopLevelValueThatIsNoObjectIsInvalidData) {
    for (std::string_view body : {R"("text")", "null", "[1]", "[]", "5", "true"}) {
        EXPECT_EQ(CreateError(body), "The request body must be a JSON object") << body;
    }
}

TEST(CreateBodyTest, InvalidUtf8BecomesReplacementCharacter) {
    auto request = ParseCreateBody("{\"type\":\"product-export\",\"context\":{\"name\":\"a\xFF\xC3z\"}}");
    ASSERT_TRUE(request) << request.error().detail;
    EXPECT_EQ(request->input.context.at("name").as_string(), "a\xEF\xBF\xBD\xEF\xBF\xBDz");
}

TEST(CreateBodyTest, LeadingByteOrderMarkIsDropped) {  // as Node's body decoder does
    auto request = ParseCreateBody("\xEF\xBB\xBF{\"type\":\"product-export\",\"context\":{}}");
    ASSERT_TRUE(request) << request.error().detail;
    EXPECT_EQ(request->input.type, "product-export");
    EXPECT_EQ(CreateError("\xEF\xBB\xBF"), "type must be a string, context must be an object");
    EXPECT_NE(CreateError("{}\xEF\xBB\xBF").find("not valid JSON"), std::string::npos);  // only a leading one
}

TEST(CreateBodyTest, NulInAnyStringOrKeyIsInvalidData) {  // BATCHD-CONTRACT §B.9: one answer for every store
    for (std::string_view body :
         {R"({"type":"a\u0000","context":{}})", R"({"type":"t","context":{"k\u0000":1}})",
          R"({"type":"t","context":{"a":[{"b":["x\u0000y"]}]}})"}) {
        EXPECT_EQ(CreateError(body), "The request body must not contain NUL characters (\\u0000)") << body;
    }
    EXPECT_TRUE(
        ParseCreateBody(R"({"type":"t","context":{"escaped":"\\u0000"}})"));  // a backslash, then text
}

TEST(CreateBodyTest, DeepNestingIsInvalidDataWithItsOwnMessage) {
    const std::string deep =
        R"({"type":"t","context":)" + std::string(300, '[') + std::string(300, ']') + "}";
    EXPECT_EQ(CreateError(deep), "The request body is nested deeper than 256 levels");
    EXPECT_EQ(CreateError(std::string(100'000, '[')), "The request body is nested deeper than 256 levels");
    const std::string fine =
        R"({"type":"t","context":{"a":)" + std::string(200, '[') + std::string(200, ']') + "}}";
    EXPECT_TRUE(ParseCreateBody(fine));
}

TEST(CreateBodyTest, ValidBodyGivesTheInput) {
    auto request = ParseCreateBody(R"({"type":"product-export","context":{"batch_size":1},"dry_run":true})");
    ASSERT_TRUE(request);
    EXPECT_EQ(request->input.type, "product-export");
    EXPECT_EQ(request->input.context, boost::json::parse(R"({"batch_size":1})").as_object());
    EXPECT_TRUE(request->input.dry_run);
    EXPECT_FALSE(request->dry_run_is_null);
    EXPECT_FALSE(ParseCreateBody(R"({"type":"t","context":{}})")->input.dry_run);
}

TEST(CreateBodyTest, NullDryRunPassesValidationButIsFlagged) {
    auto request = ParseCreateBody(R"({"type":"product-export","context":{},"dry_run":null})");
    ASSERT_TRUE(request);
    EXPECT_TRUE(request->dry_run_is_null);
}

}  // namespace
}  // namespace batchd::http
