// The admin API end to end without sockets: http::Api over the in-memory database, driven as
// medusa-js drives it. Scenario numbers are MEDUSA-SPEC §8's.
#include "http/api.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "core/time_text.hpp"
#include "http/batch_jobs_params.hpp"
#include "http/batch_jobs_routes.hpp"
#include "http_test_support.hpp"

namespace batchd::http {
namespace {

using testing::ApiWorld;
using testing::Json;
using testing::MakeRequest;

core::TimePoint At(std::string_view iso) { return core::ParseIsoTime(iso).value(); }

std::string HeaderOf(const Response& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

std::vector<std::string> IdsOf(const boost::json::value& list) {
    std::vector<std::string> ids;
    for (const auto& job : list.at("batch_jobs").as_array()) {
        ids.emplace_back(job.at("id").as_string());
    }
    return ids;
}

class ApiTest : public ::testing::Test {
protected:
    ApiTest() {
        // §8.1's seed, oldest first.
        world_.Seed("job_1", "admin_user");
        world_.Seed("job_2", "admin_user");
        world_.Seed("job_3", "admin_user");
        world_.Seed("job_4", "member-user");
        world_.Seed("job_5", "admin_user",
                    [](core::BatchJob& job) { job.completed_at = At("2022-06-27T22:00:00.000Z"); });
    }

    Response Send(std::string method,
                  std::string target,
                  std::string body = {},
                  std::string token = "test_token") {
        return testing::Handle(
            api_, MakeRequest(std::move(method), std::move(target), std::move(body), std::move(token)));
    }

    static void ExpectError(const Response& response,
                            int status,
                            std::string_view type,
                            std::string_view message) {
        EXPECT_EQ(response.status, status) << response.body;
        EXPECT_EQ(Json(response), boost::json::parse(boost::json::serialize(
                                      boost::json::object{{"type", type}, {"message", message}})))
            << response.body;
    }

    ApiWorld world_;
    Api api_{world_.services()};
};

TEST_F(ApiTest, ListShowsTheCallersJobsNewestFirst) {  // 1
    const Response response = Send("GET", "/admin/batch-jobs");
    ASSERT_EQ(response.status, 200) << response.body;
    const boost::json::value list = Json(response);
    EXPECT_EQ(IdsOf(list), (std::vector<std::string>{"job_5", "job_3", "job_2", "job_1"}));
    EXPECT_EQ(list.at("count"), 4);
    EXPECT_EQ(list.at("limit"), 10);
    EXPECT_EQ(list.at("offset"), 0);
    const auto& jobs = list.at("batch_jobs").as_array();
    EXPECT_EQ(jobs[0].at("status"), "completed");
    EXPECT_EQ(jobs[0].at("completed_at"), "2022-06-27T22:00:00.000Z");
    for (std::size_t i = 1; i < jobs.size(); ++i) {
        const auto& job = jobs[i].as_object();
        EXPECT_EQ(job.at("created_by"), "admin_user");
        EXPECT_EQ(job.at("status"), "created");
        EXPECT_TRUE(job.at("result").is_null());
        EXPECT_EQ(job.at("context"), boost::json::object{});
        EXPECT_EQ(job.at("dry_run"), false);
        EXPECT_TRUE(job.at("deleted_at").is_null());
        EXPECT_TRUE(job.at("created_at").is_string());
        EXPECT_TRUE(job.at("updated_at").is_string());
        for (std::string_view stamp : {"pre_processed_at", "confirmed_at", "processing_at", "completed_at",
                                       "canceled_at", "failed_at"}) {
            EXPECT_TRUE(job.at(stamp).is_null()) << stamp;
        }
    }
}

TEST_F(ApiTest, CompletedAtNullListsTheUnfinishedJobs) {  // 2
    const Response response = Send("GET", "/admin/batch-jobs?completed_at=null");
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(IdsOf(Json(response)), (std::vector<std::string>{"job_3", "job_2", "job_1"}));
}

TEST_F(ApiTest, GetReturnsTheCallersJob) {  // 3
    const Response response = Send("GET", "/admin/batch-jobs/job_1");
    ASSERT_EQ(response.status, 200) << response.body;
    const boost::json::value job = Json(response).at("batch_job");
    EXPECT_EQ(job.at("id"), "job_1");
    EXPECT_EQ(job.at("created_by"), "admin_user");
    EXPECT_TRUE(job.at("created_at").is_string());
    EXPECT_TRUE(job.at("updated_at").is_string());
}

TEST_F(ApiTest, SomeoneElsesJobIsNotAllowed) {  // 4, 6, 7
    ExpectError(Send("GET", "/admin/batch-jobs/job_4"), 400, "not_allowed", kNotOwnerMessage);
    ExpectError(Send("POST", "/admin/batch-jobs/job_4/confirm"), 400, "not_allowed", kNotOwnerMessage);
    ExpectError(Send("POST", "/admin/batch-jobs/job_4/cancel"), 400, "not_allowed", kNotOwnerMessage);
    // and the refused cancel changed nothing
    EXPECT_FALSE(world_.database().Get(core::JobId{"job_4"})->canceled_at);
}

TEST_F(ApiTest, JobWithoutCreatorBelongsToNobody) {
    world_.Seed("orphan", std::nullopt);
    ExpectError(Send("GET", "/admin/batch-jobs/orphan"), 400, "not_allowed", kNotOwnerMessage);
}

TEST_F(ApiTest, CreateAnswers201WithTheFullPreparedEntity) {  // 5, "Corrections"
    const Response response = Send("POST", "/admin/batch-jobs", R"({"type":"product-export","context":{}})");
    ASSERT_EQ(response.status, 201) << response.body;
    const boost::json::object job = Json(response).at("batch_job").as_object();
    EXPECT_TRUE(job.at("id").as_string().starts_with("batch_"));
    EXPECT_EQ(job.at("created_by"), "admin_user");
    EXPECT_EQ(job.at("status"), "created");
    EXPECT_EQ(job.at("context"), boost::json::parse(R"({"prepared":true})"));
    EXPECT_TRUE(job.at("result").is_null());
    EXPECT_EQ(job.at("dry_run"), false);
    for (std::string_view stamp : {"pre_processed_at", "confirmed_at", "processing_at", "completed_at",
                                   "canceled_at", "failed_at", "deleted_at"}) {
        EXPECT_TRUE(job.at(stamp).is_null()) << stamp;
    }
    // It is stored, and the list shows its real dry_run (BATCHD-CONTRACT §B.6).
    const Response dry =
        Send("POST", "/admin/batch-jobs", R"({"type":"product-export","context":{},"dry_run":true})");
    ASSERT_EQ(dry.status, 201);
    const boost::json::value list = Json(Send("GET", "/admin/batch-jobs?limit=1"));
    EXPECT_EQ(list.at("batch_jobs").at(0).at("id"), Json(dry).at("batch_job").at("id"));
    EXPECT_EQ(list.at("batch_jobs").at(0).at("dry_run"), true);
}

TEST_F(ApiTest, CancelOfACompletedJobIsNotAllowed) {  // 8
    world_.Seed("job_complete", "admin_user",
                [](core::BatchJob& job) { job.completed_at = At("2024-01-01T00:00:00Z"); });
    ExpectError(Send("POST", "/admin/batch-jobs/job_complete/cancel"), 400, "not_allowed",
                "Cannot cancel completed batch job");
}

TEST_F(ApiTest, CancelEndsTheJobCanceled) {  // 9
    const Response response = Send("POST", "/admin/batch-jobs/job_1/cancel");
    ASSERT_EQ(response.status, 200) << response.body;
    const boost::json::value job = Json(response).at("batch_job");
    EXPECT_EQ(job.at("status"), "canceled");
    EXPECT_TRUE(job.at("canceled_at").is_string());
    EXPECT_TRUE(job.at("created_at").is_string());
    EXPECT_TRUE(job.at("updated_at").is_string());
}

TEST_F(ApiTest, EveryAdminRouteNeedsCredentials) {  // 10
    for (const auto& [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/admin/batch-jobs"},
                                                          {"POST", "/admin/batch-jobs"},
                                                          {"GET", "/admin/batch-jobs/types"},
                                                          {"GET", "/admin/batch-jobs/job_1"},
                                                          {"POST", "/admin/batch-jobs/job_1/confirm"},
                                                          {"POST", "/admin/batch-jobs/job_1/cancel"},
                                                          {"GET", "/admin/no-such-route"}}) {
        const Response response = Send(method, target, {}, "");
        EXPECT_EQ(response.status, 401) << method << " " << target;
        EXPECT_EQ(response.body, "Unauthorized");
        EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
    }
    EXPECT_FALSE(world_.database().Get(core::JobId{"job_1"})->canceled_at);
}

TEST_F(ApiTest, UnknownTokenIsUnauthorized) {
    EXPECT_EQ(Send("GET", "/admin/batch-jobs", {}, "wrong_token").status, 401);
}

TEST_F(ApiTest, BearerApiTokenIsAccepted) {  // BATCHD-CONTRACT §A, for older clients
    Request request = MakeRequest("GET", "/admin/batch-jobs", {}, "");
    request.headers.emplace_back("authorization", "Bearer test_token");
    EXPECT_EQ(testing::Handle(api_, request).status, 200);
    request.headers.back().second = "bearer   test_token  ";
    EXPECT_EQ(testing::Handle(api_, request).status, 200);
    request.headers.back().second = "Basic test_token";
    EXPECT_EQ(testing::Handle(api_, request).status, 401);
}

TEST_F(ApiTest, AnyOfferedTokenThatMatchesAuthenticates) {
    Request request = MakeRequest("GET", "/admin/batch-jobs", {}, "stale_token");
    request.headers.emplace_back("authorization", "Bearer other_token");
    const Response response = testing::Handle(api_, request);
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(Json(response).at("count"), 0);  // other_user owns nothing
}

TEST_F(ApiTest, UsersSeeOnlyTheirOwnJobs) {
    const Response mine =
        Send("POST", "/admin/batch-jobs", R"({"type":"product-export","context":{}})", "other_token");
    ASSERT_EQ(mine.status, 201);
    const boost::json::value list = Json(Send("GET", "/admin/batch-jobs", {}, "other_token"));
    EXPECT_EQ(IdsOf(list),
              std::vector<std::string>{std::string(Json(mine).at("batch_job").at("id").as_string())});
    EXPECT_EQ(list.at("count"), 1);
}

TEST_F(ApiTest, CreateValidationMessages) {  // 11, 12, 13
    ExpectError(Send("POST", "/admin/batch-jobs", R"({"type":"product-export"})"), 400, "invalid_data",
                "context must be an object");
    ExpectError(Send("POST", "/admin/batch-jobs", "{}"), 400, "invalid_data",
                "type must be a string, context must be an object");
    ExpectError(Send("POST", "/admin/batch-jobs", R"({"type":"product-export","context":{},"foo":1})"), 400,
                "invalid_data", "property foo should not exist");
}

TEST_F(ApiTest, UnknownTypeIsNotFound) {  // 14
    ExpectError(Send("POST", "/admin/batch-jobs", R"({"type":"does-not-exist","context":{}})"), 404,
                "not_found", "Unable to find a BatchJob strategy with the type does-not-exist");
}

TEST_F(ApiTest, StrategyPrepareCanRefuse) {  // §3.4: the error goes straight to HTTP
    ExpectError(Send("POST", "/admin/batch-jobs", R"({"type":"price-list-import","context":{}})"), 400,
                "invalid_data", "Price list id is required");
}

TEST_F(ApiTest, NullDryRunBreaksTheNotNullColumnAfterTheTypeIsResolved) {
    ExpectError(Send("POST", "/admin/batch-jobs", R"({"type":"product-export","context":{},"dry_run":null})"),
                400, "invalid_data", kDryRunNullMessage);
    EXPECT_EQ(Send("POST", "/admin/batch-jobs", R"({"type":"nope","context":{},"dry_run":null})").status,
              404);
}

TEST_F(ApiTest, MalformedOrNonObjectBodiesAre400) {  // "Corrections", BATCHD-CONTRACT §B.5
    for (std::string body : {R"({"type":"product-export",)", R"("text")", "null", R"([{"type":"x"}])"}) {
        const Response response = Send("POST", "/admin/batch-jobs", body);
        EXPECT_EQ(response.status, 400) << body;
        EXPECT_EQ(Json(response).at("type"), "invalid_data") << body;
    }
}

TEST_F(ApiTest, MissingJobIsNotFound) {  // 15
    ExpectError(Send("GET", "/admin/batch-jobs/nope"), 404, "not_found",
                "Batch job with id nope was not found");
    ExpectError(Send("POST", "/admin/batch-jobs/nope/confirm"), 404, "not_found",
                "Batch job with id nope was not found");
}

TEST_F(ApiTest, SoftDeletedJobIsNotFound) {
    world_.database().SoftDeleteForTest(core::JobId{"job_2"}, At("2024-01-01T00:00:00Z"));
    ExpectError(Send("GET", "/admin/batch-jobs/job_2"), 404, "not_found",
                "Batch job with id job_2 was not found");
    EXPECT_EQ(Json(Send("GET", "/admin/batch-jobs")).at("count"), 3);
}

TEST_F(ApiTest, ConfirmNeedsAPreProcessedJob) {  // 16, 17
    ExpectError(Send("POST", "/admin/batch-jobs/job_1/confirm"), 400, "not_allowed",
                "Cannot confirm processing for a batch job that is not pre processed");
    ExpectError(Send("POST", "/admin/batch-jobs/job_5/confirm"), 400, "not_allowed",
                "Cannot confirm processing for a batch job that is not pre processed");
    world_.Seed("dry", "admin_user", [](core::BatchJob& job) {
        job.dry_run = true;
        job.pre_processed_at = At("2024-01-01T00:00:00Z");
    });
    const Response response = Send("POST", "/admin/batch-jobs/dry/confirm");
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(Json(response).at("batch_job").at("status"), "confirmed");
    EXPECT_TRUE(Json(response).at("batch_job").at("confirmed_at").is_string());
}

TEST_F(ApiTest, TypeFilterMustBeAnArray) {  // 18
    ExpectError(Send("GET", "/admin/batch-jobs?type=product-export"), 400, "invalid_data",
                "type must be an array");
    EXPECT_EQ(Json(Send("GET", "/admin/batch-jobs?type[]=product-export")).at("count"), 4);
    EXPECT_EQ(Json(Send("GET", "/admin/batch-jobs?type%5B0%5D=product-export")).at("count"), 4);
    EXPECT_EQ(Json(Send("GET", "/admin/batch-jobs?type%5B0%5D=order-export")).at("count"), 0);
}

TEST_F(ApiTest, StatusIsNoFilter) {  // 19
    ExpectError(Send("GET", "/admin/batch-jobs?status=created"), 400, "invalid_data",
                "property status should not exist");
}

TEST_F(ApiTest, LimitAndOffsetPage) {  // 20
    const boost::json::value list = Json(Send("GET", "/admin/batch-jobs?limit=2&offset=1"));
    EXPECT_EQ(IdsOf(list), (std::vector<std::string>{"job_3", "job_2"}));
    EXPECT_EQ(list.at("count"), 4);
    EXPECT_EQ(list.at("limit"), 2);
    EXPECT_EQ(list.at("offset"), 1);
}

TEST_F(ApiTest, LimitMustBeANumber) {  // 21
    ExpectError(Send("GET", "/admin/batch-jobs?limit=abc"), 400, "invalid_data",
                "limit must be a number conforming to the specified constraints");
}

TEST_F(ApiTest, CancelOfAFailedJobKeepsItFailed) {  // 22
    world_.Seed("job_failed", "admin_user",
                [](core::BatchJob& job) { job.failed_at = At("2024-01-01T00:00:00Z"); });
    const Response response = Send("POST", "/admin/batch-jobs/job_failed/cancel");
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(Json(response).at("batch_job").at("status"), "failed");
    EXPECT_TRUE(Json(response).at("batch_job").at("canceled_at").is_string());
}

TEST_F(ApiTest, IdFilterAndOrder) {
    const boost::json::value list =
        Json(Send("GET", "/admin/batch-jobs?id[]=job_1,job_3,job_4&order=created_at"));
    EXPECT_EQ(IdsOf(list), (std::vector<std::string>{"job_1", "job_3"}));
}

TEST_F(ApiTest, BadListValuesAre400NotServerErrors) {  // BATCHD-CONTRACT §B.9
    for (std::string target :
         {"/admin/batch-jobs?limit=-1", "/admin/batch-jobs?offset=-1", "/admin/batch-jobs?limit=100000",
          "/admin/batch-jobs?order=nope", "/admin/batch-jobs?fields=nope", "/admin/batch-jobs?expand=nope",
          "/admin/batch-jobs?id[]=job%00", "/admin/batch-jobs?created_at[gt]=1656367200"}) {
        const Response response = Send("GET", target);
        EXPECT_EQ(response.status, 400) << target << ": " << response.body;
        EXPECT_EQ(Json(response).at("type"), "invalid_data") << target;
    }
    EXPECT_EQ(Send("GET", "/admin/batch-jobs/job%00").status, 400);
}

TEST_F(ApiTest, DateFiltersSelect) {
    const boost::json::value list = Json(Send(
        "GET", "/admin/batch-jobs?completed_at[gte]=2022-06-27T22:00:00.000Z&completed_at[lt]=2022-06-28"));
    EXPECT_EQ(IdsOf(list), std::vector<std::string>{"job_5"});
}

TEST_F(ApiTest, FieldsAndExpandShapeTheList) {
    const boost::json::value list =
        Json(Send("GET", "/admin/batch-jobs?fields=type&expand=created_by_user&limit=1"));
    const boost::json::object& job = list.at("batch_jobs").at(0).as_object();
    EXPECT_EQ(job.at("id"), "job_5");
    EXPECT_EQ(job.at("status"), "created");  // completed_at was not selected
    EXPECT_FALSE(job.contains("context"));
    const boost::json::object& user = job.at("created_by_user").as_object();
    EXPECT_EQ(user.at("id"), "admin_user");
    EXPECT_EQ(user.at("email"), "admin@medusa.js");
    const std::string text = boost::json::serialize(list);
    EXPECT_EQ(text.find("argon2"), std::string::npos);
    EXPECT_EQ(text.find(auth::HashApiToken("test_token")), std::string::npos);
}

TEST_F(ApiTest, TypesListsTheRegisteredStrategies) {  // BATCHD-CONTRACT §C
    const Response response = Send("GET", "/admin/batch-jobs/types");
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(Json(response), boost::json::parse(R"({"types":["price-list-import","product-export"]})"));
}

TEST_F(ApiTest, UnknownRoutesAre404AndWrongMethods405) {
    ExpectError(Send("GET", "/admin/nothing"), 404, "not_found", "Cannot GET /admin/nothing");
    ExpectError(Send("GET", "/nothing", {}, ""), 404, "not_found", "Cannot GET /nothing");
    const Response wrong = Send("DELETE", "/admin/batch-jobs/job_1");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(HeaderOf(wrong, "Allow"), "GET");
    EXPECT_EQ(Json(wrong).at("type"), "not_allowed");
}

TEST_F(ApiTest, HealthNeedsNoCredentials) {
    for (std::string target : {"/health", "/health/live", "/health/ready"}) {
        const Response response = Send("GET", target, {}, "");
        EXPECT_EQ(response.status, 200) << target;
        EXPECT_EQ(Json(response), boost::json::parse(R"({"status":"ok"})")) << target;
    }
}

TEST_F(ApiTest, CorsEchoesTheOriginWithCredentials) {
    Request request = MakeRequest("GET", "/admin/batch-jobs");
    request.headers.emplace_back("origin", "http://localhost:7001");
    const Response response = testing::Handle(api_, request);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "http://localhost:7001");
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Credentials"), "true");
    // 401s carry it too, or the browser could not read them.
    Request anonymous = MakeRequest("GET", "/admin/batch-jobs", {}, "");
    anonymous.headers.emplace_back("origin", "http://localhost:7001");
    EXPECT_EQ(HeaderOf(testing::Handle(api_, anonymous), "Access-Control-Allow-Origin"),
              "http://localhost:7001");
}

TEST_F(ApiTest, CorsPreflightNeedsNoCredentials) {
    Request request = MakeRequest("OPTIONS", "/admin/batch-jobs/job_1/confirm", {}, "");
    request.headers.emplace_back("origin", "http://localhost:7001");
    request.headers.emplace_back("access-control-request-method", "POST");
    request.headers.emplace_back("access-control-request-headers", "x-medusa-access-token,content-type");
    const Response response = testing::Handle(api_, request);
    EXPECT_EQ(response.status, 204);
    EXPECT_TRUE(response.body.empty());
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "http://localhost:7001");
    const std::string allowed = HeaderOf(response, "Access-Control-Allow-Headers");
    for (std::string_view header : {"x-medusa-access-token", "authorization", "content-type",
                                    "idempotency-key", "x-publishable-api-key"}) {
        EXPECT_NE(allowed.find(header), std::string::npos) << header;
    }
    EXPECT_NE(HeaderOf(response, "Access-Control-Allow-Methods").find("POST"), std::string::npos);
}

}  // namespace
}  // namespace batchd::http
