#pragma once

#include "core/ports/job_store.hpp"
#include "core/ports/user_store.hpp"

namespace batchd::core {

/// One database holding jobs and users: each store adapter (SQLite, PostgreSQL, the in-memory fake)
/// implements both ports over one set of tables, so that fixtures and migrations see them together.
/// Thread safety and blocking: as JobStore and UserStore.
class Database : public JobStore, public UserStore {
public:
    /// Cheap round trip to the backend, for /health/ready: kUnavailable if it is unreachable.
    [[nodiscard]] virtual Result<void> Ping() = 0;
};

}  // namespace batchd::core
