#include "store/sqlite/sqlite_database.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <variant>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_migrations.hpp"
#include "store/sqlite/sqlite_shared.hpp"

namespace batchd::store::sqlite {
namespace {

using core::BatchJob;
using core::JobColumn;
using core::TimePoint;

// ---- SQL: one statement per operation ------------------------------------------------------------

// The columns every job query returns, in the order ReadJob reads them. A job's bind parameters
// are numbered after them (?1 = id … ?21 = attempts, ?22 = status), so that statements can share
// BindJob.
#define BATCHD_JOB_COLUMNS                                                                             \
    "id, type, created_by, context, result, dry_run, pre_processed_at, confirmed_at, processing_at, "  \
    "completed_at, canceled_at, failed_at, created_at, updated_at, deleted_at, version, lease_owner, " \
    "lease_epoch, lease_expires_at, cursor, attempts"

constexpr std::string_view kInsertJob = "INSERT INTO batch_job (" BATCHD_JOB_COLUMNS
                                        ", status) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                                        "?14, ?15, 1, ?17, ?18, ?19, ?20, ?21, ?22) "
                                        "RETURNING " BATCHD_JOB_COLUMNS;

constexpr std::string_view kGetJob =
    "SELECT " BATCHD_JOB_COLUMNS " FROM batch_job WHERE id = ?1 AND deleted_at IS NULL";

// ?16 is the expected version; the row gets the next one.
constexpr std::string_view kCompareAndSetJob =
    "UPDATE batch_job SET type = ?2, created_by = ?3, context = ?4, result = ?5, dry_run = ?6, "
    "pre_processed_at = ?7, confirmed_at = ?8, processing_at = ?9, completed_at = ?10, canceled_at = ?11, "
    "failed_at = ?12, created_at = ?13, updated_at = ?14, deleted_at = ?15, version = version + 1, "
    "lease_owner = ?17, lease_epoch = ?18, lease_expires_at = ?19, cursor = ?20, attempts = ?21, "
    "status = ?22 WHERE id = ?1 AND version = ?16 AND deleted_at IS NULL "
    "RETURNING " BATCHD_JOB_COLUMNS;

constexpr std::string_view kJobIsLive = "SELECT 1 FROM batch_job WHERE id = ?1 AND deleted_at IS NULL";

// The list's fixed prefixes; List appends FilterOf's bound filters, and the order column from a fixed table.
constexpr std::string_view kListJobs =
    "SELECT " BATCHD_JOB_COLUMNS " FROM batch_job WHERE deleted_at IS NULL";
constexpr std::string_view kCountJobs = "SELECT count(*) FROM batch_job WHERE deleted_at IS NULL";

// ?1 worker, ?2 now, ?3 lease expiry, ?4 the types as a JSON array. The inner WHERE repeats the
// partial index batch_job_claimable word for word, so the oldest candidate is an index seek.
#define BATCHD_CLAIM_PREFIX                                                                         \
    "UPDATE batch_job SET lease_owner = ?1, lease_epoch = lease_epoch + 1, lease_expires_at = ?3, " \
    "version = version + 1 WHERE seq = (SELECT seq FROM batch_job "                                 \
    "WHERE deleted_at IS NULL AND status IN ('created', 'confirmed', 'processing') "                \
    "AND (lease_expires_at IS NULL OR lease_expires_at <= ?2)"
#define BATCHD_CLAIM_SUFFIX " ORDER BY seq LIMIT 1) RETURNING " BATCHD_JOB_COLUMNS

constexpr std::string_view kClaimAnyType = BATCHD_CLAIM_PREFIX BATCHD_CLAIM_SUFFIX;
constexpr std::string_view kClaimOfTypes =
    BATCHD_CLAIM_PREFIX " AND type IN (SELECT value FROM json_each(?4))" BATCHD_CLAIM_SUFFIX;

#undef BATCHD_CLAIM_SUFFIX
#undef BATCHD_CLAIM_PREFIX
#undef BATCHD_JOB_COLUMNS

constexpr std::string_view kRecordEvent = "INSERT INTO batch_job_event (job_id, name) VALUES (?1, ?2)";

// RETURNING yields rows in no promised order: TakeEvents sorts them.
constexpr std::string_view kTakeEvents =
    "DELETE FROM batch_job_event WHERE seq IN (SELECT seq FROM batch_job_event ORDER BY seq LIMIT ?1) "
    "RETURNING seq, job_id, name";

#define BATCHD_USER_COLUMNS "id, email, first_name, last_name, role, created_at, updated_at, deleted_at"

constexpr std::string_view kInsertUser = "INSERT INTO user (" BATCHD_USER_COLUMNS
                                         ", password_hash, api_token_hash) "
                                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

constexpr std::string_view kFindUserByTokenHash =
    "SELECT " BATCHD_USER_COLUMNS " FROM user WHERE api_token_hash = ?1 AND deleted_at IS NULL";

constexpr std::string_view kGetUser =
    "SELECT " BATCHD_USER_COLUMNS " FROM user WHERE id = ?1 AND deleted_at IS NULL";

constexpr std::string_view kFindUserByEmail =
    "SELECT " BATCHD_USER_COLUMNS " FROM user WHERE email = ?1 AND deleted_at IS NULL";

// The token hash goes with the user: a deleted user's token must never work again.
constexpr std::string_view kDeleteUser =
    "UPDATE user SET deleted_at = ?2, updated_at = ?2, api_token_hash = NULL "
    "WHERE id = ?1 AND deleted_at IS NULL";

#undef BATCHD_USER_COLUMNS

constexpr std::string_view kPing = "SELECT 1";

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT";
constexpr std::string_view kLatestMigration = "SELECT max(version) FROM schema_migrations";
constexpr std::string_view kMigrationIsApplied = "SELECT 1 FROM schema_migrations WHERE version = ?1";
constexpr std::string_view kRecordMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)";

// ---- rows ↔ values ---------------------------------------------------------------------------------

// The columns of BATCHD_JOB_COLUMNS; a job's bind parameter is its column + 1.
enum JobField : int {
    kFieldId,
    kFieldType,
    kFieldCreatedBy,
    kFieldContext,
    kFieldResult,
    kFieldDryRun,
    kFieldPreProcessedAt,
    kFieldConfirmedAt,
    kFieldProcessingAt,
    kFieldCompletedAt,
    kFieldCanceledAt,
    kFieldFailedAt,
    kFieldCreatedAt,
    kFieldUpdatedAt,
    kFieldDeletedAt,
    kFieldVersion,
    kFieldLeaseOwner,
    kFieldLeaseEpoch,
    kFieldLeaseExpiresAt,
    kFieldCursor,
    kFieldAttempts,
    kFieldStatus,  // written, never read back: the status is derived from the timestamps
};

constexpr int ParamOf(JobField field) { return static_cast<int>(field) + 1; }

// A JSON null is SQL NULL, so that `context IS NULL` means what it says.
std::optional<std::string> JsonText(const boost::json::value& value) {
    return value.is_null() ? std::nullopt : std::optional{boost::json::serialize(value)};
}

core::Result<boost::json::value> ReadJson(const Statement& row, int column, std::string_view what) {
    if (row.IsNull(column)) {
        return boost::json::value{};
    }
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(row.Text(column), ec);
    if (ec) {
        spdlog::error("sqlite: stored {} is not JSON: {}", what, ec.message());
        return core::Error{core::Errc::kInternal, "database error"};
    }
    return value;
}

template <class Id>
std::optional<std::string> OptionalIdText(const std::optional<Id>& id) {
    return id ? std::optional{id->value} : std::nullopt;
}

void BindJob(Statement& statement, const BatchJob& job) {
    statement.Bind(ParamOf(kFieldId), std::string_view{job.id.value});
    statement.Bind(ParamOf(kFieldType), std::string_view{job.type});
    statement.Bind(ParamOf(kFieldCreatedBy), OptionalIdText(job.created_by));
    statement.Bind(ParamOf(kFieldContext), JsonText(job.context));
    statement.Bind(ParamOf(kFieldResult), JsonText(job.result));
    statement.Bind(ParamOf(kFieldDryRun), std::int64_t{job.dry_run ? 1 : 0});
    statement.Bind(ParamOf(kFieldPreProcessedAt), Millis(job.pre_processed_at));
    statement.Bind(ParamOf(kFieldConfirmedAt), Millis(job.confirmed_at));
    statement.Bind(ParamOf(kFieldProcessingAt), Millis(job.processing_at));
    statement.Bind(ParamOf(kFieldCompletedAt), Millis(job.completed_at));
    statement.Bind(ParamOf(kFieldCanceledAt), Millis(job.canceled_at));
    statement.Bind(ParamOf(kFieldFailedAt), Millis(job.failed_at));
    statement.Bind(ParamOf(kFieldCreatedAt), Millis(job.created_at));
    statement.Bind(ParamOf(kFieldUpdatedAt), Millis(job.updated_at));
    statement.Bind(ParamOf(kFieldDeletedAt), Millis(job.deleted_at));
    statement.Bind(ParamOf(kFieldLeaseOwner), OptionalIdText(job.lease.owner));
    statement.Bind(ParamOf(kFieldLeaseEpoch), job.lease.epoch);
    statement.Bind(ParamOf(kFieldLeaseExpiresAt), Millis(job.lease.expires_at));
    statement.Bind(ParamOf(kFieldCursor), JsonText(job.cursor));
    statement.Bind(ParamOf(kFieldAttempts), std::int64_t{job.attempts});
    statement.Bind(ParamOf(kFieldStatus), core::ToString(core::StatusOf(job)));
}

core::Result<BatchJob> ReadJob(const Statement& row) {
    BatchJob job;
    job.id = core::JobId{std::string{row.Text(kFieldId)}};
    job.type = std::string{row.Text(kFieldType)};
    if (auto created_by = row.OptionalText(kFieldCreatedBy)) {
        job.created_by = core::UserId{std::move(*created_by)};
    }
    auto context = ReadJson(row, kFieldContext, "context");
    if (!context) {
        return context.error();
    }
    job.context = std::move(*context);
    auto result = ReadJson(row, kFieldResult, "result");
    if (!result) {
        return result.error();
    }
    job.result = std::move(*result);
    job.dry_run = row.Int(kFieldDryRun) != 0;
    job.pre_processed_at = FromMillis(row.OptionalInt(kFieldPreProcessedAt));
    job.confirmed_at = FromMillis(row.OptionalInt(kFieldConfirmedAt));
    job.processing_at = FromMillis(row.OptionalInt(kFieldProcessingAt));
    job.completed_at = FromMillis(row.OptionalInt(kFieldCompletedAt));
    job.canceled_at = FromMillis(row.OptionalInt(kFieldCanceledAt));
    job.failed_at = FromMillis(row.OptionalInt(kFieldFailedAt));
    job.created_at = FromMillis(row.Int(kFieldCreatedAt));
    job.updated_at = FromMillis(row.Int(kFieldUpdatedAt));
    job.deleted_at = FromMillis(row.OptionalInt(kFieldDeletedAt));
    job.version = row.Int(kFieldVersion);
    if (auto owner = row.OptionalText(kFieldLeaseOwner)) {
        job.lease.owner = core::WorkerId{std::move(*owner)};
    }
    job.lease.epoch = row.Int(kFieldLeaseEpoch);
    job.lease.expires_at = FromMillis(row.OptionalInt(kFieldLeaseExpiresAt));
    auto cursor = ReadJson(row, kFieldCursor, "cursor");
    if (!cursor) {
        return cursor.error();
    }
    job.cursor = std::move(*cursor);
    job.attempts = static_cast<std::int32_t>(row.Int(kFieldAttempts));
    return job;
}

// The columns of BATCHD_USER_COLUMNS.
enum UserField : int {
    kUserId,
    kUserEmail,
    kUserFirstName,
    kUserLastName,
    kUserRole,
    kUserCreatedAt,
    kUserUpdatedAt,
    kUserDeletedAt,
    kUserPasswordHash,  // written only
    kUserApiTokenHash,  // written only
};

constexpr int ParamOf(UserField field) { return static_cast<int>(field) + 1; }

core::User ReadUser(const Statement& row) {
    core::User user;
    user.id = core::UserId{std::string{row.Text(kUserId)}};
    user.email = std::string{row.Text(kUserEmail)};
    user.first_name = std::string{row.Text(kUserFirstName)};
    user.last_name = std::string{row.Text(kUserLastName)};
    user.role = std::string{row.Text(kUserRole)};
    user.created_at = FromMillis(row.Int(kUserCreatedAt));
    user.updated_at = FromMillis(row.Int(kUserUpdatedAt));
    user.deleted_at = FromMillis(row.OptionalInt(kUserDeletedAt));
    return user;
}

// An empty secret is no secret: NULL, which no lookup matches and UNIQUE lets repeat.
std::optional<std::string> SecretOrNull(const std::string& hash) {
    return hash.empty() ? std::nullopt : std::optional{hash};
}

std::string NotFoundMessage(const core::JobId& id) {
    return "Batch job with id " + id.value + " was not found";
}

// ---- the list query ---------------------------------------------------------------------------------

// SQL names of the columns a list may order or filter by: the only way a column name gets into
// list SQL, so no user text ever does.
std::string_view ColumnName(JobColumn column) {
    switch (column) {
        case JobColumn::kId:
            return "id";
        case JobColumn::kType:
            return "type";
        case JobColumn::kCreatedBy:
            return "created_by";
        case JobColumn::kDryRun:
            return "dry_run";
        case JobColumn::kPreProcessedAt:
            return "pre_processed_at";
        case JobColumn::kConfirmedAt:
            return "confirmed_at";
        case JobColumn::kProcessingAt:
            return "processing_at";
        case JobColumn::kCompletedAt:
            return "completed_at";
        case JobColumn::kCanceledAt:
            return "canceled_at";
        case JobColumn::kFailedAt:
            return "failed_at";
        case JobColumn::kCreatedAt:
            return "created_at";
        case JobColumn::kUpdatedAt:
            return "updated_at";
    }
    return "seq";
}

bool IsTimestamp(JobColumn column) {
    switch (column) {
        case JobColumn::kId:
        case JobColumn::kType:
        case JobColumn::kCreatedBy:
        case JobColumn::kDryRun:
            return false;
        default:
            return true;
    }
}

// The WHERE of a list query beyond `deleted_at IS NULL`, with its parameters in order.
struct ListFilter {
    std::string sql;
    std::vector<Param> params;
};

std::string JsonArrayOf(const auto& values, const auto& text_of) {
    boost::json::array array;
    for (const auto& value : values) {
        array.emplace_back(text_of(value));
    }
    return boost::json::serialize(array);
}

core::Result<ListFilter> FilterOf(const core::JobQuery& query) {
    ListFilter filter;
    if (query.created_by) {
        filter.sql += " AND created_by = ?";
        filter.params.emplace_back(query.created_by->value);
    }
    // One JSON array parameter instead of one parameter per value: the statement text (and the
    // cached prepared statement) does not depend on how many ids or types are asked for.
    if (!query.ids.empty()) {
        filter.sql += " AND id IN (SELECT value FROM json_each(?))";
        filter.params.emplace_back(JsonArrayOf(query.ids, [](const core::JobId& id) { return id.value; }));
    }
    if (!query.types.empty()) {
        filter.sql += " AND type IN (SELECT value FROM json_each(?))";
        filter.params.emplace_back(JsonArrayOf(query.types, [](const std::string& type) { return type; }));
    }
    for (const core::TimestampFilter& timestamp : query.timestamps) {
        if (!IsTimestamp(timestamp.column)) {
            return core::Error{core::Errc::kInvalidData,
                               fmt::format("{} is not a timestamp", ColumnName(timestamp.column))};
        }
        const std::string_view column = ColumnName(timestamp.column);
        if (timestamp.is_null) {
            filter.sql += fmt::format(" AND {} IS NULL", column);
            continue;
        }
        const std::array<std::pair<const std::optional<TimePoint>&, std::string_view>, 4> comparisons{
            {{timestamp.lt, "<"}, {timestamp.gt, ">"}, {timestamp.lte, "<="}, {timestamp.gte, ">="}}};
        for (const auto& [bound, op] : comparisons) {
            if (bound) {
                filter.sql += fmt::format(" AND {} {} ?", column, op);
                filter.params.emplace_back(Millis(*bound));
            }
        }
    }
    return filter;
}

// ---- connections ------------------------------------------------------------------------------------

void StepOrThrow(Connection& connection, Statement& statement, std::string_view what) {
    if (const int rc = statement.Step(); rc != SQLITE_DONE && rc != SQLITE_ROW) {
        throw std::runtime_error(
            fmt::format("SQLite migration: {} failed: {}", what, sqlite3_errmsg(connection.Raw())));
    }
}

void OkOrThrow(const core::Result<void>& result, std::string_view what) {
    if (!result) {
        throw std::runtime_error(fmt::format("SQLite migration: {} failed: {}", what, result.error().detail));
    }
}

// Applies each migration not yet recorded, in its own write transaction: a failed one leaves the
// schema as the previous one left it. Checking inside the transaction makes two processes that
// migrate at once apply each migration once.
std::vector<std::string> ApplyMigrationsOrThrow(Connection& writer) {
    const std::span<const Migration> migrations = EmbeddedMigrations();
    const std::int64_t newest_known = migrations.empty() ? 0 : migrations.back().version;
    {
        Transaction transaction{writer};
        OkOrThrow(transaction.Begin(TransactionKind::kWrite), "begin");
        ExecOrThrow(writer.Raw(), kCreateMigrationsTable, "creating schema_migrations");
        std::int64_t latest = 0;
        {
            Statement select = writer.Prepare(kLatestMigration);
            StepOrThrow(writer, select, "reading schema_migrations");
            latest = select.OptionalInt(0).value_or(0);
        }
        if (latest > newest_known) {
            throw std::runtime_error(fmt::format(
                "the database schema is at version {}, newer than this batchd knows ({}): use a newer batchd",
                latest, newest_known));
        }
        OkOrThrow(transaction.Commit(), "commit");
    }
    std::vector<std::string> applied;
    for (const Migration& migration : migrations) {
        Transaction transaction{writer};
        OkOrThrow(transaction.Begin(TransactionKind::kWrite), "begin");
        bool done = false;
        {
            Statement check = writer.Prepare(kMigrationIsApplied);
            check.Bind(1, migration.version);
            if (const int rc = check.Step(); rc == SQLITE_ROW) {
                done = true;
            } else if (rc != SQLITE_DONE) {
                throw std::runtime_error(fmt::format("SQLite migration: reading schema_migrations failed: {}",
                                                     sqlite3_errmsg(writer.Raw())));
            }
        }
        if (done) {
            continue;
        }
        ExecOrThrow(writer.Raw(), migration.sql, fmt::format("migration {}", migration.name));
        {
            Statement record = writer.Prepare(kRecordMigration);
            record.Bind(1, migration.version);
            record.Bind(2, migration.name);
            record.Bind(
                3, Millis(std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now())));
            StepOrThrow(writer, record, "recording the migration");
        }
        OkOrThrow(transaction.Commit(), fmt::format("committing migration {}", migration.name));
        spdlog::info("sqlite: applied migration {}", migration.name);
        applied.emplace_back(migration.name);
    }
    return applied;
}

/// core::Database on one SQLite file (see sqlite_database.hpp). Writes go through the one writer
/// connection under `write_mu_`, each in a BEGIN IMMEDIATE transaction (which also orders them
/// against other processes using the file); reads use the reader pool and never wait for writes
/// (WAL). Thread safety: every method may be called concurrently.
class SqliteDatabase final : public core::Database {
public:
    SqliteDatabase(Connection writer, const SqliteConfig& config)
        : writer_(std::move(writer)), readers_(config) {}

    // core::JobStore
    core::Result<BatchJob> Insert(const BatchJob& job, std::span<const std::string_view> events) override;
    core::Result<BatchJob> Get(const core::JobId& id) override;
    core::Result<core::JobPage> List(const core::JobQuery& query) override;
    core::Result<std::optional<BatchJob>> CompareAndSet(const BatchJob& next,
                                                        std::int64_t expected_version,
                                                        std::span<const std::string_view> events) override;
    core::Result<std::optional<core::Claim>> ClaimNextPhase(const core::WorkerId& worker,
                                                            TimePoint now,
                                                            core::Duration lease_for,
                                                            std::span<const std::string> types) override;
    core::Result<std::vector<core::RecordedEvent>> TakeEvents(std::size_t max) override;

    // core::UserStore
    core::Result<core::User> CreateUser(const core::NewUser& user) override;
    core::Result<core::User> FindUserByTokenHash(const std::string& token_hash) override;
    core::Result<core::User> GetUser(const core::UserId& id) override;
    core::Result<core::User> FindUserByEmail(const std::string& email) override;
    core::Result<void> DeleteUser(const core::UserId& id, TimePoint at) override;

    // core::Database
    core::Result<void> Ping() override;

private:
    core::Result<void> RecordEvents(const core::JobId& id,
                                    std::span<const std::string_view> events);  // needs write_mu_
    core::Result<core::User> ReadOneUser(std::string_view sql, std::string_view key, std::string not_found);

    std::mutex write_mu_;
    Connection writer_;  // guarded by write_mu_
    ReaderPool readers_;
};

core::Result<void> SqliteDatabase::RecordEvents(const core::JobId& id,
                                                std::span<const std::string_view> events) {
    for (std::string_view name : events) {
        Statement insert = writer_.Prepare(kRecordEvent);
        insert.Bind(1, std::string_view{id.value});
        insert.Bind(2, name);
        if (const int rc = insert.Step(); rc != SQLITE_DONE) {
            return writer_.Fail(rc, "recording an event");
        }
    }
    return {};
}

core::Result<BatchJob> SqliteDatabase::Insert(const BatchJob& job, std::span<const std::string_view> events) {
    std::scoped_lock lock{write_mu_};
    Transaction transaction{writer_};
    if (auto begun = transaction.Begin(TransactionKind::kWrite); !begun) {
        return begun.error();
    }
    core::Result<BatchJob> inserted = core::Error{};
    {
        Statement insert = writer_.Prepare(kInsertJob);
        BindJob(insert, job);
        const int rc = insert.Step();
        if (rc != SQLITE_ROW) {
            core::Error error = writer_.Fail(rc, "inserting a job");
            if (error.code == core::Errc::kDuplicate) {
                error.detail = "job " + job.id.value + " already exists";
            }
            return error;
        }
        inserted = ReadJob(insert);
    }
    if (!inserted) {
        return inserted.error();
    }
    if (auto recorded = RecordEvents(job.id, events); !recorded) {
        return recorded.error();
    }
    if (auto committed = transaction.Commit(); !committed) {
        return committed.error();
    }
    return inserted;
}

core::Result<BatchJob> SqliteDatabase::Get(const core::JobId& id) {
    const ReaderPool::Lease reader = readers_.Acquire();
    Statement select = reader->Prepare(kGetJob);
    select.Bind(1, std::string_view{id.value});
    const int rc = select.Step();
    if (rc == SQLITE_DONE) {
        return core::Error{core::Errc::kNotFound, NotFoundMessage(id)};
    }
    if (rc != SQLITE_ROW) {
        return reader->Fail(rc, "reading a job");
    }
    return ReadJob(select);
}

core::Result<core::JobPage> SqliteDatabase::List(const core::JobQuery& query) {
    auto filter = FilterOf(query);
    if (!filter) {
        return filter.error();
    }
    const std::string_view direction = query.direction == core::SortDirection::kAscending ? "ASC" : "DESC";
    const std::string list_sql = fmt::format("{}{} ORDER BY {} {}, seq {} LIMIT ? OFFSET ?", kListJobs,
                                             filter->sql, ColumnName(query.order_by), direction, direction);
    const std::string count_sql = fmt::format("{}{}", kCountJobs, filter->sql);

    const ReaderPool::Lease reader = readers_.Acquire();
    // One snapshot for the page and the count, so that they agree.
    Transaction transaction{*reader};
    if (auto begun = transaction.Begin(TransactionKind::kRead); !begun) {
        return begun.error();
    }
    core::JobPage page;
    {
        Statement count = reader->Prepare(count_sql);
        BindAll(count, filter->params);
        if (const int rc = count.Step(); rc != SQLITE_ROW) {
            return reader->Fail(rc, "counting jobs");
        }
        page.count = count.Int(0);
    }
    {
        Statement select = reader->Prepare(list_sql);
        BindAll(select, filter->params);
        const int next = static_cast<int>(filter->params.size()) + 1;
        select.Bind(next, query.limit);
        select.Bind(next + 1, query.offset);
        int rc = SQLITE_ROW;
        while ((rc = select.Step()) == SQLITE_ROW) {
            auto job = ReadJob(select);
            if (!job) {
                return job.error();
            }
            page.jobs.push_back(std::move(*job));
        }
        if (rc != SQLITE_DONE) {
            return reader->Fail(rc, "listing jobs");
        }
    }
    if (auto committed = transaction.Commit(); !committed) {
        return committed.error();
    }
    return page;
}

core::Result<std::optional<BatchJob>> SqliteDatabase::CompareAndSet(
    const BatchJob& next, std::int64_t expected_version, std::span<const std::string_view> events) {
    std::scoped_lock lock{write_mu_};
    Transaction transaction{writer_};
    if (auto begun = transaction.Begin(TransactionKind::kWrite); !begun) {
        return begun.error();
    }
    std::optional<core::Result<BatchJob>> written;
    {
        Statement update = writer_.Prepare(kCompareAndSetJob);
        BindJob(update, next);
        update.Bind(ParamOf(kFieldVersion), expected_version);
        const int rc = update.Step();
        if (rc == SQLITE_ROW) {
            written = ReadJob(update);
        } else if (rc != SQLITE_DONE) {
            return writer_.Fail(rc, "updating a job");
        }
    }
    if (!written) {
        // Nothing changed: either someone wrote first (retry) or the job is gone (kNotFound).
        Statement live = writer_.Prepare(kJobIsLive);
        live.Bind(1, std::string_view{next.id.value});
        const int rc = live.Step();
        if (rc == SQLITE_ROW) {
            return std::optional<BatchJob>{};
        }
        if (rc == SQLITE_DONE) {
            return core::Error{core::Errc::kNotFound, NotFoundMessage(next.id)};
        }
        return writer_.Fail(rc, "reading a job");
    }
    if (!*written) {
        return written->error();
    }
    if (auto recorded = RecordEvents(next.id, events); !recorded) {
        return recorded.error();
    }
    if (auto committed = transaction.Commit(); !committed) {
        return committed.error();
    }
    return std::optional{std::move(**written)};
}

core::Result<std::optional<core::Claim>> SqliteDatabase::ClaimNextPhase(const core::WorkerId& worker,
                                                                        TimePoint now,
                                                                        core::Duration lease_for,
                                                                        std::span<const std::string> types) {
    std::scoped_lock lock{write_mu_};
    Transaction transaction{writer_};
    if (auto begun = transaction.Begin(TransactionKind::kWrite); !begun) {
        return begun.error();
    }
    std::optional<core::Result<BatchJob>> claimed;
    {
        Statement claim = writer_.Prepare(types.empty() ? kClaimAnyType : kClaimOfTypes);
        claim.Bind(1, std::string_view{worker.value});
        claim.Bind(2, Millis(now));
        claim.Bind(3, Millis(now + lease_for));
        if (!types.empty()) {
            claim.Bind(4, JsonArrayOf(types, [](const std::string& type) { return type; }));
        }
        const int rc = claim.Step();
        if (rc == SQLITE_ROW) {
            claimed = ReadJob(claim);
        } else if (rc != SQLITE_DONE) {
            return writer_.Fail(rc, "claiming a job");
        }
    }
    if (!claimed) {
        return std::optional<core::Claim>{};  // nothing due
    }
    if (!*claimed) {
        return claimed->error();
    }
    if (auto committed = transaction.Commit(); !committed) {
        return committed.error();
    }
    // The claim query picks only created, confirmed and processing jobs.
    const core::Phase phase = core::StatusOf(**claimed) == core::JobStatus::kCreated
                                  ? core::Phase::kPreProcess
                                  : core::Phase::kProcess;
    return std::optional{core::Claim{std::move(**claimed), phase}};
}

core::Result<std::vector<core::RecordedEvent>> SqliteDatabase::TakeEvents(std::size_t max) {
    std::vector<core::RecordedEvent> taken;
    if (max == 0) {
        return taken;
    }
    std::scoped_lock lock{write_mu_};
    Transaction transaction{writer_};
    if (auto begun = transaction.Begin(TransactionKind::kWrite); !begun) {
        return begun.error();
    }
    {
        Statement take = writer_.Prepare(kTakeEvents);
        take.Bind(1, static_cast<std::int64_t>(
                         std::min<std::size_t>(max, std::numeric_limits<std::int64_t>::max())));
        int rc = SQLITE_ROW;
        while ((rc = take.Step()) == SQLITE_ROW) {
            taken.push_back(core::RecordedEvent{take.Int(0), core::JobId{std::string{take.Text(1)}},
                                                std::string{take.Text(2)}});
        }
        if (rc != SQLITE_DONE) {
            return writer_.Fail(rc, "taking events");
        }
    }
    if (auto committed = transaction.Commit(); !committed) {
        return committed.error();
    }
    std::sort(taken.begin(), taken.end(), [](const core::RecordedEvent& a, const core::RecordedEvent& b) {
        return a.sequence < b.sequence;
    });
    return taken;
}

core::Result<core::User> SqliteDatabase::CreateUser(const core::NewUser& user) {
    if (!core::IsValidUserId(user.user.id.value)) {
        return core::Error{core::Errc::kInvalidData, "a user id is 1 to 64 characters of A-Z a-z 0-9 _ -"};
    }
    std::scoped_lock lock{write_mu_};
    Statement insert = writer_.Prepare(kInsertUser);
    insert.Bind(ParamOf(kUserId), std::string_view{user.user.id.value});
    insert.Bind(ParamOf(kUserEmail), std::string_view{user.user.email});
    insert.Bind(ParamOf(kUserFirstName), std::string_view{user.user.first_name});
    insert.Bind(ParamOf(kUserLastName), std::string_view{user.user.last_name});
    insert.Bind(ParamOf(kUserRole), std::string_view{user.user.role});
    insert.Bind(ParamOf(kUserCreatedAt), Millis(user.user.created_at));
    insert.Bind(ParamOf(kUserUpdatedAt), Millis(user.user.updated_at));
    insert.Bind(ParamOf(kUserDeletedAt), Millis(user.user.deleted_at));
    insert.Bind(ParamOf(kUserPasswordHash), SecretOrNull(user.password_hash));
    insert.Bind(ParamOf(kUserApiTokenHash), SecretOrNull(user.api_token_hash));
    if (const int rc = insert.Step(); rc != SQLITE_DONE) {
        core::Error error = writer_.Fail(rc, "inserting a user");
        if (error.code == core::Errc::kDuplicate) {
            error.detail = "a user with this id, email or API token already exists";
        }
        return error;
    }
    return user.user;
}

core::Result<core::User> SqliteDatabase::ReadOneUser(std::string_view sql,
                                                     std::string_view key,
                                                     std::string not_found) {
    const ReaderPool::Lease reader = readers_.Acquire();
    Statement select = reader->Prepare(sql);
    select.Bind(1, key);
    const int rc = select.Step();
    if (rc == SQLITE_DONE) {
        return core::Error{core::Errc::kNotFound, std::move(not_found)};
    }
    if (rc != SQLITE_ROW) {
        return reader->Fail(rc, "reading a user");
    }
    return ReadUser(select);
}

core::Result<core::User> SqliteDatabase::FindUserByTokenHash(const std::string& token_hash) {
    if (token_hash.empty()) {
        return core::Error{core::Errc::kNotFound, "no user has this token"};
    }
    return ReadOneUser(kFindUserByTokenHash, token_hash, "no user has this token");
}

core::Result<core::User> SqliteDatabase::GetUser(const core::UserId& id) {
    return ReadOneUser(kGetUser, id.value, "User with id " + id.value + " was not found");
}

core::Result<core::User> SqliteDatabase::FindUserByEmail(const std::string& email) {
    return ReadOneUser(kFindUserByEmail, email, "User with email " + email + " was not found");
}

core::Result<void> SqliteDatabase::DeleteUser(const core::UserId& id, TimePoint at) {
    std::scoped_lock lock{write_mu_};
    Statement update = writer_.Prepare(kDeleteUser);
    update.Bind(1, std::string_view{id.value});
    update.Bind(2, Millis(at));
    if (const int rc = update.Step(); rc != SQLITE_DONE) {
        return writer_.Fail(rc, "deleting a user");
    }
    if (writer_.Changes() == 0) {
        return core::Error{core::Errc::kNotFound, "User with id " + id.value + " was not found"};
    }
    return {};
}

core::Result<void> SqliteDatabase::Ping() {
    const ReaderPool::Lease reader = readers_.Acquire();
    Statement ping = reader->Prepare(kPing);
    if (const int rc = ping.Step(); rc != SQLITE_ROW) {
        return reader->Fail(rc, "ping");
    }
    return {};
}

}  // namespace

std::unique_ptr<core::Database> MakeSqliteDatabase(const SqliteConfig& config) {
    Connection writer = OpenWriterOrThrow(config);
    ApplyMigrationsOrThrow(writer);
    return std::make_unique<SqliteDatabase>(std::move(writer), config);
}

std::vector<std::string> MigrateSqlite(const SqliteConfig& config) {
    Connection writer = OpenWriterOrThrow(config);
    return ApplyMigrationsOrThrow(writer);
}

}  // namespace batchd::store::sqlite
