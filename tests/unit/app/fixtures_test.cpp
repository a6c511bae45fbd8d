#include "app/fixtures.hpp"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time_text.hpp"
#include "unit/app/sqlite_catalog_fixture.hpp"

namespace batchd::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const std::filesystem::path kFixtures = std::filesystem::path(BATCHD_SOURCE_DIR) / "tests" / "fixtures";

core::TimePoint Now() { return *core::ParseIsoTime("2025-01-01T00:00:00.000Z"); }

class FixturesTest : public ::testing::Test {
protected:
    FixtureCounts Load(const std::filesystem::path& file) {
        return LoadFixtures(file, store_.Database(), store_.Catalog(), Now());
    }

    // Writes `json` to a file of the test's folder and loads it; the error text, or "" when it loads.
    std::string LoadText(const std::string& json) {
        const std::filesystem::path file = store_.Folder() / "fixture.json";
        std::ofstream{file} << json;
        try {
            (void)Load(file);
        } catch (const std::runtime_error& error) {
            return error.what();
        }
        return "";
    }

    core::CatalogStore& Catalog() { return store_.Catalog(); }

private:
    testing::SqliteCatalogFixture store_;
};

std::vector<std::string> IdsOf(const std::vector<core::ProductVariant>& variants) {
    std::vector<std::string> ids;
    for (const auto& variant : variants) {
        ids.push_back(variant.id);
    }
    return ids;
}

TEST_F(FixturesTest, TheMedusaProductSeedReadsBackAsSection83Describes) {
    const FixtureCounts counts = Load(kFixtures / "medusa-product-seed.json");
    EXPECT_EQ(counts.products, 6);
    EXPECT_EQ(counts.variants, 6);
    EXPECT_EQ(counts.regions, 4);

    auto visible = Catalog().CountProducts({});
    ASSERT_TRUE(visible) << visible.error().detail;
    EXPECT_EQ(*visible, 5);  // test-product_filtering_4 is soft-deleted

    auto product = Catalog().GetProduct("test-product", core::ProductRelations::All());
    ASSERT_TRUE(product) << product.error().detail;
    EXPECT_EQ(product->handle, "test-product");
    EXPECT_EQ(product->description, "test-product-description");
    EXPECT_EQ(product->collection_id, "test-collection");
    ASSERT_TRUE(product->collection);
    EXPECT_EQ(product->collection->handle, "test-collection");
    ASSERT_TRUE(product->type);
    EXPECT_EQ(product->type->value, "test-type");
    ASSERT_THAT(product->tags, SizeIs(2));
    EXPECT_EQ(product->tags[0].value, "123");
    EXPECT_EQ(product->tags[1].value, "456");
    ASSERT_THAT(product->images, SizeIs(1));
    EXPECT_EQ(product->images[0].url, "test-image.png");
    ASSERT_TRUE(product->profile);
    EXPECT_EQ(product->profile->type, "default");
    EXPECT_THAT(IdsOf(product->variants),
                ElementsAre("test-variant", "test-variant_2", "test-variant_1", "test-variant-sale"));
    ASSERT_THAT(product->variants[2].prices, SizeIs(1));
    EXPECT_EQ(product->variants[2].prices[0].amount, 1000);
    EXPECT_EQ(product->variants[2].prices[0].currency_code, "usd");
    ASSERT_THAT(product->variants[2].options, SizeIs(1));
    EXPECT_EQ(product->variants[2].options[0].option_id, "test-option");
    EXPECT_EQ(product->variants[2].options[0].value, "Default variant 1");

    auto deleted = Catalog().GetProduct("test-product_filtering_4", {});
    ASSERT_FALSE(deleted);
    EXPECT_EQ(deleted.error().code, core::Errc::kNotFound);

    // Oldest first, test-product leads the products of test-collection (scenario 25).
    core::ProductQuery oldest;
    oldest.filter.collection_ids = {"test-collection"};
    oldest.direction = core::SortDirection::kAscending;
    auto page = Catalog().ListProducts(oldest);
    ASSERT_TRUE(page) << page.error().detail;
    ASSERT_THAT(page->products, SizeIs(2));
    EXPECT_EQ(page->products[0].id, "test-product");

    auto channel = Catalog().DefaultSalesChannel();
    ASSERT_TRUE(channel) << channel.error().detail;
    EXPECT_EQ(channel->id, "test-channel");
    auto region = Catalog().GetRegion("region-product-import-1");
    ASSERT_TRUE(region) << region.error().detail;
    EXPECT_EQ(region->name, "denmark");
    EXPECT_EQ(region->currency_code, "dkk");
}

TEST_F(FixturesTest, TheImportAndPriceListSeedsLoad) {
    (void)Load(kFixtures / "medusa-product-import-seed.json");
    auto existing = Catalog().GetProduct("existing-product-id", core::ProductRelations::All());
    ASSERT_TRUE(existing) << existing.error().detail;
    ASSERT_THAT(existing->variants, SizeIs(1));
    EXPECT_EQ(existing->variants[0].id, "existing-variant-id");
    EXPECT_EQ(existing->variants[0].sku, "test-sku-4");
    ASSERT_THAT(existing->variants[0].options, SizeIs(1));
    EXPECT_EQ(existing->variants[0].options[0].option_id, "opt-1-id");
    EXPECT_EQ(existing->variants[0].options[0].value, "Large");

    (void)Load(kFixtures / "medusa-price-list-seed.json");
    auto list = Catalog().GetPriceList("pl_my_price_list");
    ASSERT_TRUE(list) << list.error().detail;
    ASSERT_THAT(list->prices, SizeIs(2));
    EXPECT_EQ(list->prices[0].variant_id, "test-pl-variant");
}

TEST_F(FixturesTest, OrdersWithCustomersAndDefaults) {
    EXPECT_EQ(LoadText(R"({
        "regions": [{"id": "reg-eu", "name": "EU", "currency_code": "EUR"}],
        "sales_channels": [{"id": "sc-web", "name": "Web", "is_default": true}],
        "orders": [
          {"id": "test-order", "currency_code": "eur", "region_id": "reg-eu", "sales_channel_id": "sc-web",
           "status": "completed", "fulfillment_status": "fulfilled", "payment_status": "captured",
           "subtotal": 8000, "shipping_total": 1000, "tax_total": 0,
           "customer": {"id": "cus-1", "email": "test@email.com", "first_name": "Anna"},
           "shipping_address": {"id": "addr-1", "address_1": "Main St 1", "country_code": "dk"}}
        ]})"),
              "");
    auto order = Catalog().GetOrder("test-order");
    ASSERT_TRUE(order) << order.error().detail;
    EXPECT_EQ(order->display_id, 1);
    EXPECT_EQ(order->email, "test@email.com");  // the customer's
    EXPECT_EQ(order->total, 9000);              // computed when not given
    ASSERT_TRUE(order->customer);
    EXPECT_EQ(order->customer->first_name, "Anna");
    ASSERT_TRUE(order->shipping_address);
    EXPECT_EQ(order->shipping_address->country_code, "dk");
    auto region = Catalog().GetRegion("reg-eu");
    ASSERT_TRUE(region);
    EXPECT_EQ(region->currency_code, "eur");  // lower case
}

TEST_F(FixturesTest, UnknownKeysAreErrorsNamingTheKeyAndCommentsAreNot) {
    EXPECT_THAT(LoadText(R"({"prodcts": []})"), HasSubstr("unknown key \"prodcts\""));
    EXPECT_THAT(LoadText(R"({"products": [{"id": "p", "title": "P", "variants": [{"skus": "x"}]}]})"),
                HasSubstr("products[0].variants[0]: unknown key \"skus\""));
    EXPECT_THAT(LoadText(R"({"regions": [{"id": "r", "name": "R", "currency_code": "eur", "tax": 1}]})"),
                HasSubstr("regions[0]: unknown key \"tax\""));
    EXPECT_THAT(LoadText(R"({"products": [{"title": "no id"}]})"), HasSubstr("products[0]: needs id"));
    EXPECT_EQ(LoadText(R"({"_comment": ["ignored"], "regions": [{"_comment": "also", "id": "r", "name": "R",
                          "currency_code": "eur"}]})"),
              "");
}

TEST_F(FixturesTest, AStoreErrorNamesTheEntry) {
    EXPECT_THAT(LoadText(R"({"products": [{"id": "p", "title": "P", "collection_id": "nope"}]})"),
                HasSubstr("products[0] (p)"));
}

}  // namespace
}  // namespace batchd::app
