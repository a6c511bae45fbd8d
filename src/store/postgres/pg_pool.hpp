#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "core/error.hpp"
#include "store/postgres/pg_database.hpp"
#include "store/postgres/pg_handle.hpp"

namespace batchd::store::postgres {

class PgPool;

/// Exclusive use of one pooled connection, returned to the pool on destruction (or closed, if the
/// call broke it). Move-only; must not outlive its pool.
class PgLease {
public:
    PgLease(PgPool* pool, std::unique_ptr<PgConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    PgLease(PgLease&& other) noexcept = default;
    PgLease& operator=(PgLease&&) = delete;
    PgLease(const PgLease&) = delete;
    PgLease& operator=(const PgLease&) = delete;
    ~PgLease();

    PgConnection& operator*() const { return *connection_; }
    PgConnection* operator->() const { return connection_.get(); }

private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> connection_;
};

/// At most `pool_size` connections to one server, opened on demand and handed out one caller at a
/// time. A lease checks its connection first (PgConnection::IsHealthy) and opens a fresh one in
/// place of a broken one, so the pool heals itself once the server is back: nothing is retried
/// here, a call on an unreachable server fails with kUnavailable.
/// Blocking (connecting, waiting for a free connection); thread safety: Acquire may be called
/// concurrently. Owns its connections; outlives every lease.
class PgPool {
public:
    explicit PgPool(PgConfig config);
    PgPool(const PgPool&) = delete;
    PgPool& operator=(const PgPool&) = delete;
    ~PgPool() = default;

    /// A connection for the caller alone. Waits up to `connect_timeout` for one to be free, then
    /// kUnavailable; kUnavailable too if a new connection cannot be opened.
    [[nodiscard]] core::Result<PgLease> Acquire();

private:
    friend class PgLease;
    void Release(std::unique_ptr<PgConnection> connection);

    const PgConfig config_;
    const std::size_t capacity_;
    std::mutex mu_;
    std::condition_variable released_;
    std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_; the last one is the warmest
    std::size_t open_ = 0;  // connections leased, idle or being opened; guarded by mu_
};

}  // namespace batchd::store::postgres
