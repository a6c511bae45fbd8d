#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "core/batch_job.hpp"
#include "core/error.hpp"
#include "core/ports/job_store.hpp"

namespace batchd::core {

/// Computes a job's next state from its current one. Returning an error aborts the mutation.
using Mutation = std::function<Result<Change>(BatchJob current)>;

/// Read → mutate → compare-and-set, again from the top when another writer came first: the one
/// way anything changes a stored job. Blocking. kConflict only after many lost races in a row.
[[nodiscard]] Result<BatchJob> MutateJob(JobStore& store, const JobId& id, const Mutation& mutation);

/// Applies a status-machine step (core::Apply) to the stored job.
[[nodiscard]] Result<BatchJob> TransitionJob(JobStore& store, const JobId& id, JobEvent event, TimePoint now);

/// The write check of a leased phase: kConflict unless `job` is still leased at `epoch`.
[[nodiscard]] Result<void> CheckFence(const BatchJob& job, std::int64_t epoch);

}  // namespace batchd::core
