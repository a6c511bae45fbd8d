#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "core/ports/catalog_store.hpp"
#include "core/ports/database.hpp"
#include "store/sqlite/sqlite_catalog_store.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace batchd::testing {

/// A migrated SQLite store (jobs and catalog) on a temp file of its own, removed afterwards.
class SqliteCatalogFixture {
public:
    SqliteCatalogFixture() {
        static std::atomic<int> counter{0};
        folder_ = std::filesystem::temp_directory_path() /
                  ("batchd-app-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(folder_);
        store::sqlite::SqliteConfig config;
        config.file = folder_ / "batchd.db";
        database_ = store::sqlite::MakeSqliteDatabase(config);  // migrates
        catalog_ = store::sqlite::MakeSqliteCatalogStore(config);
    }
    ~SqliteCatalogFixture() {
        catalog_.reset();
        database_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(folder_, ignored);
    }
    SqliteCatalogFixture(const SqliteCatalogFixture&) = delete;
    SqliteCatalogFixture& operator=(const SqliteCatalogFixture&) = delete;

    [[nodiscard]] core::Database& Database() { return *database_; }
    [[nodiscard]] core::CatalogStore& Catalog() { return *catalog_; }
    [[nodiscard]] const std::filesystem::path& Folder() const { return folder_; }

private:
    std::filesystem::path folder_;
    std::unique_ptr<core::Database> database_;
    std::unique_ptr<core::CatalogStore> catalog_;
};

}  // namespace batchd::testing
