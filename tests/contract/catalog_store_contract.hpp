#pragma once

// The CatalogStore contract: one typed GoogleTest suite that every catalog adapter must pass.
// To run it against an adapter, write a fixture type
//
//     struct MyCatalogFixture {
//         // A store on a fresh, migrated catalog holding no rows at all (no seeded channel,
//         // profile or region). May GTEST_SKIP() and return nullptr (e.g. no server configured).
//         std::unique_ptr<core::CatalogStore> Make();  // static or not
//     };
//
// The suite default-constructs one fixture per test, before calling Make(), and destroys it after
// the store: a fixture may own what the store lives on (a temp folder, a PG schema) as members.
// Then, in a test file of its own, in namespace batchd::contract:
//
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, CatalogStoreContract, MyCatalogFixture);
//
// Text the suite orders by is lower-case ASCII, so byte order and any locale agree; `q` tests use
// ASCII case only.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/catalog.hpp"
#include "core/ports/catalog_store.hpp"
#include "support/catalog_builders.hpp"

namespace batchd::contract {

namespace catalog_detail {

using test_support::IdSource;
using test_support::ProductBuilder;

inline std::string Show(const std::optional<std::string>& value) {
    return value ? "'" + *value + "'" : "<null>";
}
inline std::string Show(const std::optional<std::int64_t>& value) {
    return value ? std::to_string(*value) : "<null>";
}
inline std::string Show(core::TimePoint at) { return std::to_string(at.time_since_epoch().count()); }
inline std::string Show(const std::optional<core::TimePoint>& at) { return at ? Show(*at) : "<null>"; }
inline std::string Show(bool value) { return value ? "true" : "false"; }

// Each entity as one line of text: EXPECT_EQ on them compares every field and prints the
// difference readably.

inline std::string Describe(const core::MoneyAmount& price, bool with_variant) {
    std::ostringstream out;
    out << price.id << " " << price.currency_code << " " << price.amount
        << " region=" << Show(price.region_id) << " list=" << Show(price.price_list_id)
        << " min=" << Show(price.min_quantity) << " max=" << Show(price.max_quantity);
    if (with_variant) {
        out << " variant=" << Show(price.variant_id);
    }
    return out.str();
}

inline std::vector<std::string> Describe(const std::vector<core::MoneyAmount>& prices, bool with_variant) {
    std::vector<std::string> lines;
    for (const core::MoneyAmount& price : prices) {
        lines.push_back(Describe(price, with_variant));
    }
    return lines;
}

inline std::string Describe(const core::VariantOptionValue& value) {
    return value.id + " " + value.option_id + "=" + value.value;
}

/// The variant's own columns (not its prices and option values).
inline std::string DescribeRow(const core::ProductVariant& v) {
    std::ostringstream out;
    out << v.id << " title='" << v.title << "' sku=" << Show(v.sku) << " barcode=" << Show(v.barcode)
        << " ean=" << Show(v.ean) << " upc=" << Show(v.upc) << " qty=" << v.inventory_quantity
        << " backorder=" << Show(v.allow_backorder) << " manage=" << Show(v.manage_inventory)
        << " weight=" << Show(v.weight) << " length=" << Show(v.length) << " height=" << Show(v.height)
        << " width=" << Show(v.width) << " hs=" << Show(v.hs_code) << " origin=" << Show(v.origin_country)
        << " mid=" << Show(v.mid_code) << " material=" << Show(v.material) << " rank=" << v.variant_rank
        << " created=" << Show(v.created_at) << " updated=" << Show(v.updated_at);
    return out.str();
}

/// The product's own columns (not its relations).
inline std::string DescribeRow(const core::Product& p) {
    std::ostringstream out;
    out << p.id << " title='" << p.title << "' subtitle=" << Show(p.subtitle)
        << " description=" << Show(p.description) << " handle=" << Show(p.handle)
        << " giftcard=" << Show(p.is_giftcard) << " status=" << p.status << " thumbnail=" << Show(p.thumbnail)
        << " weight=" << Show(p.weight) << " length=" << Show(p.length) << " height=" << Show(p.height)
        << " width=" << Show(p.width) << " hs=" << Show(p.hs_code) << " origin=" << Show(p.origin_country)
        << " mid=" << Show(p.mid_code) << " material=" << Show(p.material)
        << " collection=" << Show(p.collection_id) << " type=" << Show(p.type_id)
        << " profile=" << Show(p.profile_id) << " discountable=" << Show(p.discountable)
        << " external=" << Show(p.external_id) << " created=" << Show(p.created_at)
        << " updated=" << Show(p.updated_at) << " deleted=" << Show(p.deleted_at);
    return out.str();
}

inline std::string Describe(const core::Region& r) {
    std::ostringstream out;
    out << r.id << " name='" << r.name << "' " << r.currency_code << " tax=" << r.tax_rate << " countries=";
    for (const std::string& country : r.countries) {
        out << country << ",";
    }
    out << " created=" << Show(r.created_at) << " updated=" << Show(r.updated_at);
    return out.str();
}

inline std::string Describe(const core::ProductCollection& c) {
    return c.id + " title='" + c.title + "' handle='" + c.handle + "' created=" + Show(c.created_at) +
           " updated=" + Show(c.updated_at);
}

inline std::string Describe(const core::SalesChannel& c) {
    return c.id + " name='" + c.name + "' description=" + Show(c.description) +
           " disabled=" + Show(c.is_disabled) + " default=" + Show(c.is_default) +
           " created=" + Show(c.created_at) + " updated=" + Show(c.updated_at);
}

inline std::string Describe(const core::ProductCategory& c) {
    return c.id + " name='" + c.name + "' handle='" + c.handle + "' description='" + c.description +
           "' parent=" + Show(c.parent_category_id) + " active=" + Show(c.is_active) +
           " internal=" + Show(c.is_internal) + " rank=" + std::to_string(c.rank) +
           " created=" + Show(c.created_at) + " updated=" + Show(c.updated_at);
}

inline std::string Describe(const core::ShippingProfile& p) {
    return p.id + " name='" + p.name + "' " + p.type;
}
inline std::string Describe(const core::ProductType& t) { return t.id + "=" + t.value; }
inline std::string Describe(const core::ProductTag& t) { return t.id + "=" + t.value; }
inline std::string Describe(const core::ProductImage& i) { return i.id + " " + i.url; }
inline std::string Describe(const core::ProductOption& o) { return o.id + " " + o.title; }

/// The price list's own columns (not its prices).
inline std::string DescribeRow(const core::PriceList& l) {
    return l.id + " name='" + l.name + "' description='" + l.description + "' " + l.type + " " + l.status +
           " starts=" + Show(l.starts_at) + " ends=" + Show(l.ends_at) + " created=" + Show(l.created_at) +
           " updated=" + Show(l.updated_at);
}

inline std::string Describe(const core::Customer& c) {
    return c.id + " " + c.email + " first=" + Show(c.first_name) + " last=" + Show(c.last_name);
}

inline std::string Describe(const core::Address& a) {
    return a.id + " first=" + Show(a.first_name) + " last=" + Show(a.last_name) +
           " company=" + Show(a.company) + " a1=" + Show(a.address_1) + " a2=" + Show(a.address_2) +
           " city=" + Show(a.city) + " province=" + Show(a.province) + " postal=" + Show(a.postal_code) +
           " country=" + Show(a.country_code) + " phone=" + Show(a.phone);
}

/// The order's own columns (not customer, address and channel).
inline std::string DescribeRow(const core::Order& o) {
    std::ostringstream out;
    out << o.id << " #" << o.display_id << " " << o.status << "/" << o.fulfillment_status << "/"
        << o.payment_status << " email=" << o.email << " " << o.currency_code << " region=" << o.region_id
        << " channel=" << Show(o.sales_channel_id) << " subtotal=" << o.subtotal
        << " shipping=" << o.shipping_total << " discount=" << o.discount_total
        << " giftcard=" << o.gift_card_total << " refunded=" << o.refunded_total << " tax=" << o.tax_total
        << " total=" << o.total << " created=" << Show(o.created_at) << " updated=" << Show(o.updated_at);
    return out.str();
}

template <class T>
std::vector<std::string> DescribeAll(const std::vector<T>& items) {
    std::vector<std::string> lines;
    for (const T& item : items) {
        lines.push_back(Describe(item));
    }
    return lines;
}

template <class T>
std::string DescribeOptional(const std::optional<T>& item) {
    return item ? Describe(*item) : "<null>";
}

template <class T>
std::vector<std::string> IdsOf(const std::vector<T>& items) {
    std::vector<std::string> ids;
    for (const T& item : items) {
        ids.push_back(item.id);
    }
    return ids;
}

/// Every field of `actual` that `relations` fills, against `expected` (whose relation fields are
/// what was put). Relations not asked for must be empty.
inline void ExpectSameProduct(const core::Product& actual,
                              const core::Product& expected,
                              const core::ProductRelations& relations) {
    SCOPED_TRACE("product " + expected.id);
    EXPECT_EQ(DescribeRow(actual), DescribeRow(expected));
    EXPECT_EQ(DescribeOptional(actual.collection),
              relations.collection ? DescribeOptional(expected.collection) : "<null>");
    EXPECT_EQ(DescribeOptional(actual.type), relations.type ? DescribeOptional(expected.type) : "<null>");
    EXPECT_EQ(DescribeOptional(actual.profile),
              relations.profile ? DescribeOptional(expected.profile) : "<null>");
    const std::vector<std::string> none;
    EXPECT_EQ(DescribeAll(actual.tags), relations.tags ? DescribeAll(expected.tags) : none);
    EXPECT_EQ(DescribeAll(actual.images), relations.images ? DescribeAll(expected.images) : none);
    EXPECT_EQ(DescribeAll(actual.options), relations.options ? DescribeAll(expected.options) : none);
    EXPECT_EQ(DescribeAll(actual.sales_channels),
              relations.sales_channels ? DescribeAll(expected.sales_channels) : none);
    EXPECT_EQ(DescribeAll(actual.categories), relations.categories ? DescribeAll(expected.categories) : none);
    if (!relations.variants) {
        EXPECT_TRUE(actual.variants.empty());
        return;
    }
    ASSERT_EQ(actual.variants.size(), expected.variants.size());
    for (std::size_t i = 0; i < actual.variants.size(); ++i) {
        const core::ProductVariant& got = actual.variants[i];
        const core::ProductVariant& want = expected.variants[i];
        EXPECT_EQ(DescribeRow(got), DescribeRow(want));
        EXPECT_EQ(Describe(got.prices, false), relations.prices ? Describe(want.prices, false) : none);
        EXPECT_EQ(DescribeAll(got.options), relations.variant_options ? DescribeAll(want.options) : none);
    }
}

inline core::TimePoint At(std::int64_t ms) {
    return test_support::kCatalogEpoch + std::chrono::milliseconds{ms};
}

inline constexpr core::ProductColumn kAllProductColumns[] = {
    core::ProductColumn::kCreatedAt, core::ProductColumn::kUpdatedAt, core::ProductColumn::kTitle,
    core::ProductColumn::kHandle,    core::ProductColumn::kId,
};

inline constexpr core::SortDirection kBothDirections[] = {core::SortDirection::kAscending,
                                                          core::SortDirection::kDescending};

inline const char* Name(core::ProductColumn column) {
    switch (column) {
        case core::ProductColumn::kCreatedAt:
            return "created_at";
        case core::ProductColumn::kUpdatedAt:
            return "updated_at";
        case core::ProductColumn::kTitle:
            return "title";
        case core::ProductColumn::kHandle:
            return "handle";
        case core::ProductColumn::kId:
            return "id";
    }
    return "?";
}

inline const char* Name(core::SortDirection direction) {
    return direction == core::SortDirection::kAscending ? "asc" : "desc";
}

/// `products` as a list ordered by `column` in `direction` must show them: the column's value
/// (null handles as ""), ties broken by id in the same direction.
inline std::vector<std::string> ExpectedOrder(std::vector<core::Product> products,
                                              core::ProductColumn column,
                                              core::SortDirection direction) {
    std::sort(products.begin(), products.end(), [&](const core::Product& a, const core::Product& b) {
        const core::ProductKey ka = core::KeyOf(a, column);
        const core::ProductKey kb = core::KeyOf(b, column);
        const auto left = std::tie(ka.time, ka.text, ka.id);
        const auto right = std::tie(kb.time, kb.text, kb.id);
        return direction == core::SortDirection::kAscending ? left < right : right < left;
    });
    return IdsOf(products);
}

}  // namespace catalog_detail

template <class Fixture>
class CatalogStoreContract : public ::testing::Test {
protected:
    // A fixture may skip (GTEST_SKIP) and return null, e.g. when its server is not configured.
    void SetUp() override {
        if (store_ == nullptr) {
            GTEST_SKIP() << "the fixture made no catalog store";
        }
    }

    core::CatalogStore& Store() { return *store_; }

    /// Writes the entities test_support::MakeCatalogRefs made for this test.
    void PutRefs() {
        auto put = test_support::PutCatalogRefs(*store_, refs_);
        ASSERT_TRUE(put.has_value()) << put.error().detail;
    }

    void Put(const std::vector<core::Product>& products) {
        auto put = store_->PutProducts(products);
        ASSERT_TRUE(put.has_value()) << put.error().detail;
    }

    void Put(const core::Product& product) { Put(std::vector<core::Product>{product}); }

    /// The error code of putting `products` (kInternal, with a failure, if it succeeded).
    core::Errc PutError(const std::vector<core::Product>& products) {
        auto put = store_->PutProducts(products);
        EXPECT_FALSE(put.has_value()) << "the put succeeded";
        return put ? core::Errc::kInternal : put.error().code;
    }

    core::Product Get(const std::string& id,
                      const core::ProductRelations& relations = core::ProductRelations::All()) {
        auto got = store_->GetProduct(id, relations);
        EXPECT_TRUE(got.has_value()) << id << ": " << (got ? "" : got.error().detail);
        return got ? got.value() : core::Product{};
    }

    bool Exists(const std::string& id) {
        auto got = store_->GetProduct(id, {});
        if (!got) {
            EXPECT_EQ(got.error().code, core::Errc::kNotFound) << got.error().detail;
        }
        return got.has_value();
    }

    core::ProductPage List(const core::ProductQuery& query) {
        auto page = store_->ListProducts(query);
        EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().detail);
        return page ? page.value() : core::ProductPage{};
    }

    /// The ids of every product matching `filter`, in id order.
    std::vector<std::string> Matching(const core::ProductFilter& filter) {
        core::ProductQuery query;
        query.filter = filter;
        query.order_by = core::ProductColumn::kId;
        query.direction = core::SortDirection::kAscending;
        query.limit = 1000;
        const core::ProductPage page = List(query);
        EXPECT_EQ(page.count, static_cast<std::int64_t>(page.products.size()))
            << "count differs from the list";
        auto count = store_->CountProducts(filter);
        EXPECT_TRUE(count.has_value());
        if (count) {
            EXPECT_EQ(count.value(), static_cast<std::int64_t>(page.products.size()))
                << "CountProducts differs";
        }
        return catalog_detail::IdsOf(page.products);
    }

    /// `ids` sorted, as Matching returns them.
    static std::vector<std::string> Sorted(std::vector<std::string> ids) {
        std::sort(ids.begin(), ids.end());
        return ids;
    }

    std::vector<std::string> ListOrderIds(const core::OrderQuery& query) {
        auto page = store_->ListOrders(query);
        EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().detail);
        return page ? catalog_detail::IdsOf(page.value().items) : std::vector<std::string>{};
    }

    Fixture fixture_;  // declared first: destroyed after the store
    std::unique_ptr<core::CatalogStore> store_ = fixture_.Make();
    test_support::IdSource ids_{"catalog-contract"};
    test_support::CatalogRefs refs_ = test_support::MakeCatalogRefs(ids_);
};

TYPED_TEST_SUITE_P(CatalogStoreContract);

// ---- put and get products ------------------------------------------------------------------------

TYPED_TEST_P(CatalogStoreContract, APutProductReadsBackWithEveryFieldAndRelation) {
    this->PutRefs();
    const core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(product);
    catalog_detail::ExpectSameProduct(this->Get(product.id), product, core::ProductRelations::All());
}

TYPED_TEST_P(CatalogStoreContract, TextWithSeparatorsQuotesNewlinesAndUtf8IsKeptByteForByte) {
    this->PutRefs();
    const std::string tricky = "a;b,c \"quoted\" 'single'\nline two\r\n\tÆØÅ ß 日本語 🚀 \\ %_";
    test_support::ProductBuilder builder(this->ids_, tricky);
    builder.Subtitle(tricky + "1")
        .Description(tricky + "2")
        .Handle("tricky-ÆØÅ-🚀")
        .Thumbnail(tricky + "3")
        .ExternalId(tricky + "4")
        .Type(tricky + "5")
        .Tag(tricky + "6")
        .Image("https://cdn.example.com/a;b,c\"d\".png")
        .Option(tricky + "7")
        .Variant(tricky + "8", {tricky + "9"}, "SKU;,\"\n🚀");
    core::Product product = builder.Build();
    product.hs_code = tricky;
    product.origin_country = "dk";
    product.mid_code = tricky;
    product.material = tricky;
    product.variants[0].barcode = tricky;
    product.variants[0].material = tricky;
    this->Put(product);
    catalog_detail::ExpectSameProduct(this->Get(product.id), product, core::ProductRelations::All());
}

TYPED_TEST_P(CatalogStoreContract, UnsetOptionalsReadBackEmptyAndEveryOptionalReadsBackSet) {
    this->PutRefs();
    // Every optional empty, every relation empty, the booleans away from their defaults.
    core::Product bare;
    bare.id = this->ids_.Next("prod_");
    bare.title = "bare";
    bare.is_giftcard = true;
    bare.discountable = false;
    bare.status = "proposed";
    bare.created_at = catalog_detail::At(1000);
    bare.updated_at = catalog_detail::At(2000);
    core::ProductVariant variant;
    variant.id = this->ids_.Next("variant_");
    variant.title = "only";
    variant.manage_inventory = false;
    variant.allow_backorder = false;
    variant.inventory_quantity = -3;
    variant.created_at = catalog_detail::At(1000);
    variant.updated_at = catalog_detail::At(3000);
    bare.variants.push_back(variant);
    this->Put(bare);
    catalog_detail::ExpectSameProduct(this->Get(bare.id), bare, core::ProductRelations::All());

    // Every optional set, to values that differ from each other.
    core::Product full = bare;
    full.id = this->ids_.Next("prod_");
    full.subtitle = "sub";
    full.description = "desc";
    full.handle = "full";
    full.thumbnail = "https://cdn.example.com/t.png";
    full.weight = 1;
    full.length = 2;
    full.height = 3;
    full.width = 4;
    full.hs_code = "hs";
    full.origin_country = "se";
    full.mid_code = "mid";
    full.material = "wool";
    full.collection_id = this->refs_.collection.id;
    full.collection = this->refs_.collection;
    full.profile_id = this->refs_.gift_card_profile.id;
    full.profile = this->refs_.gift_card_profile;
    full.type = core::ProductType{this->ids_.Next("ptyp_"), "Gift"};
    full.type_id = full.type->id;
    full.external_id = "ext";
    core::ProductVariant& v = full.variants[0];
    v.id = this->ids_.Next("variant_");
    v.sku = "SKU-FULL";
    v.barcode = "bar";
    v.ean = "ean";
    v.upc = "upc";
    v.weight = 5;
    v.length = 6;
    v.height = 7;
    v.width = 8;
    v.hs_code = "vhs";
    v.origin_country = "no";
    v.mid_code = "vmid";
    v.material = "silk";
    v.inventory_quantity = 9'000'000'000;  // more than 32 bits
    core::MoneyAmount price = test_support::MakePrice(this->ids_, "eur", 9'007'199'254'740'993);
    price.min_quantity = 2;
    price.max_quantity = 10;
    v.prices.push_back(price);
    this->Put(full);
    catalog_detail::ExpectSameProduct(this->Get(full.id), full, core::ProductRelations::All());
}

TYPED_TEST_P(CatalogStoreContract, RelationsComeBackInTheOrderGivenNotInIdOrder) {
    this->PutRefs();
    test_support::ProductBuilder builder(this->ids_, "ordered");
    builder.Tag("b-tag").Tag("a-tag").Tag("c-tag");
    builder.Image("https://cdn.example.com/2.png").Image("https://cdn.example.com/1.png");
    builder.Option("Size").Option("Color");
    builder.Channel(this->refs_.web_channel).Channel(this->refs_.default_channel);
    builder.Category(this->refs_.category).Category(this->refs_.parent_category);
    builder.Variant("v", {"S", "Red"}).Price("usd", 1).Price("eur", 2).RegionPrice(this->refs_.jp, 3);
    core::Product product = builder.Build();
    // Ids made later sort later: reversing each vector puts it out of id order.
    std::reverse(product.tags.begin(), product.tags.end());
    std::reverse(product.images.begin(), product.images.end());
    std::reverse(product.options.begin(), product.options.end());
    std::reverse(product.variants[0].options.begin(), product.variants[0].options.end());
    std::reverse(product.variants[0].prices.begin(), product.variants[0].prices.end());
    this->Put(product);
    catalog_detail::ExpectSameProduct(this->Get(product.id), product, core::ProductRelations::All());
}

TYPED_TEST_P(CatalogStoreContract, VariantsComeBackByVariantRank) {
    this->PutRefs();
    test_support::ProductBuilder builder(this->ids_, "ranked");
    builder.Variant("first").Variant("second").Variant("third");
    core::Product product = builder.Build();
    product.variants[0].variant_rank = 2;  // "first" goes last
    product.variants[1].variant_rank = 0;
    product.variants[2].variant_rank = 1;
    this->Put(product);
    const core::Product got = this->Get(product.id);
    std::vector<std::string> titles;
    for (const core::ProductVariant& variant : got.variants) {
        titles.push_back(variant.title);
    }
    EXPECT_EQ(titles, (std::vector<std::string>{"second", "third", "first"}));
}

TYPED_TEST_P(CatalogStoreContract, GetFillsOnlyTheRelationsAskedFor) {
    this->PutRefs();
    const core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(product);
    std::vector<std::pair<const char*, std::function<void(core::ProductRelations&)>>> cases{
        {"none", [](core::ProductRelations&) {}},
        {"variants", [](core::ProductRelations& r) { r.variants = true; }},
        {"variants+prices", [](core::ProductRelations& r) { r.variants = r.prices = true; }},
        {"variants+variant_options",
         [](core::ProductRelations& r) { r.variants = r.variant_options = true; }},
        {"options", [](core::ProductRelations& r) { r.options = true; }},
        {"images", [](core::ProductRelations& r) { r.images = true; }},
        {"tags", [](core::ProductRelations& r) { r.tags = true; }},
        {"type", [](core::ProductRelations& r) { r.type = true; }},
        {"collection", [](core::ProductRelations& r) { r.collection = true; }},
        {"profile", [](core::ProductRelations& r) { r.profile = true; }},
        {"sales_channels", [](core::ProductRelations& r) { r.sales_channels = true; }},
        {"categories", [](core::ProductRelations& r) { r.categories = true; }},
    };
    for (const auto& [name, ask] : cases) {
        SCOPED_TRACE(name);
        core::ProductRelations relations;
        ask(relations);
        catalog_detail::ExpectSameProduct(this->Get(product.id, relations), product, relations);

        core::ProductQuery query;
        query.relations = relations;
        const core::ProductPage page = this->List(query);
        ASSERT_EQ(page.products.size(), 1U);
        catalog_detail::ExpectSameProduct(page.products[0], product, relations);
    }
}

TYPED_TEST_P(CatalogStoreContract, GettingAnUnknownProductIsNotFound) {
    auto got = this->Store().GetProduct("prod_nope", core::ProductRelations::All());
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, core::Errc::kNotFound);
}

TYPED_TEST_P(CatalogStoreContract, APageFillsTheRelationsOfEachProductWithItsOwnRows) {
    this->PutRefs();
    std::vector<core::Product> products;
    for (int i = 0; i < 7; ++i) {
        const std::string n = std::to_string(i);
        products.push_back(
            test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee-" + n, "TEE" + n));
    }
    // Products that differ in what they have: one with nothing, one with one of each.
    products[2].variants.clear();
    products[2].tags.clear();
    products[2].images.clear();
    products[2].options.clear();
    products[2].sales_channels.clear();
    products[2].categories.clear();
    products[2].type.reset();
    products[2].type_id.reset();
    products[2].collection.reset();
    products[2].collection_id.reset();
    products[2].profile.reset();
    products[2].profile_id.reset();
    products[4].variants.resize(1);
    products[4].tags.resize(1);
    products[4].images.resize(1);
    products[4].sales_channels.resize(1);
    this->Put(products);

    core::ProductQuery query;
    query.order_by = core::ProductColumn::kCreatedAt;
    query.direction = core::SortDirection::kAscending;
    query.relations = core::ProductRelations::All();
    const core::ProductPage page = this->List(query);
    ASSERT_EQ(page.products.size(), products.size());
    for (std::size_t i = 0; i < products.size(); ++i) {
        catalog_detail::ExpectSameProduct(page.products[i], products[i], core::ProductRelations::All());
    }
}

// ---- replacing products --------------------------------------------------------------------------

TYPED_TEST_P(CatalogStoreContract, PuttingAProductAgainReplacesItAndDropsWhatTheNewOneLacks) {
    this->PutRefs();
    const core::Product before = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(before);

    core::Product after = before;
    after.title = "Renamed";
    after.subtitle.reset();
    after.description = "New description";
    after.status = "draft";
    after.collection_id.reset();
    after.collection.reset();
    after.weight.reset();
    after.updated_at = before.updated_at + std::chrono::hours{1};
    after.tags.erase(after.tags.begin());                      // "summer" unlinked
    after.images.erase(after.images.begin());                  // front image gone
    after.options.pop_back();                                  // Color gone
    after.sales_channels.erase(after.sales_channels.begin());  // default channel unlinked
    after.categories.clear();
    after.variants.erase(after.variants.begin() + 1);  // M / Black gone
    for (core::ProductVariant& variant : after.variants) {
        variant.options.pop_back();  // the Color values
    }
    after.variants[0].prices.erase(after.variants[0].prices.begin() + 1);  // usd price gone
    after.variants[0].prices.push_back(test_support::MakePrice(this->ids_, "dkk", 14900));
    after.variants[0].title = "Small";
    after.variants[0].sku = "TEE-S";
    after.variants[1].variant_rank = 1;
    test_support::ProductBuilder extra(this->ids_, "unused");
    extra.Option("Size").Variant("XL", {}, "TEE-XL").Price("eur", 999);
    core::ProductVariant added = extra.Build().variants[0];
    added.variant_rank = 2;
    added.options.push_back({this->ids_.Next("optval_"), after.options[0].id, "XL"});
    after.variants.push_back(added);
    this->Put(after);

    catalog_detail::ExpectSameProduct(this->Get(after.id), after, core::ProductRelations::All());
    EXPECT_EQ(this->Matching({}), (std::vector<std::string>{before.id}));
}

TYPED_TEST_P(CatalogStoreContract, PuttingAProductWithoutChildrenLeavesItWithNone) {
    this->PutRefs();
    const core::Product before = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(before);
    core::Product after = before;
    after.variants.clear();
    after.options.clear();
    after.images.clear();
    after.tags.clear();
    after.sales_channels.clear();
    after.categories.clear();
    after.type.reset();
    after.type_id.reset();
    this->Put(after);
    catalog_detail::ExpectSameProduct(this->Get(after.id), after, core::ProductRelations::All());

    // Its variants' SKUs are free again for another product.
    test_support::ProductBuilder other(this->ids_, "other");
    other.Variant("S", {}, "TEE-S-BLK");
    this->Put(other.Build());
}

TYPED_TEST_P(CatalogStoreContract, TagsAndTypesAreMatchedByValue) {
    test_support::ProductBuilder first_builder(this->ids_, "first");
    first_builder.Type("Shirts").Tag("summer").Tag("cotton");
    const core::Product first = first_builder.Build();
    this->Put(first);

    test_support::ProductBuilder second_builder(this->ids_, "second");
    second_builder.Type("Shirts").Tag("cotton").Tag("winter");
    const core::Product second = second_builder.Build();
    this->Put(second);

    const core::Product got = this->Get(second.id);
    ASSERT_TRUE(got.type.has_value());
    EXPECT_EQ(got.type_id, first.type_id) << "the existing type was not reused";
    EXPECT_EQ(catalog_detail::DescribeOptional(got.type), catalog_detail::DescribeOptional(first.type));
    ASSERT_EQ(got.tags.size(), 2U);
    EXPECT_EQ(catalog_detail::Describe(got.tags[0]), catalog_detail::Describe(first.tags[1]))
        << "cotton not reused";
    EXPECT_EQ(catalog_detail::Describe(got.tags[1]), catalog_detail::Describe(second.tags[1]))
        << "winter is new";

    // The type and tag filters see one type and one "cotton" tag shared by both.
    core::ProductFilter by_type;
    by_type.type_ids = {*first.type_id};
    EXPECT_EQ(this->Matching(by_type), this->Sorted({first.id, second.id}));
    core::ProductFilter by_tag;
    by_tag.tag_ids = {first.tags[1].id};
    EXPECT_EQ(this->Matching(by_tag), this->Sorted({first.id, second.id}));
    core::ProductFilter by_unused_id;
    by_unused_id.tag_ids = {second.tags[0].id};  // the id given for "cotton" the second time
    EXPECT_TRUE(this->Matching(by_unused_id).empty());

    // The first product is untouched by the second's put.
    catalog_detail::ExpectSameProduct(this->Get(first.id), first, core::ProductRelations::All());
}

TYPED_TEST_P(CatalogStoreContract, MissingReferencesAreInvalidDataAndWriteNothing) {
    this->PutRefs();
    const core::Product valid = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    std::vector<std::pair<const char*, std::function<void(core::Product&)>>> cases{
        {"collection", [](core::Product& p) { p.collection_id = "pcol_nope"; }},
        {"profile", [](core::Product& p) { p.profile_id = "sp_nope"; }},
        {"sales channel", [](core::Product& p) { p.sales_channels[1].id = "sc_nope"; }},
        {"category", [](core::Product& p) { p.categories[0].id = "pcat_nope"; }},
        {"price region", [](core::Product& p) { p.variants[0].prices[2].region_id = "reg_nope"; }},
    };
    for (const auto& [name, spoil] : cases) {
        SCOPED_TRACE(name);
        core::Product product = valid;
        spoil(product);
        EXPECT_EQ(this->PutError({product}), core::Errc::kInvalidData);
        EXPECT_FALSE(this->Exists(product.id));
        EXPECT_TRUE(this->Matching({}).empty());
    }
    this->Put(valid);
    EXPECT_EQ(this->Matching({}), (std::vector<std::string>{valid.id}));
}

TYPED_TEST_P(CatalogStoreContract, AHandleOrSkuOfAnotherProductIsADuplicate) {
    this->PutRefs();
    const core::Product first = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(first);

    core::Product same_handle = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "OTHER");
    EXPECT_EQ(this->PutError({same_handle}), core::Errc::kDuplicate);
    EXPECT_FALSE(this->Exists(same_handle.id));

    core::Product same_sku = test_support::MakeRealisticProduct(this->ids_, this->refs_, "other", "OTHER");
    same_sku.variants[2].sku = "TEE-M-BLK";
    EXPECT_EQ(this->PutError({same_sku}), core::Errc::kDuplicate);
    EXPECT_FALSE(this->Exists(same_sku.id));

    // Two products of one span with the same handle are a duplicate too.
    core::Product twin_a = test_support::MakeRealisticProduct(this->ids_, this->refs_, "twin", "TWA");
    core::Product twin_b = test_support::MakeRealisticProduct(this->ids_, this->refs_, "twin", "TWB");
    EXPECT_EQ(this->PutError({twin_a, twin_b}), core::Errc::kDuplicate);
    EXPECT_FALSE(this->Exists(twin_a.id));

    catalog_detail::ExpectSameProduct(this->Get(first.id), first, core::ProductRelations::All());
    EXPECT_EQ(this->Matching({}), (std::vector<std::string>{first.id}));
}

TYPED_TEST_P(CatalogStoreContract, AProductKeepsItsOwnHandleAndSkusWhenPutAgain) {
    this->PutRefs();
    core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(product);
    product.title = "Again";
    this->Put(product);
    catalog_detail::ExpectSameProduct(this->Get(product.id), product, core::ProductRelations::All());
}

TYPED_TEST_P(CatalogStoreContract, SkusSwappedBetweenVariantsOfOneProductInOnePutAreNotDuplicates) {
    this->PutRefs();
    core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(product);
    // The SKUs belong to no other product: a put that swaps them is no duplicate, whatever the order
    // in which a store rewrites the variant rows.
    std::swap(product.variants[0].sku, product.variants[1].sku);
    this->Put(product);
    catalog_detail::ExpectSameProduct(this->Get(product.id), product, core::ProductRelations::All());
}

TYPED_TEST_P(CatalogStoreContract, ProductsOfOneSpanShareANewTagAndTypeByValue) {
    using test_support::ProductBuilder;
    // Both are new to the store, and given with a different id in each product.
    const core::Product first =
        ProductBuilder(this->ids_, "first").Type("Hats").Tag("wool").Tag("red").Build();
    const core::Product second = ProductBuilder(this->ids_, "second").Type("Hats").Tag("wool").Build();
    this->Put({first, second});
    const core::Product got = this->Get(second.id);
    EXPECT_EQ(got.type_id, first.type_id) << "the span's first product created the type";
    ASSERT_EQ(got.tags.size(), 1U);
    EXPECT_EQ(catalog_detail::Describe(got.tags[0]), catalog_detail::Describe(first.tags[0]));
    catalog_detail::ExpectSameProduct(this->Get(first.id), first, core::ProductRelations::All());
    core::ProductFilter by_tag;
    by_tag.tag_ids = {first.tags[0].id};
    EXPECT_EQ(this->Matching(by_tag), this->Sorted({first.id, second.id}));
}

TYPED_TEST_P(CatalogStoreContract, NothingIsWrittenWhenOneProductOfASpanFails) {
    this->PutRefs();
    const core::Product stored = test_support::MakeRealisticProduct(this->ids_, this->refs_, "stored", "ST");
    this->Put(stored);

    core::Product changed = stored;
    changed.title = "changed";
    changed.variants.pop_back();
    const core::Product fresh = test_support::MakeRealisticProduct(this->ids_, this->refs_, "fresh", "FR");
    core::Product bad = test_support::MakeRealisticProduct(this->ids_, this->refs_, "bad", "BAD");
    bad.collection_id = "pcol_nope";
    EXPECT_EQ(this->PutError({changed, fresh, bad}), core::Errc::kInvalidData);

    core::Product dup = test_support::MakeRealisticProduct(this->ids_, this->refs_, "dup", "DUP");
    dup.variants[0].sku = "ST-S-BLK";
    EXPECT_EQ(this->PutError({changed, fresh, dup}), core::Errc::kDuplicate);

    catalog_detail::ExpectSameProduct(this->Get(stored.id), stored, core::ProductRelations::All());
    EXPECT_FALSE(this->Exists(fresh.id));
    EXPECT_EQ(this->Matching({}), (std::vector<std::string>{stored.id}));
    // Nor did the failed puts leave a tag or type behind that a later put would pick up.
    test_support::ProductBuilder later(this->ids_, "later");
    later.Type("Shirts").Tag("summer");
    const core::Product later_product = later.Build();
    this->Put(later_product);
    const core::Product got = this->Get(later_product.id);
    EXPECT_EQ(got.type_id, stored.type_id);
    ASSERT_EQ(got.tags.size(), 1U);
    EXPECT_EQ(got.tags[0].id, stored.tags[0].id);
}

TYPED_TEST_P(CatalogStoreContract, ASpanOfManyProductsIsWrittenWhole) {
    this->PutRefs();
    std::vector<core::Product> products;
    for (int i = 0; i < 120; ++i) {
        const std::string n = std::to_string(i);
        products.push_back(test_support::MakeRealisticProduct(this->ids_, this->refs_, "p" + n, "P" + n));
    }
    this->Put(products);
    core::ProductQuery query;
    query.order_by = core::ProductColumn::kCreatedAt;
    query.direction = core::SortDirection::kAscending;
    query.limit = 500;
    query.relations = core::ProductRelations::All();
    const core::ProductPage page = this->List(query);
    EXPECT_EQ(page.count, 120);
    ASSERT_EQ(page.products.size(), products.size());
    for (std::size_t i = 0; i < products.size(); i += 17) {
        catalog_detail::ExpectSameProduct(page.products[i], products[i], core::ProductRelations::All());
    }
}

// ---- soft delete ---------------------------------------------------------------------------------

TYPED_TEST_P(CatalogStoreContract, ADeletedProductIsNotFoundNotListedAndNotCounted) {
    this->PutRefs();
    const core::Product kept = test_support::MakeRealisticProduct(this->ids_, this->refs_, "kept", "K");
    const core::Product gone = test_support::MakeRealisticProduct(this->ids_, this->refs_, "gone", "G");
    this->Put({kept, gone});
    ASSERT_TRUE(this->Store().DeleteProduct(gone.id, catalog_detail::At(99'000)).has_value());

    auto got = this->Store().GetProduct(gone.id, core::ProductRelations::All());
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, core::Errc::kNotFound);
    EXPECT_EQ(this->Matching({}), (std::vector<std::string>{kept.id}));
    core::ProductFilter by_id;
    by_id.ids = {gone.id, kept.id};
    EXPECT_EQ(this->Matching(by_id), (std::vector<std::string>{kept.id}));
    core::ProductFilter by_q;
    by_q.q = "g-s-blk";  // the deleted product's SKU
    EXPECT_TRUE(this->Matching(by_q).empty());
    core::ProductFilter by_channel;
    by_channel.sales_channel_ids = {this->refs_.web_channel.id};
    EXPECT_EQ(this->Matching(by_channel), (std::vector<std::string>{kept.id}));
    catalog_detail::ExpectSameProduct(this->Get(kept.id), kept, core::ProductRelations::All());
}

TYPED_TEST_P(CatalogStoreContract, DeletingAnUnknownProductIsNotFound) {
    auto deleted = this->Store().DeleteProduct("prod_nope", catalog_detail::At(0));
    ASSERT_FALSE(deleted.has_value());
    EXPECT_EQ(deleted.error().code, core::Errc::kNotFound);
}

// ---- product filters -----------------------------------------------------------------------------

TYPED_TEST_P(CatalogStoreContract, FilterByIdsMatchesOnlyThoseIds) {
    const core::Product a = test_support::ProductBuilder(this->ids_, "a").Build();
    const core::Product b = test_support::ProductBuilder(this->ids_, "b").Build();
    const core::Product c = test_support::ProductBuilder(this->ids_, "c").Build();
    this->Put({a, b, c});
    core::ProductFilter filter;
    filter.ids = {c.id, "prod_nope", a.id};
    EXPECT_EQ(this->Matching(filter), this->Sorted({a.id, c.id}));
    filter.ids = {"prod_nope"};
    EXPECT_TRUE(this->Matching(filter).empty());
    EXPECT_EQ(this->Matching({}), this->Sorted({a.id, b.id, c.id}));
}

TYPED_TEST_P(CatalogStoreContract, FilterByQMatchesTitleSubtitleDescriptionHandleOrSkuIgnoringCase) {
    using test_support::ProductBuilder;
    const core::Product title = ProductBuilder(this->ids_, "Linen summer shirt").Build();
    const core::Product subtitle = ProductBuilder(this->ids_, "p2").Subtitle("SUMMER wear").Build();
    const core::Product description =
        ProductBuilder(this->ids_, "p3").Description("Good for\nthe SumMer").Build();
    const core::Product handle = ProductBuilder(this->ids_, "p4").Handle("hat-summer").Build();
    // Two variants match: the product is listed once.
    const core::Product sku = ProductBuilder(this->ids_, "p5")
                                  .Variant("a", {}, "SKU-1")
                                  .Variant("b", {}, "sku-summer-2")
                                  .Variant("c", {}, "SKU-SUMMER-3")
                                  .Build();
    // Only a tag, a type, an option value, a variant title and an image say "summer": no match.
    const core::Product other = ProductBuilder(this->ids_, "winter coat")
                                    .Handle("coat")
                                    .Tag("summer")
                                    .Type("summer")
                                    .Image("https://cdn.example.com/summer.png")
                                    .Option("summer")
                                    .Variant("summer", {"summer"}, "SKU-COAT")
                                    .Build();
    this->Put({title, subtitle, description, handle, sku, other});

    core::ProductFilter filter;
    filter.q = "sUmMeR";
    EXPECT_EQ(this->Matching(filter),
              this->Sorted({title.id, subtitle.id, description.id, handle.id, sku.id}));
    filter.q = "SHIRT";
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{title.id}));
    filter.q = "mer-2";  // a substring in the middle of a SKU
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{sku.id}));
    filter.q = "nothing like it";
    EXPECT_TRUE(this->Matching(filter).empty());
}

TYPED_TEST_P(CatalogStoreContract, FilterByTitleAndHandleIsEquality) {
    using test_support::ProductBuilder;
    const core::Product shirt = ProductBuilder(this->ids_, "shirt").Handle("shirt").Build();
    const core::Product long_shirt = ProductBuilder(this->ids_, "shirt long").Handle("shirt-long").Build();
    const core::Product no_handle = ProductBuilder(this->ids_, "shirt; \"x\"").Build();
    this->Put({shirt, long_shirt, no_handle});

    core::ProductFilter filter;
    filter.title = "shirt";
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{shirt.id}));
    filter.title = "shirt; \"x\"";
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{no_handle.id}));
    filter.title = "shir";
    EXPECT_TRUE(this->Matching(filter).empty());

    filter = {};
    filter.handle = "shirt-long";
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{long_shirt.id}));
    filter.handle = "shirt";
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{shirt.id}));
}

TYPED_TEST_P(CatalogStoreContract, FilterByCollectionTypeTagChannelAndCategoryIdsMatchesAnyAndListsOnce) {
    this->PutRefs();
    const core::ProductCollection other_collection =
        test_support::MakeCollection(this->ids_, "Winter", "winter");
    ASSERT_TRUE(this->Store().PutCollection(other_collection).has_value());
    const core::ProductTag winter{this->ids_.Next("ptag_"), "winter"};
    const core::ProductType hats{this->ids_.Next("ptyp_"), "Hats"};

    using test_support::ProductBuilder;
    const core::Product one = ProductBuilder(this->ids_, "one")
                                  .Collection(this->refs_.collection)
                                  .Type(this->refs_.type)
                                  .Tag(this->refs_.summer_tag)
                                  .Channel(this->refs_.default_channel)
                                  .Category(this->refs_.category)
                                  .Build();
    const core::Product two = ProductBuilder(this->ids_, "two")
                                  .Collection(other_collection)
                                  .Type(hats)
                                  .Tag(this->refs_.summer_tag)
                                  .Tag(winter)
                                  .Channel(this->refs_.default_channel)
                                  .Channel(this->refs_.web_channel)
                                  .Category(this->refs_.parent_category)
                                  .Category(this->refs_.category)
                                  .Build();
    const core::Product none = ProductBuilder(this->ids_, "none").Build();
    this->Put({one, two, none});

    core::ProductFilter filter;
    filter.collection_ids = {this->refs_.collection.id};
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{one.id}));
    filter.collection_ids = {this->refs_.collection.id, other_collection.id};
    EXPECT_EQ(this->Matching(filter), this->Sorted({one.id, two.id}));

    filter = {};
    filter.type_ids = {hats.id};
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{two.id}));
    filter.type_ids = {hats.id, this->refs_.type.id};
    EXPECT_EQ(this->Matching(filter), this->Sorted({one.id, two.id}));

    filter = {};
    filter.tag_ids = {winter.id};
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{two.id}));
    filter.tag_ids = {this->refs_.summer_tag.id, winter.id};  // two matches both: listed once
    EXPECT_EQ(this->Matching(filter), this->Sorted({one.id, two.id}));

    filter = {};
    filter.sales_channel_ids = {this->refs_.web_channel.id};
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{two.id}));
    filter.sales_channel_ids = {this->refs_.web_channel.id, this->refs_.default_channel.id};
    EXPECT_EQ(this->Matching(filter), this->Sorted({one.id, two.id}));

    filter = {};
    filter.category_ids = {this->refs_.parent_category.id};
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{two.id}));
    filter.category_ids = {this->refs_.parent_category.id, this->refs_.category.id};
    EXPECT_EQ(this->Matching(filter), this->Sorted({one.id, two.id}));

    // Several at once must all hold.
    filter.tag_ids = {this->refs_.summer_tag.id};
    filter.sales_channel_ids = {this->refs_.web_channel.id};
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{two.id}));
    filter.collection_ids = {this->refs_.collection.id};
    EXPECT_TRUE(this->Matching(filter).empty());

    // A page of a multi-valued filter is not shortened by duplicate join rows.
    core::ProductQuery query;
    query.filter.tag_ids = {this->refs_.summer_tag.id, winter.id};
    query.filter.category_ids = {this->refs_.parent_category.id, this->refs_.category.id};
    query.filter.sales_channel_ids = {this->refs_.web_channel.id, this->refs_.default_channel.id};
    query.limit = 2;
    const core::ProductPage page = this->List(query);
    EXPECT_EQ(catalog_detail::IdsOf(page.products), (std::vector<std::string>{two.id, one.id}));
    EXPECT_EQ(page.count, 2);
}

TYPED_TEST_P(CatalogStoreContract, FilterByStatusesGiftCardAndDiscountable) {
    using test_support::ProductBuilder;
    const core::Product published = ProductBuilder(this->ids_, "a").Status("published").GiftCard().Build();
    const core::Product draft = ProductBuilder(this->ids_, "b").Status("draft").Discountable(false).Build();
    const core::Product proposed = ProductBuilder(this->ids_, "c").Status("proposed").Build();
    const core::Product rejected = ProductBuilder(this->ids_, "d").Status("rejected").Build();
    this->Put({published, draft, proposed, rejected});

    core::ProductFilter filter;
    filter.statuses = {"published", "proposed"};
    EXPECT_EQ(this->Matching(filter), this->Sorted({published.id, proposed.id}));
    filter.statuses = {"rejected"};
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{rejected.id}));

    filter = {};
    filter.is_giftcard = true;
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{published.id}));
    filter.is_giftcard = false;
    EXPECT_EQ(this->Matching(filter), this->Sorted({draft.id, proposed.id, rejected.id}));

    filter = {};
    filter.discountable = false;
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{draft.id}));
    filter.discountable = true;
    EXPECT_EQ(this->Matching(filter), this->Sorted({published.id, proposed.id, rejected.id}));

    filter.statuses = {"draft", "rejected"};
    EXPECT_EQ(this->Matching(filter), (std::vector<std::string>{rejected.id}));
}

TYPED_TEST_P(CatalogStoreContract, FilterByCreatedAtAndUpdatedAtRanges) {
    using catalog_detail::At;
    using test_support::ProductBuilder;
    const core::Product p1 = ProductBuilder(this->ids_, "1").CreatedAt(At(1000)).UpdatedAt(At(5000)).Build();
    const core::Product p2 = ProductBuilder(this->ids_, "2").CreatedAt(At(2000)).UpdatedAt(At(4000)).Build();
    const core::Product p3 = ProductBuilder(this->ids_, "3").CreatedAt(At(3000)).UpdatedAt(At(6000)).Build();
    this->Put({p1, p2, p3});

    struct Case {
        const char* name;
        core::TimeRange created;
        core::TimeRange updated;
        std::vector<std::string> expected;
    };
    // Range(lt, gt, lte, gte), in ms after the epoch; {} leaves a bound unset.
    const auto range = [](std::optional<std::int64_t> lt, std::optional<std::int64_t> gt,
                          std::optional<std::int64_t> lte, std::optional<std::int64_t> gte) {
        core::TimeRange r;
        const auto at = [](std::optional<std::int64_t> ms) {
            return ms ? std::optional{At(*ms)} : std::nullopt;
        };
        r.lt = at(lt);
        r.gt = at(gt);
        r.lte = at(lte);
        r.gte = at(gte);
        return r;
    };
    const core::TimeRange any;
    const std::vector<Case> cases{
        {"created lt", range(2000, {}, {}, {}), any, {p1.id}},
        {"created lte", range({}, {}, 2000, {}), any, {p1.id, p2.id}},
        {"created gt", range({}, 2000, {}, {}), any, {p3.id}},
        {"created gte", range({}, {}, {}, 2000), any, {p2.id, p3.id}},
        {"created gt and lt", range(3000, 1000, {}, {}), any, {p2.id}},
        {"created gte and lte", range({}, {}, 3000, 1000), any, {p1.id, p2.id, p3.id}},
        {"created empty window", range(2000, 1000, {}, {}), any, {}},
        {"created all four", range(3001, 999, 2000, 2000), any, {p2.id}},
        {"updated lt", any, range(5000, {}, {}, {}), {p2.id}},
        {"updated lte", any, range({}, {}, 5000, {}), {p1.id, p2.id}},
        {"updated gt", any, range({}, 5000, {}, {}), {p3.id}},
        {"updated gte", any, range({}, {}, {}, 5000), {p1.id, p3.id}},
        {"both", range({}, {}, {}, 2000), range({}, {}, {}, 5000), {p3.id}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        core::ProductFilter filter;
        filter.created_at = c.created;
        filter.updated_at = c.updated;
        EXPECT_EQ(this->Matching(filter), this->Sorted(c.expected));
    }
}

// ---- order, limit, offset, keyset ----------------------------------------------------------------

namespace catalog_detail {

/// Twelve products with many ties in each order column (created_at, updated_at and title take
/// three values, handles repeat as null), and ids that are not in insertion order.
inline std::vector<core::Product> ProductsWithTies(IdSource& ids) {
    std::vector<core::Product> products;
    const char* titles[] = {"b", "a", "c"};
    for (int i = 0; i < 12; ++i) {
        ProductBuilder builder(ids, titles[(i * 5) % 3]);
        // 7 and 12 are coprime: the ids visit 0..11 out of order.
        const int scrambled = (i * 7) % 12;
        builder.Id("prod_" + std::string(1, static_cast<char>('a' + scrambled)));
        builder.CreatedAt(At(1000 * ((i % 3) + 1)));
        builder.UpdatedAt(At(1000 * (((i + 1) % 2) + 1)));
        if (i % 4 != 0) {
            builder.Handle("h" + std::string(1, static_cast<char>('a' + ((i * 5) % 12))));
        }
        builder.Variant("v", {}, "SKU-" + std::to_string(i)).Price("eur", 100 + i);
        products.push_back(builder.Build());
    }
    return products;
}

}  // namespace catalog_detail

TYPED_TEST_P(CatalogStoreContract, ListOrdersByEveryColumnBothWaysWithIdTieBreak) {
    const std::vector<core::Product> products = catalog_detail::ProductsWithTies(this->ids_);
    this->Put(products);
    for (const core::ProductColumn column : catalog_detail::kAllProductColumns) {
        for (const core::SortDirection direction : catalog_detail::kBothDirections) {
            SCOPED_TRACE(std::string(catalog_detail::Name(column)) + " " + catalog_detail::Name(direction));
            core::ProductQuery query;
            query.order_by = column;
            query.direction = direction;
            const core::ProductPage page = this->List(query);
            EXPECT_EQ(catalog_detail::IdsOf(page.products),
                      catalog_detail::ExpectedOrder(products, column, direction));
            EXPECT_EQ(page.count, 12);
        }
    }
}

TYPED_TEST_P(CatalogStoreContract, ListDefaultsToNewestFirst) {
    const std::vector<core::Product> products = catalog_detail::ProductsWithTies(this->ids_);
    this->Put(products);
    const core::ProductPage page = this->List({});
    EXPECT_EQ(catalog_detail::IdsOf(page.products),
              catalog_detail::ExpectedOrder(products, core::ProductColumn::kCreatedAt,
                                            core::SortDirection::kDescending));
}

TYPED_TEST_P(CatalogStoreContract, LimitAndOffsetCutWindowsAndTheCountIgnoresThem) {
    const std::vector<core::Product> products = catalog_detail::ProductsWithTies(this->ids_);
    this->Put(products);
    for (const core::ProductColumn column : catalog_detail::kAllProductColumns) {
        SCOPED_TRACE(catalog_detail::Name(column));
        const std::vector<std::string> all =
            catalog_detail::ExpectedOrder(products, column, core::SortDirection::kAscending);
        for (const std::int64_t offset : {0, 3, 5, 10, 12, 20}) {
            core::ProductQuery query;
            query.order_by = column;
            query.direction = core::SortDirection::kAscending;
            query.limit = 5;
            query.offset = offset;
            const core::ProductPage page = this->List(query);
            const auto begin = all.begin() + std::min<std::int64_t>(offset, 12);
            const auto end = all.begin() + std::min<std::int64_t>(offset + 5, 12);
            EXPECT_EQ(catalog_detail::IdsOf(page.products), std::vector<std::string>(begin, end))
                << "offset " << offset;
            EXPECT_EQ(page.count, 12);
        }
    }
}

TYPED_TEST_P(CatalogStoreContract, KeysetPagesVisitEveryProductExactlyOnceInEveryOrder) {
    const std::vector<core::Product> products = catalog_detail::ProductsWithTies(this->ids_);
    this->Put(products);
    for (const core::ProductColumn column : catalog_detail::kAllProductColumns) {
        for (const core::SortDirection direction : catalog_detail::kBothDirections) {
            for (const std::int64_t size : {1, 3, 5}) {
                SCOPED_TRACE(std::string(catalog_detail::Name(column)) + " " +
                             catalog_detail::Name(direction) + " pages of " + std::to_string(size));
                std::vector<std::string> seen;
                core::ProductQuery query;
                query.order_by = column;
                query.direction = direction;
                query.limit = size;
                query.with_count = false;
                for (int guard = 0; guard < 20; ++guard) {
                    const core::ProductPage page = this->List(query);
                    EXPECT_EQ(page.count, 0) << "with_count is off";
                    if (page.products.empty()) {
                        break;
                    }
                    EXPECT_LE(static_cast<std::int64_t>(page.products.size()), size);
                    for (const core::Product& product : page.products) {
                        seen.push_back(product.id);
                    }
                    query.after = core::KeyOf(page.products.back(), column);
                }
                EXPECT_EQ(seen, catalog_detail::ExpectedOrder(products, column, direction));
            }
        }
    }
}

TYPED_TEST_P(CatalogStoreContract, KeysetPagingStartsStrictlyAfterTheKeyAndOffsetCountsFromThere) {
    const std::vector<core::Product> products = catalog_detail::ProductsWithTies(this->ids_);
    this->Put(products);
    for (const core::ProductColumn column : catalog_detail::kAllProductColumns) {
        for (const core::SortDirection direction : catalog_detail::kBothDirections) {
            SCOPED_TRACE(std::string(catalog_detail::Name(column)) + " " + catalog_detail::Name(direction));
            const std::vector<std::string> all = catalog_detail::ExpectedOrder(products, column, direction);
            // The key of the fourth product of the list, built by hand as a resuming export would.
            const auto fourth = std::find_if(products.begin(), products.end(),
                                             [&](const core::Product& p) { return p.id == all[3]; });
            ASSERT_NE(fourth, products.end());
            core::ProductQuery query;
            query.order_by = column;
            query.direction = direction;
            query.after = core::KeyOf(*fourth, column);
            query.limit = 3;
            core::ProductPage page = this->List(query);
            EXPECT_EQ(catalog_detail::IdsOf(page.products),
                      std::vector<std::string>(all.begin() + 4, all.begin() + 7));
            EXPECT_EQ(page.count, 12) << "the count ignores `after`";
            query.offset = 2;
            page = this->List(query);
            EXPECT_EQ(catalog_detail::IdsOf(page.products),
                      std::vector<std::string>(all.begin() + 6, all.begin() + 9));
            // After the last one, nothing.
            const auto last = std::find_if(products.begin(), products.end(),
                                           [&](const core::Product& p) { return p.id == all.back(); });
            query.after = core::KeyOf(*last, column);
            query.offset = 0;
            page = this->List(query);
            EXPECT_TRUE(page.products.empty());
        }
    }
}

TYPED_TEST_P(CatalogStoreContract, KeysetPagingWithAFilterAndRelationsVisitsEachMatchOnce) {
    this->PutRefs();
    std::vector<core::Product> products;
    for (int i = 0; i < 25; ++i) {
        const std::string n = std::to_string(i);
        core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "p" + n, "P" + n);
        product.created_at = catalog_detail::At(1000 * (i % 4));  // ties across page boundaries
        product.status = i % 3 == 0 ? "draft" : "published";
        products.push_back(product);
    }
    this->Put(products);
    std::vector<core::Product> published;
    std::copy_if(products.begin(), products.end(), std::back_inserter(published),
                 [](const core::Product& p) { return p.status == "published"; });

    core::ProductQuery query;
    query.filter.statuses = {"published"};
    query.filter.tag_ids = {this->refs_.summer_tag.id, this->refs_.cotton_tag.id};
    query.direction = core::SortDirection::kAscending;
    query.limit = 4;
    query.relations = core::ProductRelations::All();
    std::vector<std::string> seen;
    for (int guard = 0; guard < 20; ++guard) {
        const core::ProductPage page = this->List(query);
        EXPECT_EQ(page.count, static_cast<std::int64_t>(published.size()));
        if (page.products.empty()) {
            break;
        }
        for (const core::Product& product : page.products) {
            seen.push_back(product.id);
            EXPECT_EQ(product.variants.size(), 3U) << product.id;
            EXPECT_EQ(product.tags.size(), 2U) << product.id;
        }
        query.after = core::KeyOf(page.products.back(), core::ProductColumn::kCreatedAt);
    }
    EXPECT_EQ(seen, catalog_detail::ExpectedOrder(published, core::ProductColumn::kCreatedAt,
                                                  core::SortDirection::kAscending));
}

TYPED_TEST_P(CatalogStoreContract, WithCountOffLeavesTheCountZero) {
    const std::vector<core::Product> products = catalog_detail::ProductsWithTies(this->ids_);
    this->Put(products);
    core::ProductQuery query;
    query.limit = 2;
    query.with_count = false;
    const core::ProductPage page = this->List(query);
    EXPECT_EQ(page.products.size(), 2U);
    EXPECT_EQ(page.count, 0);
    query.with_count = true;
    query.filter.title = "a";
    EXPECT_EQ(this->List(query).count, 4);
    auto counted = this->Store().CountProducts(query.filter);
    ASSERT_TRUE(counted.has_value());
    EXPECT_EQ(counted.value(), 4);
}

// ---- regions, collections, sales channels, categories, shipping profiles -------------------------

TYPED_TEST_P(CatalogStoreContract, RegionsReadBackReplaceAndListByCreationWithCount) {
    using catalog_detail::At;
    core::Region late =
        test_support::MakeRegion(this->ids_, "Late; \"quoted\"", "dkk", {"dk", "se", "no"}, 12.5);
    late.created_at = At(3000);
    late.updated_at = At(3500);
    core::Region early = test_support::MakeRegion(this->ids_, "Early", "jpy", {}, 0);
    early.created_at = At(1000);
    core::Region tie_b = test_support::MakeRegion(this->ids_, "Tie B", "usd", {"us"});
    tie_b.id = "reg_b";
    tie_b.created_at = At(2000);
    core::Region tie_a = test_support::MakeRegion(this->ids_, "Tie A", "cad", {"ca"});
    tie_a.id = "reg_a";
    tie_a.created_at = At(2000);
    for (const core::Region* region : {&late, &early, &tie_b, &tie_a}) {
        ASSERT_TRUE(this->Store().PutRegion(*region).has_value());
    }
    auto got = this->Store().GetRegion(late.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::Describe(got.value()), catalog_detail::Describe(late));

    // Replaced by id: countries that the new one lacks go.
    late.name = "Renamed";
    late.currency_code = "sek";
    late.tax_rate = 25;
    late.countries = {"se", "fi"};
    late.updated_at = At(4000);
    ASSERT_TRUE(this->Store().PutRegion(late).has_value());
    got = this->Store().GetRegion(late.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::Describe(got.value()), catalog_detail::Describe(late));

    auto all = this->Store().ListRegions({});
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(catalog_detail::DescribeAll(all.value().items),
              catalog_detail::DescribeAll(std::vector<core::Region>{early, tie_a, tie_b, late}));
    EXPECT_EQ(all.value().count, 4);
    auto window = this->Store().ListRegions({.limit = 2, .offset = 1});
    ASSERT_TRUE(window.has_value());
    EXPECT_EQ(catalog_detail::IdsOf(window.value().items), (std::vector<std::string>{tie_a.id, tie_b.id}));
    EXPECT_EQ(window.value().count, 4);
}

TYPED_TEST_P(CatalogStoreContract, CollectionsReadBackReplaceAndListByCreationWithCount) {
    using catalog_detail::At;
    core::ProductCollection b = test_support::MakeCollection(this->ids_, "B; \"x\"\nÆ", "b");
    b.id = "pcol_b";
    b.created_at = At(2000);
    b.updated_at = At(2500);
    core::ProductCollection a = test_support::MakeCollection(this->ids_, "A", "a");
    a.id = "pcol_a";
    a.created_at = At(2000);
    core::ProductCollection first = test_support::MakeCollection(this->ids_, "First", "first");
    first.id = "pcol_z";
    first.created_at = At(1000);
    for (const core::ProductCollection* collection : {&b, &a, &first}) {
        ASSERT_TRUE(this->Store().PutCollection(*collection).has_value());
    }
    auto got = this->Store().GetCollection(b.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::Describe(got.value()), catalog_detail::Describe(b));

    b.title = "Renamed";
    b.handle = "renamed";
    ASSERT_TRUE(this->Store().PutCollection(b).has_value());
    auto all = this->Store().ListCollections({});
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(catalog_detail::DescribeAll(all.value().items),
              catalog_detail::DescribeAll(std::vector<core::ProductCollection>{first, a, b}));
    EXPECT_EQ(all.value().count, 3);
    auto window = this->Store().ListCollections({.limit = 1, .offset = 2});
    ASSERT_TRUE(window.has_value());
    EXPECT_EQ(catalog_detail::IdsOf(window.value().items), (std::vector<std::string>{b.id}));
    EXPECT_EQ(window.value().count, 3);
}

TYPED_TEST_P(CatalogStoreContract, SalesChannelsReadBackReplaceAndListByCreationWithCount) {
    using catalog_detail::At;
    core::SalesChannel b = test_support::MakeChannel(this->ids_, "Shop; \"b\"");
    b.id = "sc_b";
    b.created_at = At(2000);
    b.updated_at = At(2001);
    b.is_disabled = true;
    core::SalesChannel a = test_support::MakeChannel(this->ids_, "App");
    a.id = "sc_a";
    a.created_at = At(2000);
    a.description.reset();
    core::SalesChannel first = test_support::MakeChannel(this->ids_, "First");
    first.id = "sc_z";
    first.created_at = At(1000);
    for (const core::SalesChannel* channel : {&b, &a, &first}) {
        ASSERT_TRUE(this->Store().PutSalesChannel(*channel).has_value());
    }
    for (const core::SalesChannel* channel : {&b, &a}) {
        auto got = this->Store().GetSalesChannel(channel->id);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(catalog_detail::Describe(got.value()), catalog_detail::Describe(*channel));
    }
    b.is_disabled = false;
    b.description.reset();
    ASSERT_TRUE(this->Store().PutSalesChannel(b).has_value());
    auto all = this->Store().ListSalesChannels({});
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(catalog_detail::DescribeAll(all.value().items),
              catalog_detail::DescribeAll(std::vector<core::SalesChannel>{first, a, b}));
    EXPECT_EQ(all.value().count, 3);
    auto window = this->Store().ListSalesChannels({.limit = 5, .offset = 1});
    ASSERT_TRUE(window.has_value());
    EXPECT_EQ(catalog_detail::IdsOf(window.value().items), (std::vector<std::string>{a.id, b.id}));
    EXPECT_EQ(window.value().count, 3);
}

TYPED_TEST_P(CatalogStoreContract, OneSalesChannelAtMostIsTheDefault) {
    auto none = this->Store().DefaultSalesChannel();
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, core::Errc::kNotFound);

    core::SalesChannel plain = test_support::MakeChannel(this->ids_, "Plain");
    ASSERT_TRUE(this->Store().PutSalesChannel(plain).has_value());
    none = this->Store().DefaultSalesChannel();
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, core::Errc::kNotFound);

    core::SalesChannel first = test_support::MakeChannel(this->ids_, "First", true);
    ASSERT_TRUE(this->Store().PutSalesChannel(first).has_value());
    auto current = this->Store().DefaultSalesChannel();
    ASSERT_TRUE(current.has_value());
    EXPECT_EQ(catalog_detail::Describe(current.value()), catalog_detail::Describe(first));

    core::SalesChannel second = test_support::MakeChannel(this->ids_, "Second", true);
    ASSERT_TRUE(this->Store().PutSalesChannel(second).has_value());
    current = this->Store().DefaultSalesChannel();
    ASSERT_TRUE(current.has_value());
    EXPECT_EQ(current.value().id, second.id);
    auto demoted = this->Store().GetSalesChannel(first.id);
    ASSERT_TRUE(demoted.has_value());
    EXPECT_FALSE(demoted.value().is_default);
    EXPECT_EQ(demoted.value().name, "First");

    // Making the plain one the default by replacing it.
    plain.is_default = true;
    ASSERT_TRUE(this->Store().PutSalesChannel(plain).has_value());
    auto all = this->Store().ListSalesChannels({});
    ASSERT_TRUE(all.has_value());
    std::vector<std::string> defaults;
    for (const core::SalesChannel& channel : all.value().items) {
        if (channel.is_default) {
            defaults.push_back(channel.id);
        }
    }
    EXPECT_EQ(defaults, (std::vector<std::string>{plain.id}));

    // Putting the default again as not the default leaves none.
    plain.is_default = false;
    ASSERT_TRUE(this->Store().PutSalesChannel(plain).has_value());
    none = this->Store().DefaultSalesChannel();
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, core::Errc::kNotFound);
}

TYPED_TEST_P(CatalogStoreContract, CategoriesNeedAnExistingParentAndListByRankThenId) {
    using catalog_detail::At;
    core::ProductCategory orphan =
        test_support::MakeCategory(this->ids_, "Orphan", "orphan", std::string{"pcat_nope"});
    auto refused = this->Store().PutCategory(orphan);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, core::Errc::kInvalidData);
    auto missing = this->Store().GetCategory(orphan.id);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, core::Errc::kNotFound);

    core::ProductCategory root =
        test_support::MakeCategory(this->ids_, "Root; \"r\"", "root", std::nullopt, 2);
    root.id = "pcat_root";
    root.is_active = false;
    root.is_internal = true;
    root.created_at = At(1000);
    root.updated_at = At(1500);
    core::ProductCategory b = test_support::MakeCategory(this->ids_, "B", "b", root.id, 1);
    b.id = "pcat_b";
    b.created_at = At(1000);  // created before a: ordering ignores created_at
    core::ProductCategory a = test_support::MakeCategory(this->ids_, "A", "a", root.id, 1);
    a.id = "pcat_a";
    a.created_at = At(2000);
    core::ProductCategory top = test_support::MakeCategory(this->ids_, "Top", "top", std::nullopt, 0);
    top.id = "pcat_z";
    top.created_at = At(3000);
    for (const core::ProductCategory* category : {&root, &b, &a, &top}) {
        ASSERT_TRUE(this->Store().PutCategory(*category).has_value()) << category->id;
    }
    for (const core::ProductCategory* category : {&root, &b}) {
        auto got = this->Store().GetCategory(category->id);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(catalog_detail::Describe(got.value()), catalog_detail::Describe(*category));
    }

    // Replacing a category: moving it under another parent, which must exist too.
    a.parent_category_id = top.id;
    a.name = "A moved";
    ASSERT_TRUE(this->Store().PutCategory(a).has_value());
    core::ProductCategory bad_move = b;
    bad_move.parent_category_id = "pcat_nope";
    refused = this->Store().PutCategory(bad_move);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, core::Errc::kInvalidData);

    auto all = this->Store().ListCategories({});
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(catalog_detail::DescribeAll(all.value().items),
              catalog_detail::DescribeAll(std::vector<core::ProductCategory>{top, a, b, root}));
    EXPECT_EQ(all.value().count, 4);
    auto window = this->Store().ListCategories({.limit = 2, .offset = 1});
    ASSERT_TRUE(window.has_value());
    EXPECT_EQ(catalog_detail::IdsOf(window.value().items), (std::vector<std::string>{a.id, b.id}));
    EXPECT_EQ(window.value().count, 4);
}

TYPED_TEST_P(CatalogStoreContract, ShippingProfilesAreFoundByType) {
    auto none = this->Store().ShippingProfileOfType("default");
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, core::Errc::kNotFound);

    core::ShippingProfile standard = test_support::MakeProfile(this->ids_, "default");
    const core::ShippingProfile gift = test_support::MakeProfile(this->ids_, "gift_card");
    ASSERT_TRUE(this->Store().PutShippingProfile(standard).has_value());
    ASSERT_TRUE(this->Store().PutShippingProfile(gift).has_value());
    auto found = this->Store().ShippingProfileOfType("default");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(catalog_detail::Describe(found.value()), catalog_detail::Describe(standard));
    found = this->Store().ShippingProfileOfType("gift_card");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(catalog_detail::Describe(found.value()), catalog_detail::Describe(gift));
    none = this->Store().ShippingProfileOfType("custom");
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, core::Errc::kNotFound);

    standard.name = "Renamed; \"std\"";
    ASSERT_TRUE(this->Store().PutShippingProfile(standard).has_value());
    found = this->Store().ShippingProfileOfType("default");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(catalog_detail::Describe(found.value()), catalog_detail::Describe(standard));
}

TYPED_TEST_P(CatalogStoreContract, GettingUnknownIdsIsNotFound) {
    const auto code = [](const auto& result) { return result ? core::Errc::kInternal : result.error().code; };
    EXPECT_EQ(code(this->Store().GetRegion("reg_nope")), core::Errc::kNotFound);
    EXPECT_EQ(code(this->Store().GetCollection("pcol_nope")), core::Errc::kNotFound);
    EXPECT_EQ(code(this->Store().GetSalesChannel("sc_nope")), core::Errc::kNotFound);
    EXPECT_EQ(code(this->Store().GetCategory("pcat_nope")), core::Errc::kNotFound);
    EXPECT_EQ(code(this->Store().GetPriceList("pl_nope")), core::Errc::kNotFound);
    EXPECT_EQ(code(this->Store().GetOrder("order_nope")), core::Errc::kNotFound);
    EXPECT_EQ(code(this->Store().GetProduct("prod_nope", {})), core::Errc::kNotFound);
}

TYPED_TEST_P(CatalogStoreContract, EmptyListsAreEmptyWithCountZero) {
    const auto expect_empty = [](const auto& page) {
        ASSERT_TRUE(page.has_value());
        EXPECT_TRUE(page.value().items.empty());
        EXPECT_EQ(page.value().count, 0);
    };
    expect_empty(this->Store().ListRegions({}));
    expect_empty(this->Store().ListCollections({}));
    expect_empty(this->Store().ListSalesChannels({}));
    expect_empty(this->Store().ListCategories({}));
    expect_empty(this->Store().ListPriceLists({}));
    expect_empty(this->Store().ListOrders({}));
    const core::ProductPage products = this->List({});
    EXPECT_TRUE(products.products.empty());
    EXPECT_EQ(products.count, 0);
    auto counted = this->Store().CountOrders({});
    ASSERT_TRUE(counted.has_value());
    EXPECT_EQ(counted.value(), 0);
}

// ---- price lists ---------------------------------------------------------------------------------

namespace catalog_detail {

/// A price of `variant` in `list`, in a currency or (with `region`) in a region.
inline core::MoneyAmount ListPrice(IdSource& ids,
                                   const core::PriceList& list,
                                   const core::ProductVariant& variant,
                                   std::string currency_code,
                                   std::int64_t amount,
                                   const core::Region* region = nullptr) {
    core::MoneyAmount price = test_support::MakePrice(ids, std::move(currency_code), amount);
    price.price_list_id = list.id;
    price.variant_id = variant.id;
    if (region != nullptr) {
        price.region_id = region->id;
    }
    return price;
}

inline core::PriceList MakePriceList(IdSource& ids, std::string name) {
    core::PriceList list;
    list.id = ids.Next("pl_");
    list.name = std::move(name);
    list.description = "Prices; \"for\" a while\n✓";
    list.created_at = list.updated_at = ids.Now();
    return list;
}

}  // namespace catalog_detail

TYPED_TEST_P(CatalogStoreContract, APriceListReadsBackWithItsPricesInOrder) {
    using catalog_detail::At;
    this->PutRefs();
    const core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(product);

    core::PriceList list = catalog_detail::MakePriceList(this->ids_, "Black Friday");
    list.type = "override";
    list.status = "active";
    list.starts_at = At(10'000);
    list.ends_at = At(20'000);
    core::MoneyAmount ranged = catalog_detail::ListPrice(this->ids_, list, product.variants[1], "usd", 1500);
    ranged.min_quantity = 3;
    ranged.max_quantity = 10;
    list.prices = {
        catalog_detail::ListPrice(this->ids_, list, product.variants[2], "usd", 999),
        catalog_detail::ListPrice(this->ids_, list, product.variants[0], "eur", 1200, &this->refs_.eu),
        ranged,
        catalog_detail::ListPrice(this->ids_, list, product.variants[0], "jpy", 0),
    };
    ASSERT_TRUE(this->Store().PutPriceList(list).has_value());
    auto got = this->Store().GetPriceList(list.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::DescribeRow(got.value()), catalog_detail::DescribeRow(list));
    EXPECT_EQ(catalog_detail::Describe(got.value().prices, true),
              catalog_detail::Describe(list.prices, true));

    // A list without dates or prices.
    core::PriceList bare = catalog_detail::MakePriceList(this->ids_, "Bare");
    ASSERT_TRUE(this->Store().PutPriceList(bare).has_value());
    got = this->Store().GetPriceList(bare.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::DescribeRow(got.value()), catalog_detail::DescribeRow(bare));
    EXPECT_TRUE(got.value().prices.empty());

    // The list's prices are not the variants' own, in a get or in a page.
    catalog_detail::ExpectSameProduct(this->Get(product.id), product, core::ProductRelations::All());
    core::ProductQuery query;
    query.relations = core::ProductRelations::All();
    const core::ProductPage page = this->List(query);
    ASSERT_EQ(page.products.size(), 1U);
    catalog_detail::ExpectSameProduct(page.products[0], product, core::ProductRelations::All());
}

TYPED_TEST_P(CatalogStoreContract, PuttingAPriceListAgainReplacesItsPrices) {
    this->PutRefs();
    const core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(product);
    core::PriceList list = catalog_detail::MakePriceList(this->ids_, "Sale");
    list.prices = {
        catalog_detail::ListPrice(this->ids_, list, product.variants[0], "eur", 100),
        catalog_detail::ListPrice(this->ids_, list, product.variants[1], "eur", 200),
        catalog_detail::ListPrice(this->ids_, list, product.variants[2], "eur", 300),
    };
    ASSERT_TRUE(this->Store().PutPriceList(list).has_value());

    list.name = "Sale, renamed";
    list.status = "active";
    list.prices.erase(list.prices.begin());
    list.prices[0].amount = 250;
    list.prices.push_back(catalog_detail::ListPrice(this->ids_, list, product.variants[0], "usd", 400));
    ASSERT_TRUE(this->Store().PutPriceList(list).has_value());
    auto got = this->Store().GetPriceList(list.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::DescribeRow(got.value()), catalog_detail::DescribeRow(list));
    EXPECT_EQ(catalog_detail::Describe(got.value().prices, true),
              catalog_detail::Describe(list.prices, true));
}

TYPED_TEST_P(CatalogStoreContract, APriceListPriceOfAMissingVariantIsInvalidDataAndWritesNothing) {
    this->PutRefs();
    const core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(product);
    core::PriceList list = catalog_detail::MakePriceList(this->ids_, "Sale");
    core::ProductVariant ghost;
    ghost.id = "variant_nope";
    list.prices = {
        catalog_detail::ListPrice(this->ids_, list, product.variants[0], "eur", 100),
        catalog_detail::ListPrice(this->ids_, list, ghost, "eur", 200),
    };
    auto refused = this->Store().PutPriceList(list);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, core::Errc::kInvalidData);
    auto got = this->Store().GetPriceList(list.id);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, core::Errc::kNotFound);

    // Nor does a refused replacement change the stored list.
    list.prices.pop_back();
    ASSERT_TRUE(this->Store().PutPriceList(list).has_value());
    core::PriceList spoiled = list;
    spoiled.name = "spoiled";
    spoiled.prices.push_back(catalog_detail::ListPrice(this->ids_, list, ghost, "eur", 300));
    refused = this->Store().PutPriceList(spoiled);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, core::Errc::kInvalidData);
    got = this->Store().GetPriceList(list.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::DescribeRow(got.value()), catalog_detail::DescribeRow(list));
    EXPECT_EQ(catalog_detail::Describe(got.value().prices, true),
              catalog_detail::Describe(list.prices, true));
}

TYPED_TEST_P(CatalogStoreContract, PriceListsListByCreationWithoutPrices) {
    using catalog_detail::At;
    this->PutRefs();
    const core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(product);
    core::PriceList b = catalog_detail::MakePriceList(this->ids_, "B");
    b.id = "pl_b";
    b.created_at = At(2000);
    b.prices = {catalog_detail::ListPrice(this->ids_, b, product.variants[0], "eur", 100)};
    core::PriceList a = catalog_detail::MakePriceList(this->ids_, "A");
    a.id = "pl_a";
    a.created_at = At(2000);
    core::PriceList first = catalog_detail::MakePriceList(this->ids_, "First");
    first.id = "pl_z";
    first.created_at = At(1000);
    for (const core::PriceList* list : {&b, &a, &first}) {
        ASSERT_TRUE(this->Store().PutPriceList(*list).has_value());
    }
    auto all = this->Store().ListPriceLists({});
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(catalog_detail::IdsOf(all.value().items), (std::vector<std::string>{first.id, a.id, b.id}));
    EXPECT_EQ(all.value().count, 3);
    for (const core::PriceList& list : all.value().items) {
        EXPECT_TRUE(list.prices.empty()) << list.id;
    }
    ASSERT_EQ(all.value().items.size(), 3U);
    EXPECT_EQ(catalog_detail::DescribeRow(all.value().items[2]), catalog_detail::DescribeRow(b));
    auto window = this->Store().ListPriceLists({.limit = 1, .offset = 1});
    ASSERT_TRUE(window.has_value());
    EXPECT_EQ(catalog_detail::IdsOf(window.value().items), (std::vector<std::string>{a.id}));
    EXPECT_EQ(window.value().count, 3);
}

TYPED_TEST_P(CatalogStoreContract, PuttingAProductAgainKeepsThePriceListPricesOfItsVariants) {
    this->PutRefs();
    core::Product product = test_support::MakeRealisticProduct(this->ids_, this->refs_, "tee", "TEE");
    this->Put(product);
    core::PriceList list = catalog_detail::MakePriceList(this->ids_, "Sale");
    list.prices = {catalog_detail::ListPrice(this->ids_, list, product.variants[0], "eur", 100)};
    ASSERT_TRUE(this->Store().PutPriceList(list).has_value());

    product.title = "Again";
    product.variants[0].prices.pop_back();
    this->Put(product);
    catalog_detail::ExpectSameProduct(this->Get(product.id), product, core::ProductRelations::All());
    auto got = this->Store().GetPriceList(list.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::Describe(got.value().prices, true),
              catalog_detail::Describe(list.prices, true));
}

// ---- orders --------------------------------------------------------------------------------------

TYPED_TEST_P(CatalogStoreContract, AnOrderReadsBackWithItsCustomerAddressAndSalesChannel) {
    this->PutRefs();
    core::Order order = test_support::MakeOrder(this->ids_, this->refs_.eu, 7, this->refs_.web_channel);
    order.status = "completed";
    order.fulfillment_status = "shipped";
    order.payment_status = "captured";
    order.refunded_total = 100;
    order.updated_at = order.created_at + std::chrono::seconds{5};
    core::Order bare = test_support::MakeOrder(this->ids_, this->refs_.us, 8);
    bare.customer.reset();
    bare.shipping_address.reset();
    const std::vector<core::Order> orders{order, bare};
    ASSERT_TRUE(this->Store().PutOrders(orders).has_value());

    auto got = this->Store().GetOrder(order.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::DescribeRow(got.value()), catalog_detail::DescribeRow(order));
    EXPECT_EQ(catalog_detail::DescribeOptional(got.value().customer),
              catalog_detail::DescribeOptional(order.customer));
    EXPECT_EQ(catalog_detail::DescribeOptional(got.value().shipping_address),
              catalog_detail::DescribeOptional(order.shipping_address));
    EXPECT_EQ(catalog_detail::DescribeOptional(got.value().sales_channel),
              catalog_detail::Describe(this->refs_.web_channel));

    got = this->Store().GetOrder(bare.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::DescribeRow(got.value()), catalog_detail::DescribeRow(bare));
    EXPECT_FALSE(got.value().customer.has_value());
    EXPECT_FALSE(got.value().shipping_address.has_value());
    EXPECT_FALSE(got.value().sales_channel.has_value());

    // A list fills the same.
    core::OrderQuery query;
    query.direction = core::SortDirection::kAscending;
    auto page = this->Store().ListOrders(query);
    ASSERT_TRUE(page.has_value());
    ASSERT_EQ(page.value().items.size(), 2U);
    const core::Order& listed = page.value().items[0];
    EXPECT_EQ(catalog_detail::DescribeRow(listed), catalog_detail::DescribeRow(order));
    EXPECT_EQ(catalog_detail::DescribeOptional(listed.customer),
              catalog_detail::DescribeOptional(order.customer));
    EXPECT_EQ(catalog_detail::DescribeOptional(listed.shipping_address),
              catalog_detail::DescribeOptional(order.shipping_address));
    EXPECT_EQ(catalog_detail::DescribeOptional(listed.sales_channel),
              catalog_detail::Describe(this->refs_.web_channel));
    EXPECT_FALSE(page.value().items[1].customer.has_value());
}

TYPED_TEST_P(CatalogStoreContract, PuttingOrdersAgainReplacesThemAndUpsertsCustomersById) {
    this->PutRefs();
    core::Order first = test_support::MakeOrder(this->ids_, this->refs_.eu, 1, this->refs_.web_channel);
    core::Order second = test_support::MakeOrder(this->ids_, this->refs_.eu, 2);
    second.customer = first.customer;  // the same customer orders twice
    ASSERT_TRUE(this->Store().PutOrders(std::vector<core::Order>{first, second}).has_value());

    first.status = "canceled";
    first.payment_status = "refunded";
    first.sales_channel_id.reset();
    first.customer->first_name = "Renamed";
    first.shipping_address->city = "Aarhus";
    first.shipping_address->phone.reset();
    ASSERT_TRUE(this->Store().PutOrders(std::vector<core::Order>{first}).has_value());
    auto got = this->Store().GetOrder(first.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::DescribeRow(got.value()), catalog_detail::DescribeRow(first));
    EXPECT_EQ(catalog_detail::DescribeOptional(got.value().customer),
              catalog_detail::DescribeOptional(first.customer));
    EXPECT_EQ(catalog_detail::DescribeOptional(got.value().shipping_address),
              catalog_detail::DescribeOptional(first.shipping_address));
    EXPECT_FALSE(got.value().sales_channel.has_value());
    // The other order of that customer sees the new name too.
    got = this->Store().GetOrder(second.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(catalog_detail::DescribeOptional(got.value().customer),
              catalog_detail::DescribeOptional(first.customer));
    auto counted = this->Store().CountOrders({});
    ASSERT_TRUE(counted.has_value());
    EXPECT_EQ(counted.value(), 2);
}

TYPED_TEST_P(CatalogStoreContract, OrderFiltersMatchEachField) {
    using catalog_detail::At;
    this->PutRefs();
    core::Order a = test_support::MakeOrder(this->ids_, this->refs_.eu, 1, this->refs_.web_channel);
    a.created_at = At(1000);
    a.status = "completed";
    a.fulfillment_status = "shipped";
    a.payment_status = "captured";
    core::Order b = test_support::MakeOrder(this->ids_, this->refs_.us, 2, this->refs_.default_channel);
    b.created_at = At(2000);
    b.status = "pending";
    b.fulfillment_status = "not_fulfilled";
    b.payment_status = "awaiting";
    core::Order c = test_support::MakeOrder(this->ids_, this->refs_.eu, 3);
    c.created_at = At(3000);
    c.status = "canceled";
    c.fulfillment_status = "canceled";
    c.payment_status = "refunded";
    c.email = a.email;
    ASSERT_TRUE(this->Store().PutOrders(std::vector<core::Order>{a, b, c}).has_value());

    const auto matching = [this](const core::OrderFilter& filter) {
        core::OrderQuery query;
        query.filter = filter;
        query.direction = core::SortDirection::kAscending;
        auto page = this->Store().ListOrders(query);
        EXPECT_TRUE(page.has_value());
        auto counted = this->Store().CountOrders(filter);
        EXPECT_TRUE(counted.has_value());
        if (!page || !counted) {
            return std::vector<std::string>{};
        }
        EXPECT_EQ(page.value().count, static_cast<std::int64_t>(page.value().items.size()));
        EXPECT_EQ(counted.value(), static_cast<std::int64_t>(page.value().items.size()));
        return catalog_detail::IdsOf(page.value().items);
    };
    using Ids = std::vector<std::string>;
    core::OrderFilter filter;
    EXPECT_EQ(matching(filter), (Ids{a.id, b.id, c.id}));
    filter.ids = {c.id, a.id, "order_nope"};
    EXPECT_EQ(matching(filter), (Ids{a.id, c.id}));
    filter = {};
    filter.email = a.email;
    EXPECT_EQ(matching(filter), (Ids{a.id, c.id}));
    filter = {};
    filter.statuses = {"pending", "canceled"};
    EXPECT_EQ(matching(filter), (Ids{b.id, c.id}));
    filter = {};
    filter.fulfillment_statuses = {"shipped"};
    EXPECT_EQ(matching(filter), (Ids{a.id}));
    filter = {};
    filter.payment_statuses = {"awaiting", "refunded"};
    EXPECT_EQ(matching(filter), (Ids{b.id, c.id}));
    filter = {};
    filter.region_ids = {this->refs_.eu.id};
    EXPECT_EQ(matching(filter), (Ids{a.id, c.id}));
    filter = {};
    filter.sales_channel_ids = {this->refs_.web_channel.id, this->refs_.default_channel.id};
    EXPECT_EQ(matching(filter), (Ids{a.id, b.id}));
    filter = {};
    filter.created_at.gt = At(1000);
    EXPECT_EQ(matching(filter), (Ids{b.id, c.id}));
    filter.created_at.lte = At(2000);
    EXPECT_EQ(matching(filter), (Ids{b.id}));
    filter = {};
    filter.created_at.lt = At(3000);
    filter.created_at.gte = At(1000);
    EXPECT_EQ(matching(filter), (Ids{a.id, b.id}));
    // Several at once must all hold.
    filter.region_ids = {this->refs_.eu.id};
    EXPECT_EQ(matching(filter), (Ids{a.id}));
    filter.statuses = {"pending"};
    EXPECT_TRUE(matching(filter).empty());
}

TYPED_TEST_P(CatalogStoreContract, OrdersListByCreationBothWaysAndKeysetPagesVisitEachOnce) {
    using catalog_detail::At;
    this->PutRefs();
    std::vector<core::Order> orders;
    for (int i = 0; i < 11; ++i) {
        core::Order order = test_support::MakeOrder(this->ids_, this->refs_.eu, i + 1);
        order.id =
            "order_" + std::string(1, static_cast<char>('a' + (i * 4) % 11));  // out of insertion order
        order.created_at = At(1000 * (i % 3));                                 // ties
        orders.push_back(order);
    }
    ASSERT_TRUE(this->Store().PutOrders(orders).has_value());

    for (const core::SortDirection direction : catalog_detail::kBothDirections) {
        SCOPED_TRACE(catalog_detail::Name(direction));
        std::vector<core::Order> sorted = orders;
        std::sort(sorted.begin(), sorted.end(), [&](const core::Order& l, const core::Order& r) {
            const auto left = std::tie(l.created_at, l.id);
            const auto right = std::tie(r.created_at, r.id);
            return direction == core::SortDirection::kAscending ? left < right : right < left;
        });
        const std::vector<std::string> expected = catalog_detail::IdsOf(sorted);

        core::OrderQuery query;
        query.direction = direction;
        EXPECT_EQ(this->ListOrderIds(query), expected);

        query.limit = 4;
        query.offset = 3;
        EXPECT_EQ(this->ListOrderIds(query),
                  std::vector<std::string>(expected.begin() + 3, expected.begin() + 7));
        auto counted = this->Store().ListOrders(query);
        ASSERT_TRUE(counted.has_value());
        EXPECT_EQ(counted.value().count, 11);

        for (const std::int64_t size : {1, 3, 4}) {
            core::OrderQuery pages;
            pages.direction = direction;
            pages.limit = size;
            pages.with_count = false;
            std::vector<std::string> seen;
            for (int guard = 0; guard < 20; ++guard) {
                auto page = this->Store().ListOrders(pages);
                ASSERT_TRUE(page.has_value());
                EXPECT_EQ(page.value().count, 0) << "with_count is off";
                if (page.value().items.empty()) {
                    break;
                }
                for (const core::Order& order : page.value().items) {
                    seen.push_back(order.id);
                }
                pages.after =
                    core::OrderKey{page.value().items.back().created_at, page.value().items.back().id};
            }
            EXPECT_EQ(seen, expected) << "pages of " << size;
        }

        // Offset counts from the key; the count ignores the key.
        core::OrderQuery after;
        after.direction = direction;
        after.after = core::OrderKey{sorted[2].created_at, sorted[2].id};
        after.offset = 1;
        after.limit = 2;
        auto page = this->Store().ListOrders(after);
        ASSERT_TRUE(page.has_value());
        EXPECT_EQ(catalog_detail::IdsOf(page.value().items),
                  std::vector<std::string>(expected.begin() + 4, expected.begin() + 6));
        EXPECT_EQ(page.value().count, 11);
    }
    core::OrderQuery defaults;
    std::vector<std::string> newest_first = this->ListOrderIds(defaults);
    ASSERT_EQ(newest_first.size(), 11U);
    core::OrderQuery ascending;
    ascending.direction = core::SortDirection::kAscending;
    std::vector<std::string> oldest_first = this->ListOrderIds(ascending);
    std::reverse(oldest_first.begin(), oldest_first.end());
    EXPECT_EQ(newest_first, oldest_first) << "the default is newest first";
}

// ---- concurrency ---------------------------------------------------------------------------------

TYPED_TEST_P(CatalogStoreContract, ConcurrentPutsAndReadsAllSucceed) {
    this->PutRefs();
    constexpr int kWriters = 4;
    constexpr int kPerWriter = 6;
    std::vector<std::vector<core::Product>> batches(kWriters);
    for (int w = 0; w < kWriters; ++w) {
        for (int i = 0; i < kPerWriter; ++i) {
            const std::string n = std::to_string(w) + "-" + std::to_string(i);
            batches[static_cast<std::size_t>(w)].push_back(
                test_support::MakeRealisticProduct(this->ids_, this->refs_, "c" + n, "C" + n));
        }
    }
    std::atomic<int> failures{0};
    {
        std::vector<std::jthread> threads;
        for (int w = 0; w < kWriters; ++w) {
            threads.emplace_back([&, w] {
                for (const core::Product& product : batches[static_cast<std::size_t>(w)]) {
                    if (!this->Store().PutProducts(std::span<const core::Product>(&product, 1))) {
                        ++failures;
                    }
                }
            });
        }
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                core::ProductQuery query;
                query.relations = core::ProductRelations::All();
                if (!this->Store().ListProducts(query)) {
                    ++failures;
                }
            }
        });
    }
    EXPECT_EQ(failures.load(), 0);
    auto counted = this->Store().CountProducts({});
    ASSERT_TRUE(counted.has_value());
    EXPECT_EQ(counted.value(), kWriters * kPerWriter);
    const core::Product sample = batches[2][3];
    catalog_detail::ExpectSameProduct(this->Get(sample.id), sample, core::ProductRelations::All());
}

REGISTER_TYPED_TEST_SUITE_P(CatalogStoreContract,
                            APutProductReadsBackWithEveryFieldAndRelation,
                            TextWithSeparatorsQuotesNewlinesAndUtf8IsKeptByteForByte,
                            UnsetOptionalsReadBackEmptyAndEveryOptionalReadsBackSet,
                            RelationsComeBackInTheOrderGivenNotInIdOrder,
                            VariantsComeBackByVariantRank,
                            GetFillsOnlyTheRelationsAskedFor,
                            GettingAnUnknownProductIsNotFound,
                            APageFillsTheRelationsOfEachProductWithItsOwnRows,
                            PuttingAProductAgainReplacesItAndDropsWhatTheNewOneLacks,
                            PuttingAProductWithoutChildrenLeavesItWithNone,
                            TagsAndTypesAreMatchedByValue,
                            MissingReferencesAreInvalidDataAndWriteNothing,
                            AHandleOrSkuOfAnotherProductIsADuplicate,
                            AProductKeepsItsOwnHandleAndSkusWhenPutAgain,
                            SkusSwappedBetweenVariantsOfOneProductInOnePutAreNotDuplicates,
                            ProductsOfOneSpanShareANewTagAndTypeByValue,
                            NothingIsWrittenWhenOneProductOfASpanFails,
                            ASpanOfManyProductsIsWrittenWhole,
                            ADeletedProductIsNotFoundNotListedAndNotCounted,
                            DeletingAnUnknownProductIsNotFound,
                            FilterByIdsMatchesOnlyThoseIds,
                            FilterByQMatchesTitleSubtitleDescriptionHandleOrSkuIgnoringCase,
                            FilterByTitleAndHandleIsEquality,
                            FilterByCollectionTypeTagChannelAndCategoryIdsMatchesAnyAndListsOnce,
                            FilterByStatusesGiftCardAndDiscountable,
                            FilterByCreatedAtAndUpdatedAtRanges,
                            ListOrdersByEveryColumnBothWaysWithIdTieBreak,
                            ListDefaultsToNewestFirst,
                            LimitAndOffsetCutWindowsAndTheCountIgnoresThem,
                            KeysetPagesVisitEveryProductExactlyOnceInEveryOrder,
                            KeysetPagingStartsStrictlyAfterTheKeyAndOffsetCountsFromThere,
                            KeysetPagingWithAFilterAndRelationsVisitsEachMatchOnce,
                            WithCountOffLeavesTheCountZero,
                            RegionsReadBackReplaceAndListByCreationWithCount,
                            CollectionsReadBackReplaceAndListByCreationWithCount,
                            SalesChannelsReadBackReplaceAndListByCreationWithCount,
                            OneSalesChannelAtMostIsTheDefault,
                            CategoriesNeedAnExistingParentAndListByRankThenId,
                            ShippingProfilesAreFoundByType,
                            GettingUnknownIdsIsNotFound,
                            EmptyListsAreEmptyWithCountZero,
                            APriceListReadsBackWithItsPricesInOrder,
                            PuttingAPriceListAgainReplacesItsPrices,
                            APriceListPriceOfAMissingVariantIsInvalidDataAndWritesNothing,
                            PriceListsListByCreationWithoutPrices,
                            PuttingAProductAgainKeepsThePriceListPricesOfItsVariants,
                            AnOrderReadsBackWithItsCustomerAddressAndSalesChannel,
                            PuttingOrdersAgainReplacesThemAndUpsertsCustomersById,
                            OrderFiltersMatchEachField,
                            OrdersListByCreationBothWaysAndKeysetPagesVisitEachOnce,
                            ConcurrentPutsAndReadsAllSucceed);

}  // namespace batchd::contract
