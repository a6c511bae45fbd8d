#include "app/seed.hpp"

#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/app/sqlite_catalog_fixture.hpp"

namespace batchd::app {
namespace {

using ::testing::SizeIs;

std::string Opt(const std::optional<std::string>& text) { return text ? "'" + *text + "'" : "null"; }

template <class T>
std::string Opt(const std::optional<T>& value) {
    return value ? std::to_string(*value) : "null";
}

// Every field the generator sets, as text: two products are the same when their texts are.
std::string Describe(const core::Product& p) {
    std::ostringstream out;
    out << p.id << '|' << p.title << '|' << Opt(p.subtitle) << '|' << Opt(p.description) << '|'
        << Opt(p.handle) << '|' << p.is_giftcard << p.status << '|' << Opt(p.thumbnail) << '|'
        << Opt(p.weight) << Opt(p.length) << Opt(p.height) << Opt(p.width) << Opt(p.hs_code)
        << Opt(p.origin_country) << Opt(p.mid_code) << Opt(p.material) << Opt(p.collection_id)
        << Opt(p.type_id) << Opt(p.profile_id) << p.discountable << Opt(p.external_id)
        << p.created_at.time_since_epoch().count() << ',' << p.updated_at.time_since_epoch().count() << '\n';
    for (const auto& tag : p.tags) {
        out << " tag " << tag.id << '=' << tag.value << '\n';
    }
    for (const auto& image : p.images) {
        out << " image " << image.id << '=' << image.url << '\n';
    }
    for (const auto& option : p.options) {
        out << " option " << option.id << '=' << option.title << '\n';
    }
    for (const auto& channel : p.sales_channels) {
        out << " channel " << channel.id << '\n';
    }
    for (const auto& category : p.categories) {
        out << " category " << category.id << '\n';
    }
    for (const auto& v : p.variants) {
        out << " variant " << v.id << '|' << v.title << '|' << Opt(v.sku) << Opt(v.barcode) << Opt(v.ean)
            << Opt(v.upc) << v.inventory_quantity << v.allow_backorder << v.manage_inventory << Opt(v.weight)
            << Opt(v.material) << v.variant_rank << '\n';
        for (const auto& price : v.prices) {
            out << "  price " << price.id << ' ' << price.currency_code << ' ' << price.amount << ' '
                << Opt(price.region_id) << '\n';
        }
        for (const auto& value : v.options) {
            out << "  value " << value.id << ' ' << value.option_id << '=' << value.value << '\n';
        }
    }
    return out.str();
}

std::string Describe(const core::Order& o) {
    std::ostringstream out;
    out << o.id << '|' << o.display_id << o.status << o.fulfillment_status << o.payment_status << o.email
        << o.currency_code << o.region_id << Opt(o.sales_channel_id) << o.subtotal << ',' << o.shipping_total
        << ',' << o.discount_total << ',' << o.gift_card_total << ',' << o.refunded_total << ','
        << o.tax_total << ',' << o.total << ',' << o.created_at.time_since_epoch().count() << '|'
        << o.customer->id << o.customer->email << Opt(o.customer->first_name) << '|' << o.shipping_address->id
        << Opt(o.shipping_address->address_1) << Opt(o.shipping_address->address_2)
        << Opt(o.shipping_address->country_code);
    return out.str();
}

SeedOptions Options(std::int64_t products, std::int32_t variants, std::int64_t orders, std::uint64_t seed) {
    SeedOptions options;
    options.products = products;
    options.variants_per_product = variants;
    options.orders = orders;
    options.seed = seed;
    return options;
}

TEST(CatalogGeneratorTest, TheSameSeedGivesTheSameCatalogAndAnotherSeedAnotherOne) {
    const CatalogGenerator first{Options(100, 4, 50, 7)};
    const CatalogGenerator again{Options(100, 4, 50, 7)};
    const CatalogGenerator other{Options(100, 4, 50, 8)};
    for (std::int64_t i = 0; i < 100; ++i) {
        const std::string described = Describe(first.MakeProduct(i));
        EXPECT_EQ(described, Describe(again.MakeProduct(i))) << "product " << i;
        EXPECT_NE(described, Describe(other.MakeProduct(i))) << "product " << i;
    }
    // Out of order too: product i depends on the seed and i only.
    EXPECT_EQ(Describe(first.MakeProduct(42)), Describe(again.MakeProduct(42)));
    for (std::int64_t i = 0; i < 50; ++i) {
        EXPECT_EQ(Describe(first.MakeOrder(i)), Describe(again.MakeOrder(i))) << "order " << i;
    }
    EXPECT_NE(Describe(first.MakeOrder(0)), Describe(other.MakeOrder(0)));
}

TEST(CatalogGeneratorTest, ProductsHaveTheRequestedShapeAndDistinctIncreasingTimes) {
    const CatalogGenerator generator{Options(300, 5, 0, 1)};
    const SeedReferences& refs = generator.References();
    ASSERT_GE(refs.regions.size(), 4U);
    ASSERT_THAT(refs.sales_channels, SizeIs(3));
    EXPECT_TRUE(refs.sales_channels[0].is_default);
    EXPECT_FALSE(refs.sales_channels[1].is_default);

    std::set<std::string> ids;
    std::set<std::string> skus;
    std::set<std::string> handles;
    core::TimePoint previous{};
    std::set<std::size_t> option_counts;
    for (std::int64_t i = 0; i < 300; ++i) {
        const core::Product product = generator.MakeProduct(i);
        EXPECT_GT(product.created_at, previous) << "product " << i;
        previous = product.created_at;
        EXPECT_TRUE(ids.insert(product.id).second);
        ASSERT_TRUE(product.handle);
        EXPECT_TRUE(handles.insert(*product.handle).second);
        EXPECT_GE(product.images.size(), 1U);
        EXPECT_LE(product.images.size(), 3U);
        EXPECT_GE(product.options.size(), 1U);
        EXPECT_LE(product.options.size(), 3U);
        option_counts.insert(product.options.size());
        EXPECT_FALSE(product.sales_channels.empty());
        EXPECT_EQ(product.sales_channels[0].id, refs.sales_channels[0].id);
        ASSERT_THAT(product.variants, SizeIs(5));
        std::set<std::string> titles;
        for (std::size_t v = 0; v < product.variants.size(); ++v) {
            const core::ProductVariant& variant = product.variants[v];
            EXPECT_EQ(variant.variant_rank, static_cast<std::int32_t>(v));
            EXPECT_TRUE(ids.insert(variant.id).second);
            ASSERT_TRUE(variant.sku);
            EXPECT_TRUE(skus.insert(*variant.sku).second);
            EXPECT_TRUE(titles.insert(variant.title).second) << variant.title;
            EXPECT_THAT(variant.options, SizeIs(product.options.size()));
            // One price per currency, then one region price in that region's currency.
            ASSERT_THAT(variant.prices, SizeIs(refs.regions.size() + 1));
            std::set<std::string> currencies;
            for (std::size_t r = 0; r < refs.regions.size(); ++r) {
                EXPECT_FALSE(variant.prices[r].region_id);
                currencies.insert(variant.prices[r].currency_code);
            }
            EXPECT_EQ(currencies.size(), refs.regions.size());
            const core::MoneyAmount& region_price = variant.prices.back();
            ASSERT_TRUE(region_price.region_id);
            const auto region = std::find_if(refs.regions.begin(), refs.regions.end(),
                                             [&](const auto& r) { return r.id == *region_price.region_id; });
            ASSERT_NE(region, refs.regions.end());
            EXPECT_EQ(region_price.currency_code, region->currency_code);
        }
    }
    EXPECT_THAT(option_counts, SizeIs(3));  // 1, 2 and 3 options all occur
}

TEST(CatalogGeneratorTest, MoreVariantsThanOptionCombinationsStayDistinct) {
    const CatalogGenerator generator{Options(20, 40, 0, 3)};
    for (std::int64_t i = 0; i < 20; ++i) {
        const core::Product product = generator.MakeProduct(i);
        std::set<std::string> titles;
        for (const auto& variant : product.variants) {
            titles.insert(variant.title);
        }
        EXPECT_THAT(titles, SizeIs(40))
            << "product " << i << " with " << product.options.size() << " options";
    }
}

TEST(CatalogGeneratorTest, TextNeedsCsvQuoting) {
    const CatalogGenerator generator{Options(60, 1, 0, 1)};
    bool semicolon = false, comma = false, quote = false, line_feed = false, quoted_title = false;
    for (std::int64_t i = 0; i < 60; ++i) {
        const core::Product product = generator.MakeProduct(i);
        const std::string description = product.description.value_or("");
        semicolon = semicolon || description.find(';') != std::string::npos;
        comma = comma || description.find(',') != std::string::npos;
        quote = quote || description.find('"') != std::string::npos;
        line_feed = line_feed || description.find('\n') != std::string::npos;
        quoted_title = quoted_title || product.title.find_first_of("\",") != std::string::npos;
    }
    EXPECT_TRUE(semicolon);
    EXPECT_TRUE(comma);
    EXPECT_TRUE(quote);
    EXPECT_TRUE(line_feed);
    EXPECT_TRUE(quoted_title);
    const SeedReferences& refs = generator.References();
    EXPECT_NE(refs.sales_channels[1].name.find(';'), std::string::npos);
    EXPECT_NE(refs.sales_channels[2].name.find(','), std::string::npos);
}

TEST(CatalogGeneratorTest, OrdersHaveCustomersAddressesChannelsAndMixedStatuses) {
    const CatalogGenerator generator{Options(10, 1, 200, 5)};
    std::set<std::string> statuses;
    std::set<std::string> customers;
    core::TimePoint previous{};
    const core::Product last_product = generator.MakeProduct(9);
    for (std::int64_t i = 0; i < 200; ++i) {
        const core::Order order = generator.MakeOrder(i);
        EXPECT_EQ(order.display_id, i + 1);
        EXPECT_GT(order.created_at, previous);
        EXPECT_GT(order.created_at, last_product.created_at);
        previous = order.created_at;
        ASSERT_TRUE(order.customer);
        ASSERT_TRUE(order.shipping_address);
        ASSERT_TRUE(order.sales_channel_id);
        EXPECT_EQ(order.email, order.customer->email);
        EXPECT_EQ(order.total, order.subtotal + order.shipping_total + order.tax_total -
                                   order.discount_total - order.gift_card_total);
        statuses.insert(order.status);
        customers.insert(order.customer->id);
    }
    EXPECT_GE(statuses.size(), 4U);
    EXPECT_LT(customers.size(), 200U);  // customers come back
    EXPECT_GT(customers.size(), 20U);
}

TEST(SeedCatalogTest, WritesTheCatalogInBatchesAndSeedingAgainReplacesIt) {
    testing::SqliteCatalogFixture store;
    SeedOptions options = Options(250, 3, 30, 11);
    options.batch_size = 100;
    auto seeded = SeedCatalog(store.Catalog(), options);
    ASSERT_TRUE(seeded) << seeded.error().detail;
    EXPECT_EQ(seeded->products, 250);
    EXPECT_EQ(seeded->variants, 750);
    EXPECT_EQ(seeded->orders, 30);

    auto count = store.Catalog().CountProducts({});
    ASSERT_TRUE(count) << count.error().detail;
    EXPECT_EQ(*count, 250);
    auto orders = store.Catalog().CountOrders({});
    ASSERT_TRUE(orders) << orders.error().detail;
    EXPECT_EQ(*orders, 30);

    // The newest product is the last one made, read back whole.
    const CatalogGenerator generator{options};
    core::ProductQuery query;
    query.limit = 1;
    query.relations = core::ProductRelations::All();
    auto page = store.Catalog().ListProducts(query);
    ASSERT_TRUE(page) << page.error().detail;
    ASSERT_THAT(page->products, SizeIs(1));
    const core::Product expected = generator.MakeProduct(249);
    const core::Product& read = page->products[0];
    EXPECT_EQ(read.id, expected.id);
    EXPECT_EQ(read.title, expected.title);
    EXPECT_EQ(read.description, expected.description);
    ASSERT_THAT(read.variants, SizeIs(3));
    EXPECT_EQ(read.variants[2].id, expected.variants[2].id);
    EXPECT_THAT(read.variants[0].prices, SizeIs(expected.variants[0].prices.size()));
    EXPECT_THAT(read.images, SizeIs(expected.images.size()));
    EXPECT_THAT(read.tags, SizeIs(expected.tags.size()));
    EXPECT_THAT(read.sales_channels, SizeIs(expected.sales_channels.size()));

    auto channel = store.Catalog().DefaultSalesChannel();
    ASSERT_TRUE(channel);
    EXPECT_EQ(channel->id, generator.References().sales_channels[0].id);

    seeded = SeedCatalog(store.Catalog(), options);
    ASSERT_TRUE(seeded) << seeded.error().detail;
    count = store.Catalog().CountProducts({});
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 250);
}

TEST(SeedCatalogTest, JoinsTheStoresDefaultChannelInsteadOfReplacingIt) {
    testing::SqliteCatalogFixture store;
    core::SalesChannel existing;
    existing.id = "test-channel";
    existing.name = "test-channel";
    existing.is_default = true;
    ASSERT_TRUE(store.Catalog().PutSalesChannel(existing));

    auto seeded = SeedCatalog(store.Catalog(), Options(5, 1, 0, 1));
    ASSERT_TRUE(seeded) << seeded.error().detail;
    auto channel = store.Catalog().DefaultSalesChannel();
    ASSERT_TRUE(channel);
    EXPECT_EQ(channel->id, "test-channel");
    core::ProductFilter in_channel;
    in_channel.sales_channel_ids = {"test-channel"};
    auto count = store.Catalog().CountProducts(in_channel);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 5);
}

}  // namespace
}  // namespace batchd::app
