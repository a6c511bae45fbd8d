#include "runtime/running_job.hpp"

#include <thread>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <gtest/gtest.h>

#include "core/job_mutations.hpp"
#include "runtime_test_support.hpp"

namespace batchd::runtime {
namespace {

using namespace std::chrono_literals;
using testing::InsertJob;
using testing::kT0;
using testing::ManualClock;
using testing::TakeEventNames;

class RunningJobTest : public ::testing::Test {
protected:
    // A job claimed for its process phase, as a worker would hold it.
    core::BatchJob ClaimProcessing(const std::string& id, boost::json::object result = {}) {
        InsertJob(db_, id, "scripted");
        auto moved =
            core::MutateJob(db_, core::JobId{id}, [&](core::BatchJob job) -> core::Result<core::Change> {
                job.pre_processed_at = kT0;
                job.confirmed_at = kT0;
                job.processing_at = kT0;
                job.result = std::move(result);
                return core::Change{std::move(job), {}};
            });
        EXPECT_TRUE(moved);
        auto claim = db_.ClaimNextPhase(core::WorkerId{"w:1:1"}, clock_.Now(), 10s, {});
        EXPECT_TRUE(claim && *claim);
        TakeEventNames(db_, id, true);  // start each test with an empty outbox
        return (*claim)->job;
    }

    RunningJob Make(core::BatchJob claimed, core::Duration interval = 200ms) {
        return RunningJob{db_, clock_, &files_, std::move(claimed), interval, [this] { ++on_write_calls_; }};
    }

    core::BatchJob Stored(const std::string& id) { return db_.Get(core::JobId{id}).value(); }

    // Another worker takes the job over: a new epoch and owner, as ClaimNextPhase after expiry.
    void TakeOver(const std::string& id) {
        ASSERT_TRUE(
            core::MutateJob(db_, core::JobId{id}, [](core::BatchJob job) -> core::Result<core::Change> {
                job.lease.owner = core::WorkerId{"other:2:1"};
                job.lease.epoch += 1;
                return core::Change{std::move(job), {}};
            }));
    }

    fakes::InMemoryDatabase db_;
    ManualClock clock_;
    testing::NoBlobStore files_;
    int on_write_calls_ = 0;
};

TEST_F(RunningJobTest, AdvanceWritesAtMostOncePerIntervalAndFlushWritesTheExactCount) {
    auto ctx = Make(ClaimProcessing("job_1"), 200ms);
    ASSERT_TRUE(ctx.SetCount(2000));
    TakeEventNames(db_, "job_1", true);

    for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(ctx.Advance(1));
    }
    EXPECT_TRUE(TakeEventNames(db_, "job_1", true).empty()) << "no time passed: nothing may be written";
    EXPECT_EQ(ctx.AdvancementCount(), 1000);

    clock_.Advance(200ms);
    ASSERT_TRUE(ctx.Advance(1));
    for (int i = 0; i < 499; ++i) {
        ASSERT_TRUE(ctx.Advance(1));
    }
    EXPECT_EQ(TakeEventNames(db_, "job_1", true), std::vector<std::string>{"batch.updated"});
    const auto after_interval = Stored("job_1").result.as_object();
    EXPECT_EQ(after_interval.at("advancement_count").as_int64(), 1001);
    EXPECT_DOUBLE_EQ(after_interval.at("progress").as_double(), 1001.0 / 2000.0);

    ASSERT_TRUE(ctx.Flush());
    const auto flushed = Stored("job_1").result.as_object();
    EXPECT_EQ(flushed.at("advancement_count").as_int64(), 1500);
    EXPECT_DOUBLE_EQ(flushed.at("progress").as_double(), 0.75);
    EXPECT_EQ(flushed.at("count").as_int64(), 2000);

    ASSERT_TRUE(ctx.Flush());
    EXPECT_EQ(TakeEventNames(db_, "job_1", true).size(), 1U) << "a flush with nothing new writes nothing";
}

TEST_F(RunningJobTest, ProgressIsWrittenOnlyWhenTheCountIsKnown) {
    auto ctx = Make(ClaimProcessing("job_1"), 0ms);
    ASSERT_TRUE(ctx.Advance(3));
    const auto result = Stored("job_1").result.as_object();
    EXPECT_EQ(result.at("advancement_count").as_int64(), 3);
    EXPECT_FALSE(result.contains("progress"));
}

TEST_F(RunningJobTest, ResumesFromTheStoredAdvancementAndCursor) {
    auto claimed = ClaimProcessing("job_1", boost::json::object{{"count", 300}, {"advancement_count", 150}});
    claimed.cursor = boost::json::object{{"next", 150}};
    auto ctx = Make(std::move(claimed));
    EXPECT_EQ(ctx.AdvancementCount(), 150);
    EXPECT_EQ(ctx.Cursor().at("next").as_int64(), 150);
}

TEST_F(RunningJobTest, CheckpointWritesTheAdvancementAndTheCursorAtOnce) {
    auto ctx = Make(ClaimProcessing("job_1"), 1h);
    ASSERT_TRUE(ctx.Advance(100));
    ASSERT_TRUE(ctx.Checkpoint(boost::json::object{{"next", 100}}));
    const core::BatchJob stored = Stored("job_1");
    EXPECT_EQ(stored.result.at("advancement_count").as_int64(), 100);
    EXPECT_EQ(stored.cursor.at("next").as_int64(), 100);
    EXPECT_EQ(ctx.Cursor().at("next").as_int64(), 100);
    EXPECT_GE(on_write_calls_, 1);
}

TEST_F(RunningJobTest, StatDescriptorsAreAppendedToTheStoredOnes) {
    auto ctx = Make(ClaimProcessing("job_1"));
    ASSERT_TRUE(ctx.AddStatDescriptor({"a", "A", "first"}));
    ASSERT_TRUE(ctx.AddStatDescriptor({"b", "B", "second"}));
    const core::BatchJob job = Stored("job_1");
    const auto& descriptors = job.result.at("stat_descriptors").as_array();
    ASSERT_EQ(descriptors.size(), 2U);
    EXPECT_EQ(descriptors[0].at("key").as_string(), "a");
    EXPECT_EQ(descriptors[1].at("message").as_string(), "second");
}

TEST_F(RunningJobTest, WritesAfterTheLeaseIsLostAreRefusedAndStopThePhase) {
    auto ctx = Make(ClaimProcessing("job_1"), 0ms);
    TakeOver("job_1");
    const std::int64_t version = Stored("job_1").version;

    const auto written = ctx.Advance(5);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, core::Errc::kConflict);
    EXPECT_TRUE(ctx.StopRequested());
    EXPECT_EQ(ctx.WhyStopped(), StopReason::kLeaseLost);
    EXPECT_EQ(Stored("job_1").version, version) << "a fenced-out worker changed the job";
    EXPECT_FALSE(ctx.Update(core::JobPatch{{{"x", 1}}, {}, {}}));
}

TEST_F(RunningJobTest, AWriteThatSeesTheJobCanceledRequestsAStop) {
    auto ctx = Make(ClaimProcessing("job_1"), 0ms);
    ASSERT_TRUE(core::TransitionJob(db_, core::JobId{"job_1"}, core::JobEvent::kCancel, clock_.Now()));
    // The write still lands (a canceled export cleans up through it), then the phase is told to stop.
    ASSERT_TRUE(ctx.Advance(1));
    EXPECT_TRUE(ctx.StopRequested());
    EXPECT_EQ(ctx.WhyStopped(), StopReason::kCanceled);
}

TEST_F(RunningJobTest, TheFirstStopReasonIsKept) {
    auto ctx = Make(ClaimProcessing("job_1"));
    ctx.RequestStop(StopReason::kShutdown);
    ctx.RequestStop(StopReason::kCanceled);
    EXPECT_EQ(ctx.WhyStopped(), StopReason::kShutdown);
}

TEST_F(RunningJobTest, SleepForWakesEarlyOnStop) {
    auto ctx = Make(ClaimProcessing("job_1"));
    EXPECT_TRUE(ctx.SleepFor(1ms));
    std::jthread stopper{[&ctx] {
        std::this_thread::sleep_for(20ms);
        ctx.RequestStop(StopReason::kCanceled);
    }};
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(ctx.SleepFor(1h));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
    EXPECT_FALSE(ctx.SleepFor(1h)) << "a stopped phase does not sleep at all";
}

// The step may first run on the phase's own copy of the row (saving a read); it never runs on a
// row that shows another owner's lease, and nothing is written once the lease is lost.
TEST_F(RunningJobTest, MutateRunsTheStepOnlyUnderTheLease) {
    auto ctx = Make(ClaimProcessing("job_1"));
    int steps = 0;
    int steps_without_lease = 0;
    const core::Mutation touch = [&](core::BatchJob job) -> core::Result<core::Change> {
        ++steps;
        if (!job.lease.owner || job.lease.epoch != ctx.Epoch()) {
            ++steps_without_lease;
        }
        return core::Change{std::move(job), {}};
    };
    ASSERT_TRUE(ctx.Mutate(touch));
    EXPECT_EQ(steps, 1);
    TakeOver("job_1");
    const std::int64_t version = Stored("job_1").version;
    EXPECT_FALSE(ctx.Mutate(touch));
    EXPECT_EQ(steps_without_lease, 0);
    EXPECT_EQ(Stored("job_1").version, version) << "a fenced-out worker changed the job";
    EXPECT_EQ(Stored("job_1").lease.owner, core::WorkerId{"other:2:1"});
}

// A write on the phase's own copy costs no read; when another writer came first (here a
// heartbeat-like renewal), the step runs again on the fresh row and that write lands.
TEST_F(RunningJobTest, MutateWritesOnTheLastSeenRowAndRereadsWhenItMoved) {
    auto ctx = Make(ClaimProcessing("job_1"));
    int steps = 0;
    const core::Mutation mark = [&](core::BatchJob job) -> core::Result<core::Change> {
        ++steps;
        job.result = boost::json::object{{"steps", steps}};
        return core::Change{std::move(job), {}};
    };
    ASSERT_TRUE(ctx.Mutate(mark));
    EXPECT_EQ(steps, 1);
    ASSERT_TRUE(
        core::MutateJob(db_, core::JobId{"job_1"}, [](core::BatchJob job) -> core::Result<core::Change> {
            job.lease.expires_at = job.lease.expires_at.value_or(core::TimePoint{}) + core::Duration{1000};
            return core::Change{std::move(job), {}};
        }));
    const auto written = ctx.Mutate(mark);
    ASSERT_TRUE(written);
    EXPECT_EQ(steps, 3) << "one try on the stale copy, one on the fresh row";
    EXPECT_EQ(Stored("job_1").result, boost::json::value(boost::json::object{{"steps", 3}}));
    EXPECT_EQ(Stored("job_1").version, written->version);
    EXPECT_EQ(ctx.Job().version, written->version);
}

}  // namespace
}  // namespace batchd::runtime
