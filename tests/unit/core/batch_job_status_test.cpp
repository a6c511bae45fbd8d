#include "core/batch_job_status.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/batch_job.hpp"

namespace batchd::core {
namespace {

constexpr TimePoint kT0{std::chrono::milliseconds{1'656'367'200'000}};
constexpr TimePoint kT1 = kT0 + std::chrono::seconds{1};

// A job showing `status`, built the only way statuses exist: through lifecycle timestamps.
BatchJob JobIn(JobStatus status, bool dry_run = true) {
    BatchJob job;
    job.id = JobId{"job_1"};
    job.dry_run = dry_run;
    switch (status) {
        case JobStatus::kFailed:
            job.failed_at = kT0;
            [[fallthrough]];
        case JobStatus::kCanceled:
            if (status == JobStatus::kCanceled) {
                job.canceled_at = kT0;
            }
            [[fallthrough]];
        case JobStatus::kCompleted:
            if (status == JobStatus::kCompleted) {
                job.completed_at = kT0;
            }
            [[fallthrough]];
        case JobStatus::kProcessing:
            job.processing_at = kT0;
            [[fallthrough]];
        case JobStatus::kConfirmed:
            job.confirmed_at = kT0;
            [[fallthrough]];
        case JobStatus::kPreProcessed:
            job.pre_processed_at = kT0;
            [[fallthrough]];
        case JobStatus::kCreated:
            break;
    }
    return job;
}

TEST(JobStatus, JobInBuildsEveryStatus) {
    for (JobStatus status : kAllJobStatuses) {
        EXPECT_EQ(StatusOf(JobIn(status)), status) << ToString(status);
    }
}

// Every (status, event) pair: allowed exactly when kRules says so, or when the spec makes it a
// no-op (pre-processing done twice); otherwise the rule's error code and exact wire message.
TEST(JobStatus, ApplyFollowsTheRuleTableForEveryPair) {
    for (JobStatus from : kAllJobStatuses) {
        for (JobEvent event : kAllJobEvents) {
            const Rule& rule = RuleFor(event);
            const auto result = Apply(JobIn(from), event, kT1);
            const bool no_op = event == JobEvent::kPreProcessDone && from == JobStatus::kPreProcessed;
            const bool allowed = rule.allowed_from.Contains(from) || no_op;
            ASSERT_EQ(result.has_value(), allowed) << ToString(from) << " --" << ToString(event) << "-->";
            if (!allowed) {
                EXPECT_EQ(result.error().code, rule.error_if_not);
                EXPECT_FALSE(result.error().detail.empty());
            }
        }
    }
}

TEST(JobStatus, EveryEventHasExactlyOneRule) {
    for (JobEvent event : kAllJobEvents) {
        int rules = 0;
        for (const Rule& rule : kRules) {
            rules += rule.event == event ? 1 : 0;
        }
        EXPECT_EQ(rules, 1) << ToString(event);
    }
}

TEST(JobStatus, RefusalsCarryMedusasExactMessages) {
    auto message = [](JobStatus from, JobEvent event) {
        return Apply(JobIn(from), event, kT1).error().detail;
    };
    EXPECT_EQ(message(JobStatus::kConfirmed, JobEvent::kPreProcessDone),
              "Cannot mark a batch job as pre processed if it is not in created status");
    EXPECT_EQ(message(JobStatus::kCreated, JobEvent::kConfirm),
              "Cannot confirm processing for a batch job that is not pre processed");
    EXPECT_EQ(message(JobStatus::kCompleted, JobEvent::kConfirm),
              "Cannot confirm processing for a batch job that is not pre processed");
    EXPECT_EQ(message(JobStatus::kPreProcessed, JobEvent::kStartProcessing),
              "Cannot mark a batch job as processing if the status is different that confirmed");
    EXPECT_EQ(message(JobStatus::kConfirmed, JobEvent::kComplete),
              "Cannot complete a batch job with status \"confirmed\". The batch job must be processing");
    EXPECT_EQ(message(JobStatus::kCompleted, JobEvent::kCancel), "Cannot cancel completed batch job");
}

TEST(JobStatus, CompleteOutsideProcessingIsInvalidDataNotNotAllowed) {
    EXPECT_EQ(Apply(JobIn(JobStatus::kCreated), JobEvent::kComplete, kT1).error().code, Errc::kInvalidData);
    EXPECT_EQ(Apply(JobIn(JobStatus::kCreated), JobEvent::kConfirm, kT1).error().code, Errc::kNotAllowed);
}

TEST(JobStatus, EveryStatusRoundTripsThroughText) {
    std::set<std::string_view> texts;
    for (JobStatus status : kAllJobStatuses) {
        EXPECT_EQ(ParseJobStatus(ToString(status)), status);
        texts.insert(ToString(status));
    }
    EXPECT_EQ(texts.size(), kAllJobStatuses.size());
    EXPECT_EQ(ParseJobStatus("running"), std::nullopt);
}

TEST(JobStatus, EventNamesAreMedusas) {
    EXPECT_EQ(EventNameFor(JobStatus::kCreated), "batch.created");
    EXPECT_EQ(EventNameFor(JobEvent::kPreProcessDone), "batch.pre_processed");
    EXPECT_EQ(EventNameFor(JobEvent::kConfirm), "batch.confirmed");
    EXPECT_EQ(EventNameFor(JobEvent::kStartProcessing), "batch.processing");
    EXPECT_EQ(EventNameFor(JobEvent::kComplete), "batch.completed");
    EXPECT_EQ(EventNameFor(JobEvent::kCancel), "batch.canceled");
    EXPECT_EQ(EventNameFor(JobEvent::kFail), "batch.failed");
    EXPECT_EQ(kUpdatedEventName, "batch.updated");
}

TEST(JobStatus, OnlyCompletedCanceledAndFailedAreFinal) {
    for (JobStatus status : kAllJobStatuses) {
        const bool expected =
            status == JobStatus::kCompleted || status == JobStatus::kCanceled || status == JobStatus::kFailed;
        EXPECT_EQ(IsFinal(status), expected) << ToString(status);
    }
}

}  // namespace
}  // namespace batchd::core
