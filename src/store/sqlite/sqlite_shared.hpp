#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/ids.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "store/sqlite/sqlite_handle.hpp"

// Private to the adapter: what SqliteDatabase and SqliteCatalogStore share (connections, the reader
// pool, timestamp and parameter conversions).
namespace batchd::store::sqlite {

// Timestamps are stored as INTEGER unix milliseconds (0001_init.sql).
[[nodiscard]] inline std::int64_t Millis(core::TimePoint at) { return at.time_since_epoch().count(); }

[[nodiscard]] inline std::optional<std::int64_t> Millis(const std::optional<core::TimePoint>& at) {
    return at ? std::optional{Millis(*at)} : std::nullopt;
}

[[nodiscard]] inline core::TimePoint FromMillis(std::int64_t ms) {
    return core::TimePoint{core::Duration{ms}};
}

[[nodiscard]] inline std::optional<core::TimePoint> FromMillis(const std::optional<std::int64_t>& ms) {
    return ms ? std::optional{FromMillis(*ms)} : std::nullopt;
}

/// A bound value of a query whose text is assembled at run time (list filters).
using Param = std::variant<std::int64_t, std::string>;

/// Binds `params` to ?1, ?2, … in order.
void BindAll(Statement& statement, const std::vector<Param>& params);

/// Checks the settings MakeSqliteDatabase and MakeSqliteCatalogStore refuse, then opens the writer,
/// creating the file's folder first. Startup only: throws std::runtime_error.
[[nodiscard]] Connection OpenWriterOrThrow(const SqliteConfig& config);

/// Read-only connections, each lent to one caller at a time (SQLite forbids sharing one
/// connection between threads in SQLITE_OPEN_NOMUTEX mode). A caller waits when all are lent.
/// Thread safe. Opening throws std::runtime_error (startup only).
class ReaderPool {
public:
    /// A connection on loan; goes back to the pool when destroyed.
    class Lease {
    public:
        Lease(ReaderPool& pool, std::unique_ptr<Connection> connection) noexcept
            : pool_(pool), connection_(std::move(connection)) {}
        ~Lease() { pool_.Return(std::move(connection_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        Connection& operator*() const noexcept { return *connection_; }
        Connection* operator->() const noexcept { return connection_.get(); }

    private:
        ReaderPool& pool_;
        std::unique_ptr<Connection> connection_;
    };

    explicit ReaderPool(const SqliteConfig& config);

    [[nodiscard]] Lease Acquire();

private:
    void Return(std::unique_ptr<Connection> connection);

    std::mutex mu_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

}  // namespace batchd::store::sqlite
