#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.hpp"
#include "core/ports/blob_store.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/event_bus.hpp"
#include "core/ports/job_store.hpp"
#include "core/strategy_registry.hpp"

namespace batchd::runtime {

class RunningJob;

/// How a WorkerPool works. The defaults suit production; tests shorten every interval.
struct WorkerConfig {
    int workers = 4;                                      // threads running phases
    core::Duration lease{std::chrono::seconds{10}};       // how long a claim lasts unrenewed
    core::Duration heartbeat{std::chrono::seconds{2}};    // how often running leases are renewed
    core::Duration poll{std::chrono::milliseconds{500}};  // idle workers look for work this often
    core::Duration progress_interval{std::chrono::milliseconds{200}};  // least time between progress writes
    core::Duration retry_backoff{std::chrono::seconds{1}};  // before the first retry; doubles after
    std::vector<std::string> types;                         // job types to run; empty: all registered
    std::map<std::string, int> type_concurrency;  // most phases of a type at once here; absent: `workers`
};

/// Drives jobs through their phases (DESIGN §1, HOUSE-STYLE §3.7): `workers` threads each loop
/// ClaimNextPhase → run the strategy's PreProcess or Process → record the outcome and release the
/// lease, all through fenced compare-and-sets (a worker that lost its lease writes nothing). A
/// heartbeat thread renews the lease of every running phase and stops a phase whose job was
/// canceled or taken over. Outcomes follow BATCHD-CONTRACT §B.2: a canceled job stays canceled, a
/// strategy error is retried with back-off when the strategy says so and fails the job otherwise,
/// and a phase interrupted by Stop() gives its lease back so another worker resumes it.
///
/// Ownership: the store, strategies, clock and files outlive the pool. Threads start in Start() (after
/// the bus subscriptions are made); once started, Stop() must run before destruction (the destructor
/// asserts it).
/// Blocking: Stop() waits for the running phases to return. Thread safety: every method may be
/// called from any thread.
class WorkerPool {
public:
    /// `on_write` runs after every committed write (it wakes the event relay) and may be empty.
    WorkerPool(WorkerConfig config,
               core::JobStore& store,
               const core::StrategyRegistry& strategies,
               const core::Clock& clock,
               core::BlobStore& files,
               std::function<void()> on_write);
    ~WorkerPool();

    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Lets the bus nudge the pool: batch.created and batch.confirmed wake idle workers,
    /// batch.canceled stops that job's running phase at once. Give each process a group of its own,
    /// so that every process hears every cancel. The handlers stay harmless after the pool is gone.
    void Subscribe(core::EventBus& bus, std::string group);

    /// Starts the worker threads and the heartbeat. Idempotent; does nothing after Stop().
    void Start();

    /// Makes idle workers look for work now rather than at their next poll.
    void Wake();

    /// Stops the running phase of `id`, if this pool runs one; the outcome is then read from the
    /// store (a job that is not really canceled is released, to be resumed).
    void NotifyCanceled(const core::JobId& id);

    /// Stops taking work, asks running phases to stop, waits for them and releases their leases.
    /// Idempotent.
    void Stop();

private:
    struct Shared;

    void WorkLoop(const std::stop_token& stop, const core::WorkerId& worker);
    /// Claims the next due phase of a type that is under its concurrency limit, and counts it.
    core::Result<std::optional<core::Claim>> ClaimWithinLimits(const core::WorkerId& worker);
    void HeartbeatLoop(const std::stop_token& stop);
    /// Runs one phase and records its outcome. Returns the process phase to run next when
    /// pre-processing confirmed the job and started its processing under the same lease.
    std::optional<core::Claim> RunPhase(core::Claim claim);
    void RenewLease(RunningJob& phase);

    const WorkerConfig config_;
    core::JobStore& store_;
    const core::StrategyRegistry& strategies_;
    const core::Clock& clock_;
    core::BlobStore& files_;
    std::function<void()> on_write_;
    std::vector<std::string> types_;  // what this pool claims
    std::mutex claim_mu_;             // one claim at a time, so that no type overshoots its limit

    // Shared with the bus handlers, which may outlive the pool.
    std::shared_ptr<Shared> shared_;

    std::mutex lifecycle_mu_;  // Start and Stop
    bool started_ = false;     // guarded by lifecycle_mu_
    bool stopped_ = false;     // guarded by lifecycle_mu_
    std::vector<std::jthread> workers_;
    std::jthread heartbeat_;
};

}  // namespace batchd::runtime
