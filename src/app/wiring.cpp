#include "app/wiring.hpp"

#include "bus/local/local_event_bus.hpp"
#include "bus/redis/redis_event_bus.hpp"
#include "store/postgres/pg_database.hpp"
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
