#include "store/sqlite/sqlite_handle.hpp"

#include <cstdint>
#include <stdexcept>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

namespace batchd::store::sqlite {
namespace {

constexpr std::string_view kBeginRead = "BEGIN";
constexpr std::string_view kBeginWrite = "BEGIN IMMEDIATE";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";

// SQLITE_TRANSIENT ("copy the text now") is a C cast in a macro; spelled out here once.
sqlite3_destructor_type Transient() noexcept {
    return reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));
}

}  // namespace

SqliteDb OpenDb(const std::filesystem::path& file, OpenMode mode, int busy_timeout_ms) {
    const int flags =
        SQLITE_OPEN_NOMUTEX |
        (mode == OpenMode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    SqliteDb db{raw};  // owns the handle even when opening failed: it must be closed all the same
    if (rc != SQLITE_OK) {
        throw std::runtime_error(fmt::format("cannot open the SQLite database {}: {}", file.string(),
                                             db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db.get(), 1);  // SQLITE_CONSTRAINT_UNIQUE, not just SQLITE_CONSTRAINT
    sqlite3_busy_timeout(db.get(), busy_timeout_ms);
    ExecOrThrow(db.get(), "PRAGMA foreign_keys = ON", "enabling foreign keys");
    if (mode == OpenMode::kReadWrite) {
        // journal_mode is a property of the file, set once by the writer; readers inherit it.
        ExecOrThrow(db.get(), "PRAGMA journal_mode = WAL", "switching to WAL");
        // In WAL mode NORMAL survives a crash of the process, not a power loss; FULL would cost an
        // fsync per commit (DESIGN §6: ≈3k instead of ≈19k commits/s).
        ExecOrThrow(db.get(), "PRAGMA synchronous = NORMAL", "setting synchronous");
    }
    return db;
}

void ExecOrThrow(sqlite3* db, std::string_view sql, std::string_view what) {
    const std::string text{sql};  // sqlite3_exec wants a terminated string
    char* raw_message = nullptr;
    const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &raw_message);
    const std::unique_ptr<char, CFree<&sqlite3_free>> message{raw_message};
    if (rc != SQLITE_OK) {
        throw std::runtime_error(
            fmt::format("SQLite: {} failed: {}", what, message ? message.get() : sqlite3_errstr(rc)));
    }
}

core::Error ToError(sqlite3* db, int rc, std::string_view operation) {
    const int primary = rc & 0xff;  // the low byte of an extended code
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
        // Another process held the lock past busy_timeout: the caller may retry (IsRetryable).
        spdlog::warn("sqlite: {} failed: {} ({})", operation, sqlite3_errmsg(db), sqlite3_errstr(rc));
        return core::Error{core::Errc::kUnavailable, "database error: busy, try again later"};
    }
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        // An expected outcome (an id or email taken), reported to the caller, not a fault.
        spdlog::debug("sqlite: {} refused: {}", operation, sqlite3_errmsg(db));
        return core::Error{core::Errc::kDuplicate, "database error: duplicate key"};
    }
    spdlog::error("sqlite: {} failed: {} ({})", operation, sqlite3_errmsg(db), sqlite3_errstr(rc));
    return core::Error{core::Errc::kInternal, "database error"};
}

Statement::~Statement() {
    if (stmt_ != nullptr) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

void Statement::Keep(int rc) noexcept {
    if (error_rc_ == SQLITE_OK && rc != SQLITE_OK) {
        error_rc_ = rc;
    }
}

void Statement::Bind(int index, std::int64_t value) {
    if (stmt_ != nullptr) {
        Keep(sqlite3_bind_int64(stmt_, index, value));
    }
}

void Statement::Bind(int index, std::string_view text) {
    if (stmt_ != nullptr) {
        Keep(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), Transient(), SQLITE_UTF8));
    }
}

void Statement::BindStatic(int index, std::string_view text) {
    if (stmt_ != nullptr) {
        // SQLITE_STATIC is a null destructor: SQLite neither copies nor frees the text.
        Keep(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), nullptr, SQLITE_UTF8));
    }
}

void Statement::Bind(int index, double value) {
    if (stmt_ != nullptr) {
        Keep(sqlite3_bind_double(stmt_, index, value));
    }
}

void Statement::BindNull(int index) {
    if (stmt_ != nullptr) {
        Keep(sqlite3_bind_null(stmt_, index));
    }
}

void Statement::Bind(int index, const std::optional<std::int64_t>& value) {
    if (value) {
        Bind(index, *value);
    } else {
        BindNull(index);
    }
}

void Statement::Bind(int index, const std::optional<std::string>& text) {
    if (text) {
        Bind(index, std::string_view{*text});
    } else {
        BindNull(index);
    }
}

int Statement::Step() {
    if (error_rc_ != SQLITE_OK) {
        return error_rc_;
    }
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        error_rc_ = rc;
    }
    return rc;
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

std::optional<std::int64_t> Statement::OptionalInt(int column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return Int(column);
}

std::string_view Statement::Text(int column) const {
    // sqlite3_column_text first, then _bytes: the documented order for a stable length.
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return text == nullptr ? std::string_view{} : std::string_view{text, size};
}

std::optional<std::string> Statement::OptionalText(int column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return std::string{Text(column)};
}

Statement Connection::Prepare(std::string_view sql) {
    if (const auto it = statements_.find(sql); it != statements_.end()) {
        return Statement{it->second.get(), SQLITE_OK};
    }
    sqlite3_stmt* raw = nullptr;
    const unsigned flags = statements_.size() < kMaxCachedStatements ? SQLITE_PREPARE_PERSISTENT : 0U;
    const int rc =
        sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), flags, &raw, nullptr);
    SqliteStmt stmt{raw};
    if (rc != SQLITE_OK) {
        spdlog::error("sqlite: preparing `{}` failed: {}", sql, sqlite3_errmsg(db_.get()));
        return Statement{nullptr, rc};
    }
    if (statements_.size() >= kMaxCachedStatements) {
        return Statement{std::move(stmt)};
    }
    sqlite3_stmt* const kept = stmt.get();
    statements_.emplace(std::string{sql}, std::move(stmt));
    return Statement{kept, SQLITE_OK};
}

Transaction::~Transaction() {
    // SQLite ends a transaction by itself after some errors (SQLITE_FULL, SQLITE_IOERR, …):
    // autocommit on again means there is nothing left to roll back.
    if (open_ && sqlite3_get_autocommit(connection_.Raw()) == 0) {
        Statement rollback = connection_.Prepare(kRollback);
        if (const int rc = rollback.Step(); rc != SQLITE_DONE) {
            spdlog::error("sqlite: rollback failed: {}", sqlite3_errmsg(connection_.Raw()));
        }
    }
}

core::Result<void> Transaction::Begin(TransactionKind kind) {
    Statement begin = connection_.Prepare(kind == TransactionKind::kWrite ? kBeginWrite : kBeginRead);
    if (const int rc = begin.Step(); rc != SQLITE_DONE) {
        return connection_.Fail(rc, "begin");
    }
    open_ = true;
    return {};
}

core::Result<void> Transaction::Commit() {
    Statement commit = connection_.Prepare(kCommit);
    if (const int rc = commit.Step(); rc != SQLITE_DONE) {
        return connection_.Fail(rc, "commit");  // still open: the destructor rolls back
    }
    open_ = false;
    return {};
}

}  // namespace batchd::store::sqlite
