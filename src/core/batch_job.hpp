#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/batch_job_status.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"

namespace batchd::core {

/// Who may run the next phase of a job, and until when. Every write a worker makes is conditional on
/// `epoch` (the fencing token): a worker whose lease was taken over can no longer change the job.
struct Lease {
    std::optional<WorkerId> owner;        // none: nobody holds it
    std::int64_t epoch = 0;               // incremented by every claim
    std::optional<TimePoint> expires_at;  // without owner: the job is not claimable before this (back-off)
};

/// One batch job: Medusa's `batch_job` row (MEDUSA-SPEC §1) plus batchd's bookkeeping.
/// A plain value; the store is its home and the status machine (Apply) its only writer of timestamps.
struct BatchJob {
    JobId id;
    std::string type;
    std::optional<UserId> created_by;
    boost::json::value context;  // an object, or null
    boost::json::value result;   // an object, or null
    bool dry_run = false;

    std::optional<TimePoint> pre_processed_at;
    std::optional<TimePoint> confirmed_at;
    std::optional<TimePoint> processing_at;
    std::optional<TimePoint> completed_at;
    std::optional<TimePoint> canceled_at;
    std::optional<TimePoint> failed_at;
    TimePoint created_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> deleted_at;

    // batchd's own columns; never on the wire.
    std::int64_t version = 0;   // row version: every write is a compare-and-set on it
    Lease lease;                // who runs the current phase
    boost::json::value cursor;  // the strategy's opaque checkpoint, to resume after a takeover
    std::int32_t attempts = 0;  // failed attempts of the current phase that were retried
};

/// What `POST /admin/batch-jobs` asks for, after validation; a strategy's Prepare may rewrite it.
struct CreateInput {
    std::string type;
    boost::json::object context;
    bool dry_run = false;
};

/// A shallow merge into `context` and `result` (Medusa's update()), plus keys to drop from
/// `result` (a canceled export drops `file_key` and `file_size`).
struct JobPatch {
    boost::json::object context;
    boost::json::object result;
    std::vector<std::string> erase_result_keys;
};

/// A job after a step, with the events the step emits, in order. The store saves both in one
/// transaction (the outbox), so an event exists exactly when its change was committed.
struct Change {
    BatchJob job;
    std::vector<std::string_view> events;
};

/// The status as Medusa derives it: the most significant lifecycle timestamp that is set wins
/// (failed, then canceled, completed, processing, confirmed, pre_processed; none: created).
[[nodiscard]] JobStatus StatusOf(const BatchJob& job) noexcept;

/// Checks the rule for `event` and sets that event's timestamp to `now`. Pure. Spec special cases:
/// pre-processing done twice does nothing; pre-processing done on a job that is not a dry run
/// confirms it in the same step; cancelling a failed job leaves it failed (precedence).
/// kFail is FailJob's; Apply(kFail) records no message.
[[nodiscard]] Result<Change> Apply(BatchJob job, JobEvent event, TimePoint now);

/// setFailed(job, message): appends `message` to `result.errors`, then sets `failed_at`.
/// Events: batch.updated, batch.failed.
[[nodiscard]] Change FailJob(BatchJob job, std::string_view message, TimePoint now);

/// update(job, patch): shallow-merges the patch. Event: batch.updated.
[[nodiscard]] Change PatchJob(BatchJob job, const JobPatch& patch, TimePoint now);

/// A job as `create` inserts it: status created, context as prepared. Event: batch.created.
[[nodiscard]] Change NewJob(JobId id, CreateInput input, std::optional<UserId> created_by, TimePoint now);

/// The `{key, name, message}` entries of `result.stat_descriptors`.
struct StatDescriptor {
    std::string key;
    std::string name;
    std::string message;
};

}  // namespace batchd::core
