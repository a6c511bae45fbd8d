#include "fakes/in_memory_database.hpp"

#include <algorithm>

namespace batchd::fakes {
namespace {

using core::BatchJob;
using core::JobColumn;
using core::TimePoint;

// Columns compare as Medusa's SQL would: NULL timestamps sort first ascending (SQLite's order).
struct SortKey {
    int kind = 0;  // 0: null, 1: value
    std::string text;
    std::int64_t number = 0;
    auto operator<=>(const SortKey&) const = default;
};

SortKey KeyOf(const std::optional<TimePoint>& at) {
    return at ? SortKey{1, {}, at->time_since_epoch().count()} : SortKey{};
}

SortKey KeyOf(const BatchJob& job, JobColumn column) {
    switch (column) {
        case JobColumn::kId:
            return {1, job.id.value, 0};
        case JobColumn::kType:
            return {1, job.type, 0};
        case JobColumn::kCreatedBy:
            return job.created_by ? SortKey{1, job.created_by->value, 0} : SortKey{};
        case JobColumn::kDryRun:
            return {1, {}, job.dry_run ? 1 : 0};
        case JobColumn::kPreProcessedAt:
            return KeyOf(job.pre_processed_at);
        case JobColumn::kConfirmedAt:
            return KeyOf(job.confirmed_at);
        case JobColumn::kProcessingAt:
            return KeyOf(job.processing_at);
        case JobColumn::kCompletedAt:
            return KeyOf(job.completed_at);
        case JobColumn::kCanceledAt:
            return KeyOf(job.canceled_at);
        case JobColumn::kFailedAt:
            return KeyOf(job.failed_at);
        case JobColumn::kCreatedAt:
            return KeyOf(std::optional{job.created_at});
        case JobColumn::kUpdatedAt:
            return KeyOf(std::optional{job.updated_at});
    }
    return {};
}

std::optional<TimePoint> TimestampOf(const BatchJob& job, JobColumn column) {
    switch (column) {
        case JobColumn::kPreProcessedAt:
            return job.pre_processed_at;
        case JobColumn::kConfirmedAt:
            return job.confirmed_at;
        case JobColumn::kProcessingAt:
            return job.processing_at;
        case JobColumn::kCompletedAt:
            return job.completed_at;
        case JobColumn::kCanceledAt:
            return job.canceled_at;
        case JobColumn::kFailedAt:
            return job.failed_at;
        case JobColumn::kCreatedAt:
            return job.created_at;
        case JobColumn::kUpdatedAt:
            return job.updated_at;
        default:
            return std::nullopt;
    }
}

bool IsTimestamp(JobColumn column) {
    return column != JobColumn::kId && column != JobColumn::kType && column != JobColumn::kCreatedBy &&
           column != JobColumn::kDryRun;
}

bool Matches(const BatchJob& job, const core::JobQuery& query) {
    if (job.deleted_at) {
        return false;
    }
    if (query.created_by && job.created_by != query.created_by) {
        return false;
    }
    if (!query.ids.empty() && std::find(query.ids.begin(), query.ids.end(), job.id) == query.ids.end()) {
        return false;
    }
    if (!query.types.empty() &&
        std::find(query.types.begin(), query.types.end(), job.type) == query.types.end()) {
        return false;
    }
    for (const core::TimestampFilter& filter : query.timestamps) {
        const auto at = TimestampOf(job, filter.column);
        if (filter.is_null) {
            if (at) {
                return false;
            }
            continue;
        }
        const bool any_comparison = filter.lt || filter.gt || filter.lte || filter.gte;
        if (!any_comparison) {
            continue;
        }
        if (!at) {
            return false;  // NULL never compares true in SQL
        }
        if (filter.lt && !(*at < *filter.lt)) {
            return false;
        }
        if (filter.gt && !(*at > *filter.gt)) {
            return false;
        }
        if (filter.lte && !(*at <= *filter.lte)) {
            return false;
        }
        if (filter.gte && !(*at >= *filter.gte)) {
            return false;
        }
    }
    return true;
}

bool NeedsPhase(const BatchJob& job, TimePoint now, core::Phase& phase) {
    const core::JobStatus status = core::StatusOf(job);
    const bool lease_free = !job.lease.expires_at || *job.lease.expires_at <= now;
    if (!lease_free || job.deleted_at) {
        return false;
    }
    if (status == core::JobStatus::kCreated) {
        phase = core::Phase::kPreProcess;
        return true;
    }
    if (status == core::JobStatus::kConfirmed || status == core::JobStatus::kProcessing) {
        phase = core::Phase::kProcess;
        return true;
    }
    return false;
}

}  // namespace

void InMemoryDatabase::Record(const core::JobId& id, std::span<const std::string_view> events) {
    for (std::string_view name : events) {
        outbox_.push_back({next_event_sequence_++, id, std::string(name)});
    }
}

core::Result<BatchJob> InMemoryDatabase::Insert(const BatchJob& job,
                                                std::span<const std::string_view> events) {
    std::scoped_lock lock{mu_};
    if (rows_.contains(job.id)) {
        return core::Error{core::Errc::kDuplicate, "job " + job.id.value + " already exists"};
    }
    Row row{next_row_sequence_++, job};
    row.job.version = 1;
    auto [it, inserted] = rows_.emplace(job.id, std::move(row));
    Record(job.id, events);
    return it->second.job;
}

core::Result<BatchJob> InMemoryDatabase::Get(const core::JobId& id) {
    std::scoped_lock lock{mu_};
    const auto it = rows_.find(id);
    if (it == rows_.end() || it->second.job.deleted_at) {
        return core::Error{core::Errc::kNotFound, "Batch job with id " + id.value + " was not found"};
    }
    return it->second.job;
}

core::Result<core::JobPage> InMemoryDatabase::List(const core::JobQuery& query) {
    for (const core::TimestampFilter& filter : query.timestamps) {
        if (!IsTimestamp(filter.column)) {
            return core::Error{core::Errc::kInvalidData,
                               "a timestamp filter names a column that is no timestamp"};
        }
    }
    std::scoped_lock lock{mu_};
    std::vector<const Row*> matching;
    for (const auto& [id, row] : rows_) {
        if (Matches(row.job, query)) {
            matching.push_back(&row);
        }
    }
    const bool descending = query.direction == core::SortDirection::kDescending;
    std::sort(matching.begin(), matching.end(), [&](const Row* a, const Row* b) {
        auto ka = std::pair{KeyOf(a->job, query.order_by), a->sequence};
        auto kb = std::pair{KeyOf(b->job, query.order_by), b->sequence};
        return descending ? kb < ka : ka < kb;
    });
    core::JobPage page;
    page.count = static_cast<std::int64_t>(matching.size());
    const auto begin = std::min<std::size_t>(static_cast<std::size_t>(query.offset), matching.size());
    const auto end = std::min<std::size_t>(begin + static_cast<std::size_t>(query.limit), matching.size());
    for (auto i = begin; i < end; ++i) {
        page.jobs.push_back(matching[i]->job);
    }
    return page;
}

core::Result<std::optional<BatchJob>> InMemoryDatabase::CompareAndSet(
    const BatchJob& next, std::int64_t expected_version, std::span<const std::string_view> events) {
    std::scoped_lock lock{mu_};
    const auto it = rows_.find(next.id);
    if (it == rows_.end() || it->second.job.deleted_at) {
        return core::Error{core::Errc::kNotFound, "Batch job with id " + next.id.value + " was not found"};
    }
    if (it->second.job.version != expected_version) {
        return std::optional<BatchJob>{};
    }
    it->second.job = next;
    it->second.job.version = expected_version + 1;
    Record(next.id, events);
    return std::optional{it->second.job};
}

core::Result<std::optional<core::Claim>> InMemoryDatabase::ClaimNextPhase(
    const core::WorkerId& worker,
    TimePoint now,
    core::Duration lease_for,
    std::span<const std::string> types) {
    std::scoped_lock lock{mu_};
    Row* oldest = nullptr;
    core::Phase phase{};
    for (auto& [id, row] : rows_) {
        core::Phase row_phase{};
        if (!NeedsPhase(row.job, now, row_phase)) {
            continue;
        }
        if (!types.empty() && std::find(types.begin(), types.end(), row.job.type) == types.end()) {
            continue;
        }
        if (oldest == nullptr || row.sequence < oldest->sequence) {
            oldest = &row;
            phase = row_phase;
        }
    }
    if (oldest == nullptr) {
        return std::optional<core::Claim>{};
    }
    core::BatchJob& job = oldest->job;
    job.lease.owner = worker;
    job.lease.epoch += 1;
    job.lease.expires_at = now + lease_for;
    job.version += 1;
    return std::optional{core::Claim{job, phase}};
}

core::Result<std::vector<core::RecordedEvent>> InMemoryDatabase::TakeEvents(std::size_t max) {
    std::scoped_lock lock{mu_};
    const auto n = std::min(max, outbox_.size());
    std::vector<core::RecordedEvent> taken(outbox_.begin(), outbox_.begin() + static_cast<std::ptrdiff_t>(n));
    outbox_.erase(outbox_.begin(), outbox_.begin() + static_cast<std::ptrdiff_t>(n));
    return taken;
}

core::Result<core::User> InMemoryDatabase::CreateUser(const core::NewUser& user) {
    if (!core::IsValidUserId(user.user.id.value)) {
        return core::Error{core::Errc::kInvalidData, "a user id is 1 to 64 characters of A-Z a-z 0-9 _ -"};
    }
    std::scoped_lock lock{mu_};
    for (const core::NewUser& existing : users_) {
        const bool same_token =
            !user.api_token_hash.empty() && existing.api_token_hash == user.api_token_hash;
        if (existing.user.id == user.user.id || existing.user.email == user.user.email || same_token) {
            return core::Error{core::Errc::kDuplicate,
                               "a user with this id, email or API token already exists"};
        }
    }
    users_.push_back(user);
    return user.user;
}

core::Result<core::User> InMemoryDatabase::FindUserByTokenHash(const std::string& token_hash) {
    std::scoped_lock lock{mu_};
    for (const core::NewUser& existing : users_) {
        if (!token_hash.empty() && existing.api_token_hash == token_hash && !existing.user.deleted_at) {
            return existing.user;
        }
    }
    return core::Error{core::Errc::kNotFound, "no user has this token"};
}

core::Result<core::User> InMemoryDatabase::GetUser(const core::UserId& id) {
    std::scoped_lock lock{mu_};
    for (const core::NewUser& existing : users_) {
        if (existing.user.id == id && !existing.user.deleted_at) {
            return existing.user;
        }
    }
    return core::Error{core::Errc::kNotFound, "User with id " + id.value + " was not found"};
}

core::Result<core::User> InMemoryDatabase::FindUserByEmail(const std::string& email) {
    std::scoped_lock lock{mu_};
    for (const core::NewUser& existing : users_) {
        if (existing.user.email == email && !existing.user.deleted_at) {
            return existing.user;
        }
    }
    return core::Error{core::Errc::kNotFound, "User with email " + email + " was not found"};
}

core::Result<void> InMemoryDatabase::DeleteUser(const core::UserId& id, core::TimePoint at) {
    std::scoped_lock lock{mu_};
    for (core::NewUser& existing : users_) {
        if (existing.user.id == id && !existing.user.deleted_at) {
            existing.user.deleted_at = at;
            existing.user.updated_at = at;
            existing.api_token_hash.clear();
            return {};
        }
    }
    return core::Error{core::Errc::kNotFound, "User with id " + id.value + " was not found"};
}

void InMemoryDatabase::SoftDeleteForTest(const core::JobId& id, TimePoint at) {
    std::scoped_lock lock{mu_};
    if (auto it = rows_.find(id); it != rows_.end()) {
        it->second.job.deleted_at = at;
    }
}

}  // namespace batchd::fakes
