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

boost::json::value TimeOrNull(const std::optional<core::TimePoint>& at,
                              const boost::json::storage_ptr& storage) {
    if (!at) {
        return boost::json::value(nullptr, storage);
    }
    return boost::json::value(core::FormatIsoTime(*at), storage);
}

boost::json::value TextOrNull(const std::string& text, const boost::json::storage_ptr& storage) {
    if (text.empty()) {
        return boost::json::value(nullptr, storage);
    }
    return boost::json::value(text, storage);
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
                              const core::User* created_by_user,
                              boost::json::storage_ptr storage) {
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

    // Room for every member up front: growing the table rehashes it (GET's hot path).
    boost::json::object out(kJobFieldCount + 3, storage);
    // Only selected fields get a value made: an unselected timestamp costs no formatting.
    const auto put = [&](JobField field, const auto& make) {
        if (projection.Has(field)) {
            out.emplace(FieldName(field), make());
        }
    };
    put(JobField::kId, [&] { return boost::json::value(job.id.value, storage); });
    out.emplace("status", boost::json::value(core::ToString(core::StatusOf(loaded_stamps)), storage));
    put(JobField::kType, [&] { return boost::json::value(job.type, storage); });
    put(JobField::kCreatedBy, [&] {
        return job.created_by ? boost::json::value(job.created_by->value, storage)
                              : boost::json::value(nullptr, storage);
    });
    if (projection.expand_created_by_user) {
        out.emplace(kCreatedByUser, created_by_user != nullptr
                                        ? boost::json::value(UserToJson(*created_by_user, storage))
                                        : boost::json::value(nullptr, storage));
    }
    put(JobField::kContext, [&] { return boost::json::value(job.context, storage); });
    put(JobField::kResult, [&] { return boost::json::value(job.result, storage); });
    out.emplace("dry_run", boost::json::value(job.dry_run, storage));
    put(JobField::kPreProcessedAt, [&] { return TimeOrNull(job.pre_processed_at, storage); });
    put(JobField::kConfirmedAt, [&] { return TimeOrNull(job.confirmed_at, storage); });
    put(JobField::kProcessingAt, [&] { return TimeOrNull(job.processing_at, storage); });
    put(JobField::kCompletedAt, [&] { return TimeOrNull(job.completed_at, storage); });
    put(JobField::kCanceledAt, [&] { return TimeOrNull(job.canceled_at, storage); });
    put(JobField::kFailedAt, [&] { return TimeOrNull(job.failed_at, storage); });
    put(JobField::kCreatedAt, [&] { return TimeOrNull(job.created_at, storage); });
    put(JobField::kUpdatedAt, [&] { return TimeOrNull(job.updated_at, storage); });
    put(JobField::kDeletedAt, [&] { return TimeOrNull(job.deleted_at, storage); });
    return out;
}

boost::json::object UserToJson(const core::User& user, boost::json::storage_ptr storage) {
    boost::json::object out(8, storage);
    out.emplace("id", boost::json::value(user.id.value, storage));
    out.emplace("email", boost::json::value(user.email, storage));
    out.emplace("first_name", TextOrNull(user.first_name, storage));
    out.emplace("last_name", TextOrNull(user.last_name, storage));
    out.emplace("role", boost::json::value(user.role, storage));
    out.emplace("created_at", TimeOrNull(user.created_at, storage));
    out.emplace("updated_at", TimeOrNull(user.updated_at, storage));
    out.emplace("deleted_at", TimeOrNull(user.deleted_at, storage));
    return out;
}

}  // namespace batchd::http
