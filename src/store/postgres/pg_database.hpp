#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/ports/database.hpp"

namespace batchd::store::postgres {

/// Where and how to reach PostgreSQL.
struct PgConfig {
    std::string url;                          // libpq URI or key=value string: DATABASE_URL
    int pool_size = 8;                        // most connections open at once (at least 1)
    std::chrono::seconds connect_timeout{5};  // per connection attempt; also the longest wait for a free one
};

/// Connects, applies the pending migrations and returns core::Database on PostgreSQL: the
/// production store, shared by any number of batchd processes. Calls borrow a connection from a
/// bounded pool for their duration; broken connections are replaced on the next call, so a server
/// that goes away after startup makes calls fail with kUnavailable until it is back, and the same
/// object then works again. Every method blocks and may be called concurrently.
/// Throws std::runtime_error with a readable message when the store cannot start (startup only).
[[nodiscard]] std::unique_ptr<core::Database> MakePgDatabase(const PgConfig& config);

/// Applies the pending migrations, each in a transaction of its own, and returns the names of
/// those it applied ("0001_init", …), in order: `batchd migrate`. Safe to run from many processes
/// at once: they queue on an advisory lock and each migration is applied exactly once.
/// Throws std::runtime_error.
std::vector<std::string> MigratePg(const PgConfig& config);

}  // namespace batchd::store::postgres
