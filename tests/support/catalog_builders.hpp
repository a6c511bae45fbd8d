#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/catalog.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/ports/catalog_store.hpp"

/// Builders of catalog test data shared by the catalog contract suite, the export strategy's tests
/// and the HTTP catalog tests: a realistic product (options, variants with prices per currency and
/// per region, images, tags, channels, category, collection, type, profile) and the entities it
/// refers to. Ids are Medusa-style ("prod_" + ULID) and deterministic: an IdSource made in a test
/// hands out the same ids, in increasing order, on every run. Header-only, no store of its own;
/// not thread-safe (one IdSource per test).
namespace batchd::test_support {

/// 2022-06-27T22:00:00.000Z, the time of Medusa's fixtures; ids and timestamps count from it.
inline const core::TimePoint kCatalogEpoch{std::chrono::milliseconds{1'656'367'200'000}};

/// Deterministic Medusa-style ids: the n-th id is `prefix` + the ULID of (kCatalogEpoch + n ms,
/// salt and n), so ids sort in the order they were made. Two sources with different salts never
/// collide.
class IdSource {
public:
    explicit IdSource(std::string_view salt = "") {
        // FNV-1a of the salt: ids differ between sources, but not between runs.
        std::uint64_t hash = 14695981039346656037ULL;
        for (const char c : salt) {
            hash ^= static_cast<std::uint8_t>(c);
            hash *= 1099511628211ULL;
        }
        salt_ = hash;
    }

    std::string Next(std::string_view prefix) {
        ++count_;
        std::array<std::uint8_t, 10> random{};
        for (std::size_t i = 0; i < 6; ++i) {
            random[i] = static_cast<std::uint8_t>(salt_ >> (8 * i));
        }
        for (std::size_t i = 0; i < 4; ++i) {
            random[6 + i] = static_cast<std::uint8_t>(count_ >> (8 * (3 - i)));
        }
        return core::MakeUlidId(prefix, Now(), random);
    }

    /// The time of the last id made (kCatalogEpoch before the first): a timestamp that grows with
    /// each entity a test builds.
    [[nodiscard]] core::TimePoint Now() const { return kCatalogEpoch + std::chrono::milliseconds{count_}; }

private:
    std::uint64_t salt_ = 0;
    std::uint32_t count_ = 0;
};

inline core::ShippingProfile MakeProfile(IdSource& ids, std::string type = "default", std::string name = "") {
    core::ShippingProfile profile;
    profile.id = ids.Next("sp_");
    profile.name =
        name.empty() ? (type == "gift_card" ? "Gift Card Profile" : "Default Shipping Profile") : name;
    profile.type = std::move(type);
    return profile;
}

inline core::SalesChannel MakeChannel(IdSource& ids, std::string name, bool is_default = false) {
    core::SalesChannel channel;
    channel.id = ids.Next("sc_");
    channel.name = std::move(name);
    channel.description = "Channel " + channel.name;
    channel.is_default = is_default;
    channel.created_at = channel.updated_at = ids.Now();
    return channel;
}

inline core::Region MakeRegion(IdSource& ids,
                               std::string name,
                               std::string currency_code,
                               std::vector<std::string> countries,
                               double tax_rate = 0) {
    core::Region region;
    region.id = ids.Next("reg_");
    region.name = std::move(name);
    region.currency_code = std::move(currency_code);
    region.tax_rate = tax_rate;
    region.countries = std::move(countries);
    region.created_at = region.updated_at = ids.Now();
    return region;
}

inline core::ProductCollection MakeCollection(IdSource& ids, std::string title, std::string handle) {
    core::ProductCollection collection;
    collection.id = ids.Next("pcol_");
    collection.title = std::move(title);
    collection.handle = std::move(handle);
    collection.created_at = collection.updated_at = ids.Now();
    return collection;
}

inline core::ProductCategory MakeCategory(IdSource& ids,
                                          std::string name,
                                          std::string handle,
                                          std::optional<std::string> parent_category_id = std::nullopt,
                                          std::int32_t rank = 0) {
    core::ProductCategory category;
    category.id = ids.Next("pcat_");
    category.name = std::move(name);
    category.handle = std::move(handle);
    category.description = "About " + category.name;
    category.parent_category_id = std::move(parent_category_id);
    category.rank = rank;
    category.created_at = category.updated_at = ids.Now();
    return category;
}

/// A price of a variant in a currency (no region, no price list).
inline core::MoneyAmount MakePrice(IdSource& ids, std::string currency_code, std::int64_t amount) {
    core::MoneyAmount price;
    price.id = ids.Next("ma_");
    price.currency_code = std::move(currency_code);
    price.amount = amount;
    return price;
}

/// A price of a variant in a region (in the region's currency).
inline core::MoneyAmount MakeRegionPrice(IdSource& ids, const core::Region& region, std::int64_t amount) {
    core::MoneyAmount price = MakePrice(ids, region.currency_code, amount);
    price.region_id = region.id;
    return price;
}

/// What a realistic product refers to: both shipping profiles, a default and a second sales
/// channel, three regions (one in a zero-decimal currency), a collection and a two-level category.
struct CatalogRefs {
    core::ShippingProfile default_profile;
    core::ShippingProfile gift_card_profile;
    core::SalesChannel default_channel;
    core::SalesChannel web_channel;
    core::Region eu;  // eur: de, fr, dk
    core::Region us;  // usd: us
    core::Region jp;  // jpy (zero-decimal): jp
    core::ProductCollection collection;
    core::ProductCategory parent_category;
    core::ProductCategory category;  // a child of parent_category
    core::ProductType type;          // "Shirts": created by the first product put with it
    core::ProductTag summer_tag;     // "summer"
    core::ProductTag cotton_tag;     // "cotton, organic"
};

inline CatalogRefs MakeCatalogRefs(IdSource& ids) {
    CatalogRefs refs;
    refs.default_profile = MakeProfile(ids, "default");
    refs.gift_card_profile = MakeProfile(ids, "gift_card");
    refs.default_channel = MakeChannel(ids, "Default Sales Channel", true);
    refs.web_channel = MakeChannel(ids, "Webshop");
    refs.eu = MakeRegion(ids, "EU", "eur", {"de", "fr", "dk"}, 19);
    refs.us = MakeRegion(ids, "NA", "usd", {"us"}, 0);
    refs.jp = MakeRegion(ids, "Japan", "jpy", {"jp"}, 10);
    refs.collection = MakeCollection(ids, "Summer \"24\"", "summer-24");
    refs.parent_category = MakeCategory(ids, "Clothing", "clothing");
    refs.category = MakeCategory(ids, "Shirts; and, tops", "shirts", refs.parent_category.id, 1);
    refs.type = {ids.Next("ptyp_"), "Shirts"};
    refs.summer_tag = {ids.Next("ptag_"), "summer"};
    refs.cotton_tag = {ids.Next("ptag_"), "cotton, organic"};
    return refs;
}

/// Writes `refs` (the parent category before its child; the type and tags come with the first
/// product that uses them); the first failure is returned.
inline core::Result<void> PutCatalogRefs(core::CatalogStore& store, const CatalogRefs& refs) {
    for (const core::ShippingProfile* profile : {&refs.default_profile, &refs.gift_card_profile}) {
        if (auto put = store.PutShippingProfile(*profile); !put) {
            return put;
        }
    }
    for (const core::SalesChannel* channel : {&refs.default_channel, &refs.web_channel}) {
        if (auto put = store.PutSalesChannel(*channel); !put) {
            return put;
        }
    }
    for (const core::Region* region : {&refs.eu, &refs.us, &refs.jp}) {
        if (auto put = store.PutRegion(*region); !put) {
            return put;
        }
    }
    if (auto put = store.PutCollection(refs.collection); !put) {
        return put;
    }
    if (auto put = store.PutCategory(refs.parent_category); !put) {
        return put;
    }
    return store.PutCategory(refs.category);
}

/// A product built step by step: `ProductBuilder(ids, "Shirt").Handle("shirt").Option("Size")
/// .Variant("S", {"S"}, "SKU-S").Price("eur", 1000).Build()`. Variant, Price and RegionPrice add to
/// the last variant; a variant's option values name the product's options in the order given.
/// created_at and updated_at default to the time of the product's id.
class ProductBuilder {
public:
    ProductBuilder(IdSource& ids, std::string title) : ids_(&ids) {
        product_.id = ids.Next("prod_");
        product_.title = std::move(title);
        product_.created_at = product_.updated_at = ids.Now();
    }

    ProductBuilder& Id(std::string id) {
        product_.id = std::move(id);
        return *this;
    }
    ProductBuilder& Subtitle(std::optional<std::string> subtitle) {
        product_.subtitle = std::move(subtitle);
        return *this;
    }
    ProductBuilder& Description(std::optional<std::string> description) {
        product_.description = std::move(description);
        return *this;
    }
    ProductBuilder& Handle(std::optional<std::string> handle) {
        product_.handle = std::move(handle);
        return *this;
    }
    ProductBuilder& Status(std::string status) {
        product_.status = std::move(status);
        return *this;
    }
    ProductBuilder& GiftCard(bool is_giftcard = true) {
        product_.is_giftcard = is_giftcard;
        return *this;
    }
    ProductBuilder& Discountable(bool discountable) {
        product_.discountable = discountable;
        return *this;
    }
    ProductBuilder& Thumbnail(std::optional<std::string> url) {
        product_.thumbnail = std::move(url);
        return *this;
    }
    ProductBuilder& ExternalId(std::optional<std::string> external_id) {
        product_.external_id = std::move(external_id);
        return *this;
    }
    ProductBuilder& CreatedAt(core::TimePoint at) {
        product_.created_at = at;
        return *this;
    }
    ProductBuilder& UpdatedAt(core::TimePoint at) {
        product_.updated_at = at;
        return *this;
    }
    ProductBuilder& Collection(const core::ProductCollection& collection) {
        product_.collection_id = collection.id;
        product_.collection = collection;
        return *this;
    }
    ProductBuilder& Profile(const core::ShippingProfile& profile) {
        product_.profile_id = profile.id;
        product_.profile = profile;
        return *this;
    }
    /// The type with this value (a new id; a store reuses an existing type of that value).
    ProductBuilder& Type(std::string value) {
        core::ProductType type{ids_->Next("ptyp_"), std::move(value)};
        product_.type_id = type.id;
        product_.type = std::move(type);
        return *this;
    }
    /// That type, as given (shared by the products that name it).
    ProductBuilder& Type(const core::ProductType& type) {
        product_.type_id = type.id;
        product_.type = type;
        return *this;
    }
    /// A tag with this value (a new id; a store reuses an existing tag of that value).
    ProductBuilder& Tag(std::string value) {
        product_.tags.push_back({ids_->Next("ptag_"), std::move(value)});
        return *this;
    }
    /// That tag, as given (shared by the products that name it).
    ProductBuilder& Tag(const core::ProductTag& tag) {
        product_.tags.push_back(tag);
        return *this;
    }
    ProductBuilder& Image(std::string url) {
        product_.images.push_back({ids_->Next("img_"), std::move(url)});
        return *this;
    }
    ProductBuilder& Channel(const core::SalesChannel& channel) {
        product_.sales_channels.push_back(channel);
        return *this;
    }
    ProductBuilder& Category(const core::ProductCategory& category) {
        product_.categories.push_back(category);
        return *this;
    }
    ProductBuilder& Option(std::string title) {
        product_.options.push_back({ids_->Next("opt_"), std::move(title)});
        return *this;
    }
    /// A variant with one value per option (in the options' order); its rank is its index.
    ProductBuilder& Variant(std::string title,
                            const std::vector<std::string>& option_values = {},
                            std::optional<std::string> sku = std::nullopt) {
        core::ProductVariant variant;
        variant.id = ids_->Next("variant_");
        variant.title = std::move(title);
        variant.sku = std::move(sku);
        variant.inventory_quantity = 10;
        variant.variant_rank = static_cast<std::int32_t>(product_.variants.size());
        variant.created_at = variant.updated_at = product_.created_at;
        for (std::size_t i = 0; i < option_values.size() && i < product_.options.size(); ++i) {
            variant.options.push_back({ids_->Next("optval_"), product_.options[i].id, option_values[i]});
        }
        product_.variants.push_back(std::move(variant));
        return *this;
    }
    /// A price of the last variant in a currency.
    ProductBuilder& Price(std::string currency_code, std::int64_t amount) {
        LastVariant().prices.push_back(MakePrice(*ids_, std::move(currency_code), amount));
        return *this;
    }
    /// A price of the last variant in a region.
    ProductBuilder& RegionPrice(const core::Region& region, std::int64_t amount) {
        LastVariant().prices.push_back(MakeRegionPrice(*ids_, region, amount));
        return *this;
    }
    /// The product so far, to set what has no builder step (dimensions, customs fields, …).
    core::Product& Edit() { return product_; }

    [[nodiscard]] core::Product Build() const { return product_; }

private:
    core::ProductVariant& LastVariant() {
        if (product_.variants.empty()) {
            Variant("Default variant");
        }
        return product_.variants.back();
    }

    IdSource* ids_;
    core::Product product_;
};

/// A published product using everything `refs` offers, with text that needs CSV quoting: options
/// Size and Color, three variants (SKUs `<sku_prefix>-S-BLK`, …) priced in eur and usd and in the
/// eu and jp regions, two images, the two tags and the type of `refs`, the collection, both
/// channels, the child category and the default profile. `handle` must be unique per product in a catalog.
inline core::Product MakeRealisticProduct(IdSource& ids,
                                          const CatalogRefs& refs,
                                          const std::string& handle,
                                          const std::string& sku_prefix) {
    ProductBuilder builder(ids, "Medusa T-Shirt \"" + handle + "\"");
    builder.Handle(handle)
        .Subtitle("Soft; and, \"comfy\"")
        .Description("Line one\nLine two; with \"quotes\", commas and ÆØÅ 🚀")
        .Status("published")
        .Thumbnail("https://cdn.example.com/" + handle + "/front.png")
        .ExternalId("ext-" + handle)
        .Collection(refs.collection)
        .Profile(refs.default_profile)
        .Type(refs.type)
        .Tag(refs.summer_tag)
        .Tag(refs.cotton_tag)
        .Image("https://cdn.example.com/" + handle + "/front.png")
        .Image("https://cdn.example.com/" + handle + "/back.png")
        .Channel(refs.default_channel)
        .Channel(refs.web_channel)
        .Category(refs.category)
        .Option("Size")
        .Option("Color");
    builder.Variant("S / Black", {"S", "Black"}, sku_prefix + "-S-BLK")
        .Price("eur", 1950)
        .Price("usd", 2200)
        .RegionPrice(refs.eu, 1800)
        .RegionPrice(refs.jp, 2500);
    builder.Variant("M / Black", {"M", "Black"}, sku_prefix + "-M-BLK").Price("eur", 1950).Price("usd", 0);
    builder.Variant("L / White; \"limited\"", {"L", "White"}, sku_prefix + "-L-WHT").Price("eur", 2450);
    core::Product& product = builder.Edit();
    product.weight = 400;
    product.length = 70;
    product.height = 2;
    product.width = 50;
    product.hs_code = "6109.10";
    product.origin_country = "pt";
    product.mid_code = "PTMID01";
    product.material = "Cotton; 100%";
    core::ProductVariant& first = product.variants.front();
    first.barcode = "0123456789012";
    first.ean = "4006381333931";
    first.upc = "036000291452";
    first.inventory_quantity = 100;
    first.allow_backorder = true;
    first.manage_inventory = true;
    first.weight = 210;
    first.length = 71;
    first.height = 3;
    first.width = 51;
    first.hs_code = "6109.10.00";
    first.origin_country = "pt";
    first.mid_code = "PTMID02";
    first.material = "Organic \"cotton\"";
    return builder.Build();
}

/// A customer, an address and an order of `region` in its currency, with totals that add up.
inline core::Order MakeOrder(IdSource& ids,
                             const core::Region& region,
                             std::int64_t display_id,
                             const std::optional<core::SalesChannel>& channel = std::nullopt) {
    core::Order order;
    order.id = ids.Next("order_");
    order.display_id = display_id;
    order.email = "buyer" + std::to_string(display_id) + "@example.com";
    order.currency_code = region.currency_code;
    order.region_id = region.id;
    if (channel) {
        order.sales_channel_id = channel->id;
    }
    order.subtotal = 4000;
    order.shipping_total = 500;
    order.discount_total = 300;
    order.gift_card_total = 200;
    order.tax_total = 760;
    order.total = 4760;
    order.created_at = order.updated_at = ids.Now();

    core::Customer customer;
    customer.id = ids.Next("cus_");
    customer.email = order.email;
    customer.first_name = "Åsa";
    customer.last_name = "O'Brien; \"Jr\"";
    order.customer = customer;

    core::Address address;
    address.id = ids.Next("addr_");
    address.first_name = customer.first_name;
    address.last_name = customer.last_name;
    address.company = "ACME, Inc.";
    address.address_1 = "1 Main St";
    address.address_2 = "Floor 2\nBack door";
    address.city = "København";
    address.province = "Hovedstaden";
    address.postal_code = "1050";
    address.country_code = "dk";
    address.phone = "+45 12 34 56 78";
    order.shipping_address = address;
    return order;
}

}  // namespace batchd::test_support
