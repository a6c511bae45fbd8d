#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/error.hpp"

namespace batchd::core {

/// A job's status. Not stored by Medusa: derived from the lifecycle timestamps (StatusOf), in this
/// order of precedence, later wins (MEDUSA-SPEC §1).
enum class JobStatus : std::uint8_t {
    kCreated,
    kPreProcessed,
    kConfirmed,
    kProcessing,
    kCompleted,
    kCanceled,
    kFailed,
};

inline constexpr std::array kAllJobStatuses{
    JobStatus::kCreated,   JobStatus::kPreProcessed, JobStatus::kConfirmed, JobStatus::kProcessing,
    JobStatus::kCompleted, JobStatus::kCanceled,     JobStatus::kFailed,
};

/// A lifecycle step; each one sets one timestamp (MEDUSA-SPEC §2).
enum class JobEvent : std::uint8_t {
    kPreProcessDone,   // setPreProcessingDone: created → pre_processed (→ confirmed unless dry run)
    kConfirm,          // confirm: pre_processed → confirmed
    kStartProcessing,  // setProcessing: confirmed → processing
    kComplete,         // complete: processing → completed
    kCancel,           // cancel: anything but completed → canceled
    kFail,             // setFailed: anything → failed
};

inline constexpr std::array kAllJobEvents{
    JobEvent::kPreProcessDone,  JobEvent::kConfirm,  JobEvent::kCancel,
    JobEvent::kStartProcessing, JobEvent::kComplete, JobEvent::kFail,
};

/// A small set of statuses, usable in constant expressions.
class StatusSet {
public:
    constexpr StatusSet() = default;
    constexpr StatusSet(std::initializer_list<JobStatus> statuses) {
        for (JobStatus status : statuses) {
            bits_ = static_cast<std::uint8_t>(bits_ | Bit(status));
        }
    }
    [[nodiscard]] static constexpr StatusSet All() {
        StatusSet all;
        all.bits_ = static_cast<std::uint8_t>((1U << kAllJobStatuses.size()) - 1U);
        return all;
    }
    [[nodiscard]] constexpr StatusSet Without(JobStatus status) const {
        StatusSet rest = *this;
        rest.bits_ = static_cast<std::uint8_t>(bits_ & ~Bit(status));
        return rest;
    }
    [[nodiscard]] constexpr bool Contains(JobStatus status) const { return (bits_ & Bit(status)) != 0; }

private:
    static constexpr std::uint8_t Bit(JobStatus status) {
        return static_cast<std::uint8_t>(1U << static_cast<unsigned>(status));
    }
    std::uint8_t bits_ = 0;
};

/// One precondition of the status machine: `event` is allowed from `allowed_from`, otherwise it
/// fails with `error_if_not` and `message` — Medusa's exact wire text, typos included.
struct Rule {
    JobEvent event;
    StatusSet allowed_from;
    Errc error_if_not;
    std::string_view message;
};

/// Every transition precondition of MEDUSA-SPEC §2, in one place.
inline constexpr std::array kRules{
    Rule{JobEvent::kPreProcessDone, StatusSet{JobStatus::kCreated}, Errc::kNotAllowed,
         "Cannot mark a batch job as pre processed if it is not in created status"},
    Rule{JobEvent::kConfirm, StatusSet{JobStatus::kPreProcessed}, Errc::kNotAllowed,
         "Cannot confirm processing for a batch job that is not pre processed"},
    Rule{JobEvent::kStartProcessing, StatusSet{JobStatus::kConfirmed}, Errc::kNotAllowed,
         "Cannot mark a batch job as processing if the status is different that confirmed"},
    Rule{JobEvent::kComplete, StatusSet{JobStatus::kProcessing}, Errc::kInvalidData,
         "Cannot complete a batch job with status \"{status}\". The batch job must be processing"},
    Rule{JobEvent::kCancel, StatusSet::All().Without(JobStatus::kCompleted), Errc::kNotAllowed,
         "Cannot cancel completed batch job"},
    Rule{JobEvent::kFail, StatusSet::All(), Errc::kInternal, ""},
};

/// The rule for `event` (every event has exactly one).
[[nodiscard]] const Rule& RuleFor(JobEvent event) noexcept;

/// Whether no step will ever run for a job in this status again.
[[nodiscard]] constexpr bool IsFinal(JobStatus status) noexcept {
    return status == JobStatus::kCompleted || status == JobStatus::kCanceled || status == JobStatus::kFailed;
}

/// Wire text: "created", "pre_processed", …
[[nodiscard]] std::string_view ToString(JobStatus status) noexcept;
[[nodiscard]] std::optional<JobStatus> ParseJobStatus(std::string_view text) noexcept;

/// For logs and test names: "pre_process_done", "confirm", …
[[nodiscard]] std::string_view ToString(JobEvent event) noexcept;

/// The bus event emitted when a job reaches `status`: "batch.created", "batch.pre_processed", …
[[nodiscard]] std::string_view EventNameFor(JobStatus status) noexcept;

/// The bus event a step emits: kConfirm → "batch.confirmed", kCancel → "batch.canceled", …
[[nodiscard]] std::string_view EventNameFor(JobEvent event) noexcept;

/// Emitted by every update that is not a status change (MEDUSA-SPEC §2).
inline constexpr std::string_view kUpdatedEventName = "batch.updated";

}  // namespace batchd::core
