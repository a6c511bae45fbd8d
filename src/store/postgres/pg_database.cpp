#include "store/postgres/pg_database.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "store/postgres/pg_handle.hpp"
#include "store/postgres/pg_pool.hpp"

namespace batchd::store::postgres {
namespace {

// Joins SQL fragments at compile time, so that one column list serves every statement that
// returns a job while each statement stays a constexpr std::string_view.
template <const std::string_view&... kParts>
struct JoinSql {
    static constexpr auto kChars = [] {
        std::array<char, (kParts.size() + ...)> chars{};
        std::size_t at = 0;
        for (const std::string_view part : {kParts...}) {
            for (const char c : part) {
                chars[at++] = c;
            }
        }
        return chars;
    }();
    static constexpr std::string_view kValue{kChars.data(), kChars.size()};
};

// ---- SQL -------------------------------------------------------------------------------------
// Timestamps go in as ISO-8601 text with an explicit Z (independent of the session's TimeZone)
// and come out as integer milliseconds since the epoch, exact because only milliseconds are
// ever written. Status literals are core::ToString(JobStatus) values; the claim's WHERE repeats
// the partial index batch_job_claimable (migrations/0001_init.sql) so the planner can use it.

// The columns of a job, in the order ReadJob reads them (JobCol below).
constexpr std::string_view kJobColumns = R"sql(
    id, type, created_by, context, result, dry_run,
    (extract(epoch FROM pre_processed_at) * 1000)::int8,
    (extract(epoch FROM confirmed_at) * 1000)::int8,
    (extract(epoch FROM processing_at) * 1000)::int8,
    (extract(epoch FROM completed_at) * 1000)::int8,
    (extract(epoch FROM canceled_at) * 1000)::int8,
    (extract(epoch FROM failed_at) * 1000)::int8,
    (extract(epoch FROM created_at) * 1000)::int8,
    (extract(epoch FROM updated_at) * 1000)::int8,
    (extract(epoch FROM deleted_at) * 1000)::int8,
    version, lease_owner, lease_epoch,
    (extract(epoch FROM lease_expires_at) * 1000)::int8,
    cursor, attempts)sql";

// Records the events of a write in the outbox, in the same statement (so the same transaction)
// as the write, in the order given. Expects the CTE `job` and the events as the last parameter.
constexpr std::string_view kRecordEventsHead = R"sql(
), event AS (
    INSERT INTO batch_job_event (job_id, name)
    SELECT job.id, e.name FROM job, unnest()sql";
constexpr std::string_view kRecordEventsTail = R"sql(::text[]) WITH ORDINALITY AS e (name, n) ORDER BY e.n
)
SELECT * FROM job)sql";

constexpr std::string_view kInsertJobHead = R"sql(
WITH job AS (
    INSERT INTO batch_job (id, type, created_by, context, result, dry_run,
                           pre_processed_at, confirmed_at, processing_at, completed_at, canceled_at, failed_at,
                           created_at, updated_at, deleted_at, status, version,
                           lease_owner, lease_epoch, lease_expires_at, cursor, attempts)
    VALUES ($1::text, $2::text, $3::text, $4::jsonb, $5::jsonb, $6::boolean,
            $7::timestamptz, $8::timestamptz, $9::timestamptz, $10::timestamptz, $11::timestamptz, $12::timestamptz,
            $13::timestamptz, $14::timestamptz, $15::timestamptz, $16::text, 1,
            $17::text, $18::int8, $19::timestamptz, $20::jsonb, $21::int4)
    RETURNING)sql";
constexpr std::string_view kInsertJobEvents = "$22";

// Compare-and-set: writes only if the row still has the expected version, in one statement.
constexpr std::string_view kUpdateJobHead = R"sql(
WITH job AS (
    UPDATE batch_job
    SET type = $2::text, created_by = $3::text, context = $4::jsonb, result = $5::jsonb, dry_run = $6::boolean,
        pre_processed_at = $7::timestamptz, confirmed_at = $8::timestamptz, processing_at = $9::timestamptz,
        completed_at = $10::timestamptz, canceled_at = $11::timestamptz, failed_at = $12::timestamptz,
        created_at = $13::timestamptz, updated_at = $14::timestamptz, deleted_at = $15::timestamptz,
        status = $16::text, version = version + 1,
        lease_owner = $17::text, lease_epoch = $18::int8, lease_expires_at = $19::timestamptz,
        cursor = $20::jsonb, attempts = $21::int4
    WHERE id = $1::text AND version = $22::int8 AND deleted_at IS NULL
    RETURNING)sql";
constexpr std::string_view kUpdateJobEvents = "$23";

constexpr std::string_view kSelectHead = "SELECT";
constexpr std::string_view kGetJobTail = R"sql(
FROM batch_job WHERE id = $1::text AND deleted_at IS NULL)sql";

// The oldest job with a phase due, locked without waiting for (or blocking) other claimers: a
// row another worker is claiming right now is skipped, not waited for.
constexpr std::string_view kClaimHead = R"sql(
UPDATE batch_job
SET lease_owner = $1::text, lease_epoch = lease_epoch + 1, lease_expires_at = $3::timestamptz,
    version = version + 1
WHERE seq = (
    SELECT seq FROM batch_job
    WHERE deleted_at IS NULL AND status IN ('created', 'confirmed', 'processing')
      AND (lease_expires_at IS NULL OR lease_expires_at <= $2::timestamptz)
      AND (cardinality($4::text[]) = 0 OR type = ANY ($4::text[]))
    ORDER BY seq
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING)sql";

constexpr std::string_view kUserColumns = R"sql(
    id, email, first_name, last_name, role,
    (extract(epoch FROM created_at) * 1000)::int8,
    (extract(epoch FROM updated_at) * 1000)::int8,
    (extract(epoch FROM deleted_at) * 1000)::int8)sql";

constexpr std::string_view kInsertUserHead = R"sql(
INSERT INTO "user" (id, email, first_name, last_name, role, password_hash, api_token_hash,
                    created_at, updated_at, deleted_at)
VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text,
        $8::timestamptz, $9::timestamptz, $10::timestamptz)
RETURNING)sql";
constexpr std::string_view kUserByTokenTail = R"sql(
FROM "user" WHERE api_token_hash = $1::text AND deleted_at IS NULL)sql";
constexpr std::string_view kUserByIdTail = R"sql(
FROM "user" WHERE id = $1::text AND deleted_at IS NULL)sql";
constexpr std::string_view kUserByEmailTail = R"sql(
FROM "user" WHERE email = $1::text AND deleted_at IS NULL)sql";

constexpr PgStatement kInsertJob{
    "batchd_insert_job",
    JoinSql<kInsertJobHead, kJobColumns, kRecordEventsHead, kInsertJobEvents, kRecordEventsTail>::kValue};
constexpr PgStatement kUpdateJob{
    "batchd_update_job",
    JoinSql<kUpdateJobHead, kJobColumns, kRecordEventsHead, kUpdateJobEvents, kRecordEventsTail>::kValue};
constexpr PgStatement kGetJob{"batchd_get_job", JoinSql<kSelectHead, kJobColumns, kGetJobTail>::kValue};
constexpr PgStatement kJobIsLive{"batchd_job_is_live",
                                 "SELECT 1 FROM batch_job WHERE id = $1::text AND deleted_at IS NULL"};
constexpr PgStatement kClaimJob{"batchd_claim_job", JoinSql<kClaimHead, kJobColumns>::kValue};
// Oldest first; rows another caller is taking right now are left to it.
constexpr PgStatement kTakeEvents{"batchd_take_events", R"sql(
WITH taken AS (
    DELETE FROM batch_job_event
    WHERE seq IN (SELECT seq FROM batch_job_event ORDER BY seq LIMIT $1::int8 FOR UPDATE SKIP LOCKED)
    RETURNING seq, job_id, name)
SELECT seq, job_id, name FROM taken ORDER BY seq)sql"};
constexpr PgStatement kInsertUser{"batchd_insert_user", JoinSql<kInsertUserHead, kUserColumns>::kValue};
constexpr PgStatement kUserByToken{"batchd_user_by_token",
                                   JoinSql<kSelectHead, kUserColumns, kUserByTokenTail>::kValue};
constexpr PgStatement kUserById{"batchd_user_by_id",
                                JoinSql<kSelectHead, kUserColumns, kUserByIdTail>::kValue};
constexpr PgStatement kUserByEmail{"batchd_user_by_email",
                                   JoinSql<kSelectHead, kUserColumns, kUserByEmailTail>::kValue};
// The token hash goes with the user: a deleted user's token must never work again.
constexpr PgStatement kDeleteUser{"batchd_delete_user", R"sql(
UPDATE "user" SET deleted_at = $2::timestamptz, updated_at = $2::timestamptz, api_token_hash = NULL
WHERE id = $1::text AND deleted_at IS NULL
RETURNING id)sql"};
constexpr std::string_view kPingSql = "SELECT 1";

// Column numbers of kJobColumns and kUserColumns.
struct JobCol {
    static constexpr int kId = 0, kType = 1, kCreatedBy = 2, kContext = 3, kResult = 4, kDryRun = 5,
                         kPreProcessedAt = 6, kConfirmedAt = 7, kProcessingAt = 8, kCompletedAt = 9,
                         kCanceledAt = 10, kFailedAt = 11, kCreatedAt = 12, kUpdatedAt = 13, kDeletedAt = 14,
                         kVersion = 15, kLeaseOwner = 16, kLeaseEpoch = 17, kLeaseExpiresAt = 18,
                         kCursor = 19, kAttempts = 20, kCount = 21;
};
struct UserCol {
    static constexpr int kId = 0, kEmail = 1, kFirstName = 2, kLastName = 3, kRole = 4, kCreatedAt = 5,
                         kUpdatedAt = 6, kDeletedAt = 7;
};

// How List filters and orders by each core::JobColumn: the only way a column name reaches SQL.
// Text sorts by bytes (COLLATE "C"), as std::string compares and SQLite sorts, whatever the
// database's locale; NULLs sort first ascending, as in SQLite.
struct ColumnSql {
    core::JobColumn column;
    std::string_view order_expression;
    std::string_view timestamp_column;  // empty: not a timestamp
};
constexpr std::array kColumnSql{
    ColumnSql{core::JobColumn::kId, R"(id COLLATE "C")", ""},
    ColumnSql{core::JobColumn::kType, R"(type COLLATE "C")", ""},
    ColumnSql{core::JobColumn::kCreatedBy, R"(created_by COLLATE "C")", ""},
    ColumnSql{core::JobColumn::kDryRun, "dry_run", ""},
    ColumnSql{core::JobColumn::kPreProcessedAt, "pre_processed_at", "pre_processed_at"},
    ColumnSql{core::JobColumn::kConfirmedAt, "confirmed_at", "confirmed_at"},
    ColumnSql{core::JobColumn::kProcessingAt, "processing_at", "processing_at"},
    ColumnSql{core::JobColumn::kCompletedAt, "completed_at", "completed_at"},
    ColumnSql{core::JobColumn::kCanceledAt, "canceled_at", "canceled_at"},
    ColumnSql{core::JobColumn::kFailedAt, "failed_at", "failed_at"},
    ColumnSql{core::JobColumn::kCreatedAt, "created_at", "created_at"},
    ColumnSql{core::JobColumn::kUpdatedAt, "updated_at", "updated_at"},
};
static_assert(
    [] {
        for (std::size_t i = 0; i < kColumnSql.size(); ++i) {
            if (static_cast<std::size_t>(kColumnSql[i].column) != i) {
                return false;
            }
        }
        return true;
    }(),
    "kColumnSql is indexed by core::JobColumn");

const ColumnSql* SqlFor(core::JobColumn column) {
    const auto at = static_cast<std::size_t>(column);
    return at < kColumnSql.size() ? &kColumnSql[at] : nullptr;
}

// ---- values ----------------------------------------------------------------------------------

std::string FormatTimestamp(core::TimePoint at) {
    const auto day = std::chrono::floor<std::chrono::days>(at);
    const std::chrono::year_month_day date{day};
    const std::chrono::hh_mm_ss time{at - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       time.hours().count(), time.minutes().count(), time.seconds().count(),
                       time.subseconds().count());
}

std::optional<std::string> FormatTimestamp(const std::optional<core::TimePoint>& at) {
    return at ? std::optional{FormatTimestamp(*at)} : std::nullopt;
}

std::optional<core::TimePoint> ReadTimestamp(PgRow& row, int column) {
    const std::optional<std::int64_t> ms = row.OptionalInt64(column);
    return ms ? std::optional{core::TimePoint{core::Duration{*ms}}} : std::nullopt;
}

// A double as JSON that jsonb gives back as a double: jsonb keeps numbers as `numeric`, which
// prints 1E0 as 1 (read back as an integer), but keeps the scale of 1.0. So whole doubles are
// written in fixed notation with ".0", others in their shortest round-trip form.
void AppendDouble(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";  // JSON has no NaN or infinity
        return;
    }
    std::array<char, 400> buffer{};  // fixed notation of the largest double has 309 digits
    const bool whole = value == std::trunc(value);
    const auto [end, error] =
        whole ? std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed)
              : std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), error == std::errc{} ? end : buffer.data());
    if (whole) {
        out += ".0";
    }
}

void AppendJson(std::string& out, const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null:
            out += "null";
            return;
        case boost::json::kind::bool_:
            out += value.get_bool() ? "true" : "false";
            return;
        case boost::json::kind::int64:
            out += std::to_string(value.get_int64());
            return;
        case boost::json::kind::uint64:
            out += std::to_string(value.get_uint64());
            return;
        case boost::json::kind::double_:
            AppendDouble(out, value.get_double());
            return;
        case boost::json::kind::string:
            out += boost::json::serialize(value.get_string());
            return;
        case boost::json::kind::array: {
            out += '[';
            bool first = true;
            for (const boost::json::value& element : value.get_array()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                AppendJson(out, element);
            }
            out += ']';
            return;
        }
        case boost::json::kind::object: {
            out += '{';
            bool first = true;
            for (const boost::json::key_value_pair& member : value.get_object()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                out += boost::json::serialize(member.key());
                out += ':';
                AppendJson(out, member.value());
            }
            out += '}';
            return;
        }
    }
}

// A JSON value for a jsonb parameter; a JSON null is stored as SQL NULL, as in SQLite.
std::optional<std::string> JsonParam(const boost::json::value& value) {
    if (value.is_null()) {
        return std::nullopt;
    }
    std::string text;
    AppendJson(text, value);
    return text;
}

boost::json::value ReadJson(PgRow& row, int column) {
    if (row.IsNull(column)) {
        return nullptr;
    }
    boost::system::error_code error;
    boost::json::value value = boost::json::parse(row.Text(column), error);
    if (error) {
        row.Fail(column, "not JSON");
        return nullptr;
    }
    return value;
}

std::optional<std::string> IdParam(const auto& id) { return id ? std::optional{id->value} : std::nullopt; }

// $1 … $21 of kInsertJob and kUpdateJob.
PgParams JobParams(const core::BatchJob& job) {
    PgParams params;
    params.Add(job.id.value);
    params.Add(job.type);
    params.Add(IdParam(job.created_by));
    params.Add(JsonParam(job.context));
    params.Add(JsonParam(job.result));
    params.Add(std::string(job.dry_run ? "true" : "false"));
    params.Add(FormatTimestamp(job.pre_processed_at));
    params.Add(FormatTimestamp(job.confirmed_at));
    params.Add(FormatTimestamp(job.processing_at));
    params.Add(FormatTimestamp(job.completed_at));
    params.Add(FormatTimestamp(job.canceled_at));
    params.Add(FormatTimestamp(job.failed_at));
    params.Add(FormatTimestamp(job.created_at));
    params.Add(FormatTimestamp(job.updated_at));
    params.Add(FormatTimestamp(job.deleted_at));
    params.Add(
        std::string(core::ToString(core::StatusOf(job))));  // the status column is derived, never trusted
    params.Add(IdParam(job.lease.owner));
    params.Add(std::to_string(job.lease.epoch));
    params.Add(FormatTimestamp(job.lease.expires_at));
    params.Add(JsonParam(job.cursor));
    params.Add(std::to_string(job.attempts));
    return params;
}

core::Error Unreadable(std::string_view what, const PgRow& row) {
    spdlog::error("postgres: cannot read a stored {}: {}", what, row.Failure().value_or("?"));
    return core::Error{core::Errc::kInternal, "a stored " + std::string(what) + " could not be read"};
}

core::Result<core::BatchJob> ReadJob(const PGresult* result, int row_number) {
    PgRow row{result, row_number};
    core::BatchJob job;
    job.id.value = row.Text(JobCol::kId);
    job.type = row.Text(JobCol::kType);
    if (auto created_by = row.OptionalText(JobCol::kCreatedBy)) {
        job.created_by = core::UserId{std::move(*created_by)};
    }
    job.context = ReadJson(row, JobCol::kContext);
    job.result = ReadJson(row, JobCol::kResult);
    job.dry_run = row.Bool(JobCol::kDryRun);
    job.pre_processed_at = ReadTimestamp(row, JobCol::kPreProcessedAt);
    job.confirmed_at = ReadTimestamp(row, JobCol::kConfirmedAt);
    job.processing_at = ReadTimestamp(row, JobCol::kProcessingAt);
    job.completed_at = ReadTimestamp(row, JobCol::kCompletedAt);
    job.canceled_at = ReadTimestamp(row, JobCol::kCanceledAt);
    job.failed_at = ReadTimestamp(row, JobCol::kFailedAt);
    job.created_at = ReadTimestamp(row, JobCol::kCreatedAt).value_or(core::TimePoint{});
    job.updated_at = ReadTimestamp(row, JobCol::kUpdatedAt).value_or(core::TimePoint{});
    job.deleted_at = ReadTimestamp(row, JobCol::kDeletedAt);
    job.version = row.Int64(JobCol::kVersion);
    if (auto owner = row.OptionalText(JobCol::kLeaseOwner)) {
        job.lease.owner = core::WorkerId{std::move(*owner)};
    }
    job.lease.epoch = row.Int64(JobCol::kLeaseEpoch);
    job.lease.expires_at = ReadTimestamp(row, JobCol::kLeaseExpiresAt);
    job.cursor = ReadJson(row, JobCol::kCursor);
    const std::int64_t attempts = row.Int64(JobCol::kAttempts);
    if (attempts < std::numeric_limits<std::int32_t>::min() ||
        attempts > std::numeric_limits<std::int32_t>::max()) {
        row.Fail(JobCol::kAttempts, "out of range");
    }
    job.attempts = static_cast<std::int32_t>(attempts);
    if (row.Failure()) {
        return Unreadable("job", row);
    }
    return job;
}

core::Result<core::User> ReadUser(const PGresult* result, int row_number) {
    PgRow row{result, row_number};
    core::User user;
    user.id.value = row.Text(UserCol::kId);
    user.email = row.Text(UserCol::kEmail);
    user.first_name = row.Text(UserCol::kFirstName);
    user.last_name = row.Text(UserCol::kLastName);
    user.role = row.Text(UserCol::kRole);
    user.created_at = ReadTimestamp(row, UserCol::kCreatedAt).value_or(core::TimePoint{});
    user.updated_at = ReadTimestamp(row, UserCol::kUpdatedAt).value_or(core::TimePoint{});
    user.deleted_at = ReadTimestamp(row, UserCol::kDeletedAt);
    if (row.Failure()) {
        return Unreadable("user", row);
    }
    return user;
}

core::Error JobNotFound(const core::JobId& id) {
    return core::Error{core::Errc::kNotFound, "Batch job with id " + id.value + " was not found"};
}

std::optional<std::string> NonEmpty(const std::string& text) {
    return text.empty() ? std::nullopt : std::optional{text};
}

// The WHERE clause of a list, its parameters bound in `params`.
core::Result<std::string> ListWhere(const core::JobQuery& query, PgParams& params) {
    std::string where = "deleted_at IS NULL";
    if (query.created_by) {
        where += fmt::format(" AND created_by = ${}::text", params.Add(query.created_by->value));
    }
    if (!query.ids.empty()) {
        std::vector<std::string> ids;
        ids.reserve(query.ids.size());
        for (const core::JobId& id : query.ids) {
            ids.push_back(id.value);
        }
        where += fmt::format(" AND id = ANY (${}::text[])", params.Add(TextArray(ids)));
    }
    if (!query.types.empty()) {
        where += fmt::format(" AND type = ANY (${}::text[])", params.Add(TextArray(query.types)));
    }
    for (const core::TimestampFilter& filter : query.timestamps) {
        const ColumnSql* column = SqlFor(filter.column);
        if (column == nullptr || column->timestamp_column.empty()) {
            return core::Error{core::Errc::kInvalidData, "only timestamp columns take a date filter"};
        }
        if (filter.is_null) {
            where += fmt::format(" AND {} IS NULL", column->timestamp_column);
            continue;
        }
        const std::array<std::pair<std::string_view, const std::optional<core::TimePoint>*>, 4> comparisons{{
            {"<", &filter.lt},
            {">", &filter.gt},
            {"<=", &filter.lte},
            {">=", &filter.gte},
        }};
        for (const auto& [op, bound] : comparisons) {
            if (*bound) {
                where += fmt::format(" AND {} {} ${}::timestamptz", column->timestamp_column, op,
                                     params.Add(FormatTimestamp(**bound)));
            }
        }
    }
    return where;
}

/// core::Database on PostgreSQL. See MakePgDatabase.
class PgDatabase final : public core::Database {
public:
    explicit PgDatabase(const PgConfig& config) : pool_(config) {}

    // core::JobStore
    core::Result<core::BatchJob> Insert(const core::BatchJob& job,
                                        std::span<const std::string_view> events) override;
    core::Result<core::BatchJob> Get(const core::JobId& id) override;
    core::Result<core::JobPage> List(const core::JobQuery& query) override;
    core::Result<std::optional<core::BatchJob>> CompareAndSet(
        const core::BatchJob& next,
        std::int64_t expected_version,
        std::span<const std::string_view> events) override;
    core::Result<std::optional<core::Claim>> ClaimNextPhase(const core::WorkerId& worker,
                                                            core::TimePoint now,
                                                            core::Duration lease_for,
                                                            std::span<const std::string> types) override;
    core::Result<std::vector<core::RecordedEvent>> TakeEvents(std::size_t max) override;

    // core::UserStore
    core::Result<core::User> CreateUser(const core::NewUser& user) override;
    core::Result<core::User> FindUserByTokenHash(const std::string& token_hash) override;
    core::Result<core::User> GetUser(const core::UserId& id) override;
    core::Result<core::User> FindUserByEmail(const std::string& email) override;
    core::Result<void> DeleteUser(const core::UserId& id, core::TimePoint at) override;

    // core::Database
    core::Result<void> Ping() override;

private:
    core::Result<PgResult> Run(const PgStatement& statement, const PgParams& params);

    PgPool pool_;
};

core::Result<PgResult> PgDatabase::Run(const PgStatement& statement, const PgParams& params) {
    auto lease = pool_.Acquire();
    if (!lease) {
        return lease.error();
    }
    // value() rather than operator*, which -Wnull-dereference cannot tell is non-null here.
    PgConnection& connection = *lease.value();
    return connection.Execute(statement, params);
}

core::Result<core::BatchJob> PgDatabase::Insert(const core::BatchJob& job,
                                                std::span<const std::string_view> events) {
    PgParams params = JobParams(job);
    params.Add(TextArray(events));
    auto result = Run(kInsertJob, params);
    if (!result) {
        if (result.error().code == core::Errc::kDuplicate) {
            return core::Error{core::Errc::kDuplicate, "job " + job.id.value + " already exists"};
        }
        return result.error();
    }
    if (PQntuples(result->get()) != 1) {
        return core::Error{core::Errc::kInternal, "the insert returned no job"};
    }
    return ReadJob(result->get(), 0);
}

core::Result<core::BatchJob> PgDatabase::Get(const core::JobId& id) {
    PgParams params;
    params.Add(id.value);
    auto result = Run(kGetJob, params);
    if (!result) {
        return result.error();
    }
    if (PQntuples(result->get()) == 0) {
        return JobNotFound(id);
    }
    return ReadJob(result->get(), 0);
}

core::Result<core::JobPage> PgDatabase::List(const core::JobQuery& query) {
    if (query.limit < 0 || query.offset < 0) {
        return core::Error{core::Errc::kInvalidData, "limit and offset must not be negative"};
    }
    const ColumnSql* order = SqlFor(query.order_by);
    if (order == nullptr) {
        return core::Error{core::Errc::kInvalidData, "unknown order column"};
    }
    PgParams params;
    auto where = ListWhere(query, params);
    if (!where) {
        return where.error();
    }
    const std::size_t filter_params = params.Values().size();
    const bool ascending = query.direction == core::SortDirection::kAscending;
    // Insertion order (seq) breaks ties, in the same direction, so pages never overlap.
    const std::string sql = fmt::format(
        "SELECT{}, count(*) OVER () FROM batch_job WHERE {} ORDER BY {} {}, seq {} LIMIT ${}::int8 OFFSET "
        "${}::int8",
        kJobColumns, *where, order->order_expression, ascending ? "ASC NULLS FIRST" : "DESC NULLS LAST",
        ascending ? "ASC" : "DESC", params.Add(std::to_string(query.limit)),
        params.Add(std::to_string(query.offset)));

    auto lease = pool_.Acquire();
    if (!lease) {
        return lease.error();
    }
    PgConnection& connection = *lease.value();
    auto rows = connection.ExecuteDynamic(sql, params);
    if (!rows) {
        return rows.error();
    }
    core::JobPage page;
    const int row_count = PQntuples(rows->get());
    for (int row = 0; row < row_count; ++row) {
        auto job = ReadJob(rows->get(), row);
        if (!job) {
            return job.error();
        }
        page.jobs.push_back(std::move(*job));
    }
    if (row_count > 0) {
        PgRow first{rows->get(), 0};
        page.count = first.Int64(JobCol::kCount);
        if (first.Failure()) {
            return Unreadable("count", first);
        }
        return page;
    }
    if (query.offset == 0 && query.limit > 0) {
        return page;  // nothing matches at all
    }
    // An empty page past the end (or of size 0) says nothing about how many match: count them.
    auto counted = connection.ExecuteDynamic(fmt::format("SELECT count(*) FROM batch_job WHERE {}", *where),
                                             params, filter_params);
    if (!counted) {
        return counted.error();
    }
    PgRow count_row{counted->get(), 0};
    page.count = count_row.Int64(0);
    if (count_row.Failure()) {
        return Unreadable("count", count_row);
    }
    return page;
}

core::Result<std::optional<core::BatchJob>> PgDatabase::CompareAndSet(
    const core::BatchJob& next, std::int64_t expected_version, std::span<const std::string_view> events) {
    PgParams params = JobParams(next);
    params.Add(std::to_string(expected_version));
    params.Add(TextArray(events));
    auto lease = pool_.Acquire();
    if (!lease) {
        return lease.error();
    }
    PgConnection& connection = *lease.value();
    auto written = connection.Execute(kUpdateJob, params);
    if (!written) {
        return written.error();
    }
    if (PQntuples(written->get()) == 1) {
        auto job = ReadJob(written->get(), 0);
        if (!job) {
            return job.error();
        }
        return std::optional{std::move(*job)};
    }
    // Nothing written: either someone else wrote first (retry) or the job is gone.
    PgParams id;
    id.Add(next.id.value);
    auto live = connection.Execute(kJobIsLive, id);
    if (!live) {
        return live.error();
    }
    if (PQntuples(live->get()) == 0) {
        return JobNotFound(next.id);
    }
    return std::optional<core::BatchJob>{};
}

core::Result<std::optional<core::Claim>> PgDatabase::ClaimNextPhase(const core::WorkerId& worker,
                                                                    core::TimePoint now,
                                                                    core::Duration lease_for,
                                                                    std::span<const std::string> types) {
    PgParams params;
    params.Add(worker.value);
    params.Add(FormatTimestamp(now));
    params.Add(FormatTimestamp(now + lease_for));
    params.Add(TextArray(types));
    auto result = Run(kClaimJob, params);
    if (!result) {
        return result.error();
    }
    if (PQntuples(result->get()) == 0) {
        return std::optional<core::Claim>{};
    }
    auto job = ReadJob(result->get(), 0);
    if (!job) {
        return job.error();
    }
    const core::Phase phase =
        core::StatusOf(*job) == core::JobStatus::kCreated ? core::Phase::kPreProcess : core::Phase::kProcess;
    return std::optional{core::Claim{std::move(*job), phase}};
}

core::Result<std::vector<core::RecordedEvent>> PgDatabase::TakeEvents(std::size_t max) {
    if (max == 0) {
        return std::vector<core::RecordedEvent>{};
    }
    constexpr auto kMostRows = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    PgParams params;
    params.Add(std::to_string(std::min(max, kMostRows)));
    auto result = Run(kTakeEvents, params);
    if (!result) {
        return result.error();
    }
    std::vector<core::RecordedEvent> events;
    const int row_count = PQntuples(result->get());
    events.reserve(static_cast<std::size_t>(row_count));
    for (int index = 0; index < row_count; ++index) {
        PgRow row{result->get(), index};
        core::RecordedEvent event;
        event.sequence = row.Int64(0);
        event.job_id.value = row.Text(1);
        event.name = row.Text(2);
        if (row.Failure()) {
            return Unreadable("event", row);
        }
        events.push_back(std::move(event));
    }
    return events;
}

core::Result<core::User> PgDatabase::CreateUser(const core::NewUser& user) {
    if (!core::IsValidUserId(user.user.id.value)) {
        return core::Error{core::Errc::kInvalidData, "a user id is 1 to 64 characters of A-Z a-z 0-9 _ -"};
    }
    PgParams params;
    params.Add(user.user.id.value);
    params.Add(user.user.email);
    params.Add(user.user.first_name);
    params.Add(user.user.last_name);
    params.Add(user.user.role);
    params.Add(NonEmpty(user.password_hash));
    params.Add(NonEmpty(user.api_token_hash));  // NULL, so that users without a token never collide
    params.Add(FormatTimestamp(user.user.created_at));
    params.Add(FormatTimestamp(user.user.updated_at));
    params.Add(FormatTimestamp(user.user.deleted_at));
    auto result = Run(kInsertUser, params);
    if (!result) {
        if (result.error().code == core::Errc::kDuplicate) {
            return core::Error{core::Errc::kDuplicate, "a user with this id or email already exists"};
        }
        return result.error();
    }
    if (PQntuples(result->get()) != 1) {
        return core::Error{core::Errc::kInternal, "the insert returned no user"};
    }
    return ReadUser(result->get(), 0);
}

core::Result<core::User> PgDatabase::FindUserByTokenHash(const std::string& token_hash) {
    if (token_hash.empty()) {
        return core::Error{core::Errc::kNotFound, "no user has this token"};
    }
    PgParams params;
    params.Add(token_hash);
    auto result = Run(kUserByToken, params);
    if (!result) {
        return result.error();
    }
    if (PQntuples(result->get()) == 0) {
        return core::Error{core::Errc::kNotFound, "no user has this token"};
    }
    return ReadUser(result->get(), 0);
}

core::Result<core::User> PgDatabase::GetUser(const core::UserId& id) {
    PgParams params;
    params.Add(id.value);
    auto result = Run(kUserById, params);
    if (!result) {
        return result.error();
    }
    if (PQntuples(result->get()) == 0) {
        return core::Error{core::Errc::kNotFound, "User with id " + id.value + " was not found"};
    }
    return ReadUser(result->get(), 0);
}

core::Result<core::User> PgDatabase::FindUserByEmail(const std::string& email) {
    PgParams params;
    params.Add(email);
    auto result = Run(kUserByEmail, params);
    if (!result) {
        return result.error();
    }
    if (PQntuples(result->get()) == 0) {
        return core::Error{core::Errc::kNotFound, "User with email " + email + " was not found"};
    }
    return ReadUser(result->get(), 0);
}

core::Result<void> PgDatabase::DeleteUser(const core::UserId& id, core::TimePoint at) {
    PgParams params;
    params.Add(id.value);
    params.Add(FormatTimestamp(at));
    auto result = Run(kDeleteUser, params);
    if (!result) {
        return result.error();
    }
    if (PQntuples(result->get()) == 0) {
        return core::Error{core::Errc::kNotFound, "User with id " + id.value + " was not found"};
    }
    return {};
}

core::Result<void> PgDatabase::Ping() {
    auto lease = pool_.Acquire();
    if (!lease) {
        return lease.error();
    }
    PgConnection& connection = *lease.value();
    auto result = connection.ExecuteScript(kPingSql);
    if (!result) {
        return result.error();
    }
    return {};
}

}  // namespace

std::unique_ptr<core::Database> MakePgDatabase(const PgConfig& config) {
    if (config.url.empty()) {
        throw std::runtime_error("postgres: no database URL given");
    }
    if (config.pool_size < 1) {
        throw std::runtime_error("postgres: pool_size must be at least 1, not " +
                                 std::to_string(config.pool_size));
    }
    MigratePg(config);
    auto database = std::make_unique<PgDatabase>(config);
    // Opens the first pooled connection now, so that a problem shows at startup, not at the first request.
    if (auto ping = database->Ping(); !ping) {
        throw std::runtime_error("postgres: migrated, but the store cannot run queries: " +
                                 ping.error().detail);
    }
    return database;
}

}  // namespace batchd::store::postgres
