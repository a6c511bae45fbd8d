// The catalog entities on the wire (catalog_json.hpp), as Medusa v1's admin API shows them.
#include "http/catalog_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "core/time_text.hpp"

namespace batchd::http {
namespace {

namespace json = boost::json;

core::TimePoint At(std::string_view iso) { return core::ParseIsoTime(iso).value(); }

core::Product SampleProduct() {
    core::Product product;
    product.id = "prod_1";
    product.title = "Shirt";
    product.handle = "shirt";
    product.status = "published";
    product.weight = 300;
    product.collection_id = "pcol_1";
    product.profile_id = "sp_1";
    product.created_at = At("2024-01-02T03:04:05.678Z");
    product.updated_at = At("2024-01-03");
    product.collection =
        core::ProductCollection{"pcol_1", "Summer", "summer", At("2024-01-01"), At("2024-01-01")};
    product.type = core::ProductType{"ptyp_1", "shirts"};
    product.profile = core::ShippingProfile{"sp_1", "Default Shipping Profile", "default"};
    product.tags = {{"ptag_1", "cotton"}};
    product.images = {{"img_1", "a.png"}};
    product.options = {{"opt_size", "size"}, {"opt_color", "color"}};
    core::ProductVariant variant;
    variant.id = "variant_1";
    variant.title = "S / red";
    variant.sku = "SKU-1";
    variant.inventory_quantity = 4;
    variant.prices = {core::MoneyAmount{"ma_1", "usd", 1999, std::nullopt, std::nullopt, std::nullopt,
                                        std::nullopt, std::nullopt},
                      core::MoneyAmount{"ma_2", "eur", 1800, "reg_eu", std::nullopt, std::nullopt, 1, 10}};
    variant.options = {{"optval_1", "opt_size", "S"}, {"optval_2", "opt_color", "red"}};
    variant.created_at = At("2024-01-02");
    variant.updated_at = At("2024-01-02");
    product.variants = {variant};
    core::SalesChannel channel;
    channel.id = "sc_1";
    channel.name = "Web";
    product.sales_channels = {channel};
    return product;
}

TEST(CatalogJsonTest, ProductWithEveryRelation) {
    const json::object product = ProductToJson(SampleProduct(), core::ProductRelations::All());
    EXPECT_EQ(product.at("id"), "prod_1");
    EXPECT_EQ(product.at("title"), "Shirt");
    EXPECT_TRUE(product.at("subtitle").is_null());
    EXPECT_EQ(product.at("status"), "published");
    EXPECT_EQ(product.at("weight"), 300);
    EXPECT_TRUE(product.at("length").is_null());
    EXPECT_EQ(product.at("is_giftcard"), false);
    EXPECT_EQ(product.at("discountable"), true);
    EXPECT_EQ(product.at("collection_id"), "pcol_1");
    EXPECT_TRUE(product.at("type_id").is_null());
    EXPECT_EQ(product.at("created_at"), "2024-01-02T03:04:05.678Z");
    EXPECT_TRUE(product.at("deleted_at").is_null());
    EXPECT_EQ(product.at("collection").at("handle"), "summer");
    EXPECT_EQ(product.at("type").at("value"), "shirts");
    EXPECT_EQ(product.at("profile").at("type"), "default");
    EXPECT_EQ(product.at("tags").at(0).at("value"), "cotton");
    EXPECT_EQ(product.at("images").at(0).at("url"), "a.png");
    EXPECT_EQ(product.at("sales_channels").at(0).at("name"), "Web");
    EXPECT_TRUE(product.at("sales_channels").at(0).at("description").is_null());
    EXPECT_TRUE(product.at("categories").as_array().empty());

    const json::value& variant = product.at("variants").at(0);
    EXPECT_EQ(variant.at("product_id"), "prod_1");
    EXPECT_EQ(variant.at("sku"), "SKU-1");
    EXPECT_TRUE(variant.at("barcode").is_null());
    EXPECT_EQ(variant.at("inventory_quantity"), 4);
    EXPECT_EQ(variant.at("manage_inventory"), true);
    EXPECT_EQ(variant.at("variant_rank"), 0);
    const json::value& price = variant.at("prices").at(0);
    EXPECT_EQ(price, json::parse(R"({"id":"ma_1","currency_code":"usd","amount":1999,"min_quantity":null,)"
                                 R"("max_quantity":null,"price_list_id":null,"region_id":null,)"
                                 R"("variant_id":"variant_1","deleted_at":null})"));
    EXPECT_EQ(variant.at("prices").at(1).at("region_id"), "reg_eu");
    EXPECT_EQ(variant.at("prices").at(1).at("min_quantity"), 1);
    EXPECT_EQ(variant.at("options").at(1).at("value"), "red");
    EXPECT_EQ(variant.at("options").at(1).at("variant_id"), "variant_1");

    const json::value& size = product.at("options").at(0);
    EXPECT_EQ(size.at("title"), "size");
    EXPECT_EQ(size.at("product_id"), "prod_1");
    ASSERT_EQ(size.at("values").as_array().size(), 1U);
    EXPECT_EQ(size.at("values").at(0).at("value"), "S");
    EXPECT_EQ(size.at("values").at(0).at("option_id"), "opt_size");
}

TEST(CatalogJsonTest, OnlyTheLoadedRelationsAppear) {
    core::ProductRelations relations;
    relations.variants = true;
    relations.tags = true;
    const json::object product = ProductToJson(SampleProduct(), relations);
    EXPECT_TRUE(product.contains("variants"));
    EXPECT_TRUE(product.contains("tags"));
    for (const char* absent :
         {"options", "images", "type", "collection", "profile", "sales_channels", "categories"}) {
        EXPECT_FALSE(product.contains(absent)) << absent;
    }
    const json::value& variant = product.at("variants").at(0);
    EXPECT_FALSE(variant.as_object().contains("prices"));
    EXPECT_FALSE(variant.as_object().contains("options"));
    // A relation that was loaded but is empty is null, not missing.
    relations.type = true;
    core::Product untyped = SampleProduct();
    untyped.type.reset();
    EXPECT_TRUE(ProductToJson(untyped, relations).at("type").is_null());
}

TEST(CatalogJsonTest, Region) {
    core::Region region{"reg_1", "Denmark", "dkk", 25, {"dk"}, At("2024-01-01"), At("2024-01-01")};
    const json::object out = RegionToJson(region);
    EXPECT_EQ(out.at("name"), "Denmark");
    EXPECT_EQ(out.at("currency_code"), "dkk");
    EXPECT_EQ(out.at("tax_rate").to_number<double>(), 25.0);
    EXPECT_EQ(out.at("countries"), json::parse(R"([{"iso_2":"dk","region_id":"reg_1"}])"));
    EXPECT_TRUE(out.at("payment_providers").as_array().empty());
}

TEST(CatalogJsonTest, PriceListPricesNameTheirList) {
    core::PriceList list;
    list.id = "pl_1";
    list.name = "Sale";
    list.ends_at = At("2025-01-01");
    core::MoneyAmount price;
    price.id = "ma_1";
    price.currency_code = "usd";
    price.amount = 1000;
    price.variant_id = "variant_1";
    list.prices = {price};
    const json::object with = PriceListToJson(list, true);
    EXPECT_EQ(with.at("prices").at(0).at("price_list_id"), "pl_1");
    EXPECT_EQ(with.at("prices").at(0).at("variant_id"), "variant_1");
    EXPECT_TRUE(with.at("starts_at").is_null());
    EXPECT_EQ(with.at("ends_at"), "2025-01-01T00:00:00.000Z");
    EXPECT_FALSE(PriceListToJson(list, false).contains("prices"));
}

TEST(CatalogJsonTest, OrderWithAndWithoutRelations) {
    core::Order order;
    order.id = "order_1";
    order.display_id = 6;
    order.email = "a@b.c";
    order.total = 8000;
    order.region_id = "reg_1";
    json::object out = OrderToJson(order);
    EXPECT_EQ(out.at("display_id"), 6);
    EXPECT_EQ(out.at("total"), 8000);
    EXPECT_EQ(out.at("fulfillment_status"), "not_fulfilled");
    EXPECT_TRUE(out.at("customer").is_null());
    EXPECT_TRUE(out.at("customer_id").is_null());
    EXPECT_TRUE(out.at("shipping_address").is_null());
    EXPECT_TRUE(out.at("sales_channel").is_null());

    order.customer = core::Customer{"cus_1", "a@b.c", "Ann", std::nullopt};
    core::Address address;
    address.id = "addr_1";
    address.city = "Copenhagen";
    order.shipping_address = address;
    order.sales_channel = core::SalesChannel{"sc_1", "Web", "web shop", false, true, {}, {}};
    order.sales_channel_id = "sc_1";
    out = OrderToJson(order);
    EXPECT_EQ(out.at("customer_id"), "cus_1");
    EXPECT_EQ(out.at("customer").at("first_name"), "Ann");
    EXPECT_TRUE(out.at("customer").at("last_name").is_null());
    EXPECT_EQ(out.at("shipping_address").at("city"), "Copenhagen");
    EXPECT_EQ(out.at("shipping_address_id"), "addr_1");
    EXPECT_EQ(out.at("sales_channel").at("description"), "web shop");
}

}  // namespace
}  // namespace batchd::http
