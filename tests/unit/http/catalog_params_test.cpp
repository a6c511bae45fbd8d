// The catalog routes' input validation (catalog_params.hpp): queries, bodies and their messages.
#include "http/catalog_params.hpp"

#include <gtest/gtest.h>

#include "core/time_text.hpp"

namespace batchd::http {
namespace {

core::TimePoint At(std::string_view iso) { return core::ParseIsoTime(iso).value(); }

// Ids "prod_1", "variant_2", … in the order they are asked for.
class CountingIds {
public:
    IdMaker Maker() {
        return [this](std::string_view prefix) { return std::string(prefix) + std::to_string(++count_); };
    }

private:
    int count_ = 0;
};

std::string MessageOf(const core::Result<core::ProductQuery>& result) { return result.error().detail; }

// ---- Product list ---------------------------------------------------------------------------

TEST(ProductListParamsTest, DefaultsAreMedusas) {
    auto query = ParseProductListParams("");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->limit, 50);
    EXPECT_EQ(query->offset, 0);
    EXPECT_EQ(query->order_by, core::ProductColumn::kCreatedAt);
    EXPECT_EQ(query->direction, core::SortDirection::kDescending);
    EXPECT_TRUE(query->relations.variants);
    EXPECT_TRUE(query->relations.prices);
    EXPECT_TRUE(query->relations.sales_channels);
    EXPECT_TRUE(query->with_count);
}

TEST(ProductListParamsTest, ReadsEveryFilter) {
    auto query = ParseProductListParams(
        "id=prod_1&q=shirt&title=T&handle=t&collection_id[]=pcol_1&collection_id[]=pcol_2&type_id=ptyp_1"
        "&tags[]=ptag_1&sales_channel_id=sc_1&category_id[]=pcat_1,pcat_2&status[]=draft&status[]=published"
        "&is_giftcard=false&discountable=true&created_at[gt]=2022-06-27&updated_at[lte]=2023-01-01T10:00:00Z"
        "&limit=5&offset=10&order=title&fields=id");
    ASSERT_TRUE(query) << MessageOf(query);
    const core::ProductFilter& filter = query->filter;
    EXPECT_EQ(filter.ids, std::vector<std::string>{"prod_1"});
    EXPECT_EQ(filter.q, "shirt");
    EXPECT_EQ(filter.title, "T");
    EXPECT_EQ(filter.handle, "t");
    EXPECT_EQ(filter.collection_ids, (std::vector<std::string>{"pcol_1", "pcol_2"}));
    EXPECT_EQ(filter.type_ids, std::vector<std::string>{"ptyp_1"});
    EXPECT_EQ(filter.tag_ids, std::vector<std::string>{"ptag_1"});
    EXPECT_EQ(filter.sales_channel_ids, std::vector<std::string>{"sc_1"});
    EXPECT_EQ(filter.category_ids, (std::vector<std::string>{"pcat_1", "pcat_2"}));
    EXPECT_EQ(filter.statuses, (std::vector<std::string>{"draft", "published"}));
    EXPECT_EQ(filter.is_giftcard, false);
    EXPECT_EQ(filter.discountable, true);
    EXPECT_EQ(filter.created_at.gt, At("2022-06-27"));
    EXPECT_FALSE(filter.created_at.lt);
    EXPECT_EQ(filter.updated_at.lte, At("2023-01-01T10:00:00Z"));
    EXPECT_EQ(query->limit, 5);
    EXPECT_EQ(query->offset, 10);
    EXPECT_EQ(query->order_by, core::ProductColumn::kTitle);
    EXPECT_EQ(query->direction, core::SortDirection::kAscending);
}

TEST(ProductListParamsTest, DescendingOrderAndExpand) {
    auto query = ParseProductListParams("order=-handle&expand=variants,tags");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->order_by, core::ProductColumn::kHandle);
    EXPECT_EQ(query->direction, core::SortDirection::kDescending);
    EXPECT_TRUE(query->relations.variants);
    EXPECT_TRUE(query->relations.tags);
    EXPECT_FALSE(query->relations.prices);
    EXPECT_FALSE(query->relations.images);
    EXPECT_FALSE(query->relations.collection);
}

TEST(ProductListParamsTest, ReportsEveryProblemUnknownFirst) {
    auto query = ParseProductListParams("foo=1&limit=abc&is_giftcard=yes&status=gone&offset=-1");
    ASSERT_FALSE(query);
    EXPECT_EQ(query.error().code, core::Errc::kInvalidData);
    EXPECT_EQ(
        MessageOf(query),
        "property foo should not exist, "
        "each value in status must be one of the following values: draft, proposed, published, rejected, "
        "is_giftcard must be a boolean value, "
        "limit must be a number conforming to the specified constraints, offset must not be less than 0");
}

TEST(ProductListParamsTest, RefusesBadDatesOrdersAndRelations) {
    EXPECT_EQ(MessageOf(ParseProductListParams("created_at=2022")),
              "created_at must be one of: DateComparisonOperator");
    EXPECT_EQ(MessageOf(ParseProductListParams("created_at[gt]=1656367200")),
              "created_at.gt must be a Date instance");
    EXPECT_EQ(MessageOf(ParseProductListParams("created_at[after]=2022")),
              "property created_at.after should not exist");
    EXPECT_EQ(MessageOf(ParseProductListParams("order=price")), "Order field price is not valid");
    EXPECT_EQ(MessageOf(ParseProductListParams("expand=variants,owner")), "Relations [owner] are not valid");
    EXPECT_EQ(MessageOf(ParseProductListParams("limit=1001")), "limit must not be greater than 1000");
    EXPECT_EQ(MessageOf(ParseProductListParams("q[x]=1")), "q must be a string");
    EXPECT_EQ(ParseProductListParams("id=a%00b").error().code, core::Errc::kInvalidData);
}

TEST(ProductExpandTest, OnlyExpandAndFields) {
    auto relations = ParseProductExpand("expand=options.values");
    ASSERT_TRUE(relations);
    EXPECT_TRUE(relations->options);
    EXPECT_TRUE(relations->variants);
    EXPECT_TRUE(relations->variant_options);
    EXPECT_FALSE(relations->prices);
    EXPECT_EQ(ParseProductExpand("limit=1").error().detail, "property limit should not exist");
}

TEST(PageParamsTest, DefaultLimitAndChecks) {
    auto page = ParsePageParams("", 20);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->limit, 20);
    EXPECT_EQ(page->offset, 0);
    page = ParsePageParams("limit=3&offset=6&expand=x", 20);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->limit, 3);
    EXPECT_EQ(page->offset, 6);
    EXPECT_EQ(ParsePageParams("name=x&limit=1.5", 20).error().detail,
              "property name should not exist, limit must be an integer number");
}

TEST(OrderListParamsTest, ReadsFiltersAndChecksStatuses) {
    auto query = ParseOrderListParams(
        "id[]=order_1&id[]=order_2&email=a@b.c&status[]=pending&fulfillment_status[]=fulfilled"
        "&payment_status=captured&region_id=reg_1&sales_channel_id=sc_1&created_at[lt]=2024-01-01&limit=2");
    ASSERT_TRUE(query) << query.error().detail;
    EXPECT_EQ(query->filter.ids, (std::vector<std::string>{"order_1", "order_2"}));
    EXPECT_EQ(query->filter.email, "a@b.c");
    EXPECT_EQ(query->filter.statuses, std::vector<std::string>{"pending"});
    EXPECT_EQ(query->filter.fulfillment_statuses, std::vector<std::string>{"fulfilled"});
    EXPECT_EQ(query->filter.payment_statuses, std::vector<std::string>{"captured"});
    EXPECT_EQ(query->filter.region_ids, std::vector<std::string>{"reg_1"});
    EXPECT_EQ(query->filter.sales_channel_ids, std::vector<std::string>{"sc_1"});
    EXPECT_EQ(query->filter.created_at.lt, At("2024-01-01"));
    EXPECT_EQ(query->limit, 2);
    EXPECT_EQ(query->direction, core::SortDirection::kDescending);

    EXPECT_EQ(
        ParseOrderListParams("payment_status=free").error().detail,
        "each value in payment_status must be one of the following values: not_paid, awaiting, captured, "
        "partially_refunded, refunded, canceled, requires_action");
    EXPECT_EQ(ParseOrderListParams("customer_id=x").error().detail, "property customer_id should not exist");
}

// ---- Product bodies -------------------------------------------------------------------------

constexpr std::string_view kExportProduct = R"({
  "title": "Test export product",
  "description": "test-product-description",
  "type": {"value": "test-type"},
  "images": ["test-image.png", "test-image-2.png"],
  "collection_id": "test-collection",
  "tags": [{"value": "123"}, {"value": "456"}],
  "options": [{"title": "size"}, {"title": "color"}],
  "variants": [{
    "title": "Test variant",
    "inventory_quantity": 10,
    "sku": "test-variant-sku-product-export",
    "prices": [{"currency_code": "USD", "amount": 100}, {"currency_code": "eur", "amount": 45},
               {"region_id": "reg_dk", "amount": 30}],
    "options": [{"value": "large"}, {"value": "green"}]
  }],
  "weight": 400,
  "metadata": {"any": "thing"}
})";

TEST(ProductBodyTest, CreateBuildsTheWholeProduct) {
    CountingIds ids;
    core::Product product;
    auto outcome = ApplyProductBody(kExportProduct, true, ids.Maker(), At("2024-01-02"), product);
    ASSERT_TRUE(outcome) << outcome.error().detail;
    EXPECT_FALSE(outcome->sales_channels_given);
    EXPECT_EQ(product.id, "prod_1");
    EXPECT_EQ(product.title, "Test export product");
    EXPECT_EQ(product.handle, "test-export-product");
    EXPECT_EQ(product.description, "test-product-description");
    EXPECT_EQ(product.status, "draft");
    EXPECT_EQ(product.created_at, At("2024-01-02"));
    EXPECT_EQ(product.updated_at, At("2024-01-02"));
    EXPECT_EQ(product.weight, 400);
    EXPECT_EQ(product.collection_id, "test-collection");
    ASSERT_TRUE(product.type);
    EXPECT_EQ(product.type->value, "test-type");
    EXPECT_EQ(product.type_id, product.type->id);
    ASSERT_EQ(product.images.size(), 2U);
    EXPECT_EQ(product.images[1].url, "test-image-2.png");
    EXPECT_EQ(product.thumbnail, "test-image.png");  // the first image
    ASSERT_EQ(product.tags.size(), 2U);
    EXPECT_EQ(product.tags[0].value, "123");
    EXPECT_TRUE(product.tags[0].id.starts_with("ptag_"));
    ASSERT_EQ(product.options.size(), 2U);
    EXPECT_EQ(product.options[0].title, "size");
    EXPECT_TRUE(product.options[0].id.starts_with("opt_"));

    ASSERT_EQ(product.variants.size(), 1U);
    const core::ProductVariant& variant = product.variants[0];
    EXPECT_TRUE(variant.id.starts_with("variant_"));
    EXPECT_EQ(variant.title, "Test variant");
    EXPECT_EQ(variant.sku, "test-variant-sku-product-export");
    EXPECT_EQ(variant.inventory_quantity, 10);
    EXPECT_EQ(variant.variant_rank, 0);
    EXPECT_TRUE(variant.manage_inventory);
    ASSERT_EQ(variant.prices.size(), 3U);
    EXPECT_EQ(variant.prices[0].currency_code, "usd");  // lower-cased
    EXPECT_EQ(variant.prices[0].amount, 100);
    EXPECT_TRUE(variant.prices[0].id.starts_with("ma_"));
    EXPECT_EQ(variant.prices[2].region_id, "reg_dk");
    EXPECT_EQ(variant.prices[2].currency_code, "");  // the route fills it from the region
    ASSERT_EQ(variant.options.size(), 2U);
    EXPECT_EQ(variant.options[0].option_id, product.options[0].id);
    EXPECT_EQ(variant.options[0].value, "large");
    EXPECT_EQ(variant.options[1].option_id, product.options[1].id);
    EXPECT_TRUE(variant.options[1].id.starts_with("optval_"));
}

TEST(ProductBodyTest, CreateKeepsGivenHandleAndChannels) {
    CountingIds ids;
    core::Product product;
    auto outcome = ApplyProductBody(
        R"({"title":"X","handle":"my-x","is_giftcard":true,"discountable":false,"status":"published",)"
        R"("sales_channels":[{"id":"sc_1"}],"categories":[{"id":"pcat_1"}],"thumbnail":"t.png","images":["a.png"]})",
        true, ids.Maker(), At("2024-01-02"), product);
    ASSERT_TRUE(outcome) << outcome.error().detail;
    EXPECT_TRUE(outcome->sales_channels_given);
    EXPECT_EQ(product.handle, "my-x");
    EXPECT_TRUE(product.is_giftcard);
    EXPECT_FALSE(product.discountable);
    EXPECT_EQ(product.status, "published");
    EXPECT_EQ(product.thumbnail, "t.png");
    ASSERT_EQ(product.sales_channels.size(), 1U);
    EXPECT_EQ(product.sales_channels[0].id, "sc_1");
    ASSERT_EQ(product.categories.size(), 1U);
    EXPECT_EQ(product.categories[0].id, "pcat_1");
}

TEST(ProductBodyTest, CreateReportsEveryProblemAndLeavesTheProduct) {
    CountingIds ids;
    core::Product product;
    auto outcome = ApplyProductBody(
        R"({"foo":1,"is_giftcard":"yes","status":"live","weight":1.5,"images":"a.png","tags":[{"value":1}],)"
        R"("variants":[{"title":"v","bar":2,"prices":[{"amount":"1","currency_code":"usd"},{"amount":5}],)"
        R"("options":[{"value":"x"}]}],"type":"shirt"})",
        true, ids.Maker(), At("2024-01-02"), product);
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, core::Errc::kInvalidData);
    EXPECT_EQ(
        outcome.error().detail,
        "property foo should not exist, title must be a string, is_giftcard must be a boolean value, "
        "status must be one of the following values: draft, proposed, published, rejected, "
        "images must be an array, nested property type must be either object or array, "
        "tags.0.value must be a string, weight must be an integer number, "
        "property variants.0.bar should not exist, variants.0.prices.0.amount must be an integer number, "
        "variants.0.prices.1.currency_code or variants.0.prices.1.region_id must be given, "
        "variants.0.options.0.value has no product option at index 0");
    EXPECT_TRUE(product.id.empty());
}

TEST(ProductBodyTest, BadJsonIsInvalidData) {
    CountingIds ids;
    core::Product product;
    EXPECT_EQ(ApplyProductBody("{", true, ids.Maker(), At("2024-01-02"), product).error().code,
              core::Errc::kInvalidData);
    EXPECT_EQ(ApplyProductBody("[1]", true, ids.Maker(), At("2024-01-02"), product).error().code,
              core::Errc::kInvalidData);
}

TEST(ProductBodyTest, UpdateChangesOnlyTheGivenFieldsAndReplacesVariantsById) {
    CountingIds ids;
    core::Product product;
    ASSERT_TRUE(ApplyProductBody(kExportProduct, true, ids.Maker(), At("2024-01-02"), product));
    const std::string kept_variant = product.variants[0].id;
    const std::string kept_price = product.variants[0].prices[0].id;
    const std::string kept_value = product.variants[0].options[0].id;

    const std::string body = R"({"title":"Renamed","collection_id":null,"variants":[)"
                             R"({"id":")" +
                             kept_variant +
                             R"(","inventory_quantity":3,)"
                             R"("prices":[{"id":")" +
                             kept_price +
                             R"(","amount":250,"currency_code":"usd"}],)"
                             R"("options":[{"value":"small","option_id":")" +
                             product.options[0].id +
                             R"("}]},)"
                             R"({"title":"Second","options":[{"value":"s"},{"value":"red"}]}]})";
    auto outcome = ApplyProductBody(body, false, ids.Maker(), At("2024-02-01"), product);
    ASSERT_TRUE(outcome) << outcome.error().detail;
    EXPECT_EQ(product.title, "Renamed");
    EXPECT_EQ(product.handle, "test-export-product");  // not given: unchanged
    EXPECT_EQ(product.description, "test-product-description");
    EXPECT_FALSE(product.collection_id);
    EXPECT_EQ(product.created_at, At("2024-01-02"));
    EXPECT_EQ(product.updated_at, At("2024-02-01"));
    ASSERT_EQ(product.variants.size(), 2U);
    const core::ProductVariant& first = product.variants[0];
    EXPECT_EQ(first.id, kept_variant);
    EXPECT_EQ(first.title, "Test variant");
    EXPECT_EQ(first.sku, "test-variant-sku-product-export");
    EXPECT_EQ(first.inventory_quantity, 3);
    ASSERT_EQ(first.prices.size(), 1U);
    EXPECT_EQ(first.prices[0].id, kept_price);
    EXPECT_EQ(first.prices[0].amount, 250);
    ASSERT_EQ(first.options.size(), 1U);
    EXPECT_EQ(first.options[0].id, kept_value);
    EXPECT_EQ(first.options[0].value, "small");
    const core::ProductVariant& second = product.variants[1];
    EXPECT_NE(second.id, kept_variant);
    EXPECT_EQ(second.title, "Second");
    EXPECT_EQ(second.variant_rank, 1);
    ASSERT_EQ(second.options.size(), 2U);
    EXPECT_EQ(second.options[1].option_id, product.options[1].id);
}

TEST(ProductBodyTest, UpdateRefusesCreateOnlyFieldsAndUnknownVariants) {
    CountingIds ids;
    core::Product product;
    ASSERT_TRUE(ApplyProductBody(R"({"title":"A"})", true, ids.Maker(), At("2024-01-02"), product));
    auto outcome =
        ApplyProductBody(R"({"is_giftcard":true,"options":[],"title":null,"variants":[{"id":"variant_x"}]})",
                         false, ids.Maker(), At("2024-01-03"), product);
    ASSERT_FALSE(outcome);
    EXPECT_EQ(
        outcome.error().detail,
        "property is_giftcard should not exist, property options should not exist, title must be a string, "
        "variants.0.id names no variant of this product");
    EXPECT_EQ(product.title, "A");
}

TEST(KebabCaseTest, AsLodash) {
    EXPECT_EQ(KebabCase("Test export product"), "test-export-product");
    EXPECT_EQ(KebabCase("  Hello,  World!! "), "hello-world");
    EXPECT_EQ(KebabCase("fooBar2"), "foo-bar-2");
    EXPECT_EQ(KebabCase("T-Shirt XL"), "t-shirt-xl");
    EXPECT_EQ(KebabCase(""), "");
}

// ---- Other bodies ---------------------------------------------------------------------------

TEST(RegionBodyTest, CreateNeedsTheMedusaFields) {
    core::Region region;
    auto applied = ApplyRegionBody(
        R"({"name":"Denmark","currency_code":"DKK","tax_rate":25,"countries":["DK"],"payment_providers":[],)"
        R"("fulfillment_providers":[]})",
        true, region);
    ASSERT_TRUE(applied) << applied.error().detail;
    EXPECT_EQ(region.name, "Denmark");
    EXPECT_EQ(region.currency_code, "dkk");
    EXPECT_EQ(region.tax_rate, 25);
    EXPECT_EQ(region.countries, std::vector<std::string>{"dk"});

    core::Region other;
    auto refused = ApplyRegionBody(R"({"currency":"eur","tax_rate":"x","countries":"dk"})", true, other);
    ASSERT_FALSE(refused);
    EXPECT_EQ(
        refused.error().detail,
        "property currency should not exist, name must be a string, currency_code must be a string, "
        "tax_rate must be a number conforming to the specified constraints, countries must be an array");
}

TEST(RegionBodyTest, UpdateKeepsWhatIsNotGiven) {
    core::Region region;
    region.name = "Old";
    region.currency_code = "eur";
    ASSERT_TRUE(ApplyRegionBody(R"({"name":"New"})", false, region));
    EXPECT_EQ(region.name, "New");
    EXPECT_EQ(region.currency_code, "eur");
}

TEST(CollectionBodyTest, HandleDefaultsToTheTitle) {
    core::ProductCollection collection;
    ASSERT_TRUE(ApplyCollectionBody(R"({"title":"Summer Sale"})", true, collection));
    EXPECT_EQ(collection.handle, "summer-sale");
    core::ProductCollection other;
    EXPECT_EQ(ApplyCollectionBody(R"({"handle":7})", true, other).error().detail,
              "title must be a string, handle must be a string");
}

TEST(SalesChannelBodyTest, NameDescriptionDisabled) {
    core::SalesChannel channel;
    ASSERT_TRUE(
        ApplySalesChannelBody(R"({"name":"Web","description":"shop","is_disabled":true})", true, channel));
    EXPECT_EQ(channel.name, "Web");
    EXPECT_EQ(channel.description, "shop");
    EXPECT_TRUE(channel.is_disabled);
    EXPECT_EQ(ApplySalesChannelBody(R"({"name":"x","is_disabled":"no"})", true, channel).error().detail,
              "is_disabled must be a boolean value");
}

TEST(CategoryBodyTest, Fields) {
    core::ProductCategory category;
    ASSERT_TRUE(ApplyCategoryBody(
        R"({"name":"Shoes & Boots","parent_category_id":"pcat_1","is_active":false,"is_internal":true,"rank":2})",
        true, category));
    EXPECT_EQ(category.handle, "shoes-boots");
    EXPECT_EQ(category.parent_category_id, "pcat_1");
    EXPECT_FALSE(category.is_active);
    EXPECT_TRUE(category.is_internal);
    EXPECT_EQ(category.rank, 2);
    ASSERT_TRUE(ApplyCategoryBody(R"({"parent_category_id":null})", false, category));
    EXPECT_FALSE(category.parent_category_id);
    EXPECT_EQ(category.name, "Shoes & Boots");
}

TEST(PriceListBodyTest, CreateWithPrices) {
    CountingIds ids;
    core::PriceList list;
    list.id = "pl_1";
    auto applied = ApplyPriceListBody(
        R"({"name":"Sale","description":"d","type":"override","status":"active","starts_at":"2024-01-01",)"
        R"("prices":[{"amount":1000,"variant_id":"variant_1","currency_code":"USD","min_quantity":2},)"
        R"({"amount":2080,"variant_id":"variant_1","region_id":"reg_1"}],"customer_groups":[]})",
        true, ids.Maker(), list);
    ASSERT_TRUE(applied) << applied.error().detail;
    EXPECT_EQ(list.type, "override");
    EXPECT_EQ(list.status, "active");
    EXPECT_EQ(list.starts_at, At("2024-01-01"));
    EXPECT_FALSE(list.ends_at);
    ASSERT_EQ(list.prices.size(), 2U);
    EXPECT_EQ(list.prices[0].currency_code, "usd");
    EXPECT_EQ(list.prices[0].variant_id, "variant_1");
    EXPECT_EQ(list.prices[0].price_list_id, "pl_1");
    EXPECT_EQ(list.prices[0].min_quantity, 2);
    EXPECT_EQ(list.prices[1].region_id, "reg_1");

    core::PriceList other;
    auto refused =
        ApplyPriceListBody(R"({"name":"x","type":"cheap","ends_at":"soon"})", true, ids.Maker(), other);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().detail,
              "description must be a string, type must be one of the following values: sale, override, "
              "ends_at must be a Date instance, prices must be an array");
}

}  // namespace
}  // namespace batchd::http
