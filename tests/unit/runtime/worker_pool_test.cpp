#include "runtime/worker_pool.hpp"

#include <atomic>
#include <memory>
#include <stdexcept>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <gtest/gtest.h>

#include "bus/local/local_event_bus.hpp"
#include "core/job_mutations.hpp"
#include "runtime/event_relay.hpp"
#include "runtime/job_service.hpp"
#include "runtime/system_clock.hpp"
#include "runtime_test_support.hpp"

namespace batchd::runtime {
namespace {

using namespace std::chrono_literals;
using core::JobStatus;
using testing::InsertJob;
using testing::ScriptedStrategy;
using testing::StatusIn;
using testing::TakeEventNames;
using testing::WaitUntil;

// Short intervals: a unit test waits milliseconds, not seconds. The lease stays long enough that
// a slow (sanitized) run never loses one by accident.
WorkerConfig FastConfig() {
    WorkerConfig config;
    config.workers = 2;
    config.lease = 5s;
    config.heartbeat = 20ms;
    config.poll = 10ms;
    config.progress_interval = 5ms;
    config.retry_backoff = 5ms;
    return config;
}

// Loops until the phase is asked to stop; remembers that it saw the stop.
core::Result<void> UntilStopped(core::JobContext& ctx, std::atomic<bool>& saw_stop) {
    while (ctx.SleepFor(5ms)) {
        if (auto advanced = ctx.Advance(1); !advanced) {
            break;
        }
    }
    saw_stop = true;
    return {};
}

class WorkerPoolTest : public ::testing::Test {
protected:
    WorkerPoolTest() {
        auto strategy = std::make_unique<ScriptedStrategy>();
        strategy_ = strategy.get();
        EXPECT_TRUE(registry_.Add(std::move(strategy)));
    }

    ~WorkerPoolTest() override {
        if (pool_) {
            pool_->Stop();
        }
    }

    WorkerPool& StartPool(WorkerConfig config = FastConfig()) {
        pool_ = std::make_unique<WorkerPool>(std::move(config), db_, registry_, clock_, files_, nullptr);
        pool_->Start();
        return *pool_;
    }

    core::BatchJob Stored(const std::string& id) { return db_.Get(core::JobId{id}).value(); }

    static bool HasErrors(const core::BatchJob& job) {
        return job.result.is_object() && job.result.as_object().contains("errors");
    }

    bool WaitForStatus(const std::string& id, JobStatus status) {
        return WaitUntil([&] { return StatusIn(db_, id) == status; });
    }

    void Cancel(const std::string& id) {
        ASSERT_TRUE(core::TransitionJob(db_, core::JobId{id}, core::JobEvent::kCancel, clock_.Now()));
    }

    fakes::InMemoryDatabase db_;
    SystemClock clock_;
    testing::NoBlobStore files_;
    core::StrategyRegistry registry_;
    ScriptedStrategy* strategy_ = nullptr;
    std::unique_ptr<WorkerPool> pool_;
};

TEST_F(WorkerPoolTest, CreatedJobRunsToCompletedWithEveryEventOnceAndInOrder) {
    strategy_->pre_process = [](core::JobContext& ctx) { return ctx.SetCount(3); };
    strategy_->process = [](core::JobContext& ctx) -> core::Result<void> {
        for (int i = 0; i < 3; ++i) {
            if (auto advanced = ctx.Advance(1); !advanced) {
                return advanced.error();
            }
        }
        return {};
    };
    InsertJob(db_, "job_1", "scripted");
    StartPool();

    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kCompleted));
    pool_->Stop();
    EXPECT_EQ(TakeEventNames(db_, "job_1"),
              (std::vector<std::string>{"batch.created", "batch.pre_processed", "batch.confirmed",
                                        "batch.processing", "batch.completed"}));
    const core::BatchJob job = Stored("job_1");
    EXPECT_EQ(job.result.at("count").as_int64(), 3);
    EXPECT_EQ(job.result.at("advancement_count").as_int64(), 3);
    EXPECT_DOUBLE_EQ(job.result.at("progress").as_double(), 1.0);
    EXPECT_FALSE(job.lease.owner) << "a finished phase keeps no lease";
    EXPECT_EQ(strategy_->pre_process_calls, 1);
    EXPECT_EQ(strategy_->process_calls, 1);
}

TEST_F(WorkerPoolTest, AJobThatIsNotADryRunIsProcessedUnderItsFirstClaim) {
    InsertJob(db_, "job_1", "scripted");
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kCompleted));
    // One claim for both phases: pre-processing done, confirmed and processing in one write.
    EXPECT_EQ(Stored("job_1").lease.epoch, 1);
    EXPECT_EQ(strategy_->process_calls, 1);
}

TEST_F(WorkerPoolTest, AConfirmedDryRunIsProcessedUnderANewClaim) {
    InsertJob(db_, "job_1", "scripted", {}, /*dry_run=*/true);
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kPreProcessed));
    ASSERT_TRUE(core::TransitionJob(db_, core::JobId{"job_1"}, core::JobEvent::kConfirm, clock_.Now()));
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kCompleted));
    EXPECT_EQ(Stored("job_1").lease.epoch, 2);
}

TEST_F(WorkerPoolTest, DryRunStopsAtPreProcessedUntilConfirmed) {
    InsertJob(db_, "job_1", "scripted", {}, /*dry_run=*/true);
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kPreProcessed));
    // Several polls later the job still waits for its confirm.
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(StatusIn(db_, "job_1"), JobStatus::kPreProcessed);
    EXPECT_EQ(strategy_->process_calls, 0);

    JobService service{db_, registry_, clock_, [this] { pool_->Wake(); }};
    ASSERT_TRUE(service.Confirm(core::JobId{"job_1"}));
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kCompleted));
    EXPECT_EQ(strategy_->process_calls, 1);
}

TEST_F(WorkerPoolTest, JobCanceledWhileCreatedNeverRuns) {
    InsertJob(db_, "job_1", "scripted");
    Cancel("job_1");
    InsertJob(db_, "job_2", "scripted");  // proves the pool ran meanwhile
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_2", JobStatus::kCompleted));
    EXPECT_EQ(StatusIn(db_, "job_1"), JobStatus::kCanceled);
    EXPECT_EQ(strategy_->pre_process_calls, 1);
}

TEST_F(WorkerPoolTest, JobCanceledWhilePreProcessingEndsCanceledWithoutAFailure) {
    std::atomic<bool> saw_stop = false;
    strategy_->pre_process = [&](core::JobContext& ctx) { return UntilStopped(ctx, saw_stop); };
    InsertJob(db_, "job_1", "scripted");
    StartPool();
    ASSERT_TRUE(WaitUntil([&] { return strategy_->pre_process_calls == 1; }));
    Cancel("job_1");
    ASSERT_TRUE(WaitUntil([&] { return saw_stop.load(); }));
    ASSERT_TRUE(WaitUntil([&] { return !Stored("job_1").lease.owner; }));
    const core::BatchJob job = Stored("job_1");
    EXPECT_EQ(core::StatusOf(job), JobStatus::kCanceled);
    EXPECT_FALSE(HasErrors(job));
    EXPECT_EQ(strategy_->process_calls, 0);
}

TEST_F(WorkerPoolTest, JobCanceledWhilePreProcessedNeverProcesses) {
    InsertJob(db_, "job_1", "scripted", {}, /*dry_run=*/true);
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kPreProcessed));
    Cancel("job_1");
    InsertJob(db_, "job_2", "scripted");
    ASSERT_TRUE(WaitForStatus("job_2", JobStatus::kCompleted));
    EXPECT_EQ(StatusIn(db_, "job_1"), JobStatus::kCanceled);
    EXPECT_EQ(strategy_->process_calls, 1);  // job_2's
}

TEST_F(WorkerPoolTest, JobCanceledWhileConfirmedNeverProcesses) {
    InsertJob(db_, "job_1", "scripted");
    ASSERT_TRUE(
        core::TransitionJob(db_, core::JobId{"job_1"}, core::JobEvent::kPreProcessDone, clock_.Now()));
    ASSERT_EQ(StatusIn(db_, "job_1"), JobStatus::kConfirmed);
    Cancel("job_1");
    InsertJob(db_, "job_2", "scripted");
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_2", JobStatus::kCompleted));
    EXPECT_EQ(StatusIn(db_, "job_1"), JobStatus::kCanceled);
    EXPECT_EQ(strategy_->process_calls, 1);
}

TEST_F(WorkerPoolTest, ProcessingJobCanceledStopsWithinAHeartbeat) {
    std::atomic<bool> saw_stop = false;
    strategy_->process = [&](core::JobContext& ctx) { return UntilStopped(ctx, saw_stop); };
    WorkerConfig config = FastConfig();
    config.progress_interval = 1h;  // no progress write notices the cancel: only the heartbeat can
    InsertJob(db_, "job_1", "scripted");
    StartPool(config);
    ASSERT_TRUE(WaitUntil([&] { return strategy_->process_calls == 1; }));  // in the strategy

    Cancel("job_1");
    const auto canceled_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(WaitUntil([&] { return saw_stop.load(); }));
    // A heartbeat is 20 ms; the bound only absorbs a slow, sanitized machine.
    EXPECT_LT(std::chrono::steady_clock::now() - canceled_at, 2s);
    ASSERT_TRUE(WaitUntil([&] { return !Stored("job_1").lease.owner; }));
    const core::BatchJob job = Stored("job_1");
    EXPECT_EQ(core::StatusOf(job), JobStatus::kCanceled);
    EXPECT_FALSE(job.completed_at);
    EXPECT_FALSE(HasErrors(job));
    EXPECT_GT(job.result.at("advancement_count").as_int64(), 0) << "the units done are kept";
}

TEST_F(WorkerPoolTest, CanceledNotificationStopsTheRunningPhaseAtOnce) {
    std::atomic<bool> saw_stop = false;
    strategy_->process = [&](core::JobContext& ctx) { return UntilStopped(ctx, saw_stop); };
    WorkerConfig config = FastConfig();
    config.heartbeat = 1h;
    config.progress_interval = 1h;
    InsertJob(db_, "job_1", "scripted");
    StartPool(config);
    ASSERT_TRUE(WaitUntil([&] { return strategy_->process_calls == 1; }));  // in the strategy
    Cancel("job_1");
    pool_->NotifyCanceled(core::JobId{"job_1"});
    ASSERT_TRUE(WaitUntil([&] { return saw_stop.load(); }, 2s));
    ASSERT_TRUE(WaitUntil([&] { return !Stored("job_1").lease.owner; }));
    EXPECT_EQ(StatusIn(db_, "job_1"), JobStatus::kCanceled);
}

TEST_F(WorkerPoolTest, FailingPhaseEndsFailedWithItsMessage) {
    strategy_->process = [](core::JobContext&) -> core::Result<void> {
        return core::Error{core::Errc::kInvalidData, "row 3: bad price"};
    };
    InsertJob(db_, "job_1", "scripted");
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kFailed));
    const core::BatchJob job = Stored("job_1");
    EXPECT_EQ(job.result.at("errors"), (boost::json::array{"row 3: bad price"}));
    EXPECT_FALSE(job.lease.owner);
    EXPECT_EQ(strategy_->process_calls, 1) << "invalid data is not retried";
    const auto events = TakeEventNames(db_, "job_1");
    EXPECT_EQ(events.back(), "batch.failed");
}

TEST_F(WorkerPoolTest, ThrowingPhaseEndsFailedWithTheExceptionMessage) {
    strategy_->pre_process = [](core::JobContext&) -> core::Result<void> {
        throw std::runtime_error("kaput");
    };
    InsertJob(db_, "job_1", "scripted");
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kFailed));
    EXPECT_EQ(Stored("job_1").result.at("errors"), (boost::json::array{"kaput"}));
    EXPECT_EQ(strategy_->process_calls, 0);
}

TEST_F(WorkerPoolTest, RetryableErrorIsRetriedThenSucceeds) {
    strategy_->process = [this](core::JobContext& ctx) -> core::Result<void> {
        if (strategy_->process_calls <= 2) {
            return core::Error{core::Errc::kUnavailable, "database is restarting"};
        }
        EXPECT_EQ(ctx.Job().attempts, 2);
        return {};
    };
    InsertJob(db_, "job_1", "scripted");
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kCompleted));
    const core::BatchJob job = Stored("job_1");
    EXPECT_EQ(strategy_->process_calls, 3);
    EXPECT_EQ(job.attempts, 0);
    EXPECT_FALSE(HasErrors(job));
    EXPECT_EQ(TakeEventNames(db_, "job_1"),
              (std::vector<std::string>{"batch.created", "batch.pre_processed", "batch.confirmed",
                                        "batch.processing", "batch.completed"}))
        << "a retry emits nothing";
}

TEST_F(WorkerPoolTest, RetriesEndWhenTheStrategySaysSo) {
    strategy_->process = [](core::JobContext&) -> core::Result<void> {
        return core::Error{core::Errc::kUnavailable, "still down"};
    };
    InsertJob(db_, "job_1", "scripted");
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kFailed));
    EXPECT_EQ(strategy_->process_calls, 3);  // Strategy::ShouldRetry's default: two retries
    EXPECT_EQ(Stored("job_1").result.at("errors"), (boost::json::array{"still down"}));
}

TEST_F(WorkerPoolTest, ProgressWritesAreThrottledButTheFinalCountIsExact) {
    constexpr int kUnits = 20'000;
    strategy_->pre_process = [](core::JobContext& ctx) { return ctx.SetCount(kUnits); };
    strategy_->process = [](core::JobContext& ctx) -> core::Result<void> {
        for (int i = 0; i < kUnits; ++i) {
            if (auto advanced = ctx.Advance(1); !advanced) {
                return advanced.error();
            }
        }
        return {};
    };
    WorkerConfig config = FastConfig();
    config.progress_interval = 50ms;
    InsertJob(db_, "job_1", "scripted");
    StartPool(config);
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kCompleted));
    const auto updates = TakeEventNames(db_, "job_1", true);
    const auto writes = std::count(updates.begin(), updates.end(), "batch.updated");
    EXPECT_LT(writes, 100) << "one write per unit would be " << kUnits;
    EXPECT_EQ(Stored("job_1").result.at("advancement_count").as_int64(), kUnits);
}

TEST_F(WorkerPoolTest, PhaseThatLostItsLeaseStopsAndLeavesTheJobToTheNewOwner) {
    std::atomic<bool> saw_stop = false;
    strategy_->process = [&](core::JobContext& ctx) { return UntilStopped(ctx, saw_stop); };
    InsertJob(db_, "job_1", "scripted");
    StartPool();
    ASSERT_TRUE(WaitUntil([&] { return strategy_->process_calls == 1; }));  // in the strategy
    ASSERT_TRUE(
        core::MutateJob(db_, core::JobId{"job_1"}, [](core::BatchJob job) -> core::Result<core::Change> {
            job.lease.owner = core::WorkerId{"elsewhere:9:1"};
            job.lease.epoch += 1;
            job.lease.expires_at = job.updated_at + std::chrono::hours{1};
            return core::Change{std::move(job), {}};
        }));
    ASSERT_TRUE(WaitUntil([&] { return saw_stop.load(); }));
    pool_->Stop();  // the phase has recorded (nothing) once Stop returns
    const core::BatchJob job = Stored("job_1");
    EXPECT_EQ(core::StatusOf(job), JobStatus::kProcessing);
    EXPECT_EQ(job.lease.owner, core::WorkerId{"elsewhere:9:1"});
    EXPECT_FALSE(HasErrors(job));
}

TEST_F(WorkerPoolTest, ProcessingJobWhoseLeaseExpiredIsResumedFromItsCheckpoint) {
    InsertJob(db_, "job_1", "scripted");
    ASSERT_TRUE(
        core::MutateJob(db_, core::JobId{"job_1"}, [&](core::BatchJob job) -> core::Result<core::Change> {
            const core::TimePoint long_ago = clock_.Now() - std::chrono::minutes{1};
            job.pre_processed_at = job.confirmed_at = job.processing_at = long_ago;
            job.result = boost::json::object{{"count", 300}, {"advancement_count", 150}};
            job.cursor = boost::json::object{{"next", 150}};
            job.lease = core::Lease{core::WorkerId{"dead:1:1"}, 7, long_ago + std::chrono::seconds{10}};
            return core::Change{std::move(job), {}};
        }));
    TakeEventNames(db_, "job_1");

    std::atomic<std::int64_t> started_from = -1;
    std::atomic<std::int64_t> cursor_next = -1;
    strategy_->process = [&](core::JobContext& ctx) -> core::Result<void> {
        started_from = ctx.AdvancementCount();
        cursor_next = ctx.Cursor().at("next").as_int64();
        for (std::int64_t i = ctx.AdvancementCount(); i < 300; ++i) {
            if (auto advanced = ctx.Advance(1); !advanced) {
                return advanced.error();
            }
        }
        return {};
    };
    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kCompleted));
    EXPECT_EQ(started_from, 150);
    EXPECT_EQ(cursor_next, 150);
    const core::BatchJob job = Stored("job_1");
    EXPECT_EQ(job.result.at("advancement_count").as_int64(), 300);
    EXPECT_GT(job.lease.epoch, 7);
    EXPECT_EQ(TakeEventNames(db_, "job_1"), std::vector<std::string>{"batch.completed"})
        << "a resumed job is already processing";
}

TEST_F(WorkerPoolTest, StopReleasesTheLeaseSoAnotherPoolResumes) {
    std::atomic<bool> saw_stop = false;
    strategy_->process = [&](core::JobContext& ctx) -> core::Result<void> {
        if (strategy_->process_calls == 1) {
            return UntilStopped(ctx, saw_stop);
        }
        return {};
    };
    InsertJob(db_, "job_1", "scripted");
    StartPool();
    ASSERT_TRUE(WaitUntil([&] { return strategy_->process_calls == 1; }));
    pool_->Stop();
    EXPECT_TRUE(saw_stop);
    const core::BatchJob interrupted = Stored("job_1");
    EXPECT_EQ(core::StatusOf(interrupted), JobStatus::kProcessing) << "an interrupted job is not completed";
    EXPECT_FALSE(interrupted.lease.owner);
    EXPECT_FALSE(interrupted.lease.expires_at) << "claimable at once";

    StartPool();
    ASSERT_TRUE(WaitForStatus("job_1", JobStatus::kCompleted));
    EXPECT_EQ(strategy_->process_calls, 2);
}

TEST_F(WorkerPoolTest, JobsOfTypesOutsideTheConfiguredOnesAreLeftAlone) {
    ASSERT_TRUE(registry_.Add(std::make_unique<ScriptedStrategy>("other")));
    InsertJob(db_, "job_1", "other");
    InsertJob(db_, "job_2", "scripted");
    WorkerConfig config = FastConfig();
    config.types = {"scripted"};
    StartPool(config);
    ASSERT_TRUE(WaitForStatus("job_2", JobStatus::kCompleted));
    EXPECT_EQ(StatusIn(db_, "job_1"), JobStatus::kCreated);
}

TEST_F(WorkerPoolTest, ATypeNeverRunsMorePhasesAtOnceThanItsLimit) {
    std::atomic<int> running{0};
    std::atomic<int> most{0};
    strategy_->process = [&](core::JobContext& ctx) -> core::Result<void> {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        ctx.SleepFor(30ms);
        --running;
        return {};
    };
    for (int i = 0; i < 6; ++i) {
        InsertJob(db_, "job_" + std::to_string(i), "scripted");
    }
    WorkerConfig config = FastConfig();
    config.workers = 4;
    config.type_concurrency = {{"scripted", 1}};
    StartPool(config);
    for (int i = 0; i < 6; ++i) {
        ASSERT_TRUE(WaitForStatus("job_" + std::to_string(i), JobStatus::kCompleted));
    }
    EXPECT_EQ(most.load(), 1) << "4 workers, but the type allows one phase at a time";
}

TEST(WorkerPoolWiring, BusEventsDriveAJobFromCreateToCompletedWithoutPolling) {
    fakes::InMemoryDatabase db;
    SystemClock clock;
    testing::NoBlobStore files;
    core::StrategyRegistry registry;
    ASSERT_TRUE(registry.Add(std::make_unique<ScriptedStrategy>()));
    auto bus = bus::local::MakeLocalEventBus();

    std::mutex seen_mu;
    std::vector<std::string> seen;
    bus->Subscribe({"observer", {}, [&](const core::BusEvent& event) {
                        if (event.name != core::kUpdatedEventName) {
                            std::scoped_lock lock{seen_mu};
                            seen.push_back(event.name);
                        }
                    }});
    EventRelay relay{db, *bus, 1h};  // publishes only when woken: no poll hides a missing wake
    WorkerConfig config = FastConfig();
    config.poll = 1h;  // the workers too: only the bus wakes them
    WorkerPool pool{config, db, registry, clock, files, [&relay] { relay.Wake(); }};
    pool.Subscribe(*bus, "workers");
    pool.Start();
    JobService service{db, registry, clock, [&relay] { relay.Wake(); }};

    // Let the idle workers reach their (hour-long) wait: the job must not be found by a first claim.
    std::this_thread::sleep_for(50ms);
    auto created = service.Create(core::UserId{"usr_1"}, core::CreateInput{"scripted", {}, false});
    ASSERT_TRUE(created);
    const bool completed =
        WaitUntil([&] { return core::StatusOf(db.Get(created->id).value()) == JobStatus::kCompleted; });
    pool.Stop();
    relay.Stop();
    bus->Stop();
    ASSERT_TRUE(completed);
    EXPECT_EQ(seen, (std::vector<std::string>{"batch.created", "batch.pre_processed", "batch.confirmed",
                                              "batch.processing", "batch.completed"}));
}

}  // namespace
}  // namespace batchd::runtime
