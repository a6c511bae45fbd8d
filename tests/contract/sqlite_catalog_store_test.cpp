#include "store/sqlite/sqlite_catalog_store.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "contract/catalog_store_contract.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "support/catalog_builders.hpp"

namespace batchd::contract {
namespace {

namespace fs = std::filesystem;
using store::sqlite::SqliteConfig;
using store::sqlite::SqliteDb;
using store::sqlite::SqliteStmt;

// A folder of its own under the system temp folder, removed with everything in it.
class TempFolder {
public:
    TempFolder() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() / ("batchd-sqlite-catalog-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter++));
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

// The suite's fixture: a migrated file of its own, removed after the store has closed.
class SqliteCatalogFixture {
public:
    [[nodiscard]] SqliteConfig Config() const { return {.file = folder_.Path() / "batchd.db"}; }

    std::unique_ptr<core::CatalogStore> Make() {
        (void)store::sqlite::MigrateSqlite(Config());
        return store::sqlite::MakeSqliteCatalogStore(Config());
    }

private:
    TempFolder folder_;
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, CatalogStoreContract, SqliteCatalogFixture);

namespace {

// ---- what only SQLite has: the schema, its query plans, locks ------------------------------------

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

// The detail column of EXPLAIN QUERY PLAN, one line per step.
std::string PlanOf(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    const std::string explain = "EXPLAIN QUERY PLAN " + sql;
    if (sqlite3_prepare_v2(db, explain.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
        return {};
    }
    const SqliteStmt stmt{raw};
    std::string plan;
    while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
        plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 3));
        plan += "\n";
    }
    return plan;
}

TEST(SqliteCatalogStore, AFileWithoutTheCatalogMigrationIsAReadableStartupError) {
    const TempFolder folder;
    const SqliteConfig config{.file = folder.Path() / "batchd.db"};
    try {
        (void)store::sqlite::MakeSqliteCatalogStore(config);
        ADD_FAILURE() << "opened a catalog on a file nothing migrated";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string{e.what()}.find("batchd migrate"), std::string::npos) << e.what();
    }
    (void)store::sqlite::MigrateSqlite(config);
    EXPECT_NO_THROW((void)store::sqlite::MakeSqliteCatalogStore(config));
}

TEST(SqliteCatalogStore, TheCatalogSharesTheFileWithTheJobDatabase) {
    const TempFolder folder;
    const SqliteConfig config{.file = folder.Path() / "batchd.db"};
    auto database = store::sqlite::MakeSqliteDatabase(config);  // migrates
    auto catalog = store::sqlite::MakeSqliteCatalogStore(config);
    test_support::IdSource ids{"shared-file"};
    const core::Product product =
        test_support::ProductBuilder(ids, "shared").Variant("v", {}, "SKU-1").Build();
    ASSERT_TRUE(catalog->PutProducts(std::vector{product}).has_value());
    EXPECT_TRUE(database->Ping().has_value());
    EXPECT_TRUE(catalog->GetProduct(product.id, {}).has_value());
}

TEST(SqliteCatalogStore, EveryKeysetOrderIsAnIndexWalkWithoutASort) {
    const TempFolder folder;
    const SqliteConfig config{.file = folder.Path() / "batchd.db"};
    (void)store::sqlite::MigrateSqlite(config);
    const SqliteDb raw = OpenRaw(config.file);
    // The page query of ListProducts, as sqlite_catalog_store.cpp writes it for each column.
    const std::vector<std::pair<std::string, std::string>> orders{
        {"p.created_at", "product_created_at"},
        {"p.updated_at", "product_updated_at"},
        {"p.title", "product_title"},
        {"coalesce(p.handle, '')", "product_handle_order"},
    };
    for (const auto& [expression, index] : orders) {
        for (const std::string direction : {"ASC", "DESC"}) {
            const std::string op = direction == "ASC" ? ">" : "<";
            const std::string sql = "SELECT p.id FROM product p WHERE p.deleted_at IS NULL AND (" +
                                    expression + ", p.id) " + op + " (?, ?) ORDER BY " + expression + " " +
                                    direction + ", p.id " + direction + " LIMIT 100 OFFSET 0";
            const std::string plan = PlanOf(raw.get(), sql);
            EXPECT_NE(plan.find(index), std::string::npos) << sql << "\n" << plan;
            EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << plan;
        }
    }
}

TEST(SqliteCatalogStore, PageRelationsAreIndexLookupsNotScans) {
    const TempFolder folder;
    const SqliteConfig config{.file = folder.Path() / "batchd.db"};
    (void)store::sqlite::MigrateSqlite(config);
    const SqliteDb raw = OpenRaw(config.file);
    const std::vector<std::pair<std::string, std::string>> lookups{
        {"SELECT v.id FROM product_variant v WHERE v.product_id IN (SELECT value FROM json_each(?1)) "
         "AND v.deleted_at IS NULL ORDER BY v.product_id, v.variant_rank, v.position",
         "SEARCH v USING PRIMARY KEY (product_id=?)"},
        {"SELECT m.id FROM money_amount m WHERE m.variant_id IN (SELECT value FROM json_each(?1)) "
         "AND m.price_list_id IS NULL ORDER BY m.variant_id, m.position",
         "SEARCH m USING PRIMARY KEY (variant_id=?)"},
        {"SELECT o.id FROM product_variant_option_value o WHERE o.variant_id IN (SELECT value FROM "
         "json_each(?1)) "
         "ORDER BY o.variant_id, o.position",
         "SEARCH o USING PRIMARY KEY (variant_id=?)"},
        {"SELECT o.id FROM product_option o WHERE o.product_id IN (SELECT value FROM json_each(?1)) "
         "ORDER BY o.product_id, o.position",
         "product_option_product"},
        {"SELECT p.id FROM product p WHERE p.id IN (SELECT product_id FROM product_tags WHERE product_tag_id "
         "IN "
         "(SELECT value FROM json_each(?1)))",
         "product_tags_tag"},
        {"SELECT p.id FROM product p WHERE p.id IN (SELECT product_id FROM product_sales_channel WHERE "
         "sales_channel_id IN (SELECT value FROM json_each(?1)))",
         "product_sales_channel_channel"},
    };
    for (const auto& [sql, index] : lookups) {
        const std::string plan = PlanOf(raw.get(), sql);
        EXPECT_NE(plan.find(index), std::string::npos) << sql << "\n" << plan;
        // The rows come in the order asked for: the export's pages are never sorted.
        EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << plan;
    }
}

TEST(SqliteCatalogStore, AWriteLockHeldElsewhereMakesPutsUnavailableAndWritesNothing) {
    const TempFolder folder;
    const SqliteConfig config{.file = folder.Path() / "batchd.db", .busy_timeout_ms = 20};
    (void)store::sqlite::MigrateSqlite(config);
    auto catalog = store::sqlite::MakeSqliteCatalogStore(config);
    test_support::IdSource ids{"busy"};
    const core::Product product = test_support::ProductBuilder(ids, "busy").Variant("v", {}, "SKU-1").Build();

    const SqliteDb other = OpenRaw(config.file);
    Exec(other.get(), "BEGIN IMMEDIATE");
    auto refused = catalog->PutProducts(std::vector{product});
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, core::Errc::kUnavailable);
    EXPECT_EQ(refused.error().detail.find("locked"), std::string::npos) << refused.error().detail;
    // Reads go on meanwhile (WAL).
    EXPECT_TRUE(catalog->CountProducts({}).has_value());
    Exec(other.get(), "COMMIT");

    EXPECT_FALSE(catalog->GetProduct(product.id, {}).has_value());
    ASSERT_TRUE(catalog->PutProducts(std::vector{product}).has_value());
    EXPECT_TRUE(catalog->GetProduct(product.id, {}).has_value());
}

TEST(SqliteCatalogStore, CurrencyCodesAreStoredLowerCaseAndARegionPriceTakesTheRegionsCurrency) {
    const TempFolder folder;
    const SqliteConfig config{.file = folder.Path() / "batchd.db"};
    (void)store::sqlite::MigrateSqlite(config);
    auto catalog = store::sqlite::MakeSqliteCatalogStore(config);
    test_support::IdSource ids{"currency"};
    core::Region region = test_support::MakeRegion(ids, "EU", "EUR", {"DE"}, 19);
    ASSERT_TRUE(catalog->PutRegion(region).has_value());
    core::Product product = test_support::ProductBuilder(ids, "p").Variant("v").Price("USD", 100).Build();
    core::MoneyAmount in_region = test_support::MakePrice(ids, "xxx", 200);  // a wrong currency
    in_region.region_id = region.id;
    product.variants[0].prices.push_back(in_region);
    ASSERT_TRUE(catalog->PutProducts(std::vector{product}).has_value());

    auto got_region = catalog->GetRegion(region.id);
    ASSERT_TRUE(got_region.has_value());
    EXPECT_EQ(got_region->currency_code, "eur");
    EXPECT_EQ(got_region->countries, (std::vector<std::string>{"de"}));
    core::ProductRelations relations;
    relations.variants = relations.prices = true;
    auto got = catalog->GetProduct(product.id, relations);
    ASSERT_TRUE(got.has_value());
    ASSERT_EQ(got->variants.size(), 1U);
    ASSERT_EQ(got->variants[0].prices.size(), 2U);
    EXPECT_EQ(got->variants[0].prices[0].currency_code, "usd");
    EXPECT_EQ(got->variants[0].prices[1].currency_code, "eur");
}

// A throughput probe, off by default (timing is no assertion): run with
// --gtest_also_run_disabled_tests --gtest_filter='*Throughput*' to print the rates.
TEST(SqliteCatalogStore, DISABLED_Throughput) {
    const TempFolder folder;
    const SqliteConfig config{.file = folder.Path() / "batchd.db"};
    (void)store::sqlite::MigrateSqlite(config);
    auto catalog = store::sqlite::MakeSqliteCatalogStore(config);
    test_support::IdSource ids{"throughput"};
    const test_support::CatalogRefs refs = test_support::MakeCatalogRefs(ids);
    ASSERT_TRUE(test_support::PutCatalogRefs(*catalog, refs).has_value());

    constexpr int kProducts = 33'334;  // three variants each: 100,002 variants
    std::vector<core::Product> products;
    products.reserve(kProducts);
    for (int i = 0; i < kProducts; ++i) {
        const std::string n = std::to_string(i);
        products.push_back(test_support::MakeRealisticProduct(ids, refs, "p" + n, "P" + n));
    }
    // CPU time besides wall time: on a shared machine the wall clock mostly measures the others.
    const auto cpu_seconds = [] { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
    const auto put_start = std::chrono::steady_clock::now();
    const double put_cpu_start = cpu_seconds();
    // In spans of 1,000 products (3,000 variants), as a seeder writes.
    for (std::size_t first = 0; first < products.size(); first += 1000) {
        const std::span<const core::Product> span{products.data() + first,
                                                  std::min<std::size_t>(1000, products.size() - first)};
        ASSERT_TRUE(catalog->PutProducts(span).has_value());
    }
    const std::chrono::duration<double> put_time = std::chrono::steady_clock::now() - put_start;
    const double put_cpu = cpu_seconds() - put_cpu_start;

    const auto list_start = std::chrono::steady_clock::now();
    const double list_cpu_start = cpu_seconds();
    core::ProductQuery query;
    query.order_by = core::ProductColumn::kCreatedAt;
    query.direction = core::SortDirection::kAscending;
    query.limit = 1000;
    query.with_count = false;
    query.relations = core::ProductRelations::All();
    std::int64_t variants = 0;
    for (;;) {
        auto page = catalog->ListProducts(query);
        ASSERT_TRUE(page.has_value());
        if (page->products.empty()) {
            break;
        }
        for (const core::Product& product : page->products) {
            variants += static_cast<std::int64_t>(product.variants.size());
        }
        query.after = core::KeyOf(page->products.back(), query.order_by);
    }
    const std::chrono::duration<double> list_time = std::chrono::steady_clock::now() - list_start;
    const double list_cpu = cpu_seconds() - list_cpu_start;
    EXPECT_EQ(variants, 3 * kProducts);
    std::printf("PutProducts: %d variants in %.2f s wall, %.2f s CPU (%.0f variants per CPU second)\n",
                3 * kProducts, put_time.count(), put_cpu, 3 * kProducts / put_cpu);
    std::printf(
        "ListProducts (all relations, pages of 1000): %lld variants in %.2f s wall, %.2f s CPU "
        "(%.0f variants per CPU second)\n",
        static_cast<long long>(variants), list_time.count(), list_cpu,
        static_cast<double>(variants) / list_cpu);
}

}  // namespace
}  // namespace batchd::contract
