#include "http/job_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "core/time_text.hpp"

namespace batchd::http {
namespace {

core::TimePoint At(std::string_view iso) { return core::ParseIsoTime(iso).value(); }

core::BatchJob CompletedJob() {
    core::BatchJob job;
    job.id = core::JobId{"job_5"};
    job.type = "product-export";
    job.created_by = core::UserId{"admin_user"};
    job.context = boost::json::object{};
    job.dry_run = true;
    job.completed_at = At("2022-06-27T22:00:00.000Z");
    job.created_at = At("2022-06-27T21:00:00.007Z");
    job.updated_at = At("2022-06-27T22:00:00.123Z");
    job.version = 7;
    job.lease.owner = core::WorkerId{"host:1:0"};
    job.cursor = boost::json::object{{"page", 3}};
    return job;
}

JobProjection Projection(std::optional<std::string_view> fields,
                         std::optional<std::string_view> expand = {}) {
    auto projection = ParseProjection(fields, expand);
    EXPECT_TRUE(projection) << (projection ? "" : projection.error().detail);
    return projection ? *projection : JobProjection{};
}

TEST(JobJsonTest, ShowsEveryColumnWithNullsAndTheComputedStatus) {  // MEDUSA-SPEC §1, §8.1 scenario 1
    EXPECT_EQ(boost::json::value(JobToJson(CompletedJob())), boost::json::parse(R"({
        "id":"job_5","status":"completed","type":"product-export","created_by":"admin_user",
        "context":{},"result":null,"dry_run":true,
        "pre_processed_at":null,"confirmed_at":null,"processing_at":null,
        "completed_at":"2022-06-27T22:00:00.000Z","canceled_at":null,"failed_at":null,
        "created_at":"2022-06-27T21:00:00.007Z","updated_at":"2022-06-27T22:00:00.123Z","deleted_at":null})"));
}

TEST(JobJsonTest, NeverShowsBookkeepingColumns) {
    const boost::json::object json = JobToJson(CompletedJob());
    for (std::string_view hidden : {"version", "lease", "cursor", "attempts", "created_by_user"}) {
        EXPECT_FALSE(json.contains(hidden)) << hidden;
    }
}

TEST(JobJsonTest, StatusFollowsPrecedence) {  // a failed job that is then canceled stays failed
    core::BatchJob job = CompletedJob();
    job.failed_at = At("2022-06-28T00:00:00Z");
    job.canceled_at = At("2022-06-29T00:00:00Z");
    EXPECT_EQ(JobToJson(job).at("status"), "failed");
}

TEST(JobJsonTest, PlainFieldListReplacesTheSelectionButKeepsIdAndCreatedAt) {
    const boost::json::object json = JobToJson(CompletedJob(), Projection("type"));
    EXPECT_EQ(boost::json::value(json), boost::json::parse(R"({
        "id":"job_5","status":"created","type":"product-export","dry_run":true,
        "created_at":"2022-06-27T21:00:00.007Z"})"));
}

TEST(JobJsonTest, StatusComesFromTheLoadedTimestampsOnly) {
    EXPECT_EQ(JobToJson(CompletedJob(), Projection("type,completed_at")).at("status"), "completed");
    EXPECT_EQ(JobToJson(CompletedJob(), Projection("-completed_at")).at("status"), "created");
}

TEST(JobJsonTest, PlusAndMinusAdjustTheDefaultSelection) {
    const boost::json::object json = JobToJson(CompletedJob(), Projection("-context,-result,+type"));
    EXPECT_FALSE(json.contains("context"));
    EXPECT_FALSE(json.contains("result"));
    EXPECT_TRUE(json.contains("type"));
    EXPECT_TRUE(json.contains("deleted_at"));
    // Removing id or created_at does not work: the list always loads them.
    const boost::json::object kept = JobToJson(CompletedJob(), Projection("-id,-created_at"));
    EXPECT_TRUE(kept.contains("id"));
    EXPECT_TRUE(kept.contains("created_at"));
}

TEST(JobJsonTest, AnyPlainNameSwitchesToReplacement) {
    const boost::json::object json = JobToJson(CompletedJob(), Projection("+result,type"));
    EXPECT_TRUE(json.contains("result"));
    EXPECT_TRUE(json.contains("type"));
    EXPECT_FALSE(json.contains("context"));
}

TEST(JobJsonTest, EmptyFieldEntriesAreIgnored) {
    EXPECT_TRUE(JobToJson(CompletedJob(), Projection("")).contains("context"));
    EXPECT_FALSE(JobToJson(CompletedJob(), Projection(",type,")).contains("context"));
}

TEST(JobJsonTest, UnknownFieldsAndRelationsAreInvalidData) {
    auto fields = ParseProjection("type,password_hash,nope,nope", std::nullopt);
    ASSERT_FALSE(fields);
    EXPECT_EQ(fields.error().code, core::Errc::kInvalidData);
    EXPECT_EQ(fields.error().detail, "Requested fields [password_hash, nope] are not valid");
    auto removal = ParseProjection("-nope", std::nullopt);
    ASSERT_FALSE(removal);
    EXPECT_EQ(removal.error().detail, "Requested fields [nope] are not valid");
    auto expand = ParseProjection(std::nullopt, "created_by_user,created_by_user.api_token");
    ASSERT_FALSE(expand);
    EXPECT_EQ(expand.error().detail, "Relations [created_by_user.api_token] are not valid");
}

core::User Admin() {
    core::User user;
    user.id = core::UserId{"admin_user"};
    user.email = "admin@medusa.js";
    user.first_name = "Ada";
    user.role = "admin";
    user.created_at = At("2022-01-01T00:00:00Z");
    user.updated_at = At("2022-01-02T00:00:00Z");
    return user;
}

TEST(JobJsonTest, ExpandEmbedsTheCreatorWithoutSecrets) {
    const core::User admin = Admin();
    const boost::json::object json =
        JobToJson(CompletedJob(), Projection(std::nullopt, "created_by_user"), &admin);
    EXPECT_EQ(json.at("created_by_user"), boost::json::parse(R"({
        "id":"admin_user","email":"admin@medusa.js","first_name":"Ada","last_name":null,"role":"admin",
        "created_at":"2022-01-01T00:00:00.000Z","updated_at":"2022-01-02T00:00:00.000Z","deleted_at":null})"));
    const std::string text = boost::json::serialize(json);
    EXPECT_EQ(text.find("password"), std::string::npos);
    EXPECT_EQ(text.find("token"), std::string::npos);
}

TEST(JobJsonTest, ExpandWithoutAKnownCreatorShowsNull) {
    const boost::json::object json =
        JobToJson(CompletedJob(), Projection(std::nullopt, "created_by_user"), nullptr);
    EXPECT_TRUE(json.at("created_by_user").is_null());
}

TEST(JobJsonTest, FieldNamesRoundTrip) {
    for (std::size_t i = 0; i < kJobFieldCount; ++i) {
        const auto field = static_cast<JobField>(i);
        EXPECT_EQ(ParseJobField(FieldName(field)), field);
    }
    EXPECT_EQ(ParseJobField("status"), std::nullopt);
}

}  // namespace
}  // namespace batchd::http
