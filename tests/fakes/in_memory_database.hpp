#pragma once

#include <map>
#include <mutex>
#include <vector>

#include "core/ports/database.hpp"

namespace batchd::fakes {

/// core::Database in memory, for unit tests of core and runtime. It passes the same contract suite
/// as the real adapters (tests/contract), which is what makes it trustworthy.
/// Thread safety: every method may be called concurrently (one mutex).
class InMemoryDatabase final : public core::Database {
public:
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
    core::Result<void> Ping() override { return {}; }

    /// Soft-deletes a job, as no API route does; for tests of invisibility.
    void SoftDeleteForTest(const core::JobId& id, core::TimePoint at);

private:
    struct Row {
        std::int64_t sequence = 0;  // insertion order: the tie-break of every ordering
        core::BatchJob job;
    };
    void Record(const core::JobId& id, std::span<const std::string_view> events);  // needs mu_

    std::mutex mu_;
    std::map<core::JobId, Row> rows_;          // guarded by mu_
    std::int64_t next_row_sequence_ = 1;       // guarded by mu_
    std::vector<core::RecordedEvent> outbox_;  // guarded by mu_
    std::int64_t next_event_sequence_ = 1;     // guarded by mu_
    std::vector<core::NewUser> users_;         // guarded by mu_
};

}  // namespace batchd::fakes
