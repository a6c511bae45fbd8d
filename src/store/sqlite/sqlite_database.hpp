#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/ports/database.hpp"

namespace batchd::store::sqlite {

/// Where and how to open the SQLite store.
struct SqliteConfig {
    std::filesystem::path file;  // the database file; it and its parent folder are created if missing
    int busy_timeout_ms = 5000;  // how long a statement waits for another process's lock before kUnavailable
    int read_connections = 4;    // read-only connections for Get, List and Ping (at least 1)
};

/// Opens the database (creating the file and its folder), applies the pending migrations and
/// returns core::Database on it: the embedded default store. One writer connection (writes are
/// serialized, as SQLite serializes them anyway) and `read_connections` readers in WAL mode, so
/// reads never wait for a write. Every method blocks and may be called concurrently; several
/// processes may share the file.
/// Throws std::runtime_error with a readable message when the store cannot start (startup only).
[[nodiscard]] std::unique_ptr<core::Database> MakeSqliteDatabase(const SqliteConfig& config);

/// Applies the pending migrations, each in a transaction of its own, and returns the names of
/// those it applied ("0001_init", …), in order: `batchd migrate`. Throws std::runtime_error.
std::vector<std::string> MigrateSqlite(const SqliteConfig& config);

}  // namespace batchd::store::sqlite
