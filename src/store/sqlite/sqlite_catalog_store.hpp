#pragma once

#include <memory>

#include "core/ports/catalog_store.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace batchd::store::sqlite {

/// core::CatalogStore on the same SQLite file as MakeSqliteDatabase (whose migrations create the
/// catalog tables too): one writer connection of its own and `config.read_connections` readers in
/// WAL mode. A product page loads each relation with one statement for the whole page.
/// Blocking; every method may be called concurrently. Throws std::runtime_error when the file
/// cannot be opened or is not migrated (startup only).
[[nodiscard]] std::unique_ptr<core::CatalogStore> MakeSqliteCatalogStore(const SqliteConfig& config);

}  // namespace batchd::store::sqlite
