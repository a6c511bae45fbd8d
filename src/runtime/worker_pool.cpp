#include "runtime/worker_pool.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/batch_job.hpp"
#include "core/job_mutations.hpp"
#include "runtime/running_job.hpp"

namespace batchd::runtime {
namespace {

constexpr core::Duration kMaxBackoff = std::chrono::minutes{5};

// "<host>:<pid>:<n>": unique in the process (n counts every worker thread ever started), readable in
// the lease column of a job by an operator looking for the process that runs it.
core::WorkerId MakeWorkerId() {
    static std::atomic<int> next{1};
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0) {
        host = {'?'};
    }
    return core::WorkerId{fmt::format("{}:{}:{}", host.data(), getpid(), next.fetch_add(1))};
}

// Gives the lease back; `not_before` keeps the job unclaimable until then (a retry's back-off).
void ReleaseLease(core::BatchJob& job, std::optional<core::TimePoint> not_before) {
    job.lease.owner.reset();
    job.lease.expires_at = not_before;
}

bool IsCanceledOrFailed(const core::BatchJob& job) {
    const core::JobStatus status = core::StatusOf(job);
    return status == core::JobStatus::kCanceled || status == core::JobStatus::kFailed;
}

std::string_view NameOf(core::Phase phase) {
    return phase == core::Phase::kPreProcess ? "pre_process" : "process";
}

// What the outcome step did, for the log.
enum class Recorded : std::uint8_t { kNothing, kDone, kRetry, kFailed, kReleased, kLeftAlone };

}  // namespace

/// The state the worker threads, the heartbeat and the bus handlers share.
struct WorkerPool::Shared {
    std::mutex mu;
    std::condition_variable_any wake_cv;                      // idle workers wait here
    std::condition_variable_any heartbeat_cv;                 // the heartbeat waits here between rounds
    std::uint64_t wake_generation = 0;                        // guarded by mu; bumped by every Wake
    bool stopping = false;                                    // guarded by mu
    std::vector<std::shared_ptr<RunningJob>> running;         // guarded by mu
    std::map<std::string, int, std::less<>> running_by_type;  // guarded by mu; claimed phases per type

    // One idle worker per wake-up: a wake-up says "one job may be due", and every worker that woke
    // would run a claim (a write on PostgreSQL) for it, all but one finding nothing. No wake-up is
    // lost: a busy worker looks again when its phase ends, and one between its claim and its wait
    // sees the new generation and does not sleep.
    void Wake() {
        {
            std::scoped_lock lock{mu};
            ++wake_generation;
        }
        wake_cv.notify_one();
    }

    void NotifyCanceled(const core::JobId& id) {
        std::scoped_lock lock{mu};
        for (const auto& phase : running) {
            if (phase->Id() == id) {
                phase->RequestStop(StopReason::kCanceled);
            }
        }
    }
};

WorkerPool::WorkerPool(WorkerConfig config,
                       core::JobStore& store,
                       const core::StrategyRegistry& strategies,
                       const core::Clock& clock,
                       core::BlobStore& files,
                       std::function<void()> on_write)
    : config_(std::move(config)),
      store_(store),
      strategies_(strategies),
      clock_(clock),
      files_(files),
      on_write_(std::move(on_write)),
      // Only types this process can run: a job of a type registered by another process's plugin
      // is left for that process.
      types_(config_.types.empty() ? strategies.Types() : config_.types),
      shared_(std::make_shared<Shared>()) {}

WorkerPool::~WorkerPool() {
    assert((!started_ || stopped_) && "WorkerPool::Stop() must run before the pool is destroyed");
    Stop();  // release builds: still no thread may outlive the members it uses
}

void WorkerPool::Start() {
    std::scoped_lock lifecycle_lock{lifecycle_mu_};
    if (started_ || stopped_) {
        return;
    }
    started_ = true;
    if (types_.empty()) {
        // An empty type list would mean "any type" to the store; with no strategy there is no work.
        spdlog::warn("worker pool: no strategy is registered, no job will run");
        return;
    }
    workers_.reserve(static_cast<std::size_t>(std::max(config_.workers, 0)));
    for (int i = 0; i < config_.workers; ++i) {
        workers_.emplace_back(
            [this, worker = MakeWorkerId()](const std::stop_token& stop) { WorkLoop(stop, worker); });
    }
    heartbeat_ = std::jthread{[this](const std::stop_token& stop) { HeartbeatLoop(stop); }};
}

void WorkerPool::Subscribe(core::EventBus& bus, std::string group) {
    // One subscription per group: on Redis a group's entry goes to one consumer whatever its filter.
    std::weak_ptr<Shared> weak = shared_;
    bus.Subscribe(core::Subscription{
        std::move(group),
        {"batch.created", "batch.confirmed", "batch.canceled"},
        [weak](const core::BusEvent& event) {
            const auto shared = weak.lock();
            if (!shared) {
                return;
            }
            if (event.name == "batch.canceled") {
                shared->NotifyCanceled(event.job_id);
            } else {
                shared->Wake();
            }
        },
    });
}

void WorkerPool::Wake() { shared_->Wake(); }

void WorkerPool::NotifyCanceled(const core::JobId& id) { shared_->NotifyCanceled(id); }

void WorkerPool::Stop() {
    std::scoped_lock lifecycle_lock{lifecycle_mu_};
    if (stopped_) {
        return;
    }
    {
        std::scoped_lock lock{shared_->mu};
        shared_->stopping = true;
        for (const auto& phase : shared_->running) {
            phase->RequestStop(StopReason::kShutdown);
        }
    }
    for (auto& worker : workers_) {
        worker.request_stop();
    }
    workers_.clear();  // joins: each phase records its outcome (a release) first
    // The heartbeat goes last: it keeps the leases of the phases still finishing above.
    if (heartbeat_.joinable()) {
        heartbeat_.request_stop();
        heartbeat_.join();
    }
    stopped_ = true;
}

void WorkerPool::WorkLoop(const std::stop_token& stop, const core::WorkerId& worker) {
    bool claims_failing = false;  // a store that is down is reported once, not at every poll
    while (!stop.stop_requested()) {
        std::uint64_t generation = 0;
        {
            std::scoped_lock lock{shared_->mu};
            generation = shared_->wake_generation;
        }
        auto claimed = ClaimWithinLimits(worker);
        if (!claimed && !claims_failing) {
            spdlog::warn("worker {}: cannot claim work: {}", worker.value, claimed.error().detail);
        } else if (claimed && claims_failing) {
            spdlog::info("worker {}: claiming work again", worker.value);
        }
        claims_failing = !claimed;
        if (claimed && *claimed) {
            const std::string type = (*claimed)->job.type;
            // A job that is not a dry run goes on from pre-processing to processing under the same
            // lease and in the same slot: no second claim, no separate write to start processing.
            for (std::optional<core::Claim> next = std::move(**claimed); next;) {
                next = RunPhase(std::move(*next));
            }
            {
                std::scoped_lock lock{shared_->mu};
                --shared_->running_by_type[type];
            }
            if (config_.type_concurrency.contains(type)) {
                shared_->Wake();  // a slot of a limited type is free: a waiting worker may take it
            }
            continue;  // more may be due: look again before sleeping
        }
        // A Wake between the claim and here bumped the generation: no wake-up is lost.
        std::unique_lock lock{shared_->mu};
        shared_->wake_cv.wait_for(lock, stop, config_.poll,
                                  [&] { return shared_->wake_generation != generation; });
    }
}

core::Result<std::optional<core::Claim>> WorkerPool::ClaimWithinLimits(const core::WorkerId& worker) {
    std::scoped_lock claim_lock{claim_mu_};
    std::vector<std::string> allowed;
    {
        std::scoped_lock lock{shared_->mu};
        for (const std::string& type : types_) {
            const auto limit = config_.type_concurrency.find(type);
            if (limit == config_.type_concurrency.end() || shared_->running_by_type[type] < limit->second) {
                allowed.push_back(type);
            }
        }
    }
    if (allowed.empty()) {
        return std::optional<core::Claim>{};  // every type is at its limit: wait for a phase to end
    }
    auto claimed = store_.ClaimNextPhase(worker, clock_.Now(), config_.lease, allowed);
    if (claimed && *claimed) {
        std::scoped_lock lock{shared_->mu};
        ++shared_->running_by_type[(*claimed)->job.type];
    }
    return claimed;
}

std::optional<core::Claim> WorkerPool::RunPhase(core::Claim claim) {
    const core::Phase phase = claim.phase;
    const core::Strategy* strategy = strategies_.Find(claim.job.type);
    auto running = std::make_shared<RunningJob>(store_, clock_, &files_, std::move(claim.job),
                                                config_.progress_interval, on_write_);
    const core::JobId id = running->Id();
    {
        std::scoped_lock lock{shared_->mu};
        shared_->running.push_back(running);
        if (shared_->stopping) {
            running->RequestStop(StopReason::kShutdown);
        }
    }
    spdlog::debug("job {}: {} started (lease epoch {})", id.value, NameOf(phase), running->Epoch());

    core::Result<void> outcome;
    if (strategy == nullptr) {
        outcome = core::Error{core::Errc::kNotFound,
                              "Unable to find a BatchJob strategy with the type " + running->Job().type};
    } else if (phase == core::Phase::kProcess &&
               core::StatusOf(running->Job()) == core::JobStatus::kConfirmed) {
        // processing is a state of its own here (BATCHD-CONTRACT §B.1): visible while the work runs.
        const core::TimePoint now = clock_.Now();
        auto started = running->Mutate([&](core::BatchJob job) {
            return core::Apply(std::move(job), core::JobEvent::kStartProcessing, now);
        });
        if (!started) {
            outcome = started.error();
        }
    }
    if (outcome && strategy != nullptr && !running->StopRequested()) {
        // The worker phase top: one of the three places that catch (HOUSE-STYLE §3.5). A throwing
        // strategy fails its own job, with the message, and nothing else.
        try {
            outcome = phase == core::Phase::kPreProcess ? strategy->PreProcess(*running)
                                                        : strategy->Process(*running);
        } catch (const std::exception& e) {
            outcome = core::Error{core::Errc::kInternal, e.what()};
        } catch (...) {
            outcome =
                core::Error{core::Errc::kInternal, "the strategy threw something that is not an exception"};
        }
        // The last advancement is kept whatever happens next: an import that stops keeps its chunks.
        if (auto flushed = running->Flush(); !flushed) {
            spdlog::debug("job {}: final progress not written: {}", id.value, flushed.error().detail);
        }
    }

    // Record the outcome and release the lease in one compare-and-set.
    const core::TimePoint now = clock_.Now();
    const StopReason why = running->WhyStopped();
    Recorded recorded = Recorded::kNothing;
    std::string message;
    core::Duration backoff{0};
    bool go_on_processing = false;
    auto written = running->Mutate([&](core::BatchJob job) -> core::Result<core::Change> {
        message.clear();  // the step runs again when another writer came first
        go_on_processing = false;
        if (IsCanceledOrFailed(job)) {
            // Someone else ended the job (BATCHD-CONTRACT §B.2): the step does nothing.
            recorded = Recorded::kLeftAlone;
            ReleaseLease(job, std::nullopt);
            return core::Change{std::move(job), {}};
        }
        if (why != StopReason::kNone) {
            // Shut down (or told of a cancel the row does not show): whatever the strategy returned,
            // the work may be unfinished. Another worker resumes it from its checkpoint.
            recorded = Recorded::kReleased;
            ReleaseLease(job, std::nullopt);
            return core::Change{std::move(job), {}};
        }
        if (outcome) {
            const auto done = phase == core::Phase::kPreProcess ? core::JobEvent::kPreProcessDone
                                                                : core::JobEvent::kComplete;
            auto change = core::Apply(job, done, now);
            if (change) {
                recorded = Recorded::kDone;
                change->job.attempts = 0;  // the next phase has retries of its own
                if (phase == core::Phase::kPreProcess &&
                    core::StatusOf(change->job) == core::JobStatus::kConfirmed) {
                    // Confirmed in this step (not a dry run): start processing in the same write and
                    // keep the lease, renewed, for the process phase.
                    auto started = core::Apply(change->job, core::JobEvent::kStartProcessing, now);
                    if (started) {
                        started->events.insert(started->events.begin(), change->events.begin(),
                                               change->events.end());
                        started->job.lease.expires_at = now + config_.lease;
                        go_on_processing = true;
                        return started;
                    }
                }
                ReleaseLease(change->job, std::nullopt);
                return change;
            }
            message = change.error().detail;  // the rules refused: fail the job with their message
        } else {
            message = outcome.error().detail;
            const int attempts = job.attempts + 1;
            if (strategy != nullptr && strategy->ShouldRetry(job, outcome.error(), attempts)) {
                const auto factor = std::int64_t{1} << std::min(attempts - 1, 20);
                backoff = std::min(kMaxBackoff, config_.retry_backoff * factor);
                recorded = Recorded::kRetry;
                job.attempts = attempts;
                ReleaseLease(job, now + backoff);
                return core::Change{std::move(job), {}};
            }
        }
        if (message.empty()) {
            message = "Something went wrong with the batchJob " + job.id.value;  // Medusa's default
        }
        recorded = Recorded::kFailed;
        core::Change change = core::FailJob(std::move(job), message, now);
        ReleaseLease(change.job, std::nullopt);
        return change;
    });

    if (!written) {
        // Lease lost: the new owner decides. Store trouble: the lease expires and the phase runs again.
        spdlog::info("job {}: {} ended without recording its outcome: {}", id.value, NameOf(phase),
                     written.error().detail);
    } else {
        switch (recorded) {
            case Recorded::kDone:
                spdlog::info("job {}: {} done", id.value, NameOf(phase));
                break;
            case Recorded::kRetry:
                spdlog::warn("job {}: {} failed, retrying in {} ms: {}", id.value, NameOf(phase),
                             backoff.count(), message);
                break;
            case Recorded::kFailed:
                spdlog::warn("job {}: {} failed: {}", id.value, NameOf(phase), message);
                break;
            case Recorded::kReleased:
                spdlog::info("job {}: {} interrupted, lease released", id.value, NameOf(phase));
                break;
            case Recorded::kLeftAlone:
                spdlog::info("job {}: {} stopped, the job is {}", id.value, NameOf(phase),
                             core::ToString(core::StatusOf(*written)));
                break;
            case Recorded::kNothing:
                break;
        }
    }

    {
        std::scoped_lock lock{shared_->mu};
        std::erase(shared_->running, running);
    }
    if (written && go_on_processing) {
        return core::Claim{std::move(*written), core::Phase::kProcess};
    }
    return std::nullopt;
}

void WorkerPool::HeartbeatLoop(const std::stop_token& stop) {
    while (true) {
        {
            std::unique_lock lock{shared_->mu};
            shared_->heartbeat_cv.wait_for(lock, stop, config_.heartbeat, [] { return false; });
        }
        if (stop.stop_requested()) {
            return;
        }
        std::vector<std::shared_ptr<RunningJob>> running;
        {
            std::scoped_lock lock{shared_->mu};
            running = shared_->running;
        }
        for (const auto& phase : running) {
            RenewLease(*phase);
        }
    }
}

void WorkerPool::RenewLease(RunningJob& phase) {
    enum class Seen : std::uint8_t { kHeld, kLost, kEnded } seen = Seen::kHeld;
    const core::TimePoint now = clock_.Now();
    // Only the expiry moves: no event, no updated_at (nothing a client can see has changed).
    auto written = core::MutateJob(store_, phase.Id(), [&](core::BatchJob job) -> core::Result<core::Change> {
        if (auto fenced = core::CheckFence(job, phase.Epoch()); !fenced) {
            seen = Seen::kLost;
            return fenced.error();
        }
        if (IsCanceledOrFailed(job)) {
            seen = Seen::kEnded;
            return core::Error{core::Errc::kNotAllowed, "job " + job.id.value + " has ended"};
        }
        seen = Seen::kHeld;
        job.lease.expires_at = now + config_.lease;
        return core::Change{std::move(job), {}};
    });
    if (seen == Seen::kLost || (!written && written.error().code == core::Errc::kNotFound)) {
        phase.RequestStop(StopReason::kLeaseLost);
    } else if (seen == Seen::kEnded) {
        phase.RequestStop(StopReason::kCanceled);
    } else if (!written) {
        spdlog::warn("job {}: lease not renewed: {}", phase.Id().value, written.error().detail);
    }
}

}  // namespace batchd::runtime
