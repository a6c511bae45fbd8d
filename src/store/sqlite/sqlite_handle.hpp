#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "core/error.hpp"
#include "support/c_handle.hpp"

// Private to the adapter: nothing outside src/store/sqlite includes this header.
namespace batchd::store::sqlite {

using SqliteDb = std::unique_ptr<sqlite3, CFree<&sqlite3_close_v2>>;
using SqliteStmt = std::unique_ptr<sqlite3_stmt, CFree<&sqlite3_finalize>>;

/// How a connection is opened.
enum class OpenMode : std::uint8_t {
    kReadWrite,  // creates the file if missing; the one writer
    kReadOnly,   // a reader of the pool
};

/// Opens `file` in SQLite's multi-thread mode (SQLITE_OPEN_NOMUTEX) and applies the settings every
/// connection needs: busy timeout, extended result codes, foreign keys; for the writer also WAL
/// and synchronous=NORMAL. Startup only: throws std::runtime_error with SQLite's message.
[[nodiscard]] SqliteDb OpenDb(const std::filesystem::path& file, OpenMode mode, int busy_timeout_ms);

/// Runs SQL text without results (pragmas, migrations). Startup only: throws std::runtime_error.
void ExecOrThrow(sqlite3* db, std::string_view sql, std::string_view what);

/// Maps a failed SQLite call to the port's vocabulary, and logs SQLite's own message: busy or
/// locked → kUnavailable, a unique or primary-key violation → kDuplicate, the rest → kInternal.
/// The returned detail is generic: raw SQLite text never reaches an API client.
[[nodiscard]] core::Error ToError(sqlite3* db, int rc, std::string_view operation);

/// One use of a prepared statement: bind parameters, step, read columns. The destructor resets it
/// and clears its bindings, so that the cached statement is ready for its next use.
///
/// Errors are sticky: a failed prepare or bind makes Step() return that error, so a caller checks
/// only the result of Step(). Used by one thread at a time, like its connection.
class Statement {
public:
    /// A statement of the connection's cache, or nothing (`stmt` null) when preparing failed.
    Statement(sqlite3_stmt* stmt, int prepare_rc) noexcept : stmt_(stmt), error_rc_(prepare_rc) {}
    /// A statement of its own, finalized with it (the cache was full).
    explicit Statement(SqliteStmt owned) noexcept : owned_(std::move(owned)), stmt_(owned_.get()) {}
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based, as in SQL (?1, ?2, …). Text is copied (SQLITE_TRANSIENT).
    void Bind(int index, std::int64_t value);
    void Bind(int index, std::string_view text);
    void Bind(int index, const std::string& text) { Bind(index, std::string_view{text}); }
    void Bind(int index, double value);
    /// Binds `text` without copying it (SQLITE_STATIC): the caller keeps it alive and unchanged
    /// until this Statement is destroyed. For bulk writes, where the copy is a malloc per value.
    void BindStatic(int index, std::string_view text);
    void BindNull(int index);
    void Bind(int index, const std::optional<std::int64_t>& value);
    void Bind(int index, const std::optional<std::string>& text);

    /// SQLITE_ROW, SQLITE_DONE, or the error code of the first failure.
    [[nodiscard]] int Step();

    // Columns are 0-based, as in sqlite3_column_*. Valid until the next Step().
    [[nodiscard]] bool IsNull(int column) const;
    [[nodiscard]] std::int64_t Int(int column) const;
    [[nodiscard]] double Double(int column) const;
    [[nodiscard]] std::optional<std::int64_t> OptionalInt(int column) const;
    [[nodiscard]] std::string_view Text(int column) const;
    [[nodiscard]] std::optional<std::string> OptionalText(int column) const;

private:
    void Keep(int rc) noexcept;

    SqliteStmt owned_;          // set only for a statement outside the cache
    sqlite3_stmt* stmt_;        // null when preparing failed
    int error_rc_ = SQLITE_OK;  // the first failure
};

/// One SQLite connection and its cache of prepared statements (finalized before the connection
/// closes). Not thread safe, by SQLite's rules for SQLITE_OPEN_NOMUTEX: one thread at a time,
/// which the owner guarantees (the writer's mutex, or an exclusive lease from the reader pool).
class Connection {
public:
    explicit Connection(SqliteDb db) noexcept : db_(std::move(db)) {}

    /// The cached statement for `sql`, prepared on first use. Past kMaxCachedStatements distinct
    /// texts (list queries vary with their filters) a statement is prepared for one use only.
    [[nodiscard]] Statement Prepare(std::string_view sql);

    [[nodiscard]] core::Error Fail(int rc, std::string_view operation) {
        return ToError(db_.get(), rc, operation);
    }

    [[nodiscard]] sqlite3* Raw() const noexcept { return db_.get(); }

    /// Rows changed by the last INSERT, UPDATE or DELETE of this connection.
    [[nodiscard]] std::int64_t Changes() const noexcept { return sqlite3_changes64(db_.get()); }

    static constexpr std::size_t kMaxCachedStatements = 128;

private:
    SqliteDb db_;  // declared first: destroyed after the statements that belong to it
    std::map<std::string, SqliteStmt, std::less<>> statements_;
};

/// How a transaction takes its locks.
enum class TransactionKind : std::uint8_t {
    kRead,   // BEGIN (deferred): one consistent snapshot for several reads
    kWrite,  // BEGIN IMMEDIATE: a deferred transaction can't upgrade to a write lock without
             // risking SQLITE_BUSY midway, so writes take the lock up front
};

/// Rolls back unless Commit() succeeded. Begin() and Commit() report failures as values.
class Transaction {
public:
    explicit Transaction(Connection& connection) noexcept : connection_(connection) {}
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    [[nodiscard]] core::Result<void> Begin(TransactionKind kind);
    [[nodiscard]] core::Result<void> Commit();

private:
    Connection& connection_;
    bool open_ = false;
};

}  // namespace batchd::store::sqlite
