#include "store/sqlite/sqlite_catalog_store.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/core.h>

#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_shared.hpp"
#include "support/ascii.hpp"

namespace batchd::store::sqlite {
namespace {

using core::Errc;
using core::Error;
using core::Product;
using core::ProductVariant;
using core::Result;
using core::TimePoint;

// The version of migrations/0002_catalog.sql: a file migrated below it has no catalog tables.
constexpr std::int64_t kCatalogSchemaVersion = 2;

// The writer's page cache, in KiB (negative: SQLite's unit for a size rather than a page count).
// Bulk PutProducts insert into a dozen indexes; a bigger cache keeps their pages in memory.
constexpr std::string_view kWriterCacheSize = "PRAGMA cache_size = -65536";
// Sorts and the IN lists of relation lookups stay in memory.
constexpr std::string_view kTempStoreMemory = "PRAGMA temp_store = MEMORY";

constexpr std::string_view kSchemaVersion = "SELECT max(version) FROM schema_migrations";

// ---- SQL --------------------------------------------------------------------------------------------

// The product columns, in the order ReadProductRow reads them; the binds of kUpsertProduct follow
// the same order.
#define BATCHD_PRODUCT_COLUMNS                                                                              \
    "p.id, p.title, p.subtitle, p.description, p.handle, p.is_giftcard, p.status, p.thumbnail, "            \
    "p.weight, p.length, p.height, p.width, p.hs_code, p.origin_country, p.mid_code, p.material, "          \
    "p.collection_id, p.type_id, p.profile_id, p.discountable, p.external_id, p.created_at, p.updated_at, " \
    "p.deleted_at"

constexpr std::string_view kUpsertProduct =
    "INSERT INTO product (id, title, subtitle, description, handle, is_giftcard, status, thumbnail, weight, "
    "length, height, width, hs_code, origin_country, mid_code, material, collection_id, type_id, profile_id, "
    "discountable, external_id, created_at, updated_at, deleted_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
    "?22, ?23, ?24) "
    "ON CONFLICT (id) DO UPDATE SET title = excluded.title, subtitle = excluded.subtitle, "
    "description = excluded.description, handle = excluded.handle, is_giftcard = excluded.is_giftcard, "
    "status = excluded.status, thumbnail = excluded.thumbnail, weight = excluded.weight, "
    "length = excluded.length, height = excluded.height, width = excluded.width, hs_code = excluded.hs_code, "
    "origin_country = excluded.origin_country, mid_code = excluded.mid_code, material = excluded.material, "
    "collection_id = excluded.collection_id, type_id = excluded.type_id, profile_id = excluded.profile_id, "
    "discountable = excluded.discountable, external_id = excluded.external_id, "
    "created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at";

constexpr std::string_view kProductExists = "SELECT 1 FROM product WHERE id = ?1";

// Replacing a stored product: its children go, the new ones are written after. Variants the new
// product keeps stay (their price-list prices refer to them); their SKUs are cleared first so
// that two variants of the product may swap SKUs.
constexpr std::string_view kClearOwnSkus = "UPDATE product_variant SET sku = NULL WHERE product_id = ?1";
constexpr std::string_view kDeleteLostVariants =
    "DELETE FROM product_variant WHERE product_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))";
constexpr std::string_view kDeleteOptionValues =
    "DELETE FROM product_variant_option_value WHERE variant_id IN "
    "(SELECT id FROM product_variant WHERE product_id = ?1)";
constexpr std::string_view kDeleteOwnPrices =
    "DELETE FROM money_amount WHERE price_list_id IS NULL AND variant_id IN "
    "(SELECT id FROM product_variant WHERE product_id = ?1)";
constexpr std::string_view kDeleteOptions = "DELETE FROM product_option WHERE product_id = ?1";
constexpr std::string_view kDeleteTagLinks = "DELETE FROM product_tags WHERE product_id = ?1";
constexpr std::string_view kDeleteImageLinks = "DELETE FROM product_images WHERE product_id = ?1";
constexpr std::string_view kDeleteChannelLinks = "DELETE FROM product_sales_channel WHERE product_id = ?1";
constexpr std::string_view kDeleteCategoryLinks =
    "DELETE FROM product_category_product WHERE product_id = ?1";

// Types and tags are matched by value: looked up first, inserted when new.
constexpr std::string_view kTypeByValue = "SELECT id FROM product_type WHERE value = ?1";
constexpr std::string_view kInsertType = "INSERT INTO product_type (id, value) VALUES (?1, ?2)";
constexpr std::string_view kTagByValue = "SELECT id FROM product_tag WHERE value = ?1";
constexpr std::string_view kInsertTag = "INSERT INTO product_tag (id, value) VALUES (?1, ?2)";
constexpr std::string_view kLinkTag =
    "INSERT INTO product_tags (product_id, product_tag_id, position) VALUES (?1, ?2, ?3) ON CONFLICT DO "
    "NOTHING";
constexpr std::string_view kUpsertImage =
    "INSERT INTO image (id, url) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET url = excluded.url";
constexpr std::string_view kLinkImage =
    "INSERT INTO product_images (product_id, image_id, position) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
constexpr std::string_view kLinkChannel =
    "INSERT INTO product_sales_channel (product_id, sales_channel_id, position) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";
constexpr std::string_view kLinkCategory =
    "INSERT INTO product_category_product (product_id, product_category_id, position) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";

constexpr std::string_view kUpsertOption =
    "INSERT INTO product_option (id, product_id, title, position) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, title = excluded.title, "
    "position = excluded.position";

// A product's variants, their own prices and their option values go in multi-row upserts of up to
// kRowsPerInsert rows: seeding writes about thirty of them per product, and one statement per row
// costs a statement transaction and a VDBE run each. MultiRowTexts::For(n) is the statement for n
// rows (1 ≤ n ≤ kRowsPerInsert; For(1) also serves the single-row writes); the parameters of row k (0-based)
// are numbered from k × the row's column count + 1. The three kinds add at most 3 × kRowsPerInsert texts to
// the writer's statement cache, within Connection::kMaxCachedStatements with the writer's other statements.
constexpr int kRowsPerInsert = 16;

struct MultiRowSql {
    std::string_view head;  // INSERT INTO … VALUES
    std::string_view tail;  // ON CONFLICT …
    int columns = 0;
    std::string (*row)(int first);  // one row's VALUES tuple, its parameters numbered from `first`
};

std::string PriceRowSql(int first) {
    // A price tied to a region takes the region's currency; the foreign key refuses an unknown region.
    return fmt::format(
        "(?{0}, lower(coalesce((SELECT currency_code FROM region WHERE id = ?{6}), ?{1})), ?{2}, ?{3}, ?{4}, "
        "?{5}, ?{6}, ?{7}, ?{8})",
        first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 6, first + 7, first + 8);
}

std::string VariantRowSql(int first) {
    std::string row = "(";
    for (int column = 0; column < 22; ++column) {
        row += fmt::format("?{}, ", first + column);
    }
    row += "NULL)";  // deleted_at: a written variant is live
    return row;
}

std::string OptionValueRowSql(int first) {
    return fmt::format("(?{}, ?{}, ?{}, ?{}, ?{})", first, first + 1, first + 2, first + 3, first + 4);
}

constexpr MultiRowSql kPriceRows{
    "INSERT INTO money_amount (id, currency_code, amount, min_quantity, max_quantity, variant_id, region_id, "
    "price_list_id, position) VALUES ",
    " ON CONFLICT (id) DO UPDATE SET currency_code = excluded.currency_code, amount = excluded.amount, "
    "min_quantity = excluded.min_quantity, max_quantity = excluded.max_quantity, "
    "variant_id = excluded.variant_id, region_id = excluded.region_id, "
    "price_list_id = excluded.price_list_id, position = excluded.position",
    9, &PriceRowSql};

constexpr MultiRowSql kVariantRows{
    "INSERT INTO product_variant (id, product_id, title, sku, barcode, ean, upc, inventory_quantity, "
    "allow_backorder, manage_inventory, weight, length, height, width, hs_code, origin_country, mid_code, "
    "material, variant_rank, position, created_at, updated_at, deleted_at) VALUES ",
    " ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, title = excluded.title, "
    "sku = excluded.sku, barcode = excluded.barcode, ean = excluded.ean, upc = excluded.upc, "
    "inventory_quantity = excluded.inventory_quantity, allow_backorder = excluded.allow_backorder, "
    "manage_inventory = excluded.manage_inventory, weight = excluded.weight, length = excluded.length, "
    "height = excluded.height, width = excluded.width, hs_code = excluded.hs_code, "
    "origin_country = excluded.origin_country, mid_code = excluded.mid_code, material = excluded.material, "
    "variant_rank = excluded.variant_rank, position = excluded.position, created_at = excluded.created_at, "
    "updated_at = excluded.updated_at, deleted_at = NULL",
    22, &VariantRowSql};

constexpr MultiRowSql kOptionValueRows{
    "INSERT INTO product_variant_option_value (id, variant_id, option_id, value, position) VALUES ",
    " ON CONFLICT (id) DO UPDATE SET variant_id = excluded.variant_id, option_id = excluded.option_id, "
    "value = excluded.value, position = excluded.position",
    5, &OptionValueRowSql};

/// The statement texts of one MultiRowSql for 1…kRowsPerInsert rows, made once.
class MultiRowTexts {
public:
    explicit MultiRowTexts(const MultiRowSql& sql) {
        std::string values;
        for (int rows = 1; rows <= kRowsPerInsert; ++rows) {
            if (rows > 1) {
                values += ", ";
            }
            values += sql.row((rows - 1) * sql.columns + 1);
            by_rows_[static_cast<std::size_t>(rows)] = fmt::format("{}{}{}", sql.head, values, sql.tail);
        }
    }

    [[nodiscard]] const std::string& For(std::size_t rows) const { return by_rows_[rows]; }

private:
    std::array<std::string, kRowsPerInsert + 1> by_rows_;
};

const MultiRowTexts& PriceUpserts() {
    static const MultiRowTexts texts{kPriceRows};
    return texts;
}

const MultiRowTexts& VariantUpserts() {
    static const MultiRowTexts texts{kVariantRows};
    return texts;
}

const MultiRowTexts& OptionValueUpserts() {
    static const MultiRowTexts texts{kOptionValueRows};
    return texts;
}

// One row of a product's multi-row upsert of variants, prices or option values: the value, the id
// of its owner (the product of a variant, the variant of the others) and its position there.
// Points into the product.
template <class T>
struct ChildRow {
    const T* value = nullptr;
    const std::string* owner_id = nullptr;
    std::int64_t position = 0;
};

constexpr std::string_view kSoftDeleteProduct =
    "UPDATE product SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL";
constexpr std::string_view kSoftDeleteVariants =
    "UPDATE product_variant SET deleted_at = ?2 WHERE product_id = ?1 AND deleted_at IS NULL";

// A product page's relations: each is one statement for the whole page, ?1 a JSON array of ids.
#define BATCHD_VARIANT_COLUMNS                                                                               \
    "v.id, v.product_id, v.title, v.sku, v.barcode, v.ean, v.upc, v.inventory_quantity, v.allow_backorder, " \
    "v.manage_inventory, v.weight, v.length, v.height, v.width, v.hs_code, v.origin_country, v.mid_code, "   \
    "v.material, v.variant_rank, v.created_at, v.updated_at"

constexpr std::string_view kPageVariants =
    "SELECT " BATCHD_VARIANT_COLUMNS
    " FROM product_variant v WHERE v.product_id IN (SELECT value FROM json_each(?1)) "
    "AND v.deleted_at IS NULL ORDER BY v.product_id, v.variant_rank, v.position";

#define BATCHD_PRICE_COLUMNS                                                                        \
    "m.id, m.currency_code, m.amount, m.region_id, m.price_list_id, m.variant_id, m.min_quantity, " \
    "m.max_quantity"

constexpr std::string_view kPagePrices =
    "SELECT " BATCHD_PRICE_COLUMNS
    " FROM money_amount m WHERE m.variant_id IN (SELECT value FROM json_each(?1)) "
    "AND m.price_list_id IS NULL ORDER BY m.variant_id, m.position";

constexpr std::string_view kPageOptionValues =
    "SELECT o.variant_id, o.id, o.option_id, o.value FROM product_variant_option_value o "
    "WHERE o.variant_id IN (SELECT value FROM json_each(?1)) ORDER BY o.variant_id, o.position";

constexpr std::string_view kPageOptions =
    "SELECT o.product_id, o.id, o.title FROM product_option o "
    "WHERE o.product_id IN (SELECT value FROM json_each(?1)) ORDER BY o.product_id, o.position";

constexpr std::string_view kPageImages =
    "SELECT l.product_id, i.id, i.url FROM product_images l JOIN image i ON i.id = l.image_id "
    "WHERE l.product_id IN (SELECT value FROM json_each(?1)) ORDER BY l.product_id, l.position";

constexpr std::string_view kPageTags =
    "SELECT l.product_id, t.id, t.value FROM product_tags l JOIN product_tag t ON t.id = l.product_tag_id "
    "WHERE l.product_id IN (SELECT value FROM json_each(?1)) ORDER BY l.product_id, l.position";

#define BATCHD_CHANNEL_COLUMNS \
    "sc.id, sc.name, sc.description, sc.is_disabled, sc.is_default, sc.created_at, sc.updated_at"

constexpr std::string_view kPageChannels =
    "SELECT l.product_id, " BATCHD_CHANNEL_COLUMNS
    " FROM product_sales_channel l JOIN sales_channel sc ON sc.id = l.sales_channel_id "
    "WHERE l.product_id IN (SELECT value FROM json_each(?1)) ORDER BY l.product_id, l.position";

#define BATCHD_CATEGORY_COLUMNS                                                                        \
    "pc.id, pc.name, pc.handle, pc.description, pc.parent_category_id, pc.is_active, pc.is_internal, " \
    "pc.rank, pc.created_at, pc.updated_at"

constexpr std::string_view kPageCategories =
    "SELECT l.product_id, " BATCHD_CATEGORY_COLUMNS
    " FROM product_category_product l JOIN product_category pc ON pc.id = l.product_category_id "
    "WHERE l.product_id IN (SELECT value FROM json_each(?1)) ORDER BY l.product_id, l.position";

// Regions.
constexpr std::string_view kUpsertRegion =
    "INSERT INTO region (id, name, currency_code, tax_rate, created_at, updated_at) "
    "VALUES (?1, ?2, lower(?3), ?4, ?5, ?6) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, currency_code = excluded.currency_code, "
    "tax_rate = excluded.tax_rate, created_at = excluded.created_at, updated_at = excluded.updated_at";
constexpr std::string_view kDeleteCountries = "DELETE FROM region_country WHERE region_id = ?1";
constexpr std::string_view kInsertCountry =
    "INSERT INTO region_country (region_id, iso_2, position) VALUES (?1, lower(?2), ?3)";
#define BATCHD_REGION_COLUMNS "r.id, r.name, r.currency_code, r.tax_rate, r.created_at, r.updated_at"
constexpr std::string_view kGetRegion = "SELECT " BATCHD_REGION_COLUMNS " FROM region r WHERE r.id = ?1";
constexpr std::string_view kListRegions =
    "SELECT " BATCHD_REGION_COLUMNS " FROM region r ORDER BY r.created_at, r.id LIMIT ?1 OFFSET ?2";
constexpr std::string_view kCountRegions = "SELECT count(*) FROM region";
constexpr std::string_view kPageCountries =
    "SELECT region_id, iso_2 FROM region_country WHERE region_id IN (SELECT value FROM json_each(?1)) "
    "ORDER BY region_id, position";

// Collections.
constexpr std::string_view kUpsertCollection =
    "INSERT INTO product_collection (id, title, handle, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (id) DO UPDATE SET title = excluded.title, handle = excluded.handle, "
    "created_at = excluded.created_at, updated_at = excluded.updated_at";
#define BATCHD_COLLECTION_COLUMNS "c.id, c.title, c.handle, c.created_at, c.updated_at"
constexpr std::string_view kGetCollection =
    "SELECT " BATCHD_COLLECTION_COLUMNS " FROM product_collection c WHERE c.id = ?1";
constexpr std::string_view kListCollections = "SELECT " BATCHD_COLLECTION_COLUMNS
                                              " FROM product_collection c ORDER BY c.created_at, c.id "
                                              "LIMIT ?1 OFFSET ?2";
constexpr std::string_view kCountCollections = "SELECT count(*) FROM product_collection";

// Sales channels.
constexpr std::string_view kClearDefaultChannel =
    "UPDATE sales_channel SET is_default = 0 WHERE is_default = 1 AND id <> ?1";
constexpr std::string_view kUpsertChannel =
    "INSERT INTO sales_channel (id, name, description, is_disabled, is_default, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, "
    "is_disabled = excluded.is_disabled, is_default = excluded.is_default, created_at = excluded.created_at, "
    "updated_at = excluded.updated_at";
constexpr std::string_view kGetChannel =
    "SELECT " BATCHD_CHANNEL_COLUMNS " FROM sales_channel sc WHERE sc.id = ?1";
constexpr std::string_view kDefaultChannel =
    "SELECT " BATCHD_CHANNEL_COLUMNS " FROM sales_channel sc WHERE sc.is_default = 1 LIMIT 1";
constexpr std::string_view kListChannels = "SELECT " BATCHD_CHANNEL_COLUMNS
                                           " FROM sales_channel sc ORDER BY sc.created_at, sc.id "
                                           "LIMIT ?1 OFFSET ?2";
constexpr std::string_view kCountChannels = "SELECT count(*) FROM sales_channel";

// Categories.
constexpr std::string_view kUpsertCategory =
    "INSERT INTO product_category (id, name, handle, description, parent_category_id, is_active, "
    "is_internal, "
    "rank, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, handle = excluded.handle, "
    "description = excluded.description, parent_category_id = excluded.parent_category_id, "
    "is_active = excluded.is_active, is_internal = excluded.is_internal, rank = excluded.rank, "
    "created_at = excluded.created_at, updated_at = excluded.updated_at";
constexpr std::string_view kGetCategory =
    "SELECT " BATCHD_CATEGORY_COLUMNS " FROM product_category pc WHERE pc.id = ?1";
constexpr std::string_view kListCategories = "SELECT " BATCHD_CATEGORY_COLUMNS
                                             " FROM product_category pc ORDER BY pc.rank, pc.id "
                                             "LIMIT ?1 OFFSET ?2";
constexpr std::string_view kCountCategories = "SELECT count(*) FROM product_category";

// Shipping profiles.
constexpr std::string_view kUpsertProfile =
    "INSERT INTO shipping_profile (id, name, type) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type";
// "The first" is the first created: rowid order (an upsert keeps a row's rowid).
constexpr std::string_view kProfileOfType =
    "SELECT id, name, type FROM shipping_profile WHERE type = ?1 ORDER BY rowid LIMIT 1";

// Price lists.
constexpr std::string_view kUpsertPriceList =
    "INSERT INTO price_list (id, name, description, type, status, starts_at, ends_at, created_at, "
    "updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, "
    "type = excluded.type, status = excluded.status, starts_at = excluded.starts_at, "
    "ends_at = excluded.ends_at, created_at = excluded.created_at, updated_at = excluded.updated_at";
constexpr std::string_view kDeleteListPrices = "DELETE FROM money_amount WHERE price_list_id = ?1";
#define BATCHD_PRICE_LIST_COLUMNS \
    "l.id, l.name, l.description, l.type, l.status, l.starts_at, l.ends_at, l.created_at, l.updated_at"
constexpr std::string_view kGetPriceList =
    "SELECT " BATCHD_PRICE_LIST_COLUMNS " FROM price_list l WHERE l.id = ?1";
constexpr std::string_view kListPrices =
    "SELECT " BATCHD_PRICE_COLUMNS " FROM money_amount m WHERE m.price_list_id = ?1 ORDER BY m.position";
constexpr std::string_view kListPriceLists = "SELECT " BATCHD_PRICE_LIST_COLUMNS
                                             " FROM price_list l ORDER BY l.created_at, l.id "
                                             "LIMIT ?1 OFFSET ?2";
constexpr std::string_view kCountPriceLists = "SELECT count(*) FROM price_list";

// Orders.
constexpr std::string_view kUpsertCustomer =
    "INSERT INTO customer (id, email, first_name, last_name) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, "
    "last_name = excluded.last_name";
constexpr std::string_view kUpsertAddress =
    "INSERT INTO address (id, first_name, last_name, company, address_1, address_2, city, province, "
    "postal_code, country_code, phone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
    "ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name, "
    "company = excluded.company, address_1 = excluded.address_1, address_2 = excluded.address_2, "
    "city = excluded.city, province = excluded.province, postal_code = excluded.postal_code, "
    "country_code = excluded.country_code, phone = excluded.phone";
constexpr std::string_view kUpsertOrder =
    "INSERT INTO \"order\" (id, display_id, status, fulfillment_status, payment_status, email, "
    "currency_code, "
    "region_id, sales_channel_id, customer_id, shipping_address_id, subtotal, shipping_total, "
    "discount_total, "
    "gift_card_total, refunded_total, tax_total, total, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, lower(?7), ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
    "?20) "
    "ON CONFLICT (id) DO UPDATE SET display_id = excluded.display_id, status = excluded.status, "
    "fulfillment_status = excluded.fulfillment_status, payment_status = excluded.payment_status, "
    "email = excluded.email, currency_code = excluded.currency_code, region_id = excluded.region_id, "
    "sales_channel_id = excluded.sales_channel_id, customer_id = excluded.customer_id, "
    "shipping_address_id = excluded.shipping_address_id, subtotal = excluded.subtotal, "
    "shipping_total = excluded.shipping_total, discount_total = excluded.discount_total, "
    "gift_card_total = excluded.gift_card_total, refunded_total = excluded.refunded_total, "
    "tax_total = excluded.tax_total, total = excluded.total, created_at = excluded.created_at, "
    "updated_at = excluded.updated_at";

// The order columns, in the order ReadOrder reads them, then its customer, address and channel.
constexpr std::string_view kOrderSelect =
    "SELECT o.id, o.display_id, o.status, o.fulfillment_status, o.payment_status, o.email, o.currency_code, "
    "o.region_id, o.sales_channel_id, o.subtotal, o.shipping_total, o.discount_total, o.gift_card_total, "
    "o.refunded_total, o.tax_total, o.total, o.created_at, o.updated_at, "
    "c.id, c.email, c.first_name, c.last_name, "
    "a.id, a.first_name, a.last_name, a.company, a.address_1, a.address_2, a.city, a.province, "
    "a.postal_code, a.country_code, a.phone, " BATCHD_CHANNEL_COLUMNS
    " FROM \"order\" o LEFT JOIN customer c ON c.id = o.customer_id "
    "LEFT JOIN address a ON a.id = o.shipping_address_id "
    "LEFT JOIN sales_channel sc ON sc.id = o.sales_channel_id";
constexpr std::string_view kOrderCount = "SELECT count(*) FROM \"order\" o";

// ---- binding and reading ----------------------------------------------------------------------------

/// Binds ?1, ?2, … in call order, converting the catalog's types (bools 0/1, times in ms).
/// A named string (an lvalue) is bound without a copy: it outlives the Statement, which every
/// caller declares in the same scope; a temporary or a view is copied.
class Binder {
public:
    explicit Binder(Statement& statement, int first = 1) noexcept : statement_(statement), next_(first) {}

    Binder& Add(std::string_view text) {
        statement_.Bind(next_++, text);
        return *this;
    }
    Binder& Add(const std::string& text) {
        statement_.BindStatic(next_++, text);
        return *this;
    }
    Binder& Add(std::string&& text) { return Add(std::string_view{text}); }
    Binder& Add(const char* text) = delete;  // would convert to bool
    Binder& Add(const std::optional<std::string>& text) {
        if (text) {
            return Add(*text);
        }
        return AddNull();
    }
    Binder& Add(std::optional<std::string>&& text) {
        if (text) {
            return Add(std::string_view{*text});
        }
        return AddNull();
    }
    Binder& Add(std::int64_t value) {
        statement_.Bind(next_++, value);
        return *this;
    }
    Binder& Add(std::int32_t value) { return Add(std::int64_t{value}); }
    Binder& Add(const std::optional<std::int64_t>& value) {
        statement_.Bind(next_++, value);
        return *this;
    }
    Binder& Add(bool value) { return Add(std::int64_t{value ? 1 : 0}); }
    Binder& Add(double value) {
        statement_.Bind(next_++, value);
        return *this;
    }
    Binder& Add(TimePoint at) { return Add(Millis(at)); }
    Binder& Add(const std::optional<TimePoint>& at) { return Add(Millis(at)); }
    Binder& AddNull() {
        statement_.BindNull(next_++);
        return *this;
    }

private:
    Statement& statement_;
    int next_;
};

/// Reads the columns of a row left to right.
class Reader {
public:
    explicit Reader(const Statement& row, int first = 0) noexcept : row_(row), next_(first) {}

    [[nodiscard]] bool NextIsNull() const { return row_.IsNull(next_); }
    void Skip(int columns) { next_ += columns; }
    std::string Text() { return std::string{row_.Text(next_++)}; }
    std::string_view View() { return row_.Text(next_++); }
    std::optional<std::string> OptionalText() { return row_.OptionalText(next_++); }
    std::int64_t Int() { return row_.Int(next_++); }
    std::int32_t Int32() { return static_cast<std::int32_t>(row_.Int(next_++)); }
    std::optional<std::int64_t> OptionalInt() { return row_.OptionalInt(next_++); }
    bool Bool() { return row_.Int(next_++) != 0; }
    double Double() { return row_.Double(next_++); }
    TimePoint Time() { return FromMillis(row_.Int(next_++)); }
    std::optional<TimePoint> OptionalTime() { return FromMillis(row_.OptionalInt(next_++)); }

private:
    const Statement& row_;
    int next_;
};

std::string JsonArrayOf(const std::vector<std::string_view>& values) {
    boost::json::array array;
    array.reserve(values.size());
    for (std::string_view value : values) {
        array.emplace_back(value);
    }
    return boost::json::serialize(array);
}

std::string JsonArrayOf(const std::vector<std::string>& values) {
    boost::json::array array;
    array.reserve(values.size());
    for (const std::string& value : values) {
        array.emplace_back(value);
    }
    return boost::json::serialize(array);
}

// Reads BATCHD_PRODUCT_COLUMNS.
Product ReadProductRow(Reader& r) {
    Product product;
    product.id = r.Text();
    product.title = r.Text();
    product.subtitle = r.OptionalText();
    product.description = r.OptionalText();
    product.handle = r.OptionalText();
    product.is_giftcard = r.Bool();
    product.status = r.Text();
    product.thumbnail = r.OptionalText();
    product.weight = r.OptionalInt();
    product.length = r.OptionalInt();
    product.height = r.OptionalInt();
    product.width = r.OptionalInt();
    product.hs_code = r.OptionalText();
    product.origin_country = r.OptionalText();
    product.mid_code = r.OptionalText();
    product.material = r.OptionalText();
    product.collection_id = r.OptionalText();
    product.type_id = r.OptionalText();
    product.profile_id = r.OptionalText();
    product.discountable = r.Bool();
    product.external_id = r.OptionalText();
    product.created_at = r.Time();
    product.updated_at = r.Time();
    product.deleted_at = r.OptionalTime();
    return product;
}

ProductVariant ReadVariantRow(Reader& r) {
    ProductVariant variant;
    variant.id = r.Text();
    r.Skip(1);  // product_id, read by the caller
    variant.title = r.Text();
    variant.sku = r.OptionalText();
    variant.barcode = r.OptionalText();
    variant.ean = r.OptionalText();
    variant.upc = r.OptionalText();
    variant.inventory_quantity = r.Int();
    variant.allow_backorder = r.Bool();
    variant.manage_inventory = r.Bool();
    variant.weight = r.OptionalInt();
    variant.length = r.OptionalInt();
    variant.height = r.OptionalInt();
    variant.width = r.OptionalInt();
    variant.hs_code = r.OptionalText();
    variant.origin_country = r.OptionalText();
    variant.mid_code = r.OptionalText();
    variant.material = r.OptionalText();
    variant.variant_rank = r.Int32();
    variant.created_at = r.Time();
    variant.updated_at = r.Time();
    return variant;
}

// Binds the 22 parameters of one kVariantRows row.
void BindVariant(Binder& binder,
                 const std::string& product_id,
                 const ProductVariant& variant,
                 std::int64_t position) {
    binder.Add(variant.id)
        .Add(product_id)
        .Add(variant.title)
        .Add(variant.sku)
        .Add(variant.barcode)
        .Add(variant.ean)
        .Add(variant.upc)
        .Add(variant.inventory_quantity)
        .Add(variant.allow_backorder)
        .Add(variant.manage_inventory)
        .Add(variant.weight)
        .Add(variant.length)
        .Add(variant.height)
        .Add(variant.width)
        .Add(variant.hs_code)
        .Add(variant.origin_country)
        .Add(variant.mid_code)
        .Add(variant.material)
        .Add(variant.variant_rank)
        .Add(position)
        .Add(variant.created_at)
        .Add(variant.updated_at);
}

// Reads BATCHD_PRICE_COLUMNS; variant_id only when asked (a price list's prices).
core::MoneyAmount ReadPrice(Reader& r, bool with_variant) {
    core::MoneyAmount price;
    price.id = r.Text();
    price.currency_code = r.Text();
    price.amount = r.Int();
    price.region_id = r.OptionalText();
    price.price_list_id = r.OptionalText();
    if (with_variant) {
        price.variant_id = r.OptionalText();
    } else {
        r.Skip(1);
    }
    price.min_quantity = r.OptionalInt();
    price.max_quantity = r.OptionalInt();
    return price;
}

core::SalesChannel ReadChannel(Reader& r) {
    core::SalesChannel channel;
    channel.id = r.Text();
    channel.name = r.Text();
    channel.description = r.OptionalText();
    channel.is_disabled = r.Bool();
    channel.is_default = r.Bool();
    channel.created_at = r.Time();
    channel.updated_at = r.Time();
    return channel;
}

core::ProductCategory ReadCategory(Reader& r) {
    core::ProductCategory category;
    category.id = r.Text();
    category.name = r.Text();
    category.handle = r.Text();
    category.description = r.Text();
    category.parent_category_id = r.OptionalText();
    category.is_active = r.Bool();
    category.is_internal = r.Bool();
    category.rank = r.Int32();
    category.created_at = r.Time();
    category.updated_at = r.Time();
    return category;
}

core::ProductCollection ReadCollection(Reader& r) {
    core::ProductCollection collection;
    collection.id = r.Text();
    collection.title = r.Text();
    collection.handle = r.Text();
    collection.created_at = r.Time();
    collection.updated_at = r.Time();
    return collection;
}

core::Region ReadRegion(Reader& r) {
    core::Region region;
    region.id = r.Text();
    region.name = r.Text();
    region.currency_code = r.Text();
    region.tax_rate = r.Double();
    region.created_at = r.Time();
    region.updated_at = r.Time();
    return region;
}

core::PriceList ReadPriceList(Reader& r) {
    core::PriceList list;
    list.id = r.Text();
    list.name = r.Text();
    list.description = r.Text();
    list.type = r.Text();
    list.status = r.Text();
    list.starts_at = r.OptionalTime();
    list.ends_at = r.OptionalTime();
    list.created_at = r.Time();
    list.updated_at = r.Time();
    return list;
}

// Reads kOrderSelect's columns.
core::Order ReadOrder(Reader& r) {
    core::Order order;
    order.id = r.Text();
    order.display_id = r.Int();
    order.status = r.Text();
    order.fulfillment_status = r.Text();
    order.payment_status = r.Text();
    order.email = r.Text();
    order.currency_code = r.Text();
    order.region_id = r.Text();
    order.sales_channel_id = r.OptionalText();
    order.subtotal = r.Int();
    order.shipping_total = r.Int();
    order.discount_total = r.Int();
    order.gift_card_total = r.Int();
    order.refunded_total = r.Int();
    order.tax_total = r.Int();
    order.total = r.Int();
    order.created_at = r.Time();
    order.updated_at = r.Time();
    if (r.NextIsNull()) {
        r.Skip(4);
    } else {
        core::Customer customer;
        customer.id = r.Text();
        customer.email = r.Text();
        customer.first_name = r.OptionalText();
        customer.last_name = r.OptionalText();
        order.customer = std::move(customer);
    }
    if (r.NextIsNull()) {
        r.Skip(11);
    } else {
        core::Address address;
        address.id = r.Text();
        address.first_name = r.OptionalText();
        address.last_name = r.OptionalText();
        address.company = r.OptionalText();
        address.address_1 = r.OptionalText();
        address.address_2 = r.OptionalText();
        address.city = r.OptionalText();
        address.province = r.OptionalText();
        address.postal_code = r.OptionalText();
        address.country_code = r.OptionalText();
        address.phone = r.OptionalText();
        order.shipping_address = std::move(address);
    }
    if (!r.NextIsNull()) {
        order.sales_channel = ReadChannel(r);
    }
    return order;
}

// ---- list queries -----------------------------------------------------------------------------------

// A WHERE clause assembled from fixed fragments, with its values bound in order: no user text is
// ever part of the SQL.
struct Where {
    std::string sql;
    std::vector<Param> params;

    void Add(std::string_view fragment) {
        sql += sql.empty() ? " WHERE " : " AND ";
        sql += fragment;
    }
    void Add(std::string_view fragment, Param param) {
        Add(fragment);
        params.push_back(std::move(param));
    }
};

void AddTimeRange(Where& where, std::string_view column, const core::TimeRange& range) {
    const std::pair<const std::optional<TimePoint>&, std::string_view> comparisons[] = {
        {range.lt, "<"}, {range.gt, ">"}, {range.lte, "<="}, {range.gte, ">="}};
    for (const auto& [bound, op] : comparisons) {
        if (bound) {
            where.Add(fmt::format("{} {} ?", column, op), Millis(*bound));
        }
    }
}

Where ProductWhere(const core::ProductFilter& filter) {
    Where where;
    where.Add("p.deleted_at IS NULL");
    if (!filter.ids.empty()) {
        where.Add("p.id IN (SELECT value FROM json_each(?))", JsonArrayOf(filter.ids));
    }
    if (filter.q) {
        const std::string needle = AsciiLower(*filter.q);  // as SQLite's lower(): ASCII only
        where.Add(
            "(instr(lower(p.title), ?) > 0 OR instr(lower(p.subtitle), ?) > 0 OR "
            "instr(lower(p.description), ?) > 0 OR instr(lower(p.handle), ?) > 0 OR "
            "p.id IN (SELECT v.product_id FROM product_variant v WHERE v.deleted_at IS NULL AND "
            "instr(lower(v.sku), ?) > 0))");
        for (int i = 0; i < 5; ++i) {
            where.params.emplace_back(needle);
        }
    }
    if (filter.title) {
        where.Add("p.title = ?", *filter.title);
    }
    if (filter.handle) {
        where.Add("p.handle = ?", *filter.handle);
    }
    if (!filter.collection_ids.empty()) {
        where.Add("p.collection_id IN (SELECT value FROM json_each(?))", JsonArrayOf(filter.collection_ids));
    }
    if (!filter.type_ids.empty()) {
        where.Add("p.type_id IN (SELECT value FROM json_each(?))", JsonArrayOf(filter.type_ids));
    }
    if (!filter.tag_ids.empty()) {
        where.Add(
            "p.id IN (SELECT product_id FROM product_tags WHERE product_tag_id IN "
            "(SELECT value FROM json_each(?)))",
            JsonArrayOf(filter.tag_ids));
    }
    if (!filter.sales_channel_ids.empty()) {
        where.Add(
            "p.id IN (SELECT product_id FROM product_sales_channel WHERE sales_channel_id IN "
            "(SELECT value FROM json_each(?)))",
            JsonArrayOf(filter.sales_channel_ids));
    }
    if (!filter.category_ids.empty()) {
        where.Add(
            "p.id IN (SELECT product_id FROM product_category_product WHERE product_category_id IN "
            "(SELECT value FROM json_each(?)))",
            JsonArrayOf(filter.category_ids));
    }
    if (!filter.statuses.empty()) {
        where.Add("p.status IN (SELECT value FROM json_each(?))", JsonArrayOf(filter.statuses));
    }
    if (filter.is_giftcard) {
        where.Add("p.is_giftcard = ?", std::int64_t{*filter.is_giftcard ? 1 : 0});
    }
    if (filter.discountable) {
        where.Add("p.discountable = ?", std::int64_t{*filter.discountable ? 1 : 0});
    }
    AddTimeRange(where, "p.created_at", filter.created_at);
    AddTimeRange(where, "p.updated_at", filter.updated_at);
    return where;
}

// The SQL of an order column: the only way a column gets into list SQL. The handle order is the
// expression of the index product_handle_order.
std::string_view OrderExpression(core::ProductColumn column) {
    switch (column) {
        case core::ProductColumn::kCreatedAt:
            return "p.created_at";
        case core::ProductColumn::kUpdatedAt:
            return "p.updated_at";
        case core::ProductColumn::kTitle:
            return "p.title";
        case core::ProductColumn::kHandle:
            return "coalesce(p.handle, '')";
        case core::ProductColumn::kId:
            return "p.id";
    }
    return "p.id";
}

bool IsTimeColumn(core::ProductColumn column) {
    return column == core::ProductColumn::kCreatedAt || column == core::ProductColumn::kUpdatedAt;
}

Where OrderWhere(const core::OrderFilter& filter) {
    Where where;
    if (!filter.ids.empty()) {
        where.Add("o.id IN (SELECT value FROM json_each(?))", JsonArrayOf(filter.ids));
    }
    if (filter.email) {
        where.Add("o.email = ?", *filter.email);
    }
    if (!filter.statuses.empty()) {
        where.Add("o.status IN (SELECT value FROM json_each(?))", JsonArrayOf(filter.statuses));
    }
    if (!filter.fulfillment_statuses.empty()) {
        where.Add("o.fulfillment_status IN (SELECT value FROM json_each(?))",
                  JsonArrayOf(filter.fulfillment_statuses));
    }
    if (!filter.payment_statuses.empty()) {
        where.Add("o.payment_status IN (SELECT value FROM json_each(?))",
                  JsonArrayOf(filter.payment_statuses));
    }
    if (!filter.region_ids.empty()) {
        where.Add("o.region_id IN (SELECT value FROM json_each(?))", JsonArrayOf(filter.region_ids));
    }
    if (!filter.sales_channel_ids.empty()) {
        where.Add("o.sales_channel_id IN (SELECT value FROM json_each(?))",
                  JsonArrayOf(filter.sales_channel_ids));
    }
    AddTimeRange(where, "o.created_at", filter.created_at);
    return where;
}

// ---- errors -----------------------------------------------------------------------------------------

// A failed write step in the port's words: a missing referenced row is kInvalidData, a taken
// unique value kDuplicate (both with `detail`), busy kUnavailable, the rest kInternal.
Error WriteError(Connection& connection,
                 int rc,
                 std::string_view operation,
                 std::string duplicate_detail,
                 std::string missing_detail) {
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return Error{Errc::kInvalidData, std::move(missing_detail)};
    }
    Error error = connection.Fail(rc, operation);
    if (error.code == Errc::kDuplicate) {
        error.detail = std::move(duplicate_detail);
    }
    return error;
}

// Runs a statement that returns no rows.
Result<void> Run(Connection& connection, Statement& statement, std::string_view operation) {
    if (const int rc = statement.Step(); rc != SQLITE_DONE) {
        return connection.Fail(rc, operation);
    }
    return {};
}

std::string NotFound(std::string_view what, const std::string& id) {
    return fmt::format("{} with id: {} was not found", what, id);
}

// ---- the store --------------------------------------------------------------------------------------

/// core::CatalogStore on one SQLite file (see sqlite_catalog_store.hpp). Writes go through the
/// store's own writer connection under `write_mu_`, each in one BEGIN IMMEDIATE transaction; reads
/// use the reader pool (WAL: they never wait for a write), a multi-statement read inside one read
/// transaction so that a page and its relations come from one snapshot. Thread safety: every
/// method may be called concurrently.
class SqliteCatalogStore final : public core::CatalogStore {
public:
    SqliteCatalogStore(Connection writer, const SqliteConfig& config)
        : writer_(std::move(writer)), readers_(config) {}

    Result<void> PutProducts(std::span<const Product> products) override;
    Result<Product> GetProduct(const std::string& id, const core::ProductRelations& relations) override;
    Result<core::ProductPage> ListProducts(const core::ProductQuery& query) override;
    Result<std::int64_t> CountProducts(const core::ProductFilter& filter) override;
    Result<void> DeleteProduct(const std::string& id, TimePoint now) override;

    Result<void> PutRegion(const core::Region& region) override;
    Result<core::Region> GetRegion(const std::string& id) override;
    Result<core::Page<core::Region>> ListRegions(const core::PageRequest& page) override;

    Result<void> PutCollection(const core::ProductCollection& collection) override;
    Result<core::ProductCollection> GetCollection(const std::string& id) override;
    Result<core::Page<core::ProductCollection>> ListCollections(const core::PageRequest& page) override;

    Result<void> PutSalesChannel(const core::SalesChannel& channel) override;
    Result<core::SalesChannel> GetSalesChannel(const std::string& id) override;
    Result<core::Page<core::SalesChannel>> ListSalesChannels(const core::PageRequest& page) override;
    Result<core::SalesChannel> DefaultSalesChannel() override;

    Result<void> PutCategory(const core::ProductCategory& category) override;
    Result<core::ProductCategory> GetCategory(const std::string& id) override;
    Result<core::Page<core::ProductCategory>> ListCategories(const core::PageRequest& page) override;

    Result<void> PutShippingProfile(const core::ShippingProfile& profile) override;
    Result<core::ShippingProfile> ShippingProfileOfType(const std::string& type) override;

    Result<void> PutPriceList(const core::PriceList& list) override;
    Result<core::PriceList> GetPriceList(const std::string& id) override;
    Result<core::Page<core::PriceList>> ListPriceLists(const core::PageRequest& page) override;

    Result<void> PutOrders(std::span<const core::Order> orders) override;
    Result<core::Order> GetOrder(const std::string& id) override;
    Result<core::Page<core::Order>> ListOrders(const core::OrderQuery& query) override;
    Result<std::int64_t> CountOrders(const core::OrderFilter& filter) override;

private:
    // Each needs write_mu_ and an open write transaction.
    // The tag and type ids of the values one PutProducts has matched so far: a catalog has few
    // distinct values, and each product names several (valid for one write transaction).
    struct ValueKind {
        std::string_view what;
        std::string_view select_sql;
        std::string_view insert_sql;
        std::unordered_map<std::string, std::string> ids;  // value → id
    };
    struct MatchedValues {
        ValueKind types{"Product type", kTypeByValue, kInsertType, {}};
        ValueKind tags{"Product tag", kTagByValue, kInsertTag, {}};
    };

    Result<void> WriteProduct(const Product& product, MatchedValues& matched);
    Result<void> ClearProductChildren(const Product& product);
    Result<std::string> MatchByValue(ValueKind& kind, const std::string& id, const std::string& value);
    Result<void> WriteVariant(const Product& product, const ProductVariant& variant, std::int64_t position);
    Result<void> WriteOptionValue(const core::VariantOptionValue& value,
                                  const std::string& variant_id,
                                  std::int64_t position);
    template <class Row, class Bind, class WriteOne>
    Result<void> WriteRows(const MultiRowTexts& texts,
                           std::span<const Row> rows,
                           std::string_view operation,
                           const Bind& bind,
                           const WriteOne& write_one);
    Result<void> WritePrice(const core::MoneyAmount& price,
                            const std::string& variant_id,
                            const std::optional<std::string>& price_list_id,
                            std::int64_t position);

    // Each runs inside the caller's read transaction on `reader`.
    Result<void> LoadRelations(Connection& reader,
                               std::vector<Product>& products,
                               const core::ProductRelations& relations);

    // A whole read in one read transaction on a pooled connection.
    template <class T, class F>
    Result<T> Read(F&& body);
    // A whole write in one write transaction on the writer.
    template <class F>
    Result<void> Write(F&& body);

    std::mutex write_mu_;
    Connection writer_;  // guarded by write_mu_
    ReaderPool readers_;
};

// ---- shared read helpers (inside the caller's read transaction) -------------------------------------

// Steps `statement` through its rows, handing each to `on_row`.
template <class F>
Result<void> EachRow(Connection& connection, Statement& statement, std::string_view operation, F&& on_row) {
    int rc = SQLITE_ROW;
    while ((rc = statement.Step()) == SQLITE_ROW) {
        on_row(statement);
    }
    if (rc != SQLITE_DONE) {
        return connection.Fail(rc, operation);
    }
    return {};
}

Result<std::int64_t> CountOn(Connection& connection,
                             std::string_view sql,
                             const std::vector<Param>& params,
                             std::string_view operation) {
    Statement count = connection.Prepare(sql);
    BindAll(count, params);
    if (const int rc = count.Step(); rc != SQLITE_ROW) {
        return connection.Fail(rc, operation);
    }
    return count.Int(0);
}

// A plain offset page of a small table: its count, then the rows `read_row` reads.
template <class T, class F>
Result<core::Page<T>> ListPageOn(Connection& connection,
                                 std::string_view count_sql,
                                 std::string_view list_sql,
                                 const core::PageRequest& page,
                                 std::string_view operation,
                                 F&& read_row) {
    core::Page<T> result;
    auto count = CountOn(connection, count_sql, {}, operation);
    if (!count) {
        return count.error();
    }
    result.count = *count;
    Statement select = connection.Prepare(list_sql);
    Binder{select}.Add(page.limit).Add(page.offset);
    auto listed = EachRow(connection, select, operation, [&](const Statement& row) {
        Reader r{row};
        result.items.push_back(read_row(r));
    });
    if (!listed) {
        return listed.error();
    }
    return result;
}

// The one row `sql` selects with ?1 = key (no parameter without one), or kNotFound.
template <class T, class F>
Result<T> GetOneOn(Connection& connection,
                   std::string_view sql,
                   const std::optional<std::string_view>& key,
                   std::string not_found,
                   std::string_view operation,
                   F&& read_row) {
    Statement select = connection.Prepare(sql);
    if (key) {
        Binder{select}.Add(*key);
    }
    const int rc = select.Step();
    if (rc == SQLITE_DONE) {
        return Error{Errc::kNotFound, std::move(not_found)};
    }
    if (rc != SQLITE_ROW) {
        return connection.Fail(rc, operation);
    }
    Reader r{select};
    return read_row(r);
}

// Fills the countries of `regions` with one statement.
Result<void> LoadCountriesOn(Connection& connection, std::vector<core::Region>& regions) {
    if (regions.empty()) {
        return {};
    }
    std::unordered_map<std::string_view, core::Region*> by_id;
    std::vector<std::string_view> ids;
    for (core::Region& region : regions) {
        by_id.emplace(region.id, &region);
        ids.push_back(region.id);
    }
    Statement select = connection.Prepare(kPageCountries);
    Binder{select}.Add(JsonArrayOf(ids));
    return EachRow(connection, select, "reading region countries", [&](const Statement& row) {
        if (const auto it = by_id.find(row.Text(0)); it != by_id.end()) {
            it->second->countries.emplace_back(row.Text(1));
        }
    });
}

// ---- SqliteCatalogStore: plumbing --------------------------------------------------------------------

template <class T, class F>
Result<T> SqliteCatalogStore::Read(F&& body) {
    const ReaderPool::Lease reader = readers_.Acquire();
    Transaction transaction{*reader};
    if (auto begun = transaction.Begin(TransactionKind::kRead); !begun) {
        return begun.error();
    }
    Result<T> result = body(*reader);
    if (!result) {
        return result;
    }
    if (auto committed = transaction.Commit(); !committed) {
        return committed.error();
    }
    return result;
}

template <class F>
Result<void> SqliteCatalogStore::Write(F&& body) {
    std::scoped_lock lock{write_mu_};
    Transaction transaction{writer_};
    if (auto begun = transaction.Begin(TransactionKind::kWrite); !begun) {
        return begun.error();
    }
    if (auto done = body(); !done) {
        return done.error();  // the transaction rolls back
    }
    return transaction.Commit();
}

// ---- products: writes -------------------------------------------------------------------------------

Result<void> SqliteCatalogStore::PutProducts(std::span<const Product> products) {
    return Write([&]() -> Result<void> {
        MatchedValues matched;
        for (const Product& product : products) {
            if (auto written = WriteProduct(product, matched); !written) {
                return written.error();
            }
        }
        return {};
    });
}

Result<void> SqliteCatalogStore::ClearProductChildren(const Product& product) {
    std::vector<std::string_view> kept_variants;
    kept_variants.reserve(product.variants.size());
    for (const ProductVariant& variant : product.variants) {
        kept_variants.push_back(variant.id);
    }
    {
        Statement clear = writer_.Prepare(kClearOwnSkus);
        Binder{clear}.Add(product.id);
        if (auto done = Run(writer_, clear, "clearing variant SKUs"); !done) {
            return done;
        }
    }
    {
        Statement remove = writer_.Prepare(kDeleteLostVariants);
        Binder{remove}.Add(product.id).Add(JsonArrayOf(kept_variants));
        if (auto done = Run(writer_, remove, "removing variants"); !done) {
            return done;
        }
    }
    for (const std::string_view sql : {kDeleteOptionValues, kDeleteOwnPrices, kDeleteOptions, kDeleteTagLinks,
                                       kDeleteImageLinks, kDeleteChannelLinks, kDeleteCategoryLinks}) {
        Statement remove = writer_.Prepare(sql);
        Binder{remove}.Add(product.id);
        if (auto done = Run(writer_, remove, "replacing a product's relations"); !done) {
            return done;
        }
    }
    return {};
}

Result<std::string> SqliteCatalogStore::MatchByValue(ValueKind& kind,
                                                     const std::string& id,
                                                     const std::string& value) {
    if (const auto it = kind.ids.find(value); it != kind.ids.end()) {
        return it->second;
    }
    std::optional<std::string> found;
    {
        Statement select = writer_.Prepare(kind.select_sql);
        Binder{select}.Add(value);
        const int rc = select.Step();
        if (rc == SQLITE_ROW) {
            found = std::string{select.Text(0)};
        } else if (rc != SQLITE_DONE) {
            return writer_.Fail(rc, "reading a product type or tag");
        }
    }
    if (!found) {
        if (id.empty()) {
            return Error{Errc::kInvalidData, fmt::format("a new {} needs an id", kind.what)};
        }
        Statement insert = writer_.Prepare(kind.insert_sql);
        Binder{insert}.Add(id).Add(value);
        if (const int rc = insert.Step(); rc != SQLITE_DONE) {
            return WriteError(writer_, rc, "writing a product type or tag",
                              fmt::format("{} with id: {} already exists with another value", kind.what, id),
                              "");
        }
        found = id;
    }
    kind.ids.emplace(value, *found);
    return std::move(*found);
}

Result<void> SqliteCatalogStore::WriteProduct(const Product& product, MatchedValues& matched_values) {
    bool existed = false;
    {
        Statement exists = writer_.Prepare(kProductExists);
        Binder{exists}.Add(product.id);
        const int rc = exists.Step();
        if (rc == SQLITE_ROW) {
            existed = true;
        } else if (rc != SQLITE_DONE) {
            return writer_.Fail(rc, "reading a product");
        }
    }
    // A new product has no children to replace: seeding skips these statements.
    if (existed) {
        if (auto cleared = ClearProductChildren(product); !cleared) {
            return cleared;
        }
    }

    std::optional<std::string> type_id = product.type_id;
    if (product.type) {
        if (product.type->value.empty()) {
            type_id = product.type->id;
        } else {
            auto matched = MatchByValue(matched_values.types, product.type->id, product.type->value);
            if (!matched) {
                return matched.error();
            }
            type_id = std::move(*matched);
        }
    }

    {
        Statement upsert = writer_.Prepare(kUpsertProduct);
        Binder{upsert}
            .Add(product.id)
            .Add(product.title)
            .Add(product.subtitle)
            .Add(product.description)
            .Add(product.handle)
            .Add(product.is_giftcard)
            .Add(product.status)
            .Add(product.thumbnail)
            .Add(product.weight)
            .Add(product.length)
            .Add(product.height)
            .Add(product.width)
            .Add(product.hs_code)
            .Add(product.origin_country)
            .Add(product.mid_code)
            .Add(product.material)
            .Add(product.collection_id)
            .Add(type_id)
            .Add(product.profile_id)
            .Add(product.discountable)
            .Add(product.external_id)
            .Add(product.created_at)
            .Add(product.updated_at)
            .Add(product.deleted_at);
        if (const int rc = upsert.Step(); rc != SQLITE_DONE) {
            return WriteError(
                writer_, rc, "writing a product",
                fmt::format("Product with handle {} already exists", product.handle.value_or("")),
                fmt::format("Product {}: its collection, type or shipping profile does not exist",
                            product.id));
        }
    }

    std::int64_t position = 0;
    for (const core::ProductOption& option : product.options) {
        Statement upsert = writer_.Prepare(kUpsertOption);
        Binder{upsert}.Add(option.id).Add(product.id).Add(option.title).Add(position++);
        if (const int rc = upsert.Step(); rc != SQLITE_DONE) {
            return WriteError(writer_, rc, "writing a product option",
                              fmt::format("Product option with id: {} already exists", option.id), "");
        }
    }

    // The variants, then all their prices and option values, in multi-row upserts.
    std::vector<ChildRow<ProductVariant>> variants;
    std::vector<ChildRow<core::MoneyAmount>> prices;
    std::vector<ChildRow<core::VariantOptionValue>> option_values;
    variants.reserve(product.variants.size());
    position = 0;
    for (const ProductVariant& variant : product.variants) {
        variants.push_back({&variant, &product.id, position++});
        std::int64_t child_position = 0;
        for (const core::MoneyAmount& price : variant.prices) {
            prices.push_back({&price, &variant.id, child_position++});
        }
        child_position = 0;
        for (const core::VariantOptionValue& value : variant.options) {
            option_values.push_back({&value, &variant.id, child_position++});
        }
    }
    auto written_variants = WriteRows(
        VariantUpserts(), std::span<const ChildRow<ProductVariant>>{variants}, "writing variants",
        [](Binder& binder, const ChildRow<ProductVariant>& row) {
            BindVariant(binder, *row.owner_id, *row.value, row.position);
        },
        [&](const ChildRow<ProductVariant>& row) { return WriteVariant(product, *row.value, row.position); });
    if (!written_variants) {
        return written_variants;
    }
    auto written_prices = WriteRows(
        PriceUpserts(), std::span<const ChildRow<core::MoneyAmount>>{prices}, "writing prices",
        [](Binder& binder, const ChildRow<core::MoneyAmount>& row) {
            const core::MoneyAmount& price = *row.value;
            binder.Add(price.id)
                .Add(price.currency_code)
                .Add(price.amount)
                .Add(price.min_quantity)
                .Add(price.max_quantity)
                .Add(*row.owner_id)
                .Add(price.region_id)
                .AddNull()  // price_list_id: the variant's own price
                .Add(row.position);
        },
        [&](const ChildRow<core::MoneyAmount>& row) {
            return WritePrice(*row.value, *row.owner_id, std::nullopt, row.position);
        });
    if (!written_prices) {
        return written_prices;
    }
    auto written_values = WriteRows(
        OptionValueUpserts(), std::span<const ChildRow<core::VariantOptionValue>>{option_values},
        "writing option values",
        [](Binder& binder, const ChildRow<core::VariantOptionValue>& row) {
            const core::VariantOptionValue& value = *row.value;
            binder.Add(value.id).Add(*row.owner_id).Add(value.option_id).Add(value.value).Add(row.position);
        },
        [&](const ChildRow<core::VariantOptionValue>& row) {
            return WriteOptionValue(*row.value, *row.owner_id, row.position);
        });
    if (!written_values) {
        return written_values;
    }

    position = 0;
    for (const core::ProductTag& tag : product.tags) {
        std::string tag_id = tag.id;
        if (!tag.value.empty()) {
            auto matched = MatchByValue(matched_values.tags, tag.id, tag.value);
            if (!matched) {
                return matched.error();
            }
            tag_id = std::move(*matched);
        }
        Statement link = writer_.Prepare(kLinkTag);
        Binder{link}.Add(product.id).Add(tag_id).Add(position++);
        if (const int rc = link.Step(); rc != SQLITE_DONE) {
            return WriteError(writer_, rc, "linking a tag", "", NotFound("Product tag", tag_id));
        }
    }

    position = 0;
    for (const core::ProductImage& image : product.images) {
        {
            Statement upsert = writer_.Prepare(kUpsertImage);
            Binder{upsert}.Add(image.id).Add(image.url);
            if (auto done = Run(writer_, upsert, "writing an image"); !done) {
                return done;
            }
        }
        Statement link = writer_.Prepare(kLinkImage);
        Binder{link}.Add(product.id).Add(image.id).Add(position++);
        if (auto done = Run(writer_, link, "linking an image"); !done) {
            return done;
        }
    }

    position = 0;
    for (const core::SalesChannel& channel : product.sales_channels) {
        Statement link = writer_.Prepare(kLinkChannel);
        Binder{link}.Add(product.id).Add(channel.id).Add(position++);
        if (const int rc = link.Step(); rc != SQLITE_DONE) {
            return WriteError(writer_, rc, "linking a sales channel", "",
                              NotFound("Sales channel", channel.id));
        }
    }

    position = 0;
    for (const core::ProductCategory& category : product.categories) {
        Statement link = writer_.Prepare(kLinkCategory);
        Binder{link}.Add(product.id).Add(category.id).Add(position++);
        if (const int rc = link.Step(); rc != SQLITE_DONE) {
            return WriteError(writer_, rc, "linking a category", "",
                              NotFound("Product category", category.id));
        }
    }
    return {};
}

Result<void> SqliteCatalogStore::WriteVariant(const Product& product,
                                              const ProductVariant& variant,
                                              std::int64_t position) {
    Statement upsert = writer_.Prepare(VariantUpserts().For(1));
    Binder binder{upsert};
    BindVariant(binder, product.id, variant, position);
    if (const int rc = upsert.Step(); rc != SQLITE_DONE) {
        return WriteError(
            writer_, rc, "writing a variant",
            fmt::format("Product variant with sku: {} already exists", variant.sku.value_or("")),
            NotFound("Product", product.id));
    }
    return {};
}

Result<void> SqliteCatalogStore::WriteOptionValue(const core::VariantOptionValue& value,
                                                  const std::string& variant_id,
                                                  std::int64_t position) {
    Statement upsert = writer_.Prepare(OptionValueUpserts().For(1));
    Binder{upsert}.Add(value.id).Add(variant_id).Add(value.option_id).Add(value.value).Add(position);
    if (const int rc = upsert.Step(); rc != SQLITE_DONE) {
        return WriteError(writer_, rc, "writing an option value",
                          fmt::format("Product option value with id: {} already exists", value.id),
                          NotFound("Product option", value.option_id));
    }
    return {};
}

template <class Row, class Bind, class WriteOne>
Result<void> SqliteCatalogStore::WriteRows(const MultiRowTexts& texts,
                                           std::span<const Row> rows,
                                           std::string_view operation,
                                           const Bind& bind,
                                           const WriteOne& write_one) {
    for (std::size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
        const std::span<const Row> chunk =
            rows.subspan(start, std::min(rows.size() - start, static_cast<std::size_t>(kRowsPerInsert)));
        int rc = SQLITE_OK;
        {
            Statement upsert = writer_.Prepare(texts.For(chunk.size()));
            Binder binder{upsert};
            for (const Row& row : chunk) {
                bind(binder, row);
            }
            rc = upsert.Step();
        }
        if (rc == SQLITE_DONE) {
            continue;
        }
        // The failed statement wrote none of its rows. Row by row, the first failure names its
        // row in the error (the caller's transaction rolls all of it back).
        for (const Row& row : chunk) {
            if (auto written = write_one(row); !written) {
                return written;
            }
        }
        return writer_.Fail(rc, operation);
    }
    return {};
}

Result<void> SqliteCatalogStore::WritePrice(const core::MoneyAmount& price,
                                            const std::string& variant_id,
                                            const std::optional<std::string>& price_list_id,
                                            std::int64_t position) {
    Statement upsert = writer_.Prepare(PriceUpserts().For(1));
    Binder{upsert}
        .Add(price.id)
        .Add(price.currency_code)
        .Add(price.amount)
        .Add(price.min_quantity)
        .Add(price.max_quantity)
        .Add(variant_id)
        .Add(price.region_id)
        .Add(price_list_id)
        .Add(position);
    if (const int rc = upsert.Step(); rc != SQLITE_DONE) {
        return WriteError(
            writer_, rc, "writing a price", fmt::format("Money amount with id: {} already exists", price.id),
            price.region_id ? fmt::format("Variant with id: {} or region with id: {} was not found",
                                          variant_id, *price.region_id)
                            : NotFound("Variant", variant_id));
    }
    return {};
}

Result<void> SqliteCatalogStore::DeleteProduct(const std::string& id, TimePoint now) {
    return Write([&]() -> Result<void> {
        {
            Statement remove = writer_.Prepare(kSoftDeleteProduct);
            Binder{remove}.Add(id).Add(now);
            if (auto done = Run(writer_, remove, "deleting a product"); !done) {
                return done;
            }
        }
        if (writer_.Changes() == 0) {
            return Error{Errc::kNotFound, NotFound("Product", id)};
        }
        Statement remove = writer_.Prepare(kSoftDeleteVariants);
        Binder{remove}.Add(id).Add(now);
        return Run(writer_, remove, "deleting variants");
    });
}

// ---- products: reads --------------------------------------------------------------------------------

Result<core::ProductPage> SqliteCatalogStore::ListProducts(const core::ProductQuery& query) {
    const core::ProductRelations& relations = query.relations;
    const Where where = ProductWhere(query.filter);

    std::string columns = BATCHD_PRODUCT_COLUMNS;
    std::string joins;
    if (relations.collection) {
        columns += ", " BATCHD_COLLECTION_COLUMNS;
        joins += " LEFT JOIN product_collection c ON c.id = p.collection_id";
    }
    if (relations.type) {
        columns += ", t.id, t.value";
        joins += " LEFT JOIN product_type t ON t.id = p.type_id";
    }
    if (relations.profile) {
        columns += ", s.id, s.name, s.type";
        joins += " LEFT JOIN shipping_profile s ON s.id = p.profile_id";
    }

    // The keyset: rows strictly after `after` in the list's order, as a row-value comparison that
    // the (column, id) index serves.
    const bool descending = query.direction == core::SortDirection::kDescending;
    const std::string_view direction = descending ? "DESC" : "ASC";
    const std::string_view expression = OrderExpression(query.order_by);
    const bool by_id = query.order_by == core::ProductColumn::kId;
    Where page_where = where;
    if (query.after) {
        if (by_id) {
            page_where.Add(descending ? "p.id < ?" : "p.id > ?", query.after->id);
        } else {
            page_where.Add(fmt::format("({}, p.id) {} (?, ?)", expression, descending ? "<" : ">"));
            if (IsTimeColumn(query.order_by)) {
                page_where.params.emplace_back(Millis(query.after->time));
            } else {
                page_where.params.emplace_back(query.after->text);
            }
            page_where.params.emplace_back(query.after->id);
        }
    }
    const std::string order = by_id ? fmt::format("p.id {}", direction)
                                    : fmt::format("{} {}, p.id {}", expression, direction, direction);
    const std::string list_sql = fmt::format("SELECT {} FROM product p{}{} ORDER BY {} LIMIT ? OFFSET ?",
                                             columns, joins, page_where.sql, order);
    const std::string count_sql = "SELECT count(*) FROM product p" + where.sql;

    return Read<core::ProductPage>([&](Connection& reader) -> Result<core::ProductPage> {
        core::ProductPage page;
        if (query.with_count) {
            auto count = CountOn(reader, count_sql, where.params, "counting products");
            if (!count) {
                return count.error();
            }
            page.count = *count;
        }
        {
            Statement select = reader.Prepare(list_sql);
            BindAll(select, page_where.params);
            Binder{select, static_cast<int>(page_where.params.size()) + 1}.Add(query.limit).Add(query.offset);
            auto listed = EachRow(reader, select, "listing products", [&](const Statement& row) {
                Reader r{row};
                Product product = ReadProductRow(r);
                if (relations.collection) {
                    if (r.NextIsNull()) {
                        r.Skip(5);
                    } else {
                        product.collection = ReadCollection(r);
                    }
                }
                if (relations.type) {
                    if (r.NextIsNull()) {
                        r.Skip(2);
                    } else {
                        core::ProductType type;
                        type.id = r.Text();
                        type.value = r.Text();
                        product.type = std::move(type);
                    }
                }
                if (relations.profile && !r.NextIsNull()) {
                    core::ShippingProfile profile;
                    profile.id = r.Text();
                    profile.name = r.Text();
                    profile.type = r.Text();
                    product.profile = std::move(profile);
                }
                page.products.push_back(std::move(product));
            });
            if (!listed) {
                return listed.error();
            }
        }
        if (auto loaded = LoadRelations(reader, page.products, relations); !loaded) {
            return loaded.error();
        }
        return page;
    });
}

Result<void> SqliteCatalogStore::LoadRelations(Connection& reader,
                                               std::vector<Product>& products,
                                               const core::ProductRelations& relations) {
    if (products.empty()) {
        return {};
    }
    // Keys view the products' ids: `products` is not resized from here on.
    std::unordered_map<std::string_view, Product*> by_id;
    std::vector<std::string_view> ids;
    by_id.reserve(products.size());
    ids.reserve(products.size());
    for (Product& product : products) {
        by_id.emplace(product.id, &product);
        ids.push_back(product.id);
    }
    const std::string product_ids = JsonArrayOf(ids);

    // One statement for the page: ?1 = the ids, each row handed to `on_row` with its owner.
    const auto load = [&](std::string_view sql, const std::string& owner_ids, std::string_view operation,
                          const auto& on_row) -> Result<void> {
        Statement select = reader.Prepare(sql);
        Binder{select}.Add(owner_ids);
        return EachRow(reader, select, operation, on_row);
    };
    const auto owner = [&](const Statement& row, int column) -> Product* {
        const auto it = by_id.find(row.Text(column));
        return it == by_id.end() ? nullptr : it->second;
    };

    if (relations.variants) {
        auto loaded = load(kPageVariants, product_ids, "reading variants", [&](const Statement& row) {
            Reader r{row};
            ProductVariant variant = ReadVariantRow(r);
            if (Product* product = owner(row, 1)) {
                product->variants.push_back(std::move(variant));
            }
        });
        if (!loaded) {
            return loaded;
        }
        if (relations.prices || relations.variant_options) {
            std::unordered_map<std::string_view, ProductVariant*> variants;
            std::vector<std::string_view> variant_ids;
            for (Product& product : products) {
                for (ProductVariant& variant : product.variants) {
                    variants.emplace(variant.id, &variant);
                    variant_ids.push_back(variant.id);
                }
            }
            const std::string variant_json = JsonArrayOf(variant_ids);
            const auto variant_of = [&](const Statement& row, int column) -> ProductVariant* {
                const auto it = variants.find(row.Text(column));
                return it == variants.end() ? nullptr : it->second;
            };
            if (relations.prices) {
                loaded = load(kPagePrices, variant_json, "reading prices", [&](const Statement& row) {
                    Reader r{row};
                    core::MoneyAmount price = ReadPrice(r, false);
                    if (ProductVariant* variant = variant_of(row, 5)) {
                        variant->prices.push_back(std::move(price));
                    }
                });
                if (!loaded) {
                    return loaded;
                }
            }
            if (relations.variant_options) {
                loaded =
                    load(kPageOptionValues, variant_json, "reading option values", [&](const Statement& row) {
                        if (ProductVariant* variant = variant_of(row, 0)) {
                            Reader r{row, 1};
                            core::VariantOptionValue value;
                            value.id = r.Text();
                            value.option_id = r.Text();
                            value.value = r.Text();
                            variant->options.push_back(std::move(value));
                        }
                    });
                if (!loaded) {
                    return loaded;
                }
            }
        }
    }
    if (relations.options) {
        auto loaded = load(kPageOptions, product_ids, "reading options", [&](const Statement& row) {
            if (Product* product = owner(row, 0)) {
                product->options.push_back(
                    core::ProductOption{std::string{row.Text(1)}, std::string{row.Text(2)}});
            }
        });
        if (!loaded) {
            return loaded;
        }
    }
    if (relations.images) {
        auto loaded = load(kPageImages, product_ids, "reading images", [&](const Statement& row) {
            if (Product* product = owner(row, 0)) {
                product->images.push_back(
                    core::ProductImage{std::string{row.Text(1)}, std::string{row.Text(2)}});
            }
        });
        if (!loaded) {
            return loaded;
        }
    }
    if (relations.tags) {
        auto loaded = load(kPageTags, product_ids, "reading tags", [&](const Statement& row) {
            if (Product* product = owner(row, 0)) {
                product->tags.push_back(core::ProductTag{std::string{row.Text(1)}, std::string{row.Text(2)}});
            }
        });
        if (!loaded) {
            return loaded;
        }
    }
    if (relations.sales_channels) {
        auto loaded =
            load(kPageChannels, product_ids, "reading product sales channels", [&](const Statement& row) {
                if (Product* product = owner(row, 0)) {
                    Reader r{row, 1};
                    product->sales_channels.push_back(ReadChannel(r));
                }
            });
        if (!loaded) {
            return loaded;
        }
    }
    if (relations.categories) {
        auto loaded =
            load(kPageCategories, product_ids, "reading product categories", [&](const Statement& row) {
                if (Product* product = owner(row, 0)) {
                    Reader r{row, 1};
                    product->categories.push_back(ReadCategory(r));
                }
            });
        if (!loaded) {
            return loaded;
        }
    }
    return {};
}

Result<Product> SqliteCatalogStore::GetProduct(const std::string& id,
                                               const core::ProductRelations& relations) {
    core::ProductQuery query;
    query.filter.ids = {id};
    query.order_by = core::ProductColumn::kId;
    query.limit = 1;
    query.relations = relations;
    query.with_count = false;
    auto page = ListProducts(query);
    if (!page) {
        return page.error();
    }
    if (page->products.empty()) {
        return Error{Errc::kNotFound, NotFound("Product", id)};
    }
    return std::move(page->products.front());
}

Result<std::int64_t> SqliteCatalogStore::CountProducts(const core::ProductFilter& filter) {
    const Where where = ProductWhere(filter);
    const std::string count_sql = "SELECT count(*) FROM product p" + where.sql;
    return Read<std::int64_t>(
        [&](Connection& reader) { return CountOn(reader, count_sql, where.params, "counting products"); });
}

// ---- regions, collections, channels, categories, profiles -------------------------------------------

Result<void> SqliteCatalogStore::PutRegion(const core::Region& region) {
    return Write([&]() -> Result<void> {
        {
            Statement upsert = writer_.Prepare(kUpsertRegion);
            Binder{upsert}
                .Add(region.id)
                .Add(region.name)
                .Add(region.currency_code)
                .Add(region.tax_rate)
                .Add(region.created_at)
                .Add(region.updated_at);
            if (auto done = Run(writer_, upsert, "writing a region"); !done) {
                return done;
            }
        }
        {
            Statement remove = writer_.Prepare(kDeleteCountries);
            Binder{remove}.Add(region.id);
            if (auto done = Run(writer_, remove, "replacing region countries"); !done) {
                return done;
            }
        }
        std::int64_t position = 0;
        for (const std::string& country : region.countries) {
            Statement insert = writer_.Prepare(kInsertCountry);
            Binder{insert}.Add(region.id).Add(country).Add(position++);
            if (auto done = Run(writer_, insert, "writing a region country"); !done) {
                return done;
            }
        }
        return {};
    });
}

Result<core::Region> SqliteCatalogStore::GetRegion(const std::string& id) {
    return Read<core::Region>([&](Connection& reader) -> Result<core::Region> {
        auto region = GetOneOn<core::Region>(reader, kGetRegion, id, NotFound("Region", id),
                                             "reading a region", ReadRegion);
        if (!region) {
            return region;
        }
        std::vector<core::Region> one{std::move(*region)};
        if (auto loaded = LoadCountriesOn(reader, one); !loaded) {
            return loaded.error();
        }
        return std::move(one.front());
    });
}

Result<core::Page<core::Region>> SqliteCatalogStore::ListRegions(const core::PageRequest& page) {
    return Read<core::Page<core::Region>>([&](Connection& reader) -> Result<core::Page<core::Region>> {
        auto regions = ListPageOn<core::Region>(reader, kCountRegions, kListRegions, page, "listing regions",
                                                ReadRegion);
        if (!regions) {
            return regions;
        }
        if (auto loaded = LoadCountriesOn(reader, regions->items); !loaded) {
            return loaded.error();
        }
        return regions;
    });
}

Result<void> SqliteCatalogStore::PutCollection(const core::ProductCollection& collection) {
    return Write([&]() -> Result<void> {
        Statement upsert = writer_.Prepare(kUpsertCollection);
        Binder{upsert}
            .Add(collection.id)
            .Add(collection.title)
            .Add(collection.handle)
            .Add(collection.created_at)
            .Add(collection.updated_at);
        if (const int rc = upsert.Step(); rc != SQLITE_DONE) {
            return WriteError(
                writer_, rc, "writing a collection",
                fmt::format("Product collection with handle {} already exists", collection.handle), "");
        }
        return {};
    });
}

Result<core::ProductCollection> SqliteCatalogStore::GetCollection(const std::string& id) {
    return Read<core::ProductCollection>([&](Connection& reader) {
        return GetOneOn<core::ProductCollection>(reader, kGetCollection, id,
                                                 NotFound("Product collection", id), "reading a collection",
                                                 ReadCollection);
    });
}

Result<core::Page<core::ProductCollection>> SqliteCatalogStore::ListCollections(
    const core::PageRequest& page) {
    return Read<core::Page<core::ProductCollection>>([&](Connection& reader) {
        return ListPageOn<core::ProductCollection>(reader, kCountCollections, kListCollections, page,
                                                   "listing collections", ReadCollection);
    });
}

Result<void> SqliteCatalogStore::PutSalesChannel(const core::SalesChannel& channel) {
    return Write([&]() -> Result<void> {
        if (channel.is_default) {
            Statement clear = writer_.Prepare(kClearDefaultChannel);
            Binder{clear}.Add(channel.id);
            if (auto done = Run(writer_, clear, "clearing the default sales channel"); !done) {
                return done;
            }
        }
        Statement upsert = writer_.Prepare(kUpsertChannel);
        Binder{upsert}
            .Add(channel.id)
            .Add(channel.name)
            .Add(channel.description)
            .Add(channel.is_disabled)
            .Add(channel.is_default)
            .Add(channel.created_at)
            .Add(channel.updated_at);
        return Run(writer_, upsert, "writing a sales channel");
    });
}

Result<core::SalesChannel> SqliteCatalogStore::GetSalesChannel(const std::string& id) {
    return Read<core::SalesChannel>([&](Connection& reader) {
        return GetOneOn<core::SalesChannel>(reader, kGetChannel, id, NotFound("Sales channel", id),
                                            "reading a sales channel", ReadChannel);
    });
}

Result<core::Page<core::SalesChannel>> SqliteCatalogStore::ListSalesChannels(const core::PageRequest& page) {
    return Read<core::Page<core::SalesChannel>>([&](Connection& reader) {
        return ListPageOn<core::SalesChannel>(reader, kCountChannels, kListChannels, page,
                                              "listing sales channels", ReadChannel);
    });
}

Result<core::SalesChannel> SqliteCatalogStore::DefaultSalesChannel() {
    return Read<core::SalesChannel>([&](Connection& reader) {
        return GetOneOn<core::SalesChannel>(reader, kDefaultChannel, std::nullopt, "No default sales channel",
                                            "reading the default sales channel", ReadChannel);
    });
}

Result<void> SqliteCatalogStore::PutCategory(const core::ProductCategory& category) {
    return Write([&]() -> Result<void> {
        Statement upsert = writer_.Prepare(kUpsertCategory);
        Binder{upsert}
            .Add(category.id)
            .Add(category.name)
            .Add(category.handle)
            .Add(category.description)
            .Add(category.parent_category_id)
            .Add(category.is_active)
            .Add(category.is_internal)
            .Add(category.rank)
            .Add(category.created_at)
            .Add(category.updated_at);
        if (const int rc = upsert.Step(); rc != SQLITE_DONE) {
            return WriteError(writer_, rc, "writing a category",
                              fmt::format("Product category with handle {} already exists", category.handle),
                              NotFound("Product category", category.parent_category_id.value_or("")));
        }
        return {};
    });
}

Result<core::ProductCategory> SqliteCatalogStore::GetCategory(const std::string& id) {
    return Read<core::ProductCategory>([&](Connection& reader) {
        return GetOneOn<core::ProductCategory>(reader, kGetCategory, id, NotFound("Product category", id),
                                               "reading a category", ReadCategory);
    });
}

Result<core::Page<core::ProductCategory>> SqliteCatalogStore::ListCategories(const core::PageRequest& page) {
    return Read<core::Page<core::ProductCategory>>([&](Connection& reader) {
        return ListPageOn<core::ProductCategory>(reader, kCountCategories, kListCategories, page,
                                                 "listing categories", ReadCategory);
    });
}

Result<void> SqliteCatalogStore::PutShippingProfile(const core::ShippingProfile& profile) {
    return Write([&]() -> Result<void> {
        Statement upsert = writer_.Prepare(kUpsertProfile);
        Binder{upsert}.Add(profile.id).Add(profile.name).Add(profile.type);
        return Run(writer_, upsert, "writing a shipping profile");
    });
}

Result<core::ShippingProfile> SqliteCatalogStore::ShippingProfileOfType(const std::string& type) {
    return Read<core::ShippingProfile>([&](Connection& reader) {
        return GetOneOn<core::ShippingProfile>(reader, kProfileOfType, type,
                                               fmt::format("No shipping profile of type {}", type),
                                               "reading a shipping profile", [](Reader& r) {
                                                   core::ShippingProfile profile;
                                                   profile.id = r.Text();
                                                   profile.name = r.Text();
                                                   profile.type = r.Text();
                                                   return profile;
                                               });
    });
}

// ---- price lists ------------------------------------------------------------------------------------

Result<void> SqliteCatalogStore::PutPriceList(const core::PriceList& list) {
    return Write([&]() -> Result<void> {
        {
            Statement upsert = writer_.Prepare(kUpsertPriceList);
            Binder{upsert}
                .Add(list.id)
                .Add(list.name)
                .Add(list.description)
                .Add(list.type)
                .Add(list.status)
                .Add(list.starts_at)
                .Add(list.ends_at)
                .Add(list.created_at)
                .Add(list.updated_at);
            if (auto done = Run(writer_, upsert, "writing a price list"); !done) {
                return done;
            }
        }
        {
            Statement remove = writer_.Prepare(kDeleteListPrices);
            Binder{remove}.Add(list.id);
            if (auto done = Run(writer_, remove, "replacing price list prices"); !done) {
                return done;
            }
        }
        std::int64_t position = 0;
        for (const core::MoneyAmount& price : list.prices) {
            if (!price.variant_id) {
                return Error{Errc::kInvalidData,
                             fmt::format("Price {} of price list {} names no variant", price.id, list.id)};
            }
            if (auto written = WritePrice(price, *price.variant_id, list.id, position++); !written) {
                return written;
            }
        }
        return {};
    });
}

Result<core::PriceList> SqliteCatalogStore::GetPriceList(const std::string& id) {
    return Read<core::PriceList>([&](Connection& reader) -> Result<core::PriceList> {
        auto list = GetOneOn<core::PriceList>(reader, kGetPriceList, id, NotFound("Price list", id),
                                              "reading a price list", ReadPriceList);
        if (!list) {
            return list;
        }
        Statement select = reader.Prepare(kListPrices);
        Binder{select}.Add(id);
        auto loaded = EachRow(reader, select, "reading price list prices", [&](const Statement& row) {
            Reader r{row};
            list->prices.push_back(ReadPrice(r, true));
        });
        if (!loaded) {
            return loaded.error();
        }
        return list;
    });
}

Result<core::Page<core::PriceList>> SqliteCatalogStore::ListPriceLists(const core::PageRequest& page) {
    return Read<core::Page<core::PriceList>>([&](Connection& reader) {
        return ListPageOn<core::PriceList>(reader, kCountPriceLists, kListPriceLists, page,
                                           "listing price lists", ReadPriceList);
    });
}

// ---- orders -----------------------------------------------------------------------------------------

Result<void> SqliteCatalogStore::PutOrders(std::span<const core::Order> orders) {
    return Write([&]() -> Result<void> {
        for (const core::Order& order : orders) {
            if (order.customer) {
                const core::Customer& customer = *order.customer;
                Statement upsert = writer_.Prepare(kUpsertCustomer);
                Binder{upsert}
                    .Add(customer.id)
                    .Add(customer.email)
                    .Add(customer.first_name)
                    .Add(customer.last_name);
                if (auto done = Run(writer_, upsert, "writing a customer"); !done) {
                    return done;
                }
            }
            if (order.shipping_address) {
                const core::Address& address = *order.shipping_address;
                Statement upsert = writer_.Prepare(kUpsertAddress);
                Binder{upsert}
                    .Add(address.id)
                    .Add(address.first_name)
                    .Add(address.last_name)
                    .Add(address.company)
                    .Add(address.address_1)
                    .Add(address.address_2)
                    .Add(address.city)
                    .Add(address.province)
                    .Add(address.postal_code)
                    .Add(address.country_code)
                    .Add(address.phone);
                if (auto done = Run(writer_, upsert, "writing an address"); !done) {
                    return done;
                }
            }
            Statement upsert = writer_.Prepare(kUpsertOrder);
            Binder binder{upsert};
            binder.Add(order.id)
                .Add(order.display_id)
                .Add(order.status)
                .Add(order.fulfillment_status)
                .Add(order.payment_status)
                .Add(order.email)
                .Add(order.currency_code)
                .Add(order.region_id)
                .Add(order.sales_channel_id);
            if (order.customer) {
                binder.Add(order.customer->id);
            } else {
                binder.AddNull();
            }
            if (order.shipping_address) {
                binder.Add(order.shipping_address->id);
            } else {
                binder.AddNull();
            }
            binder.Add(order.subtotal)
                .Add(order.shipping_total)
                .Add(order.discount_total)
                .Add(order.gift_card_total)
                .Add(order.refunded_total)
                .Add(order.tax_total)
                .Add(order.total)
                .Add(order.created_at)
                .Add(order.updated_at);
            if (auto done = Run(writer_, upsert, "writing an order"); !done) {
                return done;
            }
        }
        return {};
    });
}

Result<core::Order> SqliteCatalogStore::GetOrder(const std::string& id) {
    static const std::string sql = std::string{kOrderSelect} + " WHERE o.id = ?1";
    return Read<core::Order>([&](Connection& reader) {
        return GetOneOn<core::Order>(reader, sql, id, NotFound("Order", id), "reading an order", ReadOrder);
    });
}

Result<core::Page<core::Order>> SqliteCatalogStore::ListOrders(const core::OrderQuery& query) {
    const Where where = OrderWhere(query.filter);
    const bool descending = query.direction == core::SortDirection::kDescending;
    const std::string_view direction = descending ? "DESC" : "ASC";
    Where page_where = where;
    if (query.after) {
        page_where.Add(descending ? "(o.created_at, o.id) < (?, ?)" : "(o.created_at, o.id) > (?, ?)");
        page_where.params.emplace_back(Millis(query.after->created_at));
        page_where.params.emplace_back(query.after->id);
    }
    const std::string list_sql = fmt::format("{}{} ORDER BY o.created_at {}, o.id {} LIMIT ? OFFSET ?",
                                             kOrderSelect, page_where.sql, direction, direction);
    const std::string count_sql = std::string{kOrderCount} + where.sql;
    return Read<core::Page<core::Order>>([&](Connection& reader) -> Result<core::Page<core::Order>> {
        core::Page<core::Order> page;
        if (query.with_count) {
            auto count = CountOn(reader, count_sql, where.params, "counting orders");
            if (!count) {
                return count.error();
            }
            page.count = *count;
        }
        Statement select = reader.Prepare(list_sql);
        BindAll(select, page_where.params);
        Binder{select, static_cast<int>(page_where.params.size()) + 1}.Add(query.limit).Add(query.offset);
        auto listed = EachRow(reader, select, "listing orders", [&](const Statement& row) {
            Reader r{row};
            page.items.push_back(ReadOrder(r));
        });
        if (!listed) {
            return listed.error();
        }
        return page;
    });
}

Result<std::int64_t> SqliteCatalogStore::CountOrders(const core::OrderFilter& filter) {
    const Where where = OrderWhere(filter);
    const std::string count_sql = std::string{kOrderCount} + where.sql;
    return Read<std::int64_t>(
        [&](Connection& reader) { return CountOn(reader, count_sql, where.params, "counting orders"); });
}

}  // namespace

std::unique_ptr<core::CatalogStore> MakeSqliteCatalogStore(const SqliteConfig& config) {
    Connection writer = OpenWriterOrThrow(config);
    {
        // The catalog tables come with MakeSqliteDatabase's migrations; this store never migrates.
        std::int64_t version = 0;
        sqlite3_stmt* raw = nullptr;
        // Preparing fails when schema_migrations does not exist: a file nothing has migrated.
        if (sqlite3_prepare_v2(writer.Raw(), kSchemaVersion.data(), static_cast<int>(kSchemaVersion.size()),
                               &raw, nullptr) == SQLITE_OK) {
            const SqliteStmt select{raw};
            if (sqlite3_step(select.get()) == SQLITE_ROW) {
                version = sqlite3_column_int64(select.get(), 0);
            }
        }
        if (version < kCatalogSchemaVersion) {
            throw std::runtime_error(
                fmt::format("the SQLite database {} has no catalog tables (schema version {}, needs {}): run "
                            "`batchd migrate`",
                            config.file.string(), version, kCatalogSchemaVersion));
        }
    }
    ExecOrThrow(writer.Raw(), kWriterCacheSize, "sizing the page cache");
    ExecOrThrow(writer.Raw(), kTempStoreMemory, "keeping temporary tables in memory");
    return std::make_unique<SqliteCatalogStore>(std::move(writer), config);
}

}  // namespace batchd::store::sqlite
