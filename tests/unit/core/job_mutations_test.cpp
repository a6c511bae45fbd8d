#include "core/job_mutations.hpp"

#include <gtest/gtest.h>

#include "fakes/in_memory_database.hpp"

namespace batchd::core {
namespace {

constexpr TimePoint kT0{std::chrono::milliseconds{1'656'367'200'000}};

class JobMutations : public ::testing::Test {
protected:
    BatchJob Insert(bool dry_run) {
        const Change change = NewJob(JobId{"job_1"}, CreateInput{"t", {}, dry_run}, UserId{"u"}, kT0);
        return store_.Insert(change.job, change.events).value();
    }
    fakes::InMemoryDatabase store_;
};

TEST_F(JobMutations, CompareAndSetRefusesAStaleTransition) {
    const BatchJob stored = Insert(true);
    const Change first = Apply(stored, JobEvent::kPreProcessDone, kT0).value();
    ASSERT_TRUE(store_.CompareAndSet(first.job, stored.version, first.events).value());
    // A second writer that read the same version must not overwrite the first one's change.
    const Change stale = Apply(stored, JobEvent::kCancel, kT0).value();
    EXPECT_FALSE(store_.CompareAndSet(stale.job, stored.version, stale.events).value());
    EXPECT_EQ(StatusOf(store_.Get(stored.id).value()), JobStatus::kPreProcessed);
}

TEST_F(JobMutations, TransitionRereadsAfterALostRace) {
    const BatchJob stored = Insert(true);
    int calls = 0;
    const auto result = MutateJob(store_, stored.id, [&](BatchJob job) -> Result<Change> {
        if (++calls == 1) {
            // Another writer slips in between this mutation's read and its write.
            const BatchJob other = store_.Get(stored.id).value();
            const Change change = PatchJob(other, JobPatch{{}, {{"count", 1}}, {}}, kT0);
            EXPECT_TRUE(store_.CompareAndSet(change.job, other.version, change.events).value());
        }
        return Apply(std::move(job), JobEvent::kCancel, kT0);
    });
    ASSERT_TRUE(result);
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(StatusOf(*result), JobStatus::kCanceled);
    EXPECT_EQ(result->result.as_object().at("count").as_int64(), 1);  // the other write survived
}

TEST_F(JobMutations, TransitionRecordsEachEventOnce) {
    const BatchJob stored = Insert(false);
    ASSERT_TRUE(TransitionJob(store_, stored.id, JobEvent::kPreProcessDone, kT0));
    const auto events = store_.TakeEvents(100).value();
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[0].name, "batch.created");
    EXPECT_EQ(events[1].name, "batch.pre_processed");
    EXPECT_EQ(events[2].name, "batch.confirmed");
}

TEST_F(JobMutations, ARefusedTransitionWritesNothing) {
    const BatchJob stored = Insert(true);
    const auto refused = TransitionJob(store_, stored.id, JobEvent::kConfirm, kT0);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::kNotAllowed);
    EXPECT_EQ(store_.Get(stored.id).value().version, stored.version);
    EXPECT_EQ(store_.TakeEvents(100).value().size(), 1U);  // only batch.created
}

TEST_F(JobMutations, FenceRefusesAWriterWhoseLeaseWasTakenOver) {
    Insert(false);
    const auto claim = store_.ClaimNextPhase(WorkerId{"w1"}, kT0, std::chrono::seconds{10}, {}).value();
    ASSERT_TRUE(claim);
    EXPECT_TRUE(CheckFence(claim->job, claim->job.lease.epoch));
    const auto takeover =
        store_.ClaimNextPhase(WorkerId{"w2"}, kT0 + std::chrono::seconds{11}, std::chrono::seconds{10}, {})
            .value();
    ASSERT_TRUE(takeover);
    const auto refused = CheckFence(takeover->job, claim->job.lease.epoch);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::kConflict);
}

}  // namespace
}  // namespace batchd::core
