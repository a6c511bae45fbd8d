#pragma once

#include <string>

#include "auth/url_signer.hpp"
#include "core/ports/blob_store.hpp"
#include "core/ports/catalog_store.hpp"
#include "core/ports/database.hpp"
#include "core/ports/event_bus.hpp"
#include "core/ports/user_store.hpp"
#include "core/strategy_registry.hpp"
#include "runtime/job_service.hpp"

namespace boost::asio {
class thread_pool;
}  // namespace boost::asio

namespace batchd::http {

/// What the HTTP layer works with, lent by app/main for the server's whole life. Every store call
/// (jobs, users, database, catalog, files) blocks, so routes make them through runtime::RunBlocking on
/// `blocking`, never on an io thread. All members are thread-safe as their own headers say.
struct Services {
    runtime::JobService& jobs;
    core::UserStore& users;
    const core::StrategyRegistry& strategies;
    core::Database& database;  // for /health/ready
    boost::asio::thread_pool& blocking;
    core::CatalogStore& catalog;
    core::BlobStore& files;  // uploads and export files
    const auth::UrlSigner& url_signer;
    std::string public_url;  // base of the links we hand out, no trailing slash; empty: "http://" + Host
    core::EventBus* bus = nullptr;  // where core::kUserDeletedEvent is heard; null: the cache TTL only
};

}  // namespace batchd::http
