#include "core/batch_job_status.hpp"

namespace batchd::core {

const Rule& RuleFor(JobEvent event) noexcept {
    for (const Rule& rule : kRules) {
        if (rule.event == event) {
            return rule;
        }
    }
    return kRules.back();  // unreachable: kRules covers every JobEvent (a unit test walks them all)
}

std::string_view ToString(JobStatus status) noexcept {
    switch (status) {
        case JobStatus::kCreated:
            return "created";
        case JobStatus::kPreProcessed:
            return "pre_processed";
        case JobStatus::kConfirmed:
            return "confirmed";
        case JobStatus::kProcessing:
            return "processing";
        case JobStatus::kCompleted:
            return "completed";
        case JobStatus::kCanceled:
            return "canceled";
        case JobStatus::kFailed:
            return "failed";
    }
    return "created";
}

std::optional<JobStatus> ParseJobStatus(std::string_view text) noexcept {
    for (JobStatus status : kAllJobStatuses) {
        if (ToString(status) == text) {
            return status;
        }
    }
    return std::nullopt;
}

std::string_view ToString(JobEvent event) noexcept {
    switch (event) {
        case JobEvent::kPreProcessDone:
            return "pre_process_done";
        case JobEvent::kConfirm:
            return "confirm";
        case JobEvent::kStartProcessing:
            return "start_processing";
        case JobEvent::kComplete:
            return "complete";
        case JobEvent::kCancel:
            return "cancel";
        case JobEvent::kFail:
            return "fail";
    }
    return "fail";
}

std::string_view EventNameFor(JobStatus status) noexcept {
    switch (status) {
        case JobStatus::kCreated:
            return "batch.created";
        case JobStatus::kPreProcessed:
            return "batch.pre_processed";
        case JobStatus::kConfirmed:
            return "batch.confirmed";
        case JobStatus::kProcessing:
            return "batch.processing";
        case JobStatus::kCompleted:
            return "batch.completed";
        case JobStatus::kCanceled:
            return "batch.canceled";
        case JobStatus::kFailed:
            return "batch.failed";
    }
    return "batch.updated";
}

std::string_view EventNameFor(JobEvent event) noexcept {
    switch (event) {
        case JobEvent::kPreProcessDone:
            return EventNameFor(JobStatus::kPreProcessed);
        case JobEvent::kConfirm:
            return EventNameFor(JobStatus::kConfirmed);
        case JobEvent::kStartProcessing:
            return EventNameFor(JobStatus::kProcessing);
        case JobEvent::kComplete:
            return EventNameFor(JobStatus::kCompleted);
        case JobEvent::kCancel:
            return EventNameFor(JobStatus::kCanceled);
        case JobEvent::kFail:
            return EventNameFor(JobStatus::kFailed);
    }
    return kUpdatedEventName;
}

}  // namespace batchd::core
