#include "core/job_mutations.hpp"

namespace batchd::core {

Result<BatchJob> MutateJob(JobStore& store, const JobId& id, const Mutation& mutation) {
    // Writers to one job are few (its worker, an API request, the heartbeat), so a handful of
    // attempts settles every race; the bound only stops a livelock from spinning forever.
    constexpr int kMaxAttempts = 64;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
        auto current = store.Get(id);
        if (!current) {
            return current.error();
        }
        const std::int64_t expected_version = current->version;
        auto change = mutation(std::move(*current));
        if (!change) {
            return change.error();
        }
        auto written = store.CompareAndSet(change->job, expected_version, change->events);
        if (!written) {
            return written.error();
        }
        if (*written) {
            return std::move(**written);
        }
    }
    return Error{Errc::kConflict, "job " + id.value + " kept changing under a write; try again"};
}

Result<BatchJob> TransitionJob(JobStore& store, const JobId& id, JobEvent event, TimePoint now) {
    return MutateJob(store, id, [&](BatchJob job) { return Apply(std::move(job), event, now); });
}

Result<void> CheckFence(const BatchJob& job, std::int64_t epoch) {
    if (job.lease.epoch != epoch || !job.lease.owner) {
        return Error{Errc::kConflict, "job " + job.id.value + ": lease lost to another worker"};
    }
    return {};
}

}  // namespace batchd::core
