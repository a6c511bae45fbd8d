#pragma once

#include "core/ports/database.hpp"

namespace batchd::fakes {

/// A core::Database that hands every call to Target(): the base of test databases that own
/// something the real store must not outlive (a temp folder, a PostgreSQL schema). The derived
/// class owns both, in the order that destroys the store first.
class ForwardingDatabase : public core::Database {
public:
    // core::JobStore
    core::Result<core::BatchJob> Insert(const core::BatchJob& job,
                                        std::span<const std::string_view> events) override {
        return Target().Insert(job, events);
    }
    core::Result<core::BatchJob> Get(const core::JobId& id) override { return Target().Get(id); }
    core::Result<core::JobPage> List(const core::JobQuery& query) override { return Target().List(query); }
    core::Result<std::optional<core::BatchJob>> CompareAndSet(
        const core::BatchJob& next,
        std::int64_t expected_version,
        std::span<const std::string_view> events) override {
        return Target().CompareAndSet(next, expected_version, events);
    }
    core::Result<std::optional<core::Claim>> ClaimNextPhase(const core::WorkerId& worker,
                                                            core::TimePoint now,
                                                            core::Duration lease_for,
                                                            std::span<const std::string> types) override {
        return Target().ClaimNextPhase(worker, now, lease_for, types);
    }
    core::Result<std::vector<core::RecordedEvent>> TakeEvents(std::size_t max) override {
        return Target().TakeEvents(max);
    }

    // core::UserStore
    core::Result<core::User> CreateUser(const core::NewUser& user) override {
        return Target().CreateUser(user);
    }
    core::Result<core::User> FindUserByTokenHash(const std::string& token_hash) override {
        return Target().FindUserByTokenHash(token_hash);
    }
    core::Result<core::User> GetUser(const core::UserId& id) override { return Target().GetUser(id); }
    core::Result<core::User> FindUserByEmail(const std::string& email) override {
        return Target().FindUserByEmail(email);
    }
    core::Result<void> DeleteUser(const core::UserId& id, core::TimePoint at) override {
        return Target().DeleteUser(id, at);
    }

    // core::Database
    core::Result<void> Ping() override { return Target().Ping(); }

protected:
    [[nodiscard]] virtual core::Database& Target() = 0;
};

}  // namespace batchd::fakes
