#include "http/job_json.hpp"

#include <array>
#include <string>
#include <vector>

#include "core/batch_job_status.hpp"
#include "core/time_text.hpp"

namespace batchd::http {
namespace {

constexpr std::array<std::string_view, kJobFieldCount> kFieldNames{
    "id",
    "type",
    "created_by",
    "context",
    "result",
    "dry_run",
    "pre_processed_at",
    "confirmed_at",
    "processing_at",
    "completed_at",
    "canceled_at",
    "failed_at",
    "created_at",
    "updated_at",
    "deleted_at",
};

constexpr std::string_view kCreatedByUser = "created_by_user";

boost::json::value TimeOrNull(const std::optional<core::TimePoint>& at) {
    if (!at) {
        return nullptr;
    }
    return boost::json::value(core::FormatIsoTime(*at));
}

boost::json::value TextOrNull(const std::string& text) {
    if (text.empty()) {
        return nullptr;
    }
    return boost::json::value(text);
}

std::vector<std::string_view> SplitList(std::string_view text) {
    std::vector<std::string_view> entries;
    while (!text.empty()) {
        const auto comma = text.find(',');
        if (const auto entry = text.substr(0, comma); !entry.empty()) {
            entries.push_back(entry);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    return entries;
}

std::string JoinNames(const std::vector<std::string_view>& names) {
    std::string joined;
    for (std::string_view name : names) {
        if (!joined.empty()) {
            joined += ", ";
        }
        joined += name;
    }
    return joined;
}

void AddUnique(std::vector<std::string_view>& names, std::string_view name) {
    for (std::string_view existing : names) {
        if (existing == name) {
            return;
        }
    }
    names.push_back(name);
}

}  // namespace

std::string_view FieldName(JobField field) noexcept { return kFieldNames[static_cast<std::size_t>(field)]; }

std::optional<JobField> ParseJobField(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
        if (kFieldNames[i] == name) {
            return static_cast<JobField>(i);
        }
    }
    return std::nullopt;
}

core::Result<JobProjection> ParseProjection(std::optional<std::string_view> fields,
                                            std::optional<std::string_view> expand) {
    JobProjection projection;
    if (fields) {
        const std::vector<std::string_view> entries = SplitList(*fields);
        bool replace = false;
        for (std::string_view entry : entries) {
            replace = replace || !(entry.starts_with('+') || entry.starts_with('-'));
        }
        std::bitset<kJobFieldCount> selected = replace ? std::bitset<kJobFieldCount>{} : projection.fields;
        std::vector<std::string_view> unknown;
        for (std::string_view entry : entries) {
            const bool remove = !replace && entry.starts_with('-');
            if (entry.starts_with('+') || entry.starts_with('-')) {
                entry.remove_prefix(1);
            }
            const auto field = ParseJobField(entry);
            if (!field) {
                AddUnique(unknown, entry);
                continue;
            }
            selected.set(static_cast<std::size_t>(*field), !remove);
        }
        if (!unknown.empty()) {
            return core::Error{core::Errc::kInvalidData,
                               "Requested fields [" + JoinNames(unknown) + "] are not valid"};
        }
        // The list always loads these two: the id, and the column it sorts by by default.
        selected.set(static_cast<std::size_t>(JobField::kId));
        selected.set(static_cast<std::size_t>(JobField::kCreatedAt));
        projection.fields = selected;
    }
    if (expand) {
        std::vector<std::string_view> unknown;
        for (std::string_view relation : SplitList(*expand)) {
            if (relation == kCreatedByUser) {
                projection.expand_created_by_user = true;
            } else {
                AddUnique(unknown, relation);
            }
        }
        if (!unknown.empty()) {
            return core::Error{core::Errc::kInvalidData,
                               "Relations [" + JoinNames(unknown) + "] are not valid"};
        }
    }
    return projection;
}

boost::json::object JobToJson(const core::BatchJob& job,
                              const JobProjection& projection,
                              const core::User* created_by_user) {
    // The status of what was loaded: a timestamp left out of the selection counts as unset.
    core::BatchJob loaded_stamps;
    const auto stamp_if = [&](JobField field, const std::optional<core::TimePoint>& at) {
        return projection.Has(field) ? at : std::nullopt;
    };
    loaded_stamps.pre_processed_at = stamp_if(JobField::kPreProcessedAt, job.pre_processed_at);
    loaded_stamps.confirmed_at = stamp_if(JobField::kConfirmedAt, job.confirmed_at);
    loaded_stamps.processing_at = stamp_if(JobField::kProcessingAt, job.processing_at);
    loaded_stamps.completed_at = stamp_if(JobField::kCompletedAt, job.completed_at);
    loaded_stamps.canceled_at = stamp_if(JobField::kCanceledAt, job.canceled_at);
    loaded_stamps.failed_at = stamp_if(JobField::kFailedAt, job.failed_at);

    boost::json::object out;
    const auto put = [&](JobField field, boost::json::value value) {
        if (projection.Has(field)) {
            out[FieldName(field)] = std::move(value);
        }
    };
    put(JobField::kId, boost::json::value(job.id.value));
    out["status"] = core::ToString(core::StatusOf(loaded_stamps));
    put(JobField::kType, boost::json::value(job.type));
    put(JobField::kCreatedBy, job.created_by ? boost::json::value(job.created_by->value) : nullptr);
    if (projection.expand_created_by_user) {
        out[kCreatedByUser] =
            created_by_user != nullptr ? boost::json::value(UserToJson(*created_by_user)) : nullptr;
    }
    put(JobField::kContext, job.context);
    put(JobField::kResult, job.result);
    out["dry_run"] = job.dry_run;
    put(JobField::kPreProcessedAt, TimeOrNull(job.pre_processed_at));
    put(JobField::kConfirmedAt, TimeOrNull(job.confirmed_at));
    put(JobField::kProcessingAt, TimeOrNull(job.processing_at));
    put(JobField::kCompletedAt, TimeOrNull(job.completed_at));
    put(JobField::kCanceledAt, TimeOrNull(job.canceled_at));
    put(JobField::kFailedAt, TimeOrNull(job.failed_at));
    put(JobField::kCreatedAt, TimeOrNull(job.created_at));
    put(JobField::kUpdatedAt, TimeOrNull(job.updated_at));
    put(JobField::kDeletedAt, TimeOrNull(job.deleted_at));
    return out;
}

boost::json::object UserToJson(const core::User& user) {
    return boost::json::object{
        {"id", user.id.value},
        {"email", user.email},
        {"first_name", TextOrNull(user.first_name)},
        {"last_name", TextOrNull(user.last_name)},
        {"role", user.role},
        {"created_at", TimeOrNull(user.created_at)},
        {"updated_at", TimeOrNull(user.updated_at)},
        {"deleted_at", TimeOrNull(user.deleted_at)},
    };
}

}  // namespace batchd::http
