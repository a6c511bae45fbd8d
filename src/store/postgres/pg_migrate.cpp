#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "store/postgres/pg_database.hpp"
#include "store/postgres/pg_handle.hpp"
#include "store/postgres/pg_migrations.hpp"

namespace batchd::store::postgres {
namespace {

// The advisory lock every migrating process queues on: any fixed number nothing else in the
// database uses ("batchd" in ASCII, then 1). Session-level, so it is released even when the
// process dies mid-migration (its connection closes).
constexpr std::string_view kMigrationLockKey = "7089075258759839745";  // 0x6261746368640001

constexpr std::string_view kLockSql = "SELECT pg_advisory_lock($1::int8)";
constexpr std::string_view kUnlockSql = "SELECT pg_advisory_unlock($1::int8)";
constexpr std::string_view kCreateSchemaMigrationsSql = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    bigint      NOT NULL PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    applied_at timestamptz NOT NULL DEFAULT now()
))sql";
constexpr std::string_view kAppliedVersionsSql = "SELECT version FROM schema_migrations ORDER BY version";
constexpr std::string_view kRecordMigrationSql =
    "INSERT INTO schema_migrations (version, name) VALUES ($1::int8, $2)";

// Where the store is, for messages: never the URL itself, which may hold a password.
std::string Describe(const PGconn* conn) {
    if (conn == nullptr) {
        return "PostgreSQL";
    }
    const auto text = [](const char* value) { return std::string(value != nullptr ? value : ""); };
    return "PostgreSQL at " + text(PQhost(conn)) + ":" + text(PQport(conn)) + "/" + text(PQdb(conn));
}

// Runs one statement at startup; a failure is a std::runtime_error carrying the server's message
// (startup errors go to the operator, not to API clients).
PgResult Run(PGconn* conn,
             std::string_view sql,
             std::initializer_list<std::string_view> params,
             std::string_view what) {
    std::vector<std::string> values(params.begin(), params.end());
    std::vector<const char*> native;
    native.reserve(values.size());
    for (const std::string& value : values) {
        native.push_back(value.c_str());
    }
    const std::string text{sql};
    PgResult result{params.size() == 0 ? PQexec(conn, text.c_str())
                                       : PQexecParams(conn, text.c_str(), static_cast<int>(native.size()),
                                                      nullptr, native.data(), nullptr, nullptr, 0)};
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        const std::string message =
            result ? std::string(PQresultErrorMessage(result.get())) : ConnectionMessage(conn);
        throw std::runtime_error(std::string(what) + " failed on " + Describe(conn) + ": " + message);
    }
    return result;
}

}  // namespace

std::vector<std::string> MigratePg(const PgConfig& config) {
    PgConn conn = ConnectPg(config);
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        throw std::runtime_error("cannot connect to " + Describe(conn.get()) + ": " +
                                 ConnectionMessage(conn.get()));
    }
    // One process at a time from here on: the others wait, then find everything applied.
    Run(conn.get(), kLockSql, {kMigrationLockKey}, "taking the migration lock");
    Run(conn.get(), kCreateSchemaMigrationsSql, {}, "creating schema_migrations");

    std::vector<std::int64_t> applied;
    {
        const PgResult rows = Run(conn.get(), kAppliedVersionsSql, {}, "reading schema_migrations");
        for (int row = 0; row < PQntuples(rows.get()); ++row) {
            PgRow reader{rows.get(), row};
            applied.push_back(reader.Int64(0));
        }
    }
    const std::span<const Migration> known = EmbeddedMigrations();
    if (!applied.empty() && !known.empty() && applied.back() > known.back().version) {
        spdlog::warn(
            "postgres: the database has migration {} but this binary knows only up to {}: "
            "is a newer batchd sharing it?",
            applied.back(), known.back().version);
    }

    std::vector<std::string> names;
    for (const Migration& migration : known) {
        if (std::find(applied.begin(), applied.end(), migration.version) != applied.end()) {
            continue;
        }
        const std::string what = "migration " + std::string(migration.name);
        Run(conn.get(), "BEGIN", {}, what);
        try {
            Run(conn.get(), migration.sql, {}, what);
            Run(conn.get(), kRecordMigrationSql, {std::to_string(migration.version), migration.name}, what);
            Run(conn.get(), "COMMIT", {}, what);
        } catch (const std::exception&) {
            // Closing the connection would roll back too; say it explicitly for the server's log.
            PgResult rollback{PQexec(conn.get(), "ROLLBACK")};
            throw;
        }
        spdlog::info("postgres: applied migration {}", migration.name);
        names.emplace_back(migration.name);
    }
    Run(conn.get(), kUnlockSql, {kMigrationLockKey}, "releasing the migration lock");
    return names;
}

}  // namespace batchd::store::postgres
