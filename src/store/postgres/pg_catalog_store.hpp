#pragma once

#include <memory>

#include "core/ports/catalog_store.hpp"
#include "store/postgres/pg_database.hpp"

namespace batchd::store::postgres {

/// core::CatalogStore on the same PostgreSQL database as MakePgDatabase (whose migrations create
/// the catalog tables too), with a connection pool of its own. A product page loads each relation
/// with one statement for the whole page; PutProducts of many products writes each table with
/// COPY. Blocking; every method may be called concurrently. Throws std::runtime_error when the
/// database is unreachable at startup.
[[nodiscard]] std::unique_ptr<core::CatalogStore> MakePgCatalogStore(const PgConfig& config);

}  // namespace batchd::store::postgres
