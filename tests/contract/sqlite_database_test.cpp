#include "store/sqlite/sqlite_database.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "contract/job_store_contract.hpp"
#include "contract/user_store_contract.hpp"
#include "fakes/forwarding_database.hpp"
#include "store/sqlite/sqlite_handle.hpp"

namespace batchd::contract {
namespace {

namespace fs = std::filesystem;
using store::sqlite::SqliteDb;
using store::sqlite::SqliteStmt;

static_assert(!std::is_copy_constructible_v<SqliteDb>);
static_assert(std::is_nothrow_move_constructible_v<SqliteDb>);
static_assert(sizeof(SqliteDb) == sizeof(sqlite3*), "the deleter must not take room");
static_assert(!std::is_copy_constructible_v<SqliteStmt>);
static_assert(std::is_nothrow_move_constructible_v<SqliteStmt>);

// A folder of its own under the system temp folder, removed with everything in it.
class TempFolder {
public:
    TempFolder() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() /
                ("batchd-sqlite-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempFolder() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;

    [[nodiscard]] const fs::path& Path() const { return path_; }

private:
    fs::path path_;
};

// A connection of the test's own, as another process would have.
SqliteDb OpenRaw(const fs::path& file) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    SqliteDb db{raw};
    if (rc != SQLITE_OK) {
        ADD_FAILURE() << "cannot open " << file << ": " << sqlite3_errstr(rc);
    }
    sqlite3_busy_timeout(db.get(), 5000);
    return db;
}

void Exec(sqlite3* db, const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db);
}

// The first column of the first row, as text ("<null>" for NULL, "<none>" without rows).
std::string QueryText(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
        return {};
    }
    const SqliteStmt stmt{raw};
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
        return "<none>";
    }
    if (sqlite3_column_type(stmt.get(), 0) == SQLITE_NULL) {
        return "<null>";
    }
    return reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
}

// The store on a file of its own, deleted with it: Make()'s product for the contract suites.
class TempSqliteDatabase final : public fakes::ForwardingDatabase {
public:
    TempSqliteDatabase() : db_(store::sqlite::MakeSqliteDatabase({.file = folder_.Path() / "batchd.db"})) {}

    [[nodiscard]] fs::path File() const { return folder_.Path() / "batchd.db"; }

    core::Database& Target() override { return *db_; }

private:
    TempFolder folder_;  // declared first: removed after the database has closed
    std::unique_ptr<core::Database> db_;
};

struct SqliteFactory {
    static std::unique_ptr<core::Database> Make() { return std::make_unique<TempSqliteDatabase>(); }

    // Through a connection of its own, as another process (or an operator's sqlite3 shell) would.
    static void SoftDelete(core::Database& db, const core::JobId& id, core::TimePoint at) {
        const SqliteDb raw = OpenRaw(dynamic_cast<TempSqliteDatabase&>(db).File());
        Exec(raw.get(), "UPDATE batch_job SET deleted_at = " + std::to_string(at.time_since_epoch().count()) +
                            " WHERE id = '" + id.value + "'");
    }
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, JobStoreContract, SqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, UserStoreContract, SqliteFactory);

namespace {

// ---- what only SQLite has: files, migrations, locks ---------------------------------------------

TEST(SqliteDatabase, MigrateAppliesEachMigrationOnce) {
    const TempFolder folder;
    const store::sqlite::SqliteConfig config{.file = folder.Path() / "batchd.db"};
    EXPECT_EQ(store::sqlite::MigrateSqlite(config), (std::vector<std::string>{"0001_init", "0002_catalog"}));
    EXPECT_TRUE(store::sqlite::MigrateSqlite(config).empty());

    const SqliteDb raw = OpenRaw(config.file);
    EXPECT_EQ(QueryText(raw.get(), "SELECT group_concat(version || ':' || name) FROM schema_migrations"),
              "1:0001_init,2:0002_catalog");
    EXPECT_NE(QueryText(raw.get(), "SELECT applied_at FROM schema_migrations"), "<null>");
    EXPECT_EQ(QueryText(raw.get(), "PRAGMA journal_mode"), "wal");
    EXPECT_NO_THROW((void)store::sqlite::MakeSqliteDatabase(config));
}

TEST(SqliteDatabase, OpeningCreatesTheFileAndItsFolders) {
    const TempFolder folder;
    const fs::path file = folder.Path() / "var" / "data" / "batchd.db";
    auto db = store::sqlite::MakeSqliteDatabase({.file = file});
    EXPECT_TRUE(fs::exists(file));
    EXPECT_TRUE(db->Ping().has_value());
}

TEST(SqliteDatabase, AFileThatCannotBeOpenedIsAReadableStartupError) {
    const TempFolder folder;
    const fs::path not_a_folder = folder.Path() / "plain-file";
    std::ofstream{not_a_folder} << "x";
    try {
        (void)store::sqlite::MakeSqliteDatabase({.file = not_a_folder / "batchd.db"});
        ADD_FAILURE() << "opened a database below a plain file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string{e.what()}.find("plain-file"), std::string::npos) << e.what();
    }
}

TEST(SqliteDatabase, AnInvalidConfigIsAStartupError) {
    const TempFolder folder;
    EXPECT_THROW(
        (void)store::sqlite::MakeSqliteDatabase({.file = folder.Path() / "a.db", .read_connections = 0}),
        std::runtime_error);
    EXPECT_THROW((void)store::sqlite::MakeSqliteDatabase({.file = {}}), std::runtime_error);
}

TEST(SqliteDatabase, ASchemaNewerThanThisBinaryIsRefused) {
    const TempFolder folder;
    const store::sqlite::SqliteConfig config{.file = folder.Path() / "batchd.db"};
    (void)store::sqlite::MigrateSqlite(config);
    {
        const SqliteDb raw = OpenRaw(config.file);
        Exec(raw.get(),
             "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 0)");
    }
    try {
        (void)store::sqlite::MakeSqliteDatabase(config);
        ADD_FAILURE() << "a newer schema was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string{e.what()}.find("9999"), std::string::npos) << e.what();
    }
}

TEST(SqliteDatabase, JobsAndUsersSurviveReopeningTheFile) {
    const TempFolder folder;
    const store::sqlite::SqliteConfig config{.file = folder.Path() / "batchd.db"};
    {
        auto db = store::sqlite::MakeSqliteDatabase(config);
        ASSERT_TRUE(db->Insert(NewJob("job_1"), {}).has_value());
        ASSERT_TRUE(db->CreateUser(NewAdmin("user_1", "one@medusa.js", "hash_1")).has_value());
    }
    auto db = store::sqlite::MakeSqliteDatabase(config);
    EXPECT_TRUE(db->Get(core::JobId{"job_1"}).has_value());
    EXPECT_TRUE(db->FindUserByTokenHash("hash_1").has_value());
}

TEST(SqliteDatabase, AWriteLockHeldElsewhereMakesWritesUnavailableWithoutSqliteText) {
    const TempFolder folder;
    const store::sqlite::SqliteConfig config{.file = folder.Path() / "batchd.db", .busy_timeout_ms = 20};
    auto db = store::sqlite::MakeSqliteDatabase(config);
    const SqliteDb other = OpenRaw(config.file);
    Exec(other.get(), "BEGIN IMMEDIATE");

    auto refused = db->Insert(NewJob("job_1"), {});
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, core::Errc::kUnavailable);
    EXPECT_EQ(refused.error().detail.find("locked"), std::string::npos) << refused.error().detail;
    EXPECT_TRUE(core::IsRetryable(refused.error().code));
    // Reads go on meanwhile (WAL).
    EXPECT_TRUE(db->Ping().has_value());
    auto claim = db->ClaimNextPhase(core::WorkerId{"w1"}, kT0, std::chrono::minutes{1}, {});
    ASSERT_FALSE(claim.has_value());
    EXPECT_EQ(claim.error().code, core::Errc::kUnavailable);

    Exec(other.get(), "COMMIT");
    EXPECT_TRUE(db->Insert(NewJob("job_1"), {}).has_value()) << "the refused write left something behind";
}

TEST(SqliteDatabase, NullJsonIsSqlNullAndTheStatusColumnFollowsTheTimestamps) {
    const TempFolder folder;
    const store::sqlite::SqliteConfig config{.file = folder.Path() / "batchd.db"};
    auto db = store::sqlite::MakeSqliteDatabase(config);
    core::BatchJob job = NewJob("job_1");
    job.context = nullptr;
    auto inserted = db->Insert(job, {});
    ASSERT_TRUE(inserted.has_value());
    const SqliteDb raw = OpenRaw(config.file);
    EXPECT_EQ(QueryText(raw.get(), "SELECT context FROM batch_job WHERE id = 'job_1'"), "<null>");
    EXPECT_EQ(QueryText(raw.get(), "SELECT status FROM batch_job WHERE id = 'job_1'"), "created");

    core::BatchJob next = inserted.value();
    next.context = boost::json::object{{"a", 1}};
    next.pre_processed_at = next.confirmed_at = kT0;
    ASSERT_TRUE(db->CompareAndSet(next, inserted.value().version, {}).has_value());
    EXPECT_EQ(QueryText(raw.get(), "SELECT context FROM batch_job WHERE id = 'job_1'"), R"({"a":1})");
    EXPECT_EQ(QueryText(raw.get(), "SELECT status FROM batch_job WHERE id = 'job_1'"), "confirmed");
    EXPECT_EQ(QueryText(raw.get(), "SELECT created_at FROM batch_job WHERE id = 'job_1'"),
              std::to_string(kT0.time_since_epoch().count()));
}

TEST(SqliteDatabase, TheClaimQueryFindsItsCandidateThroughThePartialIndex) {
    const TempFolder folder;
    const store::sqlite::SqliteConfig config{.file = folder.Path() / "batchd.db"};
    (void)store::sqlite::MigrateSqlite(config);
    const SqliteDb raw = OpenRaw(config.file);
    // The inner query of the claim, as sqlite_database.cpp writes it.
    sqlite3_stmt* stmt_raw = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(
                  raw.get(),
                  "EXPLAIN QUERY PLAN SELECT seq FROM batch_job WHERE deleted_at IS NULL AND status IN "
                  "('created', 'confirmed', 'processing') AND (lease_expires_at IS NULL OR "
                  "lease_expires_at <= 0) ORDER BY seq LIMIT 1",
                  -1, &stmt_raw, nullptr),
              SQLITE_OK);
    const SqliteStmt stmt{stmt_raw};
    std::string details;
    while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
        details += reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 3));
        details += "\n";
    }
    EXPECT_NE(details.find("batch_job_claimable"), std::string::npos) << details;
    EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << details;
}

}  // namespace
}  // namespace batchd::contract
