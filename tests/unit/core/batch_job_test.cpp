#include "core/batch_job.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace batchd::core {
namespace {

constexpr TimePoint kT0{std::chrono::milliseconds{1'656'367'200'000}};
constexpr TimePoint kT1 = kT0 + std::chrono::seconds{1};
constexpr TimePoint kT2 = kT0 + std::chrono::seconds{2};

BatchJob Created(bool dry_run) {
    return NewJob(JobId{"job_1"}, CreateInput{"test-count", {}, dry_run}, UserId{"admin_user"}, kT0).job;
}

std::vector<std::string_view> EventsOf(const Result<Change>& change) { return change->events; }

TEST(BatchJob, NewJobIsCreatedAndEmitsBatchCreated) {
    const Change change =
        NewJob(JobId{"job_1"}, CreateInput{"test-count", {{"n", 3}}, true}, UserId{"u"}, kT0);
    EXPECT_EQ(StatusOf(change.job), JobStatus::kCreated);
    EXPECT_EQ(change.events, std::vector<std::string_view>{"batch.created"});
    EXPECT_EQ(change.job.created_at, kT0);
    EXPECT_EQ(change.job.updated_at, kT0);
    EXPECT_TRUE(change.job.result.is_null());
    EXPECT_EQ(change.job.context.as_object().at("n").as_int64(), 3);
}

TEST(BatchJob, PreProcessingDoneWithoutDryRunConfirmsInTheSameStep) {
    const auto change = Apply(Created(false), JobEvent::kPreProcessDone, kT1);
    ASSERT_TRUE(change);
    EXPECT_EQ(StatusOf(change->job), JobStatus::kConfirmed);
    EXPECT_EQ(change->job.pre_processed_at, kT1);
    EXPECT_EQ(change->job.confirmed_at, kT1);
    EXPECT_EQ(EventsOf(change), (std::vector<std::string_view>{"batch.pre_processed", "batch.confirmed"}));
}

TEST(BatchJob, PreProcessingDoneOnADryRunWaitsForConfirmation) {
    const auto change = Apply(Created(true), JobEvent::kPreProcessDone, kT1);
    ASSERT_TRUE(change);
    EXPECT_EQ(StatusOf(change->job), JobStatus::kPreProcessed);
    EXPECT_FALSE(change->job.confirmed_at);
    EXPECT_EQ(EventsOf(change), std::vector<std::string_view>{"batch.pre_processed"});
}

TEST(BatchJob, PreProcessingDoneTwiceDoesNothing) {
    const BatchJob once = Apply(Created(true), JobEvent::kPreProcessDone, kT1)->job;
    const auto twice = Apply(once, JobEvent::kPreProcessDone, kT2);
    ASSERT_TRUE(twice);
    EXPECT_EQ(twice->job.pre_processed_at, kT1);
    EXPECT_EQ(twice->job.updated_at, once.updated_at);
    EXPECT_TRUE(twice->events.empty());
}

TEST(BatchJob, FailedOutranksCanceledAndCanceledOutranksCompleted) {
    BatchJob job = Created(false);
    job.completed_at = kT0;
    job.canceled_at = kT1;
    EXPECT_EQ(StatusOf(job), JobStatus::kCanceled);
    job.failed_at = kT0;
    EXPECT_EQ(StatusOf(job), JobStatus::kFailed);
}

TEST(BatchJob, CancellingAFailedJobSetsCanceledAtButStaysFailed) {
    BatchJob job = FailJob(Created(false), "boom", kT0).job;
    const auto change = Apply(job, JobEvent::kCancel, kT1);
    ASSERT_TRUE(change);
    EXPECT_EQ(change->job.canceled_at, kT1);
    EXPECT_EQ(StatusOf(change->job), JobStatus::kFailed);
    EXPECT_EQ(EventsOf(change), std::vector<std::string_view>{"batch.canceled"});
}

TEST(BatchJob, CancellingACanceledJobStampsItAgain) {
    const BatchJob canceled = Apply(Created(false), JobEvent::kCancel, kT1)->job;
    const auto again = Apply(canceled, JobEvent::kCancel, kT2);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->job.canceled_at, kT2);
}

TEST(BatchJob, FailAppendsTheMessageToResultErrorsThenFails) {
    BatchJob job = Created(false);
    job.result = boost::json::parse(R"({"count": 3, "errors": ["first"]})");
    const Change change = FailJob(job, "second", kT1);
    EXPECT_EQ(StatusOf(change.job), JobStatus::kFailed);
    EXPECT_EQ(change.job.result, boost::json::parse(R"({"count": 3, "errors": ["first", "second"]})"));
    EXPECT_EQ(change.events, (std::vector<std::string_view>{"batch.updated", "batch.failed"}));
}

TEST(BatchJob, FailStartsErrorsFromAnEmptyArray) {
    const Change change = FailJob(Created(false), "boom", kT1);
    EXPECT_EQ(change.job.result, boost::json::parse(R"({"errors": ["boom"]})"));
}

TEST(BatchJob, PatchShallowMergesContextAndResultAndErasesKeys) {
    BatchJob job = Created(false);
    job.context = boost::json::parse(R"({"a": 1, "nested": {"x": 1}})");
    job.result = boost::json::parse(R"({"file_key": "f.csv", "file_size": 10, "count": 2})");
    JobPatch patch;
    patch.context["nested"] = boost::json::parse(R"({"y": 2})");
    patch.result["advancement_count"] = 1;
    patch.erase_result_keys = {"file_key", "file_size"};
    const Change change = PatchJob(job, patch, kT1);
    EXPECT_EQ(change.job.context, boost::json::parse(R"({"a": 1, "nested": {"y": 2}})"));
    EXPECT_EQ(change.job.result, boost::json::parse(R"({"count": 2, "advancement_count": 1})"));
    EXPECT_EQ(change.job.updated_at, kT1);
    EXPECT_EQ(change.events, std::vector<std::string_view>{"batch.updated"});
}

}  // namespace
}  // namespace batchd::core
