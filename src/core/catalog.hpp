#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"

/// The catalog a shop keeps and the batch jobs read and write: Medusa v1's products with their
/// variants, prices, options and relations, regions, price lists and orders. Plain values: a
/// store fills them, the HTTP layer and the strategies read them. Ids are Medusa-style prefixed
/// text ("prod_01H…"); amounts are integers in minor units; a missing (NULL) value is an empty
/// optional. Vectors keep the order the catalog stores (insertion order, or `variant_rank`).
namespace batchd::core {

struct Region {
    std::string id;
    std::string name;
    std::string currency_code;  // lower case, as Medusa stores it
    double tax_rate = 0;
    std::vector<std::string> countries;  // ISO 3166-1 alpha-2, lower case
    TimePoint created_at{};
    TimePoint updated_at{};
};

struct ProductCollection {
    std::string id;
    std::string title;
    std::string handle;
    TimePoint created_at{};
    TimePoint updated_at{};

    bool operator==(const ProductCollection&) const = default;
};

struct ProductType {
    std::string id;
    std::string value;

    bool operator==(const ProductType&) const = default;
};

struct ProductTag {
    std::string id;
    std::string value;

    bool operator==(const ProductTag&) const = default;
};

struct ProductImage {
    std::string id;
    std::string url;

    bool operator==(const ProductImage&) const = default;
};

struct SalesChannel {
    std::string id;
    std::string name;
    std::optional<std::string> description;
    bool is_disabled = false;
    bool is_default = false;  // the channel a product created without channels joins
    TimePoint created_at{};
    TimePoint updated_at{};

    bool operator==(const SalesChannel&) const = default;
};

struct ProductCategory {
    std::string id;
    std::string name;
    std::string handle;
    std::string description;
    std::optional<std::string> parent_category_id;
    bool is_active = true;
    bool is_internal = false;
    std::int32_t rank = 0;
    TimePoint created_at{};
    TimePoint updated_at{};

    bool operator==(const ProductCategory&) const = default;
};

/// Medusa's shipping profile; every product has one ("default", or "gift_card" for gift cards).
struct ShippingProfile {
    std::string id;
    std::string name;
    std::string type;  // "default", "gift_card" or "custom"

    bool operator==(const ShippingProfile&) const = default;
};

/// A price (Medusa's money_amount): of a variant in a currency, optionally tied to a region (then
/// `currency_code` is the region's currency) and/or to a price list.
struct MoneyAmount {
    std::string id;
    std::string currency_code;  // lower case
    std::int64_t amount = 0;    // minor units
    std::optional<std::string> region_id;
    std::optional<std::string> price_list_id;
    std::optional<std::string> variant_id;  // set when read through a price list
    std::optional<std::int64_t> min_quantity;
    std::optional<std::int64_t> max_quantity;

    bool operator==(const MoneyAmount&) const = default;
};

struct ProductOption {
    std::string id;
    std::string title;

    bool operator==(const ProductOption&) const = default;
};

/// A variant's value for one of its product's options.
struct VariantOptionValue {
    std::string id;
    std::string option_id;
    std::string value;

    bool operator==(const VariantOptionValue&) const = default;
};

struct ProductVariant {
    std::string id;
    std::string title;
    std::optional<std::string> sku;
    std::optional<std::string> barcode;
    std::optional<std::string> ean;
    std::optional<std::string> upc;
    std::int64_t inventory_quantity = 0;
    bool allow_backorder = false;
    bool manage_inventory = true;
    std::optional<std::int64_t> weight;
    std::optional<std::int64_t> length;
    std::optional<std::int64_t> height;
    std::optional<std::int64_t> width;
    std::optional<std::string> hs_code;
    std::optional<std::string> origin_country;
    std::optional<std::string> mid_code;
    std::optional<std::string> material;
    std::int32_t variant_rank = 0;    // order within the product (its index in the create request)
    std::vector<MoneyAmount> prices;  // the variant's own prices (no price-list prices), creation order
    std::vector<VariantOptionValue> options;
    TimePoint created_at{};
    TimePoint updated_at{};

    bool operator==(const ProductVariant&) const = default;
};

/// A product with its relations. A store fills the relations the caller asked for
/// (ProductRelations); the others stay empty. `collection_id`, `type_id` and `profile_id` are
/// always set from the row.
struct Product {
    std::string id;
    std::string title;
    std::optional<std::string> subtitle;
    std::optional<std::string> description;
    std::optional<std::string> handle;
    bool is_giftcard = false;
    std::string status = "draft";  // draft, proposed, published, rejected
    std::optional<std::string> thumbnail;
    std::optional<std::int64_t> weight;
    std::optional<std::int64_t> length;
    std::optional<std::int64_t> height;
    std::optional<std::int64_t> width;
    std::optional<std::string> hs_code;
    std::optional<std::string> origin_country;
    std::optional<std::string> mid_code;
    std::optional<std::string> material;
    std::optional<std::string> collection_id;
    std::optional<std::string> type_id;
    std::optional<std::string> profile_id;
    bool discountable = true;
    std::optional<std::string> external_id;
    TimePoint created_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> deleted_at;

    std::optional<ProductCollection> collection;
    std::optional<ProductType> type;
    std::optional<ShippingProfile> profile;
    std::vector<ProductTag> tags;
    std::vector<ProductImage> images;
    std::vector<ProductOption> options;
    std::vector<ProductVariant> variants;  // by variant_rank
    std::vector<SalesChannel> sales_channels;
    std::vector<ProductCategory> categories;

    // Field by field, relations included: a refused write must leave a product equal to itself.
    bool operator==(const Product&) const = default;
};

struct PriceList {
    std::string id;
    std::string name;
    std::string description;
    std::string type = "sale";     // sale or override
    std::string status = "draft";  // active or draft
    std::optional<TimePoint> starts_at;
    std::optional<TimePoint> ends_at;
    std::vector<MoneyAmount> prices;  // each with variant_id set
    TimePoint created_at{};
    TimePoint updated_at{};
};

struct Customer {
    std::string id;
    std::string email;
    std::optional<std::string> first_name;
    std::optional<std::string> last_name;
};

struct Address {
    std::string id;
    std::optional<std::string> first_name;
    std::optional<std::string> last_name;
    std::optional<std::string> company;
    std::optional<std::string> address_1;
    std::optional<std::string> address_2;
    std::optional<std::string> city;
    std::optional<std::string> province;
    std::optional<std::string> postal_code;
    std::optional<std::string> country_code;
    std::optional<std::string> phone;
};

/// An order as the order export and the order routes see it: totals are stored, not computed.
struct Order {
    std::string id;
    std::int64_t display_id = 0;
    std::string status = "pending";  // pending, completed, archived, canceled, requires_action
    std::string fulfillment_status = "not_fulfilled";
    std::string payment_status = "not_paid";
    std::string email;
    std::string currency_code;
    std::string region_id;
    std::optional<std::string> sales_channel_id;
    std::int64_t subtotal = 0;
    std::int64_t shipping_total = 0;
    std::int64_t discount_total = 0;
    std::int64_t gift_card_total = 0;
    std::int64_t refunded_total = 0;
    std::int64_t tax_total = 0;
    std::int64_t total = 0;
    TimePoint created_at{};
    TimePoint updated_at{};

    std::optional<Customer> customer;
    std::optional<Address> shipping_address;
    std::optional<SalesChannel> sales_channel;
};

}  // namespace batchd::core
