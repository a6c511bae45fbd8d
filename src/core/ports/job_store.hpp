#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch_job.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"

namespace batchd::core {

/// The columns of a job a list may filter or order by (MEDUSA-SPEC §4.1).
enum class JobColumn : std::uint8_t {
    kId,
    kType,
    kCreatedBy,
    kDryRun,
    kPreProcessedAt,
    kConfirmedAt,
    kProcessingAt,
    kCompletedAt,
    kCanceledAt,
    kFailedAt,
    kCreatedAt,
    kUpdatedAt,
};

enum class SortDirection : std::uint8_t { kAscending, kDescending };

/// A filter on one timestamp column: IS NULL, or any of the four comparisons (all must hold).
struct TimestampFilter {
    JobColumn column = JobColumn::kCreatedAt;
    bool is_null = false;
    std::optional<TimePoint> lt;
    std::optional<TimePoint> gt;
    std::optional<TimePoint> lte;
    std::optional<TimePoint> gte;
};

/// A validated list request. Soft-deleted jobs never match.
struct JobQuery {
    std::optional<UserId> created_by;  // the API always sets it: a user sees only their own jobs
    std::vector<JobId> ids;            // empty: any
    std::vector<std::string> types;    // empty: any
    std::vector<TimestampFilter> timestamps;
    JobColumn order_by = JobColumn::kCreatedAt;
    SortDirection direction = SortDirection::kDescending;
    std::int64_t limit = 10;
    std::int64_t offset = 0;
};

/// One page of a list, and how many jobs match in all (ignoring limit and offset).
struct JobPage {
    std::vector<BatchJob> jobs;
    std::int64_t count = 0;
};

/// A phase of work on a job.
enum class Phase : std::uint8_t {
    kPreProcess,  // the job is created: run the strategy's PreProcess
    kProcess,     // the job is confirmed (or processing, its lease expired): run Process
};

/// A job handed to one worker: `job.lease` names the worker and holds the new epoch.
struct Claim {
    BatchJob job;
    Phase phase = Phase::kPreProcess;
};

/// An event recorded by a write, waiting in the outbox to be published.
struct RecordedEvent {
    std::int64_t sequence = 0;  // increasing in commit order
    JobId job_id;
    std::string name;  // "batch.created", …
};

/// Durable home of batch jobs and the single source of truth for their status.
/// Implementations: SqliteJobStore, PgJobStore, InMemoryJobStore (tests/fakes).
/// Blocking: call from a worker thread or through RunBlocking, never on an io_context thread.
/// Thread safety: every method may be called concurrently.
///
/// The store knows no rules: the status machine (core::Apply) computes each new row, and the store
/// writes it only if nobody else wrote in between (CompareAndSet on `version`). core::MutateJob
/// wraps the read → compute → compare-and-set loop.
class JobStore {
public:
    virtual ~JobStore() = default;

    /// Inserts `job` (version 1) and records `events`. kDuplicate if the id is taken.
    [[nodiscard]] virtual Result<BatchJob> Insert(const BatchJob& job,
                                                  std::span<const std::string_view> events) = 0;

    /// The job, unless it does not exist or is soft-deleted (kNotFound).
    [[nodiscard]] virtual Result<BatchJob> Get(const JobId& id) = 0;

    [[nodiscard]] virtual Result<JobPage> List(const JobQuery& query) = 0;

    /// Writes `next` (with version `expected_version + 1`) and records `events` in one transaction,
    /// if the stored row still has `expected_version`. An empty optional: someone wrote first;
    /// read again and retry. kNotFound if the job is gone.
    [[nodiscard]] virtual Result<std::optional<BatchJob>> CompareAndSet(
        const BatchJob& next, std::int64_t expected_version, std::span<const std::string_view> events) = 0;

    /// Leases the oldest job with a phase due to `worker` until `now + lease_for`, bumping the lease
    /// epoch: a created job (pre-process), a confirmed one, or a processing one whose lease expired
    /// (process). Only jobs whose type is in `types` (empty: any). Empty optional: nothing to do.
    [[nodiscard]] virtual Result<std::optional<Claim>> ClaimNextPhase(const WorkerId& worker,
                                                                      TimePoint now,
                                                                      Duration lease_for,
                                                                      std::span<const std::string> types) = 0;

    /// Removes and returns up to `max` recorded events, oldest first.
    [[nodiscard]] virtual Result<std::vector<RecordedEvent>> TakeEvents(std::size_t max) = 0;
};

}  // namespace batchd::core
