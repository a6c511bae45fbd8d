#include "store/postgres/pg_pool.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace batchd::store::postgres {

PgLease::~PgLease() {
    if (pool_ != nullptr && connection_) {
        pool_->Release(std::move(connection_));
    }
}

PgPool::PgPool(PgConfig config)
    : config_(std::move(config)), capacity_(static_cast<std::size_t>(std::max(1, config_.pool_size))) {}

core::Result<PgLease> PgPool::Acquire() {
    std::unique_ptr<PgConnection> connection;
    {
        std::unique_lock lock{mu_};
        const bool available = released_.wait_for(lock, config_.connect_timeout,
                                                  [&] { return !idle_.empty() || open_ < capacity_; });
        if (!available) {
            spdlog::warn("postgres: all {} connections stayed busy for {}s", capacity_,
                         config_.connect_timeout.count());
            return core::Error{core::Errc::kUnavailable, "the database is busy; try again later"};
        }
        if (!idle_.empty()) {
            connection = std::move(idle_.back());
            idle_.pop_back();
        } else {
            ++open_;  // reserve the slot before connecting outside the lock
        }
    }
    if (connection && connection->IsHealthy()) {
        return PgLease{this, std::move(connection)};
    }
    if (connection) {
        // The server restarted or dropped us while the connection sat idle: replace it in its slot.
        spdlog::info("postgres: replacing a broken idle connection");
        connection.reset();
    }
    auto opened = PgConnection::Open(config_);
    if (!opened) {
        {
            std::scoped_lock lock{mu_};
            --open_;
        }
        released_.notify_one();
        return opened.error();
    }
    return PgLease{this, std::move(*opened)};
}

void PgPool::Release(std::unique_ptr<PgConnection> connection) {
    const bool reusable = connection->IsReusable();
    if (!reusable) {
        connection.reset();  // closes it; the next Acquire opens a new one in its slot
    }
    {
        std::scoped_lock lock{mu_};
        if (reusable) {
            idle_.push_back(std::move(connection));
        } else {
            --open_;
        }
    }
    released_.notify_one();
}

}  // namespace batchd::store::postgres
