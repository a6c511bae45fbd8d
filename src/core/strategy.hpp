#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "core/batch_job.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"

namespace batchd::core {

class BlobStore;

/// What a running phase of one job may see and do. Lives for one phase; used by one thread.
/// Every write is fenced by the phase's lease: once another worker has taken the job over, writes
/// fail with kConflict and StopRequested() turns true. Implemented by runtime::RunningJob.
class JobContext {
public:
    virtual ~JobContext() = default;

    /// The job as of the last write this phase made (or as claimed).
    [[nodiscard]] virtual const BatchJob& Job() const = 0;

    /// Requested when the job is canceled, its lease is lost, or the worker shuts down.
    /// A strategy checks it between chunks and returns soon after it is requested.
    [[nodiscard]] virtual std::stop_token StopToken() const = 0;
    [[nodiscard]] bool StopRequested() const { return StopToken().stop_requested(); }

    /// Sleeps up to `duration`; returns false at once if a stop is requested.
    virtual bool SleepFor(Duration duration) = 0;

    /// Shallow-merges into context and result and writes now (Medusa's update()).
    [[nodiscard]] virtual Result<void> Update(const JobPatch& patch) = 0;

    /// Sets `result.count`, the total units of work, and writes now.
    [[nodiscard]] virtual Result<void> SetCount(std::int64_t count) = 0;

    /// Appends a `result.stat_descriptors` entry and writes now.
    [[nodiscard]] virtual Result<void> AddStatDescriptor(const StatDescriptor& descriptor) = 0;

    /// Marks `units` more done. `result.advancement_count` and `result.progress` are written a few
    /// times a second at most, never per unit; the runtime writes the last value when the phase ends.
    [[nodiscard]] virtual Result<void> Advance(std::int64_t units) = 0;

    /// Writes the advancement now together with `cursor`, the strategy's opaque resume point.
    /// After a takeover the next phase starts from AdvancementCount() and Cursor().
    [[nodiscard]] virtual Result<void> Checkpoint(boost::json::value cursor) = 0;

    /// Units done so far, including those of an earlier, interrupted run of this phase.
    [[nodiscard]] virtual std::int64_t AdvancementCount() const = 0;

    /// The last checkpoint's cursor; null if there was none.
    [[nodiscard]] virtual const boost::json::value& Cursor() const = 0;

    /// Where input and output files live. kUnexpectedState when no file store is configured.
    [[nodiscard]] virtual Result<BlobStore*> Files() = 0;
};

/// One batch type ("product-export", "example-count", …). Registered once at startup, then shared
/// by every worker thread: its methods are const and may run concurrently for different jobs, so
/// per-job state lives in the JobContext (the job's context, result and cursor), never in members.
class Strategy {
public:
    virtual ~Strategy() = default;

    /// The `type` this strategy handles. Stored with every job, so it never changes.
    [[nodiscard]] virtual std::string_view BatchType() const = 0;

    /// Runs in the create request before the insert (prepareBatchJobForProcessing). May rewrite
    /// `input.context`; an error goes straight back to the HTTP caller.
    [[nodiscard]] virtual Result<void> Prepare(CreateInput& /*input*/, const UserId& /*user*/) const {
        return {};
    }

    /// Phase 1, after `batch.created`: count, validate, preview; write results through ctx.
    [[nodiscard]] virtual Result<void> PreProcess(JobContext& /*ctx*/) const { return {}; }

    /// Phase 2, after `batch.confirmed`: do the work. Returns soon after a stop is requested.
    /// May run again after a takeover: resume from ctx.AdvancementCount() and ctx.Cursor().
    [[nodiscard]] virtual Result<void> Process(JobContext& ctx) const = 0;

    /// A CSV template for the type (`GET /admin/batch-jobs/templates/:type`); empty: none.
    [[nodiscard]] virtual std::string BuildTemplate() const { return {}; }

    /// Whether a phase that failed with `error` should run again (with back-off) rather than fail
    /// the job. `attempts` counts the failures so far, this one included.
    [[nodiscard]] virtual bool ShouldRetry(const BatchJob& /*job*/, const Error& error, int attempts) const {
        return IsRetryable(error.code) && attempts < 3;
    }
};

}  // namespace batchd::core
