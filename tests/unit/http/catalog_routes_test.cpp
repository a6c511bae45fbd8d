// The admin catalog routes end to end without sockets: http::Api over the SQLite catalog store in a
// temp folder, driven with the bodies medusa-js sends.
#include "http/catalog_routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "core/time_text.hpp"
#include "http/api.hpp"
#include "http_test_support.hpp"

namespace batchd::http {
namespace {

namespace json = boost::json;
using testing::ApiWorld;
using testing::Json;
using testing::MakeRequest;

class CatalogRoutesTest : public ::testing::Test {
protected:
    Response Send(std::string method, std::string target, std::string body = {}) {
        return testing::Handle(api_, MakeRequest(std::move(method), std::move(target), std::move(body)));
    }

    // Sends and expects `status`; returns the body as JSON.
    json::value Expect(int status, std::string method, std::string target, std::string body = {}) {
        const Response response = Send(std::move(method), std::move(target), std::move(body));
        EXPECT_EQ(response.status, status) << response.body;
        return Json(response);
    }

    void ExpectError(const Response& response, int status, std::string_view type, std::string_view message) {
        EXPECT_EQ(response.status, status) << response.body;
        const json::value body = Json(response);
        EXPECT_EQ(std::string_view(body.at("type").as_string()), type) << response.body;
        EXPECT_EQ(std::string_view(body.at("message").as_string()), message) << response.body;
    }

    std::string MakeRegion(std::string_view name, std::string_view currency) {
        const json::value body =
            Expect(200, "POST", "/admin/regions",
                   json::serialize(json::object{{"name", name},
                                                {"currency_code", currency},
                                                {"tax_rate", 0},
                                                {"countries", json::array{}},
                                                {"payment_providers", json::array{}},
                                                {"fulfillment_providers", json::array{}}}));
        return std::string(body.at("region").at("id").as_string());
    }

    std::string MakeProduct(std::string_view body) {
        const json::value created = Expect(200, "POST", "/admin/products", std::string(body));
        return std::string(created.at("product").at("id").as_string());
    }

    ApiWorld world_;
    Api api_{world_.services()};
};

TEST_F(CatalogRoutesTest, RegionsCreateGetListUpdate) {
    const json::value created = Expect(
        200, "POST", "/admin/regions",
        R"({"name":"Denmark","currency_code":"DKK","tax_rate":25,"countries":["DK"],"payment_providers":[],)"
        R"("fulfillment_providers":[]})");
    const json::value& region = created.at("region");
    const std::string id(region.at("id").as_string());
    EXPECT_TRUE(id.starts_with("reg_")) << id;
    EXPECT_EQ(region.at("currency_code"), "dkk");
    EXPECT_EQ(region.at("countries").at(0).at("iso_2"), "dk");
    EXPECT_TRUE(region.at("created_at").is_string());

    EXPECT_EQ(Expect(200, "GET", "/admin/regions/" + id).at("region").at("name"), "Denmark");
    MakeRegion("Europe", "eur");
    const json::value list = Expect(200, "GET", "/admin/regions?limit=1");
    EXPECT_EQ(list.at("count"), 2);
    EXPECT_EQ(list.at("limit"), 1);
    EXPECT_EQ(list.at("offset"), 0);
    EXPECT_EQ(list.at("regions").as_array().size(), 1U);

    const json::value updated = Expect(200, "POST", "/admin/regions/" + id, R"({"name":"Danmark"})");
    EXPECT_EQ(updated.at("region").at("name"), "Danmark");
    EXPECT_EQ(updated.at("region").at("currency_code"), "dkk");

    ExpectError(Send("GET", "/admin/regions/reg_nope"), 404, "not_found",
                "Region with id: reg_nope was not found");
    ExpectError(Send("POST", "/admin/regions",
                     R"({"name":"x","currency_code":"eur","tax_rate":0,"countries":[],"x":1})"),
                400, "invalid_data", "property x should not exist");
}

TEST_F(CatalogRoutesTest, CollectionsChannelsCategories) {
    const json::value collection =
        Expect(200, "POST", "/admin/collections", R"({"title":"Test collection"})").at("collection");
    EXPECT_EQ(collection.at("handle"), "test-collection");
    const json::value collections = Expect(200, "GET", "/admin/collections");
    EXPECT_EQ(collections.at("count"), 1);
    EXPECT_EQ(collections.at("limit"), 10);
    EXPECT_EQ(collections.at("collections").at(0).at("title"), "Test collection");

    const json::value channel =
        Expect(200, "POST", "/admin/sales-channels", R"({"name":"Web","description":"the shop"})")
            .at("sales_channel");
    EXPECT_EQ(channel.at("is_disabled"), false);
    EXPECT_EQ(Expect(200, "GET", "/admin/sales-channels").at("sales_channels").at(0).at("name"), "Web");

    const json::value parent =
        Expect(200, "POST", "/admin/product-categories", R"({"name":"Shoes"})").at("product_category");
    const std::string parent_id(parent.at("id").as_string());
    const json::value child =
        Expect(200, "POST", "/admin/product-categories",
               R"({"name":"Boots","handle":"boots","parent_category_id":")" + parent_id + R"("})")
            .at("product_category");
    EXPECT_EQ(child.at("parent_category_id"), json::value(parent_id));
    EXPECT_EQ(Expect(200, "GET", "/admin/product-categories").at("count"), 2);
    ExpectError(Send("GET", "/admin/product-categories/pcat_x"), 404, "not_found",
                "ProductCategory with id: pcat_x was not found");
    ExpectError(Send("GET", "/admin/collections/pcol_x"), 404, "not_found",
                "Product collection with id: pcol_x was not found");
    ExpectError(Send("GET", "/admin/sales-channels/sc_x"), 404, "not_found",
                "Sales channel with id: sc_x was not found");
    // A parent that does not exist is the store's kInvalidData: a 400, never a 5xx.
    EXPECT_EQ(Send("POST", "/admin/product-categories", R"({"name":"Orphan","parent_category_id":"pcat_x"})")
                  .status,
              400);
}

TEST_F(CatalogRoutesTest, ProductCreateReadsBackEveryRelation) {
    const std::string eu = MakeRegion("Europe", "eur");
    const std::string collection(Expect(200, "POST", "/admin/collections", R"({"title":"Summer"})")
                                     .at("collection")
                                     .at("id")
                                     .as_string());
    const json::value product =
        Expect(
            200, "POST", "/admin/products",
            R"({"title":"Test export product","description":"d","type":{"value":"test-type"},)"
            R"("images":["a.png","b.png"],"collection_id":")" +
                collection +
                R"(",)"
                R"("tags":[{"value":"123"},{"value":"456"}],"options":[{"title":"size"},{"title":"color"}],)"
                R"("variants":[{"title":"Test variant","sku":"sku-1","inventory_quantity":10,)"
                R"("prices":[{"currency_code":"usd","amount":100},{"region_id":")" +
                eu +
                R"(","amount":45}],)"
                R"("options":[{"value":"large"},{"value":"green"}]}]})")
            .at("product");
    EXPECT_TRUE(product.at("id").as_string().starts_with("prod_"));
    EXPECT_EQ(product.at("handle"), "test-export-product");
    EXPECT_EQ(product.at("status"), "draft");
    EXPECT_EQ(product.at("thumbnail"), "a.png");
    EXPECT_EQ(product.at("collection").at("title"), "Summer");
    EXPECT_EQ(product.at("type").at("value"), "test-type");
    EXPECT_EQ(product.at("tags").as_array().size(), 2U);
    EXPECT_EQ(product.at("images").at(1).at("url"), "b.png");
    EXPECT_EQ(product.at("profile").at("type"), "default");
    EXPECT_EQ(product.at("profile_id"), product.at("profile").at("id"));
    // No channels given: the default channel, created on first use.
    ASSERT_EQ(product.at("sales_channels").as_array().size(), 1U);
    EXPECT_EQ(product.at("sales_channels").at(0).at("name"), "Default Sales Channel");
    const json::value& variant = product.at("variants").at(0);
    EXPECT_EQ(variant.at("sku"), "sku-1");
    EXPECT_EQ(variant.at("inventory_quantity"), 10);
    ASSERT_EQ(variant.at("prices").as_array().size(), 2U);
    EXPECT_EQ(variant.at("prices").at(0).at("currency_code"), "usd");
    EXPECT_EQ(variant.at("prices").at(1).at("currency_code"), "eur");  // the region's currency
    EXPECT_EQ(variant.at("prices").at(1).at("region_id"), json::value(eu));
    EXPECT_EQ(variant.at("options").at(0).at("value"), "large");
    EXPECT_EQ(product.at("options").at(1).at("values").at(0).at("value"), "green");

    // A second product joins the same default channel; a gift card gets the gift_card profile.
    const json::value gift =
        Expect(200, "POST", "/admin/products", R"({"title":"Gift Card","is_giftcard":true})").at("product");
    EXPECT_EQ(gift.at("profile").at("type"), "gift_card");
    EXPECT_EQ(gift.at("sales_channels").at(0).at("id"), product.at("sales_channels").at(0).at("id"));
    EXPECT_EQ(Expect(200, "GET", "/admin/sales-channels").at("count"), 1);

    const std::string id(product.at("id").as_string());
    const json::value read = Expect(200, "GET", "/admin/products/" + id);
    EXPECT_EQ(read.at("product").at("variants").at(0).at("prices").as_array().size(), 2U);
    const json::value narrow = Expect(200, "GET", "/admin/products/" + id + "?expand=tags");
    EXPECT_FALSE(narrow.at("product").as_object().contains("variants"));
    EXPECT_EQ(narrow.at("product").at("tags").as_array().size(), 2U);
}

TEST_F(CatalogRoutesTest, ProductListFiltersAndPages) {
    const std::string collection(
        Expect(200, "POST", "/admin/collections", R"({"title":"C"})").at("collection").at("id").as_string());
    const std::string first =
        MakeProduct(R"({"title":"Alpha","status":"published","collection_id":")" + collection + R"("})");
    const std::string second = MakeProduct(R"({"title":"Beta","variants":[{"title":"v","sku":"BETA-SKU"}]})");
    const std::string third = MakeProduct(R"({"title":"Gamma","discountable":false})");

    json::value list = Expect(200, "GET", "/admin/products");
    EXPECT_EQ(list.at("count"), 3);
    EXPECT_EQ(list.at("limit"), 50);
    EXPECT_EQ(list.at("products").at(0).at("id"), json::value(third));  // newest first

    list = Expect(200, "GET", "/admin/products?limit=1&offset=1&order=title");
    EXPECT_EQ(list.at("count"), 3);
    EXPECT_EQ(list.at("offset"), 1);
    ASSERT_EQ(list.at("products").as_array().size(), 1U);
    EXPECT_EQ(list.at("products").at(0).at("title"), "Beta");

    EXPECT_EQ(Expect(200, "GET", "/admin/products?collection_id=" + collection).at("count"), 1);
    EXPECT_EQ(
        Expect(200, "GET", "/admin/products?collection_id[]=" + collection).at("products").at(0).at("id"),
        json::value(first));
    EXPECT_EQ(Expect(200, "GET", "/admin/products?title=Beta").at("products").at(0).at("id"),
              json::value(second));
    EXPECT_EQ(Expect(200, "GET", "/admin/products?q=beta-sku").at("count"), 1);
    EXPECT_EQ(Expect(200, "GET", "/admin/products?status[]=published").at("count"), 1);
    EXPECT_EQ(Expect(200, "GET", "/admin/products?discountable=false").at("products").at(0).at("id"),
              json::value(third));
    EXPECT_EQ(Expect(200, "GET", "/admin/products?id[]=" + first + "&id[]=" + third).at("count"), 2);
    EXPECT_EQ(Expect(200, "GET", "/admin/products?handle=gamma").at("count"), 1);
    EXPECT_EQ(Expect(200, "GET", "/admin/products?created_at[gt]=2000-01-01").at("count"), 3);
    EXPECT_EQ(Expect(200, "GET", "/admin/products?created_at[lt]=2000-01-01").at("count"), 0);

    const json::value narrow = Expect(200, "GET", "/admin/products?expand=variants");
    EXPECT_FALSE(narrow.at("products").at(0).as_object().contains("tags"));

    ExpectError(Send("GET", "/admin/products?colour=red"), 400, "invalid_data",
                "property colour should not exist");
    ExpectError(Send("GET", "/admin/products?limit=x"), 400, "invalid_data",
                "limit must be a number conforming to the specified constraints");
}

TEST_F(CatalogRoutesTest, ProductUpdateAndDelete) {
    const json::value created =
        Expect(200, "POST", "/admin/products",
               R"({"title":"Shirt","options":[{"title":"size"}],"variants":[{"title":"S","sku":"S-1",)"
               R"("prices":[{"currency_code":"usd","amount":100}],"options":[{"value":"S"}]},)"
               R"({"title":"M","options":[{"value":"M"}]}]})");
    const std::string id(created.at("product").at("id").as_string());
    const json::value& small = created.at("product").at("variants").at(0);
    const std::string small_id(small.at("id").as_string());

    const json::value updated =
        Expect(
            200, "POST", "/admin/products/" + id,
            R"({"title":"Shirt 2","status":"published","variants":[{"id":")" + small_id +
                R"(","prices":[{"currency_code":"eur","amount":90}]},{"title":"L","options":[{"value":"L"}]}]})")
            .at("product");
    EXPECT_EQ(updated.at("title"), "Shirt 2");
    EXPECT_EQ(updated.at("handle"), "shirt");
    EXPECT_EQ(updated.at("status"), "published");
    const json::array& variants = updated.at("variants").as_array();
    ASSERT_EQ(variants.size(), 2U);  // "M" was left out: removed
    EXPECT_EQ(variants[0].at("id"), json::value(small_id));
    EXPECT_EQ(variants[0].at("sku"), "S-1");
    ASSERT_EQ(variants[0].at("prices").as_array().size(), 1U);
    EXPECT_EQ(variants[0].at("prices").at(0).at("currency_code"), "eur");
    EXPECT_EQ(variants[0].at("options").at(0).at("value"), "S");  // not given: kept
    EXPECT_EQ(variants[1].at("title"), "L");

    ExpectError(Send("POST", "/admin/products/" + id, R"({"is_giftcard":true})"), 400, "invalid_data",
                "property is_giftcard should not exist");
    ExpectError(Send("POST", "/admin/products/prod_nope", R"({"title":"x"})"), 404, "not_found",
                "Product with id: prod_nope was not found");

    EXPECT_EQ(Expect(200, "DELETE", "/admin/products/" + id),
              json::parse(R"({"id":")" + id + R"(","object":"product","deleted":true})"));
    ExpectError(Send("GET", "/admin/products/" + id), 404, "not_found",
                "Product with id: " + id + " was not found");
    ExpectError(Send("DELETE", "/admin/products/" + id), 404, "not_found",
                "Product with id: " + id + " was not found");
    EXPECT_EQ(Expect(200, "GET", "/admin/products").at("count"), 0);
}

TEST_F(CatalogRoutesTest, ProductInputErrorsAreNever5xx) {
    ExpectError(Send("POST", "/admin/products", R"({"subtitle":"x"})"), 400, "invalid_data",
                "title must be a string");
    ExpectError(Send("POST", "/admin/products", R"({"title":"x","foo":1})"), 400, "invalid_data",
                "property foo should not exist");
    const Response malformed = Send("POST", "/admin/products", "not json");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(Json(malformed).at("type"), "invalid_data");
    ExpectError(Send("POST", "/admin/products", R"({"title":"x","collection_id":"pcol_x"})"), 404,
                "not_found", "Product collection with id: pcol_x was not found");
    ExpectError(Send("POST", "/admin/products", R"({"title":"x","sales_channels":[{"id":"sc_x"}]})"), 404,
                "not_found", "Sales channel with id: sc_x was not found");
    ExpectError(
        Send("POST", "/admin/products",
             R"({"title":"x","variants":[{"title":"v","prices":[{"region_id":"reg_x","amount":1}]}]})"),
        404, "not_found", "Region with id: reg_x was not found");

    MakeProduct(R"({"title":"Taken"})");
    const Response duplicate = Send("POST", "/admin/products", R"({"title":"Other","handle":"taken"})");
    EXPECT_EQ(duplicate.status, 422) << duplicate.body;
    EXPECT_EQ(Json(duplicate).at("type"), "duplicate_error");
    EXPECT_EQ(Json(duplicate).at("message"), "Product with handle taken already exists.");
}

TEST_F(CatalogRoutesTest, PriceLists) {
    const std::string eu = MakeRegion("Europe", "eur");
    const json::value product =
        Expect(200, "POST", "/admin/products", R"({"title":"P","variants":[{"title":"v"}]})").at("product");
    const std::string variant(product.at("variants").at(0).at("id").as_string());
    const json::value list = Expect(200, "POST", "/admin/price-lists",
                                    R"({"name":"Sale","description":"d","type":"sale","prices":[)"
                                    R"({"amount":1000,"variant_id":")" +
                                        variant +
                                        R"(","currency_code":"usd"},)"
                                        R"({"amount":2080,"variant_id":")" +
                                        variant + R"(","region_id":")" + eu + R"("}]})")
                                 .at("price_list");
    const std::string id(list.at("id").as_string());
    EXPECT_TRUE(id.starts_with("pl_"));
    ASSERT_EQ(list.at("prices").as_array().size(), 2U);
    EXPECT_EQ(list.at("prices").at(1).at("currency_code"), "eur");
    EXPECT_EQ(list.at("prices").at(1).at("price_list_id"), json::value(id));
    EXPECT_EQ(list.at("prices").at(0).at("variant_id"), json::value(variant));

    const json::value read = Expect(200, "GET", "/admin/price-lists/" + id).at("price_list");
    EXPECT_EQ(read.at("name"), "Sale");
    EXPECT_EQ(read.at("prices").as_array().size(), 2U);
    const json::value lists = Expect(200, "GET", "/admin/price-lists");
    EXPECT_EQ(lists.at("count"), 1);
    EXPECT_EQ(lists.at("limit"), 10);
    ExpectError(Send("GET", "/admin/price-lists/pl_x"), 404, "not_found",
                "Price list with id: pl_x was not found");
    EXPECT_EQ(
        Send(
            "POST", "/admin/price-lists",
            R"({"name":"x","description":"d","type":"sale","prices":[{"amount":1,"variant_id":"variant_x","currency_code":"usd"}]})")
            .status,
        400);
}

TEST_F(CatalogRoutesTest, Orders) {
    const std::string eu = MakeRegion("Europe", "eur");
    std::vector<core::Order> orders(2);
    orders[0].id = "order_old";
    orders[0].display_id = 1;
    orders[0].email = "old@example.com";
    orders[0].currency_code = "eur";
    orders[0].region_id = eu;
    orders[0].created_at = core::ParseIsoTime("2024-01-01").value();
    orders[0].updated_at = orders[0].created_at;
    orders[0].customer = core::Customer{"cus_1", "old@example.com", "Old", "Customer"};
    core::Address address;
    address.id = "addr_1";
    address.city = "Berlin";
    orders[0].shipping_address = address;
    orders[1] = orders[0];
    orders[1].id = "order_new";
    orders[1].display_id = 2;
    orders[1].email = "new@example.com";
    orders[1].payment_status = "captured";
    orders[1].created_at = core::ParseIsoTime("2024-02-01").value();
    orders[1].customer = core::Customer{"cus_2", "new@example.com", std::nullopt, std::nullopt};
    orders[1].shipping_address.reset();
    ASSERT_TRUE(world_.catalog().PutOrders(orders));

    json::value list = Expect(200, "GET", "/admin/orders");
    EXPECT_EQ(list.at("count"), 2);
    EXPECT_EQ(list.at("orders").at(0).at("id"), "order_new");
    EXPECT_EQ(list.at("orders").at(1).at("shipping_address").at("city"), "Berlin");
    EXPECT_EQ(Expect(200, "GET", "/admin/orders?email=old@example.com").at("orders").at(0).at("id"),
              "order_old");
    EXPECT_EQ(Expect(200, "GET", "/admin/orders?payment_status[]=captured").at("count"), 1);
    EXPECT_EQ(Expect(200, "GET", "/admin/orders?created_at[lt]=2024-01-15").at("count"), 1);

    const json::value order = Expect(200, "GET", "/admin/orders/order_old").at("order");
    EXPECT_EQ(order.at("customer").at("first_name"), "Old");
    EXPECT_EQ(order.at("display_id"), 1);
    ExpectError(Send("GET", "/admin/orders/order_x"), 404, "not_found",
                "Order with id: order_x was not found");
    ExpectError(
        Send("GET", "/admin/orders?status=lost"), 400, "invalid_data",
        "each value in status must be one of the following values: pending, completed, archived, canceled, "
        "requires_action");
}

TEST_F(CatalogRoutesTest, NeedsAuthentication) {
    const Response response = testing::Handle(api_, MakeRequest("GET", "/admin/products", {}, /*token=*/""));
    EXPECT_EQ(response.status, 401);
}

}  // namespace
}  // namespace batchd::http
