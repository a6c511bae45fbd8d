#include "app/wiring.hpp"

#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <sys/stat.h>

#include "bus/local/local_event_bus.hpp"
#include "bus/redis/redis_event_bus.hpp"
#include "store/postgres/pg_catalog_store.hpp"
#include "store/postgres/pg_database.hpp"
#include "store/sqlite/sqlite_catalog_store.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace batchd::app {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";

bool IsPostgres(std::string_view url) {
    return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

store::sqlite::SqliteConfig SqliteConfigFor(std::string_view url) {
    // sqlite:///abs/path.db → /abs/path.db; sqlite://rel.db → rel.db (relative to the working folder).
    store::sqlite::SqliteConfig sqlite;
    sqlite.file = std::filesystem::path(url.substr(kSqliteScheme.size()));
    return sqlite;
}

store::postgres::PgConfig PgConfigFor(const std::string& url) {
    store::postgres::PgConfig pg;
    pg.url = url;
    return pg;
}

[[noreturn]] void UnknownScheme(const std::string& url) {
    throw ConfigError("DATABASE_URL must start with sqlite:// or postgres:// (got \"" +
                      url.substr(0, url.find(':')) + ":…\")");
}

}  // namespace

std::unique_ptr<core::Database> MakeDatabase(const Config& config) {
    const std::string url = config.DatabaseUrl();
    if (url.starts_with(kSqliteScheme)) {
        return store::sqlite::MakeSqliteDatabase(SqliteConfigFor(url));
    }
    if (IsPostgres(url)) {
        return store::postgres::MakePgDatabase(PgConfigFor(url));
    }
    UnknownScheme(url);
}

std::unique_ptr<core::CatalogStore> MakeCatalogStore(const Config& config) {
    const std::string url = config.DatabaseUrl();
    if (url.starts_with(kSqliteScheme)) {
        return store::sqlite::MakeSqliteCatalogStore(SqliteConfigFor(url));
    }
    if (IsPostgres(url)) {
        return store::postgres::MakePgCatalogStore(PgConfigFor(url));
    }
    UnknownScheme(url);
}

std::string LoadSigningSecret(const Config& config) {
    constexpr std::size_t kMinSecretBytes = 32;
    if (!config.signing_secret.empty()) {
        if (config.signing_secret.size() < kMinSecretBytes) {
            throw ConfigError("signing_secret must be at least 32 bytes long");
        }
        return config.signing_secret;
    }
    const std::filesystem::path file = config.data_dir / "signing-secret";
    if (std::ifstream in{file}; in) {
        std::ostringstream text;
        text << in.rdbuf();
        std::string secret = text.str();
        if (secret.size() < kMinSecretBytes) {
            throw ConfigError(file.string() + " must hold at least 32 bytes");
        }
        return secret;
    }
    std::filesystem::create_directories(config.data_dir);
    std::random_device random;  // /dev/urandom on Linux
    std::string secret;
    for (std::size_t i = 0; i < kMinSecretBytes / 4; ++i) {
        secret += fmt::format("{:08x}", random());
    }
    const mode_t previous = umask(077);  // the file is born private: no window where others may read it
    {
        std::ofstream out{file, std::ios::trunc};
        out << secret;
        if (!out.flush()) {
            umask(previous);
            throw std::runtime_error("cannot write " + file.string());
        }
    }
    umask(previous);
    return secret;
}

std::vector<std::string> MigrateDatabase(const Config& config) {
    const std::string url = config.DatabaseUrl();
    if (url.starts_with(kSqliteScheme)) {
        return store::sqlite::MigrateSqlite(SqliteConfigFor(url));
    }
    if (IsPostgres(url)) {
        return store::postgres::MigratePg(PgConfigFor(url));
    }
    UnknownScheme(url);
}

std::unique_ptr<core::EventBus> MakeEventBus(const Config& config) {
    if (!config.redis_url.empty()) {
        try {
            bus::redis::RedisBusConfig redis;
            redis.url = config.redis_url;
            return bus::redis::MakeRedisEventBus(redis);
        } catch (const std::runtime_error& e) {
            throw ConfigError(e.what());  // a malformed REDIS_URL; the message never shows the password
        }
    }
    return bus::local::MakeLocalEventBus();
}

}  // namespace batchd::app
