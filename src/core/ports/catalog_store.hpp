#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/ports/job_store.hpp"

namespace batchd::core {

/// A window on a timestamp column; every bound that is set must hold.
struct TimeRange {
    std::optional<TimePoint> lt;
    std::optional<TimePoint> gt;
    std::optional<TimePoint> lte;
    std::optional<TimePoint> gte;
};

/// Which products a list or an export covers (Medusa's admin product filters). Empty vectors and
/// empty optionals match everything; the set ones must all hold. Soft-deleted products never match.
struct ProductFilter {
    std::vector<std::string> ids;
    /// Case-insensitive substring of the title, subtitle, description or handle, or of a variant's
    /// SKU (Medusa's `q`).
    std::optional<std::string> q;
    std::optional<std::string> title;   // equality
    std::optional<std::string> handle;  // equality
    std::vector<std::string> collection_ids;
    std::vector<std::string> type_ids;
    std::vector<std::string> tag_ids;            // has any of them
    std::vector<std::string> sales_channel_ids;  // is in any of them
    std::vector<std::string> category_ids;       // is in any of them
    std::vector<std::string> statuses;
    std::optional<bool> is_giftcard;
    std::optional<bool> discountable;
    TimeRange created_at;
    TimeRange updated_at;
};

/// The columns a product list may be ordered by; ties are broken by id in the same direction.
enum class ProductColumn : std::uint8_t { kCreatedAt, kUpdatedAt, kTitle, kHandle, kId };

/// Which relations of a product a read fills (the others are left empty).
struct ProductRelations {
    bool variants = false;
    bool prices = false;           // variants[].prices (needs variants)
    bool variant_options = false;  // variants[].options (needs variants)
    bool options = false;
    bool images = false;
    bool tags = false;
    bool type = false;
    bool collection = false;
    bool profile = false;
    bool sales_channels = false;
    bool categories = false;

    [[nodiscard]] static constexpr ProductRelations All() {
        return {true, true, true, true, true, true, true, true, true, true, true};
    }
};

/// The place of a product in an ordered list: its value in the order column (`time` for the time
/// columns, `text` for the others, null text sorting as the empty string) and its id. A keyset
/// page starts strictly after it.
struct ProductKey {
    TimePoint time{};
    std::string text;
    std::string id;
};

/// The key of `product` in a list ordered by `column`.
[[nodiscard]] ProductKey KeyOf(const Product& product, ProductColumn column);

struct ProductQuery {
    ProductFilter filter;
    ProductColumn order_by = ProductColumn::kCreatedAt;
    SortDirection direction = SortDirection::kDescending;
    std::int64_t limit = 50;
    std::int64_t offset = 0;          // rows skipped (after `after`, if set)
    std::optional<ProductKey> after;  // keyset pagination: only products after this one
    ProductRelations relations;
    bool with_count = true;  // fill ProductPage::count (a second query); exports turn it off
};

struct ProductPage {
    std::vector<Product> products;
    std::int64_t count = 0;  // matches ignoring limit, offset and after; 0 unless with_count
};

/// A plain offset page for the small lists (regions, collections, …).
struct PageRequest {
    std::int64_t limit = 50;
    std::int64_t offset = 0;
};

template <class T>
struct Page {
    std::vector<T> items;
    std::int64_t count = 0;  // all rows, ignoring limit and offset
};

/// Which orders a list or an export covers (Medusa's admin order filters).
struct OrderFilter {
    std::vector<std::string> ids;
    std::optional<std::string> email;  // equality
    std::vector<std::string> statuses;
    std::vector<std::string> fulfillment_statuses;
    std::vector<std::string> payment_statuses;
    std::vector<std::string> region_ids;
    std::vector<std::string> sales_channel_ids;
    TimeRange created_at;
};

/// The place of an order in the created_at-ordered list; a keyset page starts strictly after it.
struct OrderKey {
    TimePoint created_at{};
    std::string id;
};

struct OrderQuery {
    OrderFilter filter;
    SortDirection direction = SortDirection::kDescending;  // by created_at, then id
    std::int64_t limit = 50;
    std::int64_t offset = 0;
    std::optional<OrderKey> after;
    bool with_count = true;
};

/// The shop's catalog: products and what they refer to, price lists and orders. Every read fills
/// customer, shipping address and sales channel of an order; a product read fills what
/// ProductRelations asks for, loading each relation for a whole page in one query (never one query
/// per product). Implementations: SqliteCatalogStore, PgCatalogStore (store/).
///
/// Writes take whole aggregates with their ids already set (callers make ids with MakeUlidId):
/// a Put creates the row or replaces the one with that id. Blocking: call from a worker thread or
/// through RunBlocking. Thread safety: every method may be called concurrently.
class CatalogStore {
public:
    virtual ~CatalogStore() = default;

    // Products.

    /// Creates or replaces each product by id, in one transaction: the row, its options, its
    /// variants (with their own prices and option values; variants, options and prices of the
    /// stored product that the new one lacks are removed), its images, and its links to tags,
    /// sales channels and categories (in vector order). Tags and the type are matched by value:
    /// an existing one is reused (`type_id` and the tag ids then name it), a new one is created
    /// with the id given. `collection_id`, `profile_id`, channel, category and price region ids
    /// must exist (kInvalidData otherwise). kDuplicate if a handle or a variant SKU belongs to
    /// another product. Nothing is written when any product fails.
    [[nodiscard]] virtual Result<void> PutProducts(std::span<const Product> products) = 0;

    /// The product with `relations` filled; kNotFound if it does not exist or is soft-deleted.
    [[nodiscard]] virtual Result<Product> GetProduct(const std::string& id,
                                                     const ProductRelations& relations) = 0;

    [[nodiscard]] virtual Result<ProductPage> ListProducts(const ProductQuery& query) = 0;

    [[nodiscard]] virtual Result<std::int64_t> CountProducts(const ProductFilter& filter) = 0;

    /// Soft-deletes the product and its variants (sets deleted_at); kNotFound if there is none.
    [[nodiscard]] virtual Result<void> DeleteProduct(const std::string& id, TimePoint now) = 0;

    // What products refer to. Each Put creates or replaces by id; Get is kNotFound for an unknown
    // id; List orders by created_at, then id (categories by rank, then id).

    [[nodiscard]] virtual Result<void> PutRegion(const Region& region) = 0;
    [[nodiscard]] virtual Result<Region> GetRegion(const std::string& id) = 0;
    [[nodiscard]] virtual Result<Page<Region>> ListRegions(const PageRequest& page) = 0;

    [[nodiscard]] virtual Result<void> PutCollection(const ProductCollection& collection) = 0;
    [[nodiscard]] virtual Result<ProductCollection> GetCollection(const std::string& id) = 0;
    [[nodiscard]] virtual Result<Page<ProductCollection>> ListCollections(const PageRequest& page) = 0;

    /// Making a channel the default (is_default) makes every other channel not the default.
    [[nodiscard]] virtual Result<void> PutSalesChannel(const SalesChannel& channel) = 0;
    [[nodiscard]] virtual Result<SalesChannel> GetSalesChannel(const std::string& id) = 0;
    [[nodiscard]] virtual Result<Page<SalesChannel>> ListSalesChannels(const PageRequest& page) = 0;
    /// The default channel; kNotFound when there is none.
    [[nodiscard]] virtual Result<SalesChannel> DefaultSalesChannel() = 0;

    /// kInvalidData if parent_category_id names no category.
    [[nodiscard]] virtual Result<void> PutCategory(const ProductCategory& category) = 0;
    [[nodiscard]] virtual Result<ProductCategory> GetCategory(const std::string& id) = 0;
    [[nodiscard]] virtual Result<Page<ProductCategory>> ListCategories(const PageRequest& page) = 0;

    [[nodiscard]] virtual Result<void> PutShippingProfile(const ShippingProfile& profile) = 0;
    /// The first profile of that type ("default", "gift_card"); kNotFound when there is none.
    [[nodiscard]] virtual Result<ShippingProfile> ShippingProfileOfType(const std::string& type) = 0;

    // Price lists.

    /// Creates or replaces the list with all its prices (each names its variant_id, which must
    /// exist: kInvalidData otherwise).
    [[nodiscard]] virtual Result<void> PutPriceList(const PriceList& list) = 0;
    /// The list with its prices.
    [[nodiscard]] virtual Result<PriceList> GetPriceList(const std::string& id) = 0;
    /// Lists without their prices.
    [[nodiscard]] virtual Result<Page<PriceList>> ListPriceLists(const PageRequest& page) = 0;

    // Orders.

    /// Creates or replaces each order by id with its customer and shipping address (upserted by
    /// their ids), in one transaction.
    [[nodiscard]] virtual Result<void> PutOrders(std::span<const Order> orders) = 0;
    [[nodiscard]] virtual Result<Order> GetOrder(const std::string& id) = 0;
    [[nodiscard]] virtual Result<Page<Order>> ListOrders(const OrderQuery& query) = 0;
    [[nodiscard]] virtual Result<std::int64_t> CountOrders(const OrderFilter& filter) = 0;
};

}  // namespace batchd::core
