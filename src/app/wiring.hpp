#pragma once

#include <memory>
#include <string>

#include "app/config.hpp"
#include "core/ports/catalog_store.hpp"
#include "core/ports/database.hpp"
#include "core/ports/event_bus.hpp"

namespace batchd::app {

/// The only place that names concrete adapters: picks the store from the database URL
/// (`sqlite:///path` or `postgres://…`), migrating it. Throws ConfigError for an unknown scheme and
/// std::runtime_error when the database cannot be opened.
[[nodiscard]] std::unique_ptr<core::Database> MakeDatabase(const Config& config);

/// The catalog on the same database as MakeDatabase (which must have migrated it first).
[[nodiscard]] std::unique_ptr<core::CatalogStore> MakeCatalogStore(const Config& config);

/// The secret that signs download links: `signing_secret` if set (at least 32 bytes, ConfigError
/// otherwise), else the contents of <data_dir>/signing-secret, which is created (mode 0600, 32
/// random bytes as hex) the first time. Processes on several machines must share it: set it.
[[nodiscard]] std::string LoadSigningSecret(const Config& config);

/// Applies pending migrations to the configured database; returns the names applied.
[[nodiscard]] std::vector<std::string> MigrateDatabase(const Config& config);

/// The in-process bus, or Redis Streams when `redis_url` is set.
[[nodiscard]] std::unique_ptr<core::EventBus> MakeEventBus(const Config& config);

}  // namespace batchd::app
