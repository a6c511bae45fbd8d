#include "store/postgres/pg_catalog_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "contract/catalog_store_contract.hpp"
#include "integration/pg_test_support.hpp"
#include "support/catalog_builders.hpp"

namespace batchd::contract {
namespace {

// Each store is MakePgCatalogStore in a schema of its own on the server of BATCHD_TEST_PG_URL
// (dropped afterwards: the fixture outlives the store), so tests and parallel ctest processes
// never share rows. Without the variable every test is skipped, saying what to set.
struct PgCatalogFixture {
    std::unique_ptr<pgtest::TestSchema> schema;

    std::unique_ptr<core::CatalogStore> Make() {
        const std::string url = pgtest::TestUrl();
        if (url.empty()) {
            pgtest::SkipWithoutServer();
            return nullptr;
        }
        schema = std::make_unique<pgtest::TestSchema>(url);
        return store::postgres::MakePgCatalogStore({.url = schema->Url()});
    }
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, CatalogStoreContract, PgCatalogFixture);

namespace {

// ---- what only the PostgreSQL adapter has: COPY, its query plans, its startup ----------------

// A product of `variants` variants, each with 2 option values and 3 prices (eur, usd, the eu region).
core::Product BulkProduct(test_support::IdSource& ids,
                          const test_support::CatalogRefs& refs,
                          int n,
                          int variants) {
    const std::string name = "bulk-" + std::to_string(n);
    test_support::ProductBuilder builder(ids, "Bulk product " + std::to_string(n));
    builder.Handle(name)
        .Collection(refs.collection)
        .Profile(refs.default_profile)
        .Type(refs.type)
        .Tag(refs.summer_tag)
        .Image("https://cdn.example.com/" + name + ".png")
        .Channel(refs.default_channel)
        .Option("Size")
        .Option("Color");
    for (int v = 0; v < variants; ++v) {
        builder
            .Variant("Variant " + std::to_string(v), {"S" + std::to_string(v), "Black"},
                     name + "-" + std::to_string(v))
            .Price("eur", 1000 + v)
            .Price("usd", 1100 + v)
            .RegionPrice(refs.eu, 900 + v);
    }
    return builder.Build();
}

class PgCatalogStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = fixture_.Make();
        if (store_ == nullptr) {
            GTEST_SKIP();
        }
        refs_ = test_support::MakeCatalogRefs(ids_);
        auto put = test_support::PutCatalogRefs(*store_, refs_);
        ASSERT_TRUE(put.has_value()) << put.error().detail;
    }

    PgCatalogFixture fixture_;  // declared first: destroyed after the store
    std::unique_ptr<core::CatalogStore> store_;
    test_support::IdSource ids_{"pg-catalog"};
    test_support::CatalogRefs refs_;
};

// COPY's text format gives backslash, tab, newline and carriage return a meaning of their own; a
// value made of them (and of what looks like COPY's NULL marker) must read back unchanged.
TEST_F(PgCatalogStoreTest, CopyEscapesAreInvisibleInWhatReadsBack) {
    const std::string tricky = "a\\b\tc\nd\re\\N\\\\t;\"'\x01 \xc3\xa9";
    core::Product product = test_support::MakeRealisticProduct(ids_, refs_, "tricky", "TRK");
    product.title = tricky;
    product.description = "\\N";
    product.subtitle = "";
    product.variants.at(0).title = tricky;
    product.variants.at(0).options.at(0).value = tricky;
    product.tags.push_back(core::ProductTag{ids_.Next("ptag_"), tricky});
    ASSERT_TRUE(store_->PutProducts(std::vector{product}).has_value());

    auto got = store_->GetProduct(product.id, core::ProductRelations::All());
    ASSERT_TRUE(got.has_value()) << got.error().detail;
    EXPECT_EQ(got->title, tricky);
    EXPECT_EQ(got->description, std::optional<std::string>{"\\N"});
    EXPECT_EQ(got->subtitle, std::optional<std::string>{""});  // empty text is not NULL
    EXPECT_EQ(got->variants.at(0).title, tricky);
    EXPECT_EQ(got->variants.at(0).options.at(0).value, tricky);
    EXPECT_EQ(got->tags.back().value, tricky);
}

TEST_F(PgCatalogStoreTest, TextWithANulIsInvalidDataAndWritesNothing) {
    core::Product product = test_support::MakeRealisticProduct(ids_, refs_, "nul", "NUL");
    product.title = std::string("a\0b", 3);
    auto put = store_->PutProducts(std::vector{product});
    ASSERT_FALSE(put.has_value());
    EXPECT_EQ(put.error().code, core::Errc::kInvalidData);
    EXPECT_EQ(store_->GetProduct(product.id, {}).error().code, core::Errc::kNotFound);
    // The connection that carried the failed COPY serves the next call.
    product.title = "fine";
    EXPECT_TRUE(store_->PutProducts(std::vector{product}).has_value());
}

// The list statement of every order column is an index scan of its keyset index (0002_catalog.sql),
// not a sort of the whole table: what makes a keyset page cheap however deep it is.
TEST_F(PgCatalogStoreTest, EveryProductOrderUsesItsKeysetIndex) {
    const std::vector<std::pair<std::string, std::string>> orders{
        {"p.created_at DESC, p.id DESC", "product_created_at_id"},
        {"p.updated_at ASC, p.id ASC", "product_updated_at_id"},
        {"p.title ASC, p.id ASC", "product_title_id"},
        {"COALESCE(p.handle, '') DESC, p.id DESC", "product_handle_id"},
    };
    PGconn* conn = fixture_.schema->Conn();
    pgtest::Exec(conn, "SET enable_seqscan = off");  // an empty table would be scanned whatever the indexes
    for (const auto& [order, index] : orders) {
        const pgtest::PgResult plan =
            pgtest::Exec(conn, "EXPLAIN SELECT p.id FROM product p WHERE p.deleted_at IS NULL ORDER BY " +
                                   order + " LIMIT 50");
        std::string text;
        for (int row = 0; row < PQntuples(plan.get()); ++row) {
            text += PQgetvalue(plan.get(), row, 0);
            text += '\n';
        }
        EXPECT_NE(text.find(index), std::string::npos) << order << ":\n" << text;
        EXPECT_EQ(text.find("Sort"), std::string::npos) << order << ":\n" << text;
    }
}

// Seeding writes big spans: 1,000 products of 10 variants each (3 prices and 2 option values per
// variant) in one PutProducts, then the same span again (every row replaced). Prints the rates;
// the bound only catches a pathological plan (seconds per thousand rows), not a slow machine.
// BATCHD_TEST_PG_BULK_PRODUCTS scales it up for a measurement (10000: 100k variants).
TEST_F(PgCatalogStoreTest, BigSpansAreWrittenWholeAndReplacedWhole) {
    const char* scale = std::getenv("BATCHD_TEST_PG_BULK_PRODUCTS");
    const int kProducts = scale != nullptr ? std::max(1, std::atoi(scale)) : 1000;
    constexpr int kVariants = 10;
    std::vector<core::Product> products;
    products.reserve(kProducts);
    for (int i = 0; i < kProducts; ++i) {
        products.push_back(BulkProduct(ids_, refs_, i, kVariants));
    }
    const auto put = [&](const char* what) {
        const auto start = std::chrono::steady_clock::now();
        auto written = store_->PutProducts(products);
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        ASSERT_TRUE(written.has_value()) << written.error().detail;
        std::printf("%s: %d variants in %.2f s (%.0f variants/s)\n", what, kProducts * kVariants,
                    took.count(), kProducts * kVariants / took.count());
        EXPECT_LT(took.count(), 120.0);
    };
    put("new");
    put("replaced");

    core::ProductFilter all;
    auto count = store_->CountProducts(all);
    ASSERT_TRUE(count.has_value());
    EXPECT_EQ(*count, kProducts);
    const pgtest::PgResult variants =
        pgtest::Exec(fixture_.schema->Conn(), "SELECT count(*) FROM product_variant");
    EXPECT_EQ(std::string(PQgetvalue(variants.get(), 0, 0)), std::to_string(kProducts * kVariants));
    // An export's read: keyset pages of 1,000 products with every relation.
    const auto start = std::chrono::steady_clock::now();
    core::ProductQuery query;
    query.limit = 1000;
    query.relations = core::ProductRelations::All();
    query.with_count = false;
    std::size_t read_products = 0;
    std::size_t read_variants = 0;
    std::size_t read_prices = 0;
    for (;;) {
        auto page = store_->ListProducts(query);
        ASSERT_TRUE(page.has_value()) << page.error().detail;
        if (page->products.empty()) {
            break;
        }
        for (const core::Product& product : page->products) {
            read_variants += product.variants.size();
            for (const core::ProductVariant& variant : product.variants) {
                read_prices += variant.prices.size();
            }
        }
        read_products += page->products.size();
        query.after = core::KeyOf(page->products.back(), query.order_by);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::printf("read: %zu products, %zu variants, %zu prices in %.2f s (%.0f variants/s)\n", read_products,
                read_variants, read_prices, took.count(), static_cast<double>(read_variants) / took.count());
    EXPECT_EQ(read_products, static_cast<std::size_t>(kProducts));
    EXPECT_EQ(read_variants, static_cast<std::size_t>(kProducts * kVariants));
    EXPECT_EQ(read_prices, static_cast<std::size_t>(kProducts * kVariants * 3));

    auto last = store_->GetProduct(products.back().id, core::ProductRelations::All());
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->variants.size(), static_cast<std::size_t>(kVariants));
    EXPECT_EQ(last->variants.back().prices.size(), 3U);
    EXPECT_EQ(last->variants.back().options.size(), 2U);
}

// Prices and option values carry their variant's product_id (0002_catalog.sql: pages read them by
// product, and the store finds a variant's rows by it). A variant that moves to another product of
// the same put takes its price-list prices along: removed later from its new product, it leaves
// none behind, and both products read back only their own variants' rows.
// Both products in the put (the fast path), or only the new one (the careful path: the variant's id
// belongs to a product outside the put).
TEST_F(PgCatalogStoreTest, AVariantMovedToAnotherProductTakesItsRowsAlong) {
    for (const bool put_both : {true, false}) {
        SCOPED_TRACE(put_both ? "both products put" : "only the new product put");
        core::Product a = test_support::ProductBuilder(ids_, "A")
                              .Option("Size")
                              .Variant("S", {"S"}, put_both ? "MOVE-S1" : "MOVE-S2")
                              .Price("eur", 1000)
                              .Variant("M", {"M"}, put_both ? "MOVE-M1" : "MOVE-M2")
                              .Price("eur", 1100)
                              .Build();
        core::Product b = test_support::ProductBuilder(ids_, "B").Option("Size").Build();
        ASSERT_TRUE(store_->PutProducts(std::vector{a, b}).has_value());
        core::PriceList list;
        list.id = ids_.Next("pl_");
        list.name = "Sale";
        list.created_at = list.updated_at = ids_.Now();
        core::MoneyAmount list_price;
        list_price.id = ids_.Next("ma_");
        list_price.currency_code = "eur";
        list_price.amount = 900;
        list_price.variant_id = a.variants.at(0).id;
        list.prices.push_back(list_price);
        ASSERT_TRUE(store_->PutPriceList(list).has_value());

        // Variant S moves from A to B (its option value now names B's option).
        core::ProductVariant moved = a.variants.at(0);
        moved.options.at(0).option_id = b.options.at(0).id;
        a.variants.erase(a.variants.begin());
        b.variants.push_back(moved);
        auto put = put_both ? store_->PutProducts(std::vector{a, b}) : store_->PutProducts(std::vector{b});
        ASSERT_TRUE(put.has_value()) << put.error().detail;
        auto got_a = store_->GetProduct(a.id, core::ProductRelations::All());
        auto got_b = store_->GetProduct(b.id, core::ProductRelations::All());
        ASSERT_TRUE(got_a.has_value()) << got_a.error().detail;
        ASSERT_TRUE(got_b.has_value()) << got_b.error().detail;
        ASSERT_EQ(got_a->variants.size(), 1U);  // the variant left it either way
        EXPECT_EQ(got_a->variants.at(0).prices.size(), 1U);
        ASSERT_EQ(got_b->variants.size(), 1U);
        EXPECT_EQ(got_b->variants.at(0).id, moved.id);
        ASSERT_EQ(got_b->variants.at(0).prices.size(), 1U);
        EXPECT_EQ(got_b->variants.at(0).prices.at(0).amount, 1000);
        ASSERT_EQ(got_b->variants.at(0).options.size(), 1U);
        EXPECT_EQ(got_b->variants.at(0).options.at(0).option_id, b.options.at(0).id);
        auto got_list = store_->GetPriceList(list.id);
        ASSERT_TRUE(got_list.has_value());
        EXPECT_EQ(got_list->prices.size(), 1U);

        // Removed from B, the variant goes with its price-list price.
        b.variants.clear();
        ASSERT_TRUE(store_->PutProducts(std::vector{b}).has_value());
        got_list = store_->GetPriceList(list.id);
        ASSERT_TRUE(got_list.has_value());
        EXPECT_TRUE(got_list->prices.empty());
        const pgtest::PgResult rows = pgtest::Exec(
            fixture_.schema->Conn(),
            "SELECT (SELECT count(*) FROM money_amount m WHERE NOT EXISTS "
            "(SELECT 1 FROM product_variant v WHERE v.id = m.variant_id AND v.product_id = m.product_id)) + "
            "(SELECT count(*) FROM product_variant_option_value ov WHERE NOT EXISTS "
            "(SELECT 1 FROM product_variant v WHERE v.id = ov.variant_id AND v.product_id = ov.product_id))");
        EXPECT_EQ(std::string(PQgetvalue(rows.get(), 0, 0)), "0");  // no row with a stale product_id
    }
}

TEST(PgCatalogStartup, AnUnreachableServerIsAStartupError) {
    const store::postgres::PgConfig config{.url = "postgresql://batchd:pw@127.0.0.1:1/batchd",
                                           .connect_timeout = std::chrono::seconds{2}};
    EXPECT_THROW((void)store::postgres::MakePgCatalogStore(config), std::runtime_error);
}

}  // namespace
}  // namespace batchd::contract
