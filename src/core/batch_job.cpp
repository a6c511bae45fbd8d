#include "core/batch_job.hpp"

#include <boost/json/array.hpp>

namespace batchd::core {
namespace {

std::optional<TimePoint>& StampOf(BatchJob& job, JobEvent event) {
    switch (event) {
        case JobEvent::kPreProcessDone:
            return job.pre_processed_at;
        case JobEvent::kConfirm:
            return job.confirmed_at;
        case JobEvent::kStartProcessing:
            return job.processing_at;
        case JobEvent::kComplete:
            return job.completed_at;
        case JobEvent::kCancel:
            return job.canceled_at;
        case JobEvent::kFail:
            return job.failed_at;
    }
    return job.failed_at;
}

// The rule's message, with the one placeholder Medusa fills in ("{status}" in complete()).
std::string MessageFor(const Rule& rule, JobStatus status) {
    std::string message{rule.message};
    static constexpr std::string_view kPlaceholder = "{status}";
    if (const auto at = message.find(kPlaceholder); at != std::string::npos) {
        message.replace(at, kPlaceholder.size(), ToString(status));
    }
    return message;
}

boost::json::object& ObjectIn(boost::json::value& value) {
    if (!value.is_object()) {
        value = boost::json::object{};
    }
    return value.as_object();
}

// Sets the event's timestamp and records its event. The event is the step's, not the status the
// job shows afterwards: cancelling a failed job emits batch.canceled although it stays failed.
void Stamp(Change& change, JobEvent event, TimePoint now) {
    StampOf(change.job, event) = now;
    change.job.updated_at = now;
    change.events.push_back(EventNameFor(event));
}

}  // namespace

JobStatus StatusOf(const BatchJob& job) noexcept {
    if (job.failed_at) {
        return JobStatus::kFailed;
    }
    if (job.canceled_at) {
        return JobStatus::kCanceled;
    }
    if (job.completed_at) {
        return JobStatus::kCompleted;
    }
    if (job.processing_at) {
        return JobStatus::kProcessing;
    }
    if (job.confirmed_at) {
        return JobStatus::kConfirmed;
    }
    if (job.pre_processed_at) {
        return JobStatus::kPreProcessed;
    }
    return JobStatus::kCreated;
}

Result<Change> Apply(BatchJob job, JobEvent event, TimePoint now) {
    const JobStatus from = StatusOf(job);
    const Rule& rule = RuleFor(event);
    Change change{std::move(job), {}};
    // setPreProcessingDone returns quietly when the job is already pre-processed (MEDUSA-SPEC §2).
    if (event == JobEvent::kPreProcessDone && from == JobStatus::kPreProcessed) {
        return change;
    }
    if (!rule.allowed_from.Contains(from)) {
        return Error{rule.error_if_not, MessageFor(rule, from)};
    }
    Stamp(change, event, now);
    // Not a dry run: pre-processing done confirms in the same step, so both events are recorded
    // in the same transaction (MEDUSA-SPEC §3.6).
    if (event == JobEvent::kPreProcessDone && !change.job.dry_run) {
        Stamp(change, JobEvent::kConfirm, now);
    }
    return change;
}

Change FailJob(BatchJob job, std::string_view message, TimePoint now) {
    Change change{std::move(job), {}};
    if (!message.empty()) {
        boost::json::object& result = ObjectIn(change.job.result);
        boost::json::value& errors = result["errors"];
        if (!errors.is_array()) {
            errors = boost::json::array{};
        }
        errors.as_array().emplace_back(message);
        change.events.push_back(kUpdatedEventName);
    }
    Stamp(change, JobEvent::kFail, now);
    return change;
}

Change PatchJob(BatchJob job, const JobPatch& patch, TimePoint now) {
    Change change{std::move(job), {}};
    if (!patch.context.empty()) {
        boost::json::object& context = ObjectIn(change.job.context);
        for (const auto& [key, value] : patch.context) {
            context[key] = value;
        }
    }
    if (!patch.result.empty() || !patch.erase_result_keys.empty()) {
        boost::json::object& result = ObjectIn(change.job.result);
        for (const auto& [key, value] : patch.result) {
            result[key] = value;
        }
        for (const std::string& key : patch.erase_result_keys) {
            result.erase(key);
        }
    }
    change.job.updated_at = now;
    change.events.push_back(kUpdatedEventName);
    return change;
}

Change NewJob(JobId id, CreateInput input, std::optional<UserId> created_by, TimePoint now) {
    BatchJob job;
    job.id = std::move(id);
    job.type = std::move(input.type);
    job.created_by = std::move(created_by);
    job.context = std::move(input.context);
    job.dry_run = input.dry_run;
    job.created_at = now;
    job.updated_at = now;
    return Change{std::move(job), {EventNameFor(JobStatus::kCreated)}};
}

}  // namespace batchd::core
