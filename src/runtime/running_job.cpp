#include "runtime/running_job.hpp"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace batchd::runtime {
namespace {

// A number stored under `key` of a JSON object; strategies write counts as integers, but a job
// created through the API or by an older run may hold them as doubles.
std::optional<double> NumberAt(const boost::json::value& object, std::string_view key) {
    const auto* fields = object.if_object();
    if (fields == nullptr) {
        return std::nullopt;
    }
    const auto* value = fields->if_contains(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_int64()) {
        return static_cast<double>(value->get_int64());
    }
    if (value->is_uint64()) {
        return static_cast<double>(value->get_uint64());
    }
    if (value->is_double()) {
        return value->get_double();
    }
    return std::nullopt;
}

std::int64_t AdvancementOf(const core::BatchJob& job) {
    const auto advancement = NumberAt(job.result, "advancement_count");
    return advancement && *advancement > 0 ? static_cast<std::int64_t>(*advancement) : 0;
}

}  // namespace

RunningJob::RunningJob(core::JobStore& store,
                       const core::Clock& clock,
                       core::BlobStore* files,
                       core::BatchJob claimed,
                       core::Duration progress_interval,
                       std::function<void()> on_write)
    : store_(store),
      clock_(clock),
      files_(files),
      id_(claimed.id),
      epoch_(claimed.lease.epoch),
      progress_interval_(progress_interval),
      on_write_(std::move(on_write)),
      job_(std::move(claimed)),
      advancement_(AdvancementOf(job_)),
      written_advancement_(advancement_),
      last_progress_write_(clock_.Now()) {}

bool RunningJob::SleepFor(core::Duration duration) {
    const std::stop_token token = stop_.get_token();
    std::unique_lock lock{sleep_mu_};
    // Nothing but the stop token ends the wait early: the predicate is only there to say "not yet".
    sleep_cv_.wait_for(lock, token, duration, [] { return false; });
    return !token.stop_requested();
}

core::Result<void> RunningJob::Update(const core::JobPatch& patch) {
    auto written = Mutate([&](core::BatchJob current) -> core::Result<core::Change> {
        return core::PatchJob(std::move(current), patch, clock_.Now());
    });
    if (!written) {
        return written.error();
    }
    return {};
}

core::Result<void> RunningJob::SetCount(std::int64_t count) {
    core::JobPatch patch;
    patch.result["count"] = count;
    return Update(patch);
}

core::Result<void> RunningJob::AddStatDescriptor(const core::StatDescriptor& descriptor) {
    auto written = Mutate([&](core::BatchJob current) -> core::Result<core::Change> {
        // Appended to the stored array, not to this phase's copy: the row is the truth.
        boost::json::array descriptors;
        if (const auto* result = current.result.if_object()) {
            if (const auto* stored = result->if_contains("stat_descriptors"); stored && stored->is_array()) {
                descriptors = stored->get_array();
            }
        }
        descriptors.push_back(boost::json::object{
            {"key", descriptor.key}, {"name", descriptor.name}, {"message", descriptor.message}});
        core::JobPatch patch;
        patch.result["stat_descriptors"] = std::move(descriptors);
        return core::PatchJob(std::move(current), patch, clock_.Now());
    });
    if (!written) {
        return written.error();
    }
    return {};
}

core::Result<void> RunningJob::Advance(std::int64_t units) {
    advancement_ += units;
    // Progress is for people watching: a few writes a second say as much as one per unit, and a
    // write per unit would make the store the bottleneck of every strategy (DESIGN §1).
    if (clock_.Now() - last_progress_write_ < progress_interval_) {
        return {};
    }
    return WriteAdvancement(nullptr);
}

core::Result<void> RunningJob::Checkpoint(boost::json::value cursor) { return WriteAdvancement(&cursor); }

core::Result<core::BlobStore*> RunningJob::Files() {
    if (files_ == nullptr) {
        return core::Error{core::Errc::kUnexpectedState, "no file store is configured"};
    }
    return files_;
}

core::Result<void> RunningJob::Flush() {
    if (advancement_ == written_advancement_) {
        return {};
    }
    return WriteAdvancement(nullptr);
}

core::Result<void> RunningJob::WriteAdvancement(const boost::json::value* cursor) {
    const core::TimePoint now = clock_.Now();
    // Set before the write: a store that keeps failing is not retried faster than the interval.
    last_progress_write_ = now;
    const std::int64_t advancement = advancement_;
    auto written = Mutate([&](core::BatchJob current) -> core::Result<core::Change> {
        core::JobPatch patch;
        patch.result["advancement_count"] = advancement;
        // The count is read from the fresh row: the strategy may have set it in an earlier phase.
        if (const auto count = NumberAt(current.result, "count"); count && *count > 0) {
            patch.result["progress"] = std::clamp(static_cast<double>(advancement) / *count, 0.0, 1.0);
        }
        core::Change change = core::PatchJob(std::move(current), patch, now);
        if (cursor != nullptr) {
            change.job.cursor = *cursor;
        }
        return change;
    });
    if (!written) {
        return written.error();
    }
    written_advancement_ = advancement;
    return {};
}

core::Result<std::optional<core::BatchJob>> RunningJob::WriteOnLastSeen(const core::Mutation& step) {
    auto change = step(job_);
    if (!change) {
        return std::optional<core::BatchJob>{};  // decided again on the fresh row
    }
    return store_.CompareAndSet(change->job, job_.version, change->events);
}

core::Result<core::BatchJob> RunningJob::Mutate(const core::Mutation& step) {
    bool lease_lost = false;
    const core::Mutation fenced_step = [&](core::BatchJob current) -> core::Result<core::Change> {
        if (auto fenced = core::CheckFence(current, epoch_); !fenced) {
            lease_lost = true;
            return fenced.error();
        }
        return step(std::move(current));
    };
    // The row as this phase last wrote (or claimed) it is nearly always still the stored one, so the
    // first compare-and-set goes on that copy and saves a read per write: on PostgreSQL a no-op job
    // then costs two round trips fewer. When another writer came first (the heartbeat, a cancel) or
    // the step refuses the copy, the usual read → step → compare-and-set decides on the fresh row.
    auto first = WriteOnLastSeen(fenced_step);
    core::Result<core::BatchJob> written = core::Error{core::Errc::kInternal, "not written"};
    if (!first) {
        written = first.error();
    } else if (*first) {
        written = std::move(**first);
    } else {
        lease_lost = false;
        written = core::MutateJob(store_, id_, fenced_step);
    }
    if (!written) {
        // A job that is gone cannot be worked on either; both end the phase without a trace.
        if (lease_lost || written.error().code == core::Errc::kNotFound) {
            RequestStop(StopReason::kLeaseLost);
        }
        return written.error();
    }
    job_ = *written;
    if (on_write_) {
        on_write_();
    }
    const core::JobStatus status = core::StatusOf(job_);
    if (status == core::JobStatus::kCanceled || status == core::JobStatus::kFailed) {
        RequestStop(StopReason::kCanceled);
    }
    return written;
}

void RunningJob::RequestStop(StopReason reason) {
    // The reason is published before the stop, so whoever sees the stop also sees why.
    StopReason none = StopReason::kNone;
    stop_reason_.compare_exchange_strong(none, reason);
    stop_.request_stop();
}

}  // namespace batchd::runtime
