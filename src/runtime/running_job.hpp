#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>

#include "core/batch_job.hpp"
#include "core/job_mutations.hpp"
#include "core/ports/blob_store.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/job_store.hpp"
#include "core/strategy.hpp"

namespace batchd::runtime {

/// Why a running phase was asked to stop; decides what the worker records afterwards.
enum class StopReason : std::uint8_t {
    kNone,       // not asked to stop
    kCanceled,   // the job was canceled (or failed) by someone else: leave it as it is
    kLeaseLost,  // another worker holds the job now: write nothing
    kShutdown,   // this process is stopping: give the lease back so another worker resumes
};

/// The JobContext of one leased phase of one job (HOUSE-STYLE §3.2): the strategy's only way to
/// write. Every write is a core::MutateJob fenced by the lease epoch of the claim, so a worker that
/// lost its lease cannot change the job; such a write fails with kConflict and requests a stop.
/// A write whose fresh row shows the job canceled (or failed) requests a stop too.
///
/// Ownership: made by the worker for one phase; the store, clock and files outlive it.
/// Blocking: every write calls the store. Thread safety: the JobContext methods, Flush and Mutate
/// belong to the phase's thread; RequestStop, WhyStopped, Id, Epoch and StopToken may be called
/// from any thread (the heartbeat and the bus handlers do).
class RunningJob final : public core::JobContext {
public:
    /// `claimed` is the job as ClaimNextPhase returned it (its lease holds this phase's epoch).
    /// `files` may be null (Files() then says kUnexpectedState). `progress_interval` is the least
    /// time between two advancement writes; `on_write` runs after every committed write (it wakes
    /// the event relay) and may be empty.
    RunningJob(core::JobStore& store,
               const core::Clock& clock,
               core::BlobStore* files,
               core::BatchJob claimed,
               core::Duration progress_interval,
               std::function<void()> on_write);

    RunningJob(const RunningJob&) = delete;
    RunningJob& operator=(const RunningJob&) = delete;

    // core::JobContext
    [[nodiscard]] const core::BatchJob& Job() const override { return job_; }
    [[nodiscard]] std::stop_token StopToken() const override { return stop_.get_token(); }
    bool SleepFor(core::Duration duration) override;
    [[nodiscard]] core::Result<void> Update(const core::JobPatch& patch) override;
    [[nodiscard]] core::Result<void> SetCount(std::int64_t count) override;
    [[nodiscard]] core::Result<void> AddStatDescriptor(const core::StatDescriptor& descriptor) override;
    [[nodiscard]] core::Result<void> Advance(std::int64_t units) override;
    [[nodiscard]] core::Result<void> Checkpoint(boost::json::value cursor) override;
    [[nodiscard]] std::int64_t AdvancementCount() const override { return advancement_; }
    [[nodiscard]] const boost::json::value& Cursor() const override { return job_.cursor; }
    [[nodiscard]] core::Result<core::BlobStore*> Files() override;

    /// Writes the advancement if it changed since the last write (Advance throttles; this does not).
    [[nodiscard]] core::Result<void> Flush();

    /// A fenced write of the phase's own making (start processing, record the outcome): `step` runs
    /// first on Job() (the row as this phase last wrote it, which usually is still the stored one),
    /// else on the fresh row, and only on a row that shows this phase's lease; the write lands only
    /// if the stored row is the one `step` saw. `step` must be a pure function of the row (it may run
    /// more than once). Returns the written job and keeps it as Job().
    [[nodiscard]] core::Result<core::BatchJob> Mutate(const core::Mutation& step);

    /// Requests the phase to stop. The first reason given is the one kept. Thread-safe.
    void RequestStop(StopReason reason);

    /// Why a stop was requested; kNone if it was not. Thread-safe.
    [[nodiscard]] StopReason WhyStopped() const { return stop_reason_.load(); }

    /// The job and the lease epoch this phase writes under. Thread-safe (never change).
    [[nodiscard]] const core::JobId& Id() const { return id_; }
    [[nodiscard]] std::int64_t Epoch() const { return epoch_; }

private:
    // Writes advancement_ (and progress, and `cursor` unless null) now.
    core::Result<void> WriteAdvancement(const boost::json::value* cursor);

    // `step` on job_ and one compare-and-set at job_'s version: the written row, or nullopt when
    // the stored row has moved on or `step` refused the copy (then the caller reads it fresh).
    core::Result<std::optional<core::BatchJob>> WriteOnLastSeen(const core::Mutation& step);

    core::JobStore& store_;
    const core::Clock& clock_;
    core::BlobStore* files_;
    const core::JobId id_;
    const std::int64_t epoch_;
    const core::Duration progress_interval_;
    std::function<void()> on_write_;

    std::stop_source stop_;
    std::atomic<StopReason> stop_reason_{StopReason::kNone};

    // The phase thread's state.
    core::BatchJob job_;                    // the row as of the last write
    std::int64_t advancement_ = 0;          // units done, the earlier runs' included
    std::int64_t written_advancement_ = 0;  // the advancement the row holds
    core::TimePoint last_progress_write_;   // when the advancement was last written

    // SleepFor waits on these; nobody else notifies them: the stop callback does.
    std::mutex sleep_mu_;
    std::condition_variable_any sleep_cv_;
};

}  // namespace batchd::runtime
