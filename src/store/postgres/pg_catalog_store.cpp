#include "store/postgres/pg_catalog_store.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "store/postgres/pg_copy.hpp"
#include "store/postgres/pg_handle.hpp"
#include "store/postgres/pg_pool.hpp"

namespace batchd::store::postgres {
namespace {

// ---- SQL -------------------------------------------------------------------------------------
// Timestamps go in as integer milliseconds since the epoch and are turned into timestamptz by
// adding them to the epoch (exact, independent of the session's TimeZone); they come out as
// integer milliseconds, exact because only milliseconds are ever written (as in pg_database.cpp).
// Every value is a bound parameter or COPY data; the only SQL built at run time is the WHERE and
// ORDER BY of a list, from fixed fragments.

// ---- regions, collections, channels, categories, profiles ----

constexpr PgStatement kPutRegion{"batchd_catalog_put_region", R"sql(
INSERT INTO region (id, name, currency_code, tax_rate, countries, created_at, updated_at)
VALUES ($1::text, $2::text, $3::text, $4::float8, $5::text[],
        timestamptz 'epoch' + $6::int8 * interval '1 ms', timestamptz 'epoch' + $7::int8 * interval '1 ms')
ON CONFLICT (id) DO UPDATE
SET name = EXCLUDED.name, currency_code = EXCLUDED.currency_code, tax_rate = EXCLUDED.tax_rate,
    countries = EXCLUDED.countries, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at)sql"};
// countries as JSON: an array literal would need a parser of its own.
#define BATCHD_REGION_COLUMNS                                       \
    "id, name, currency_code, tax_rate, to_json(countries)::text, " \
    "(extract(epoch FROM created_at) * 1000)::int8, (extract(epoch FROM updated_at) * 1000)::int8"
constexpr PgStatement kGetRegion{"batchd_catalog_get_region",
                                 "SELECT " BATCHD_REGION_COLUMNS " FROM region WHERE id = $1::text"};
constexpr PgStatement kListRegions{"batchd_catalog_list_regions",
                                   "SELECT " BATCHD_REGION_COLUMNS
                                   ", count(*) OVER () FROM region "
                                   "ORDER BY created_at, id LIMIT $1::int8 OFFSET $2::int8"};
constexpr PgStatement kCountRegions{"batchd_catalog_count_regions", "SELECT count(*) FROM region"};

constexpr PgStatement kPutCollection{"batchd_catalog_put_collection", R"sql(
INSERT INTO product_collection (id, title, handle, created_at, updated_at)
VALUES ($1::text, $2::text, $3::text,
        timestamptz 'epoch' + $4::int8 * interval '1 ms', timestamptz 'epoch' + $5::int8 * interval '1 ms')
ON CONFLICT (id) DO UPDATE
SET title = EXCLUDED.title, handle = EXCLUDED.handle, created_at = EXCLUDED.created_at,
    updated_at = EXCLUDED.updated_at)sql"};
#define BATCHD_COLLECTION_COLUMNS                                        \
    "id, title, handle, (extract(epoch FROM created_at) * 1000)::int8, " \
    "(extract(epoch FROM updated_at) * 1000)::int8"
constexpr PgStatement kGetCollection{"batchd_catalog_get_collection",
                                     "SELECT " BATCHD_COLLECTION_COLUMNS
                                     " FROM product_collection WHERE id = $1::text"};
constexpr PgStatement kListCollections{"batchd_catalog_list_collections",
                                       "SELECT " BATCHD_COLLECTION_COLUMNS
                                       ", count(*) OVER () FROM product_collection "
                                       "ORDER BY created_at, id LIMIT $1::int8 OFFSET $2::int8"};
constexpr PgStatement kCountCollections{"batchd_catalog_count_collections",
                                        "SELECT count(*) FROM product_collection"};

// A new default channel takes the place of the old one: the lock makes two of them written at
// once queue instead of one failing on sales_channel_one_default.
constexpr std::string_view kLockChannelsSql = "LOCK TABLE sales_channel IN SHARE ROW EXCLUSIVE MODE";
constexpr PgStatement kClearDefaultChannel{
    "batchd_catalog_clear_default_channel",
    "UPDATE sales_channel SET is_default = false WHERE is_default AND id <> $1::text"};
constexpr PgStatement kPutChannel{"batchd_catalog_put_channel", R"sql(
INSERT INTO sales_channel (id, name, description, is_disabled, is_default, created_at, updated_at)
VALUES ($1::text, $2::text, $3::text, $4::boolean, $5::boolean,
        timestamptz 'epoch' + $6::int8 * interval '1 ms', timestamptz 'epoch' + $7::int8 * interval '1 ms')
ON CONFLICT (id) DO UPDATE
SET name = EXCLUDED.name, description = EXCLUDED.description, is_disabled = EXCLUDED.is_disabled,
    is_default = EXCLUDED.is_default, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at)sql"};
#define BATCHD_CHANNEL_COLUMNS                                                                        \
    "id, name, description, is_disabled, is_default, (extract(epoch FROM created_at) * 1000)::int8, " \
    "(extract(epoch FROM updated_at) * 1000)::int8"
constexpr PgStatement kGetChannel{"batchd_catalog_get_channel",
                                  "SELECT " BATCHD_CHANNEL_COLUMNS " FROM sales_channel WHERE id = $1::text"};
constexpr PgStatement kDefaultChannel{"batchd_catalog_default_channel",
                                      "SELECT " BATCHD_CHANNEL_COLUMNS
                                      " FROM sales_channel WHERE is_default ORDER BY id LIMIT 1"};
constexpr PgStatement kListChannels{"batchd_catalog_list_channels",
                                    "SELECT " BATCHD_CHANNEL_COLUMNS
                                    ", count(*) OVER () FROM sales_channel "
                                    "ORDER BY created_at, id LIMIT $1::int8 OFFSET $2::int8"};
constexpr PgStatement kCountChannels{"batchd_catalog_count_channels", "SELECT count(*) FROM sales_channel"};

constexpr PgStatement kPutCategory{"batchd_catalog_put_category", R"sql(
INSERT INTO product_category (id, name, handle, description, parent_category_id, is_active, is_internal, rank,
                              created_at, updated_at)
VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::boolean, $7::boolean, $8::int4,
        timestamptz 'epoch' + $9::int8 * interval '1 ms', timestamptz 'epoch' + $10::int8 * interval '1 ms')
ON CONFLICT (id) DO UPDATE
SET name = EXCLUDED.name, handle = EXCLUDED.handle, description = EXCLUDED.description,
    parent_category_id = EXCLUDED.parent_category_id, is_active = EXCLUDED.is_active,
    is_internal = EXCLUDED.is_internal, rank = EXCLUDED.rank, created_at = EXCLUDED.created_at,
    updated_at = EXCLUDED.updated_at)sql"};
#define BATCHD_CATEGORY_COLUMNS(p)                                                                \
    p "id, " p "name, " p "handle, " p "description, " p "parent_category_id, " p "is_active, " p \
      "is_internal, " p "rank, (extract(epoch FROM " p                                            \
      "created_at) * 1000)::int8, "                                                               \
      "(extract(epoch FROM " p "updated_at) * 1000)::int8"
constexpr PgStatement kGetCategory{
    "batchd_catalog_get_category",
    "SELECT " BATCHD_CATEGORY_COLUMNS("") " FROM product_category WHERE id = $1::text"};
constexpr PgStatement kListCategories{"batchd_catalog_list_categories",
                                      "SELECT " BATCHD_CATEGORY_COLUMNS("") ", count(*) OVER () "
                                      "FROM product_category ORDER BY rank, id LIMIT $1::int8 OFFSET $2::int8"};
constexpr PgStatement kCountCategories{"batchd_catalog_count_categories",
                                       "SELECT count(*) FROM product_category"};

constexpr PgStatement kPutProfile{"batchd_catalog_put_profile", R"sql(
INSERT INTO shipping_profile (id, name, type) VALUES ($1::text, $2::text, $3::text)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type)sql"};
constexpr PgStatement kProfileOfType{
    "batchd_catalog_profile_of_type",
    "SELECT id, name, type FROM shipping_profile WHERE type = $1::text ORDER BY seq LIMIT 1"};

// ---- price lists ----

constexpr PgStatement kPutPriceList{"batchd_catalog_put_price_list", R"sql(
INSERT INTO price_list (id, name, description, type, status, starts_at, ends_at, created_at, updated_at)
VALUES ($1::text, $2::text, $3::text, $4::text, $5::text,
        timestamptz 'epoch' + $6::int8 * interval '1 ms', timestamptz 'epoch' + $7::int8 * interval '1 ms',
        timestamptz 'epoch' + $8::int8 * interval '1 ms', timestamptz 'epoch' + $9::int8 * interval '1 ms')
ON CONFLICT (id) DO UPDATE
SET name = EXCLUDED.name, description = EXCLUDED.description, type = EXCLUDED.type, status = EXCLUDED.status,
    starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, created_at = EXCLUDED.created_at,
    updated_at = EXCLUDED.updated_at)sql"};
// The list's prices that the new list lacks; $2 holds the ids it keeps.
constexpr PgStatement kDropPriceListPrices{
    "batchd_catalog_drop_price_list_prices",
    "DELETE FROM money_amount WHERE price_list_id = $1::text AND NOT (id = ANY ($2::text[]))"};
// $2: a JSON array of {n, id, currency_code, amount, region_id, variant_id, min_quantity, max_quantity}.
constexpr PgStatement kPutPriceListPrices{"batchd_catalog_put_price_list_prices", R"sql(
INSERT INTO money_amount (id, currency_code, amount, min_quantity, max_quantity, variant_id, product_id,
                          region_id, price_list_id, position)
SELECT x.id, COALESCE(NULLIF(x.currency_code, ''), r.currency_code, ''), x.amount, x.min_quantity,
       x.max_quantity, x.variant_id, v.product_id, x.region_id, $1::text, x.n
FROM jsonb_to_recordset($2::jsonb) AS x (n int4, id text, currency_code text, amount int8, region_id text,
                                         variant_id text, min_quantity int8, max_quantity int8)
JOIN product_variant v ON v.id = x.variant_id
LEFT JOIN region r ON r.id = x.region_id
ORDER BY x.n
ON CONFLICT (id) DO UPDATE
SET currency_code = EXCLUDED.currency_code, amount = EXCLUDED.amount, min_quantity = EXCLUDED.min_quantity,
    max_quantity = EXCLUDED.max_quantity, variant_id = EXCLUDED.variant_id, product_id = EXCLUDED.product_id,
    region_id = EXCLUDED.region_id, price_list_id = EXCLUDED.price_list_id, position = EXCLUDED.position)sql"};
// Whether a price of $1 (the JSON of kPutPriceListPrices) names a variant or region that does not
// exist: money_amount has no foreign keys (0002_catalog.sql).
constexpr PgStatement kPriceListDangling{"batchd_catalog_price_list_dangling", R"sql(
SELECT EXISTS (
    SELECT 1 FROM jsonb_to_recordset($1::jsonb) AS x (variant_id text, region_id text)
    WHERE NOT EXISTS (SELECT 1 FROM product_variant v WHERE v.id = x.variant_id)
       OR (x.region_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM region r WHERE r.id = x.region_id))))sql"};
#define BATCHD_PRICE_LIST_COLUMNS                                                                 \
    "id, name, description, type, status, (extract(epoch FROM starts_at) * 1000)::int8, "         \
    "(extract(epoch FROM ends_at) * 1000)::int8, (extract(epoch FROM created_at) * 1000)::int8, " \
    "(extract(epoch FROM updated_at) * 1000)::int8"
constexpr PgStatement kGetPriceList{"batchd_catalog_get_price_list", "SELECT " BATCHD_PRICE_LIST_COLUMNS
                                                                     " FROM price_list WHERE id = $1::text"};
constexpr PgStatement kPriceListPrices{
    "batchd_catalog_price_list_prices",
    "SELECT variant_id, id, currency_code, amount, region_id, price_list_id, min_quantity, max_quantity "
    "FROM money_amount WHERE price_list_id = $1::text ORDER BY position, id"};
constexpr PgStatement kListPriceLists{"batchd_catalog_list_price_lists",
                                      "SELECT " BATCHD_PRICE_LIST_COLUMNS
                                      ", count(*) OVER () FROM price_list "
                                      "ORDER BY created_at, id LIMIT $1::int8 OFFSET $2::int8"};
constexpr PgStatement kCountPriceLists{"batchd_catalog_count_price_lists", "SELECT count(*) FROM price_list"};

// ---- orders ----
// Each takes a JSON array; of several rows with one id the last one wins.

constexpr PgStatement kPutCustomers{"batchd_catalog_put_customers", R"sql(
INSERT INTO customer (id, email, first_name, last_name)
SELECT DISTINCT ON (x.id) x.id, x.email, x.first_name, x.last_name
FROM jsonb_to_recordset($1::jsonb) AS x (n int4, id text, email text, first_name text, last_name text)
ORDER BY x.id, x.n DESC
ON CONFLICT (id) DO UPDATE
SET email = EXCLUDED.email, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name)sql"};
constexpr PgStatement kPutAddresses{"batchd_catalog_put_addresses", R"sql(
INSERT INTO address (id, first_name, last_name, company, address_1, address_2, city, province, postal_code,
                     country_code, phone)
SELECT DISTINCT ON (x.id) x.id, x.first_name, x.last_name, x.company, x.address_1, x.address_2, x.city,
       x.province, x.postal_code, x.country_code, x.phone
FROM jsonb_to_recordset($1::jsonb) AS x (n int4, id text, first_name text, last_name text, company text,
                                         address_1 text, address_2 text, city text, province text,
                                         postal_code text, country_code text, phone text)
ORDER BY x.id, x.n DESC
ON CONFLICT (id) DO UPDATE
SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, company = EXCLUDED.company,
    address_1 = EXCLUDED.address_1, address_2 = EXCLUDED.address_2, city = EXCLUDED.city,
    province = EXCLUDED.province, postal_code = EXCLUDED.postal_code, country_code = EXCLUDED.country_code,
    phone = EXCLUDED.phone)sql"};
constexpr PgStatement kPutOrders{"batchd_catalog_put_orders", R"sql(
INSERT INTO "order" (id, display_id, status, fulfillment_status, payment_status, email, currency_code,
                     region_id, sales_channel_id, customer_id, shipping_address_id, subtotal, shipping_total,
                     discount_total, gift_card_total, refunded_total, tax_total, total, created_at, updated_at)
SELECT DISTINCT ON (x.id) x.id, x.display_id, x.status, x.fulfillment_status, x.payment_status, x.email,
       x.currency_code, x.region_id, x.sales_channel_id, x.customer_id, x.shipping_address_id, x.subtotal,
       x.shipping_total, x.discount_total, x.gift_card_total, x.refunded_total, x.tax_total, x.total,
       timestamptz 'epoch' + x.created_ms * interval '1 ms', timestamptz 'epoch' + x.updated_ms * interval '1 ms'
FROM jsonb_to_recordset($1::jsonb) AS x (n int4, id text, display_id int8, status text, fulfillment_status text,
                                         payment_status text, email text, currency_code text, region_id text,
                                         sales_channel_id text, customer_id text, shipping_address_id text,
                                         subtotal int8, shipping_total int8, discount_total int8,
                                         gift_card_total int8, refunded_total int8, tax_total int8, total int8,
                                         created_ms int8, updated_ms int8)
ORDER BY x.id, x.n DESC
ON CONFLICT (id) DO UPDATE
SET display_id = EXCLUDED.display_id, status = EXCLUDED.status, fulfillment_status = EXCLUDED.fulfillment_status,
    payment_status = EXCLUDED.payment_status, email = EXCLUDED.email, currency_code = EXCLUDED.currency_code,
    region_id = EXCLUDED.region_id, sales_channel_id = EXCLUDED.sales_channel_id,
    customer_id = EXCLUDED.customer_id, shipping_address_id = EXCLUDED.shipping_address_id,
    subtotal = EXCLUDED.subtotal, shipping_total = EXCLUDED.shipping_total,
    discount_total = EXCLUDED.discount_total, gift_card_total = EXCLUDED.gift_card_total,
    refunded_total = EXCLUDED.refunded_total, tax_total = EXCLUDED.tax_total, total = EXCLUDED.total,
    created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at)sql"};
// The columns of an order with its customer, shipping address and sales channel (OrderCol).
constexpr std::string_view kOrderSelect = R"sql(
SELECT o.id, o.display_id, o.status, o.fulfillment_status, o.payment_status, o.email, o.currency_code,
       o.region_id, o.sales_channel_id, o.subtotal, o.shipping_total, o.discount_total, o.gift_card_total,
       o.refunded_total, o.tax_total, o.total,
       (extract(epoch FROM o.created_at) * 1000)::int8, (extract(epoch FROM o.updated_at) * 1000)::int8,
       cu.id, cu.email, cu.first_name, cu.last_name,
       a.id, a.first_name, a.last_name, a.company, a.address_1, a.address_2, a.city, a.province, a.postal_code,
       a.country_code, a.phone,
       sc.id, sc.name, sc.description, sc.is_disabled, sc.is_default,
       (extract(epoch FROM sc.created_at) * 1000)::int8, (extract(epoch FROM sc.updated_at) * 1000)::int8
FROM "order" o
LEFT JOIN customer cu ON cu.id = o.customer_id
LEFT JOIN address a ON a.id = o.shipping_address_id
LEFT JOIN sales_channel sc ON sc.id = o.sales_channel_id)sql";
struct OrderCol {
    static constexpr int kId = 0, kDisplayId = 1, kStatus = 2, kFulfillment = 3, kPayment = 4, kEmail = 5,
                         kCurrency = 6, kRegion = 7, kChannelId = 8, kSubtotal = 9, kShipping = 10,
                         kDiscount = 11, kGiftCard = 12, kRefunded = 13, kTax = 14, kTotal = 15,
                         kCreatedAt = 16, kUpdatedAt = 17, kCustomer = 18, kAddress = 22, kChannel = 33,
                         kCount = 40;
};

// ---- products ----

constexpr PgStatement kDeleteProduct{"batchd_catalog_delete_product", R"sql(
WITH p AS (
    UPDATE product SET deleted_at = timestamptz 'epoch' + $2::int8 * interval '1 ms'
    WHERE id = $1::text AND deleted_at IS NULL
    RETURNING id
), v AS (
    UPDATE product_variant SET deleted_at = timestamptz 'epoch' + $2::int8 * interval '1 ms'
    WHERE product_id IN (SELECT id FROM p) AND deleted_at IS NULL
)
SELECT count(*) FROM p)sql"};

// The columns of a product row (ProductCol), then those of its collection, type and profile:
// joined when asked for, NULL otherwise, so that the column numbers never change.
constexpr std::string_view kProductColumns = R"sql(
    p.id, p.title, p.subtitle, p.description, p.handle, p.is_giftcard, p.status, p.thumbnail,
    p.weight, p.length, p.height, p.width, p.hs_code, p.origin_country, p.mid_code, p.material,
    p.collection_id, p.type_id, p.profile_id, p.discountable, p.external_id,
    (extract(epoch FROM p.created_at) * 1000)::int8, (extract(epoch FROM p.updated_at) * 1000)::int8,
    (extract(epoch FROM p.deleted_at) * 1000)::int8)sql";
constexpr std::string_view kCollectionColumns =
    ", c.id, c.title, c.handle, (extract(epoch FROM c.created_at) * 1000)::int8, "
    "(extract(epoch FROM c.updated_at) * 1000)::int8";
constexpr std::string_view kNoCollectionColumns = ", NULL, NULL, NULL, NULL::int8, NULL::int8";
constexpr std::string_view kCollectionJoin = " LEFT JOIN product_collection c ON c.id = p.collection_id";
constexpr std::string_view kTypeColumns = ", t.id, t.value";
constexpr std::string_view kNoTypeColumns = ", NULL, NULL";
constexpr std::string_view kTypeJoin = " LEFT JOIN product_type t ON t.id = p.type_id";
constexpr std::string_view kProfileColumns = ", sp.id, sp.name, sp.type";
constexpr std::string_view kNoProfileColumns = ", NULL, NULL, NULL";
constexpr std::string_view kProfileJoin = " LEFT JOIN shipping_profile sp ON sp.id = p.profile_id";
struct ProductCol {
    static constexpr int kId = 0, kTitle = 1, kSubtitle = 2, kDescription = 3, kHandle = 4, kIsGiftcard = 5,
                         kStatus = 6, kThumbnail = 7, kWeight = 8, kLength = 9, kHeight = 10, kWidth = 11,
                         kHsCode = 12, kOriginCountry = 13, kMidCode = 14, kMaterial = 15, kCollectionId = 16,
                         kTypeId = 17, kProfileId = 18, kDiscountable = 19, kExternalId = 20, kCreatedAt = 21,
                         kUpdatedAt = 22, kDeletedAt = 23, kCollection = 24, kType = 29, kProfile = 31;
};

// The relations of a page, each for all its products at once ($1: the product ids, in page
// order). The first column names the owner: the product, or for prices and option values the
// variant (read by their product_id, one range scan per product; 0002_catalog.sql).
// The three big ones (variants, prices, option values) are ordered inside the LATERAL only, in
// the order of their index: a lateral subquery is run per page id by a nested loop, which emits
// each run's rows together and in order, and the reader needs no more than that (it appends each
// row to its owner's vector). An ORDER BY over the whole result sorted up to 30,000 rows a page,
// half of the statement's time. Positions are unique among a variant's own prices and among its
// option values (the store rewrites them whole), so they need no id to break ties. Each id is looked up on
// its own through the index on the owner column (LATERAL … OFFSET 0 keeps the planner from turning the
// lookups into a scan of the whole table, which it prefers for a long id list and which would make an export
// quadratic in the catalog's size); rows come back in page order, then in position order.
// Soft-deleted variants (of a soft-deleted product) are skipped by the reader, not by the WHERE:
// `deleted_at IS NULL` there matches the predicate of product_variant_sku_unique, and a planner
// without statistics (right after a bulk load) then ANDs a scan of that whole index into every
// lookup.
constexpr PgStatement kPageVariants{"batchd_catalog_page_variants", R"sql(
SELECT v.product_id, v.id, v.title, v.sku, v.barcode, v.ean, v.upc, v.inventory_quantity, v.allow_backorder,
       v.manage_inventory, v.weight, v.length, v.height, v.width, v.hs_code, v.origin_country, v.mid_code,
       v.material, v.variant_rank,
       (extract(epoch FROM v.created_at) * 1000)::int8, (extract(epoch FROM v.updated_at) * 1000)::int8,
       v.deleted_at IS NULL
FROM unnest($1::text[]) WITH ORDINALITY AS k (id, n)
CROSS JOIN LATERAL (
    SELECT * FROM product_variant v WHERE v.product_id = k.id ORDER BY v.variant_rank, v.id OFFSET 0) v)sql"};
constexpr PgStatement kPagePrices{"batchd_catalog_page_prices", R"sql(
SELECT m.variant_id, m.id, m.currency_code, m.amount, m.region_id, m.price_list_id, m.min_quantity,
       m.max_quantity
FROM unnest($1::text[]) WITH ORDINALITY AS k (id, n)
CROSS JOIN LATERAL (
    SELECT * FROM money_amount m WHERE m.product_id = k.id AND m.price_list_id IS NULL
    ORDER BY m.variant_id, m.position OFFSET 0) m)sql"};
constexpr PgStatement kPageOptionValues{"batchd_catalog_page_option_values", R"sql(
SELECT ov.variant_id, ov.id, ov.option_id, ov.value
FROM unnest($1::text[]) WITH ORDINALITY AS k (id, n)
CROSS JOIN LATERAL (
    SELECT * FROM product_variant_option_value ov WHERE ov.product_id = k.id
    ORDER BY ov.variant_id, ov.position OFFSET 0) ov)sql"};
constexpr PgStatement kPageOptions{"batchd_catalog_page_options", R"sql(
SELECT o.product_id, o.id, o.title
FROM unnest($1::text[]) WITH ORDINALITY AS k (id, n)
CROSS JOIN LATERAL (SELECT * FROM product_option o WHERE o.product_id = k.id OFFSET 0) o
ORDER BY k.n, o.position, o.id)sql"};
constexpr PgStatement kPageImages{"batchd_catalog_page_images", R"sql(
SELECT l.product_id, i.id, i.url
FROM unnest($1::text[]) WITH ORDINALITY AS k (id, n)
CROSS JOIN LATERAL (SELECT * FROM product_images l WHERE l.product_id = k.id OFFSET 0) l
JOIN image i ON i.id = l.image_id
ORDER BY k.n, l.position)sql"};
constexpr PgStatement kPageTags{"batchd_catalog_page_tags", R"sql(
SELECT l.product_id, t.id, t.value
FROM unnest($1::text[]) WITH ORDINALITY AS k (id, n)
CROSS JOIN LATERAL (SELECT * FROM product_tags l WHERE l.product_id = k.id OFFSET 0) l
JOIN product_tag t ON t.id = l.product_tag_id
ORDER BY k.n, l.position)sql"};
constexpr PgStatement kPageChannels{"batchd_catalog_page_channels", R"sql(
SELECT l.product_id, sc.id, sc.name, sc.description, sc.is_disabled, sc.is_default,
       (extract(epoch FROM sc.created_at) * 1000)::int8, (extract(epoch FROM sc.updated_at) * 1000)::int8
FROM unnest($1::text[]) WITH ORDINALITY AS k (id, n)
CROSS JOIN LATERAL (SELECT * FROM product_sales_channel l WHERE l.product_id = k.id OFFSET 0) l
JOIN sales_channel sc ON sc.id = l.sales_channel_id
ORDER BY k.n, l.position)sql"};
constexpr PgStatement kPageCategories{"batchd_catalog_page_categories",
                                      "SELECT l.product_id, " BATCHD_CATEGORY_COLUMNS("pc.") R"sql(
FROM unnest($1::text[]) WITH ORDINALITY AS k (id, n)
CROSS JOIN LATERAL (SELECT * FROM product_category_product l WHERE l.product_id = k.id OFFSET 0) l
JOIN product_category pc ON pc.id = l.product_category_id
ORDER BY k.n, l.position)sql"};

// Run once on each connection of the store. JIT compilation costs about half a second on the
// first run of a statement the planner deems expensive, which the bulk writes and page reads all
// are, and buys nothing for statements that touch each row once.
constexpr PgStatement kSessionSettings{"batchd_catalog_session", "SET jit = off"};

// PutProducts stages the products in temporary tables of the session (COPY), then applies them
// with a few set-based statements. ON COMMIT DELETE ROWS: they are empty at the start of every
// transaction; created once per connection (IF NOT EXISTS says so in a notice, hence the SET
// LOCAL, which ends with the transaction).
constexpr std::string_view kCreateStagingSql = R"sql(
SET LOCAL client_min_messages = warning;
CREATE TEMP TABLE IF NOT EXISTS batchd_stage_product (
    ord int4, id text COLLATE "C", title text, subtitle text, description text, handle text,
    is_giftcard boolean, status text, thumbnail text, weight int8, length int8, height int8, width int8,
    hs_code text, origin_country text, mid_code text, material text, collection_id text COLLATE "C",
    type_id text COLLATE "C", type_value text, profile_id text COLLATE "C", discountable boolean,
    external_id text, created_ms int8, updated_ms int8, deleted_ms int8) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS batchd_stage_option (
    id text COLLATE "C", product_id text COLLATE "C", title text, position int4) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS batchd_stage_variant (
    id text COLLATE "C", product_id text COLLATE "C", title text, sku text, barcode text, ean text, upc text,
    inventory_quantity int8, allow_backorder boolean, manage_inventory boolean, weight int8, length int8,
    height int8, width int8, hs_code text, origin_country text, mid_code text, material text,
    variant_rank int4, created_ms int8, updated_ms int8) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS batchd_stage_price (
    id text COLLATE "C", variant_id text COLLATE "C", product_id text COLLATE "C", currency_code text,
    amount int8,
    region_id text COLLATE "C", min_quantity int8, max_quantity int8, position int4) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS batchd_stage_option_value (
    id text COLLATE "C", variant_id text COLLATE "C", product_id text COLLATE "C", option_id text COLLATE "C",
    value text,
    position int4) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS batchd_stage_image (
    product_id text COLLATE "C", id text COLLATE "C", url text, position int4) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS batchd_stage_tag (
    n int4, product_id text COLLATE "C", id text COLLATE "C", value text, position int4) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS batchd_stage_channel (
    product_id text COLLATE "C", sales_channel_id text COLLATE "C", position int4) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS batchd_stage_category (
    product_id text COLLATE "C", product_category_id text COLLATE "C", position int4) ON COMMIT DELETE ROWS)sql";

constexpr std::string_view kCopyProductSql =
    "COPY batchd_stage_product (ord, id, title, subtitle, description, handle, is_giftcard, status, "
    "thumbnail, "
    "weight, length, height, width, hs_code, origin_country, mid_code, material, collection_id, type_id, "
    "type_value, profile_id, discountable, external_id, created_ms, updated_ms, deleted_ms) FROM STDIN";
constexpr std::string_view kCopyOptionSql =
    "COPY batchd_stage_option (id, product_id, title, position) FROM STDIN";
constexpr std::string_view kCopyVariantSql =
    "COPY batchd_stage_variant (id, product_id, title, sku, barcode, ean, upc, inventory_quantity, "
    "allow_backorder, manage_inventory, weight, length, height, width, hs_code, origin_country, mid_code, "
    "material, variant_rank, created_ms, updated_ms) FROM STDIN";
constexpr std::string_view kCopyPriceSql =
    "COPY batchd_stage_price (id, variant_id, product_id, currency_code, amount, region_id, min_quantity, "
    "max_quantity, position) FROM STDIN";
constexpr std::string_view kCopyOptionValueSql =
    "COPY batchd_stage_option_value (id, variant_id, product_id, option_id, value, position) FROM STDIN";
constexpr std::string_view kCopyImageSql =
    "COPY batchd_stage_image (product_id, id, url, position) FROM STDIN";
constexpr std::string_view kCopyTagSql =
    "COPY batchd_stage_tag (n, product_id, id, value, position) FROM STDIN";
constexpr std::string_view kCopyChannelSql =
    "COPY batchd_stage_channel (product_id, sales_channel_id, position) FROM STDIN";
constexpr std::string_view kCopyCategorySql =
    "COPY batchd_stage_category (product_id, product_category_id, position) FROM STDIN";

// Types and tags first (matched by value: an existing one is reused, else the staged id is
// created), then what the stored products lose, then every row upserted by id. Replaced link
// rows (tags, images, channels, categories) and option values are rewritten whole: nothing else
// refers to them.
constexpr std::string_view kApplyTypesAndTagsSql = R"sql(
INSERT INTO product_type (id, value)
SELECT DISTINCT ON (type_value) type_id, type_value FROM batchd_stage_product
WHERE type_value IS NOT NULL ORDER BY type_value, ord
ON CONFLICT DO NOTHING;
UPDATE batchd_stage_product s SET type_id = t.id
FROM product_type t WHERE s.type_value IS NOT NULL AND t.value = s.type_value AND s.type_id IS DISTINCT FROM t.id;
INSERT INTO product_tag (id, value)
SELECT DISTINCT ON (value) id, value FROM batchd_stage_tag ORDER BY value, n
ON CONFLICT DO NOTHING)sql";

// Whether some staged product is stored already (then the rows it loses are removed and every row
// is upserted; otherwise plain inserts do), and whether a staged reference the schema has no
// foreign key for is dangling: a price's region, or an option value's option, which must be an
// option of the variant's own product. Counts rather than EXISTS: the staging tables have no
// statistics, and an EXISTS is planned to stop early, as nested loops that are quadratic when the
// answer is "none" (the usual case).
constexpr std::string_view kStagingChecksSql = R"sql(
SELECT EXISTS (SELECT 1 FROM batchd_stage_product s JOIN product p ON p.id = s.id),
       (SELECT count(*) FROM batchd_stage_price sp LEFT JOIN region r ON r.id = sp.region_id
        WHERE sp.region_id IS NOT NULL AND r.id IS NULL)
     + (SELECT count(*) FROM batchd_stage_option_value ov
        LEFT JOIN batchd_stage_option so ON so.id = ov.option_id AND so.product_id = ov.product_id
        WHERE so.id IS NULL) > 0)sql";

// The fast way to replace stored products: drop every child row of theirs, then insert the staged
// ones as for new products (deleting and inserting a row costs less than upserting it). Only the
// price-list prices of variants that stay are kept: they name the variant by id, which comes back,
// maybe in another product of this put (their product_id then follows it).
// Prices and option values are found by (product_id, variant_id), the only index they have
// (0002_catalog.sql): their product_id is always their variant's.
constexpr std::string_view kClearStoredChildrenSql = R"sql(
WITH gone AS (
    DELETE FROM product_variant v USING batchd_stage_product s WHERE v.product_id = s.id
    RETURNING v.id, v.product_id
), gone_prices AS (
    DELETE FROM money_amount m USING gone
    WHERE m.product_id = gone.product_id AND m.variant_id = gone.id
      AND (m.price_list_id IS NULL OR NOT EXISTS (SELECT 1 FROM batchd_stage_variant sv WHERE sv.id = gone.id))
), moved_prices AS (
    UPDATE money_amount m SET product_id = sv.product_id
    FROM gone JOIN batchd_stage_variant sv ON sv.id = gone.id
    WHERE m.product_id = gone.product_id AND m.variant_id = gone.id AND m.price_list_id IS NOT NULL
      AND sv.product_id <> gone.product_id
)
DELETE FROM product_variant_option_value ov USING gone
WHERE ov.product_id = gone.product_id AND ov.variant_id = gone.id;
DELETE FROM product_option o USING batchd_stage_product s WHERE o.product_id = s.id;
DELETE FROM product_tags l USING batchd_stage_product s WHERE l.product_id = s.id;
DELETE FROM product_images l USING batchd_stage_product s WHERE l.product_id = s.id;
DELETE FROM product_sales_channel l USING batchd_stage_product s WHERE l.product_id = s.id;
DELETE FROM product_category_product l USING batchd_stage_product s WHERE l.product_id = s.id)sql";

// The careful way, when the fast one met a unique violation (a row of this put has an id that
// another product's row has, or a handle or SKU moves between rows of this put): what the stored
// products lose, then upserts. The variants a product no longer has go with all their prices
// (price lists' too) and option values. Then SKUs and handles that move between rows of this put
// are freed first: the unique indexes are checked row by row, so a swap would otherwise collide.
// A stored variant's prices and option values are found by its stored product (v.product_id, before
// the upsert moves it); the price-list prices of a variant that moves follow it.
constexpr std::string_view kApplyRemovalsSql = R"sql(
WITH gone AS (
    DELETE FROM product_variant v USING batchd_stage_product s
    WHERE v.product_id = s.id AND NOT EXISTS (SELECT 1 FROM batchd_stage_variant sv WHERE sv.id = v.id)
    RETURNING v.id, v.product_id
), gone_prices AS (
    DELETE FROM money_amount m USING gone WHERE m.product_id = gone.product_id AND m.variant_id = gone.id
)
DELETE FROM product_variant_option_value ov USING gone
WHERE ov.product_id = gone.product_id AND ov.variant_id = gone.id;
DELETE FROM product_option o USING batchd_stage_product s
WHERE o.product_id = s.id AND NOT EXISTS (SELECT 1 FROM batchd_stage_option so WHERE so.id = o.id);
DELETE FROM money_amount m USING batchd_stage_variant sv JOIN product_variant v ON v.id = sv.id
WHERE m.product_id = v.product_id AND m.variant_id = v.id AND m.price_list_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM batchd_stage_price sp WHERE sp.id = m.id);
UPDATE money_amount m SET product_id = sv.product_id
FROM batchd_stage_variant sv JOIN product_variant v ON v.id = sv.id
WHERE m.product_id = v.product_id AND m.variant_id = v.id AND sv.product_id <> v.product_id;
DELETE FROM product_variant_option_value ov
USING batchd_stage_variant sv JOIN product_variant v ON v.id = sv.id
WHERE ov.product_id = v.product_id AND ov.variant_id = v.id;
DELETE FROM product_tags l USING batchd_stage_product s WHERE l.product_id = s.id;
DELETE FROM product_images l USING batchd_stage_product s WHERE l.product_id = s.id;
DELETE FROM product_sales_channel l USING batchd_stage_product s WHERE l.product_id = s.id;
DELETE FROM product_category_product l USING batchd_stage_product s WHERE l.product_id = s.id;
UPDATE product_variant v SET sku = NULL FROM batchd_stage_variant sv
WHERE sv.id = v.id AND v.sku IS NOT NULL AND v.sku IS DISTINCT FROM sv.sku;
UPDATE product p SET handle = NULL FROM batchd_stage_product s
WHERE s.id = p.id AND p.handle IS NOT NULL AND p.handle IS DISTINCT FROM s.handle)sql";

// Each staged table into its own: a plain INSERT when the products are new (the fast path), with
// `on_conflict` appended when rows may exist (replace by id). Link rows were deleted beforehand
// and images are shared by id, so those two kinds are the same in both.
struct ApplySql {
    std::string_view insert;
    std::string_view on_conflict;
};
constexpr std::array kApplySql{
    ApplySql{R"sql(
INSERT INTO product (id, title, subtitle, description, handle, is_giftcard, status, thumbnail, weight, length,
                     height, width, hs_code, origin_country, mid_code, material, collection_id, type_id,
                     profile_id, discountable, external_id, created_at, updated_at, deleted_at)
SELECT id, title, subtitle, description, handle, is_giftcard, status, thumbnail, weight, length, height, width,
       hs_code, origin_country, mid_code, material, collection_id, type_id, profile_id, discountable,
       external_id, timestamptz 'epoch' + created_ms * interval '1 ms',
       timestamptz 'epoch' + updated_ms * interval '1 ms', timestamptz 'epoch' + deleted_ms * interval '1 ms'
FROM batchd_stage_product ORDER BY ord)sql",
             R"sql(
ON CONFLICT (id) DO UPDATE
SET title = EXCLUDED.title, subtitle = EXCLUDED.subtitle, description = EXCLUDED.description,
    handle = EXCLUDED.handle, is_giftcard = EXCLUDED.is_giftcard, status = EXCLUDED.status,
    thumbnail = EXCLUDED.thumbnail, weight = EXCLUDED.weight, length = EXCLUDED.length,
    height = EXCLUDED.height, width = EXCLUDED.width, hs_code = EXCLUDED.hs_code,
    origin_country = EXCLUDED.origin_country, mid_code = EXCLUDED.mid_code, material = EXCLUDED.material,
    collection_id = EXCLUDED.collection_id, type_id = EXCLUDED.type_id, profile_id = EXCLUDED.profile_id,
    discountable = EXCLUDED.discountable, external_id = EXCLUDED.external_id,
    created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, deleted_at = EXCLUDED.deleted_at)sql"},
    ApplySql{R"sql(
INSERT INTO product_option (id, product_id, title, position)
SELECT id, product_id, title, position FROM batchd_stage_option)sql",
             R"sql(
ON CONFLICT (id) DO UPDATE
SET product_id = EXCLUDED.product_id, title = EXCLUDED.title, position = EXCLUDED.position)sql"},
    ApplySql{R"sql(
INSERT INTO product_variant (id, product_id, title, sku, barcode, ean, upc, inventory_quantity, allow_backorder,
                             manage_inventory, weight, length, height, width, hs_code, origin_country, mid_code,
                             material, variant_rank, created_at, updated_at, deleted_at)
SELECT id, product_id, title, sku, barcode, ean, upc, inventory_quantity, allow_backorder, manage_inventory,
       weight, length, height, width, hs_code, origin_country, mid_code, material, variant_rank,
       timestamptz 'epoch' + created_ms * interval '1 ms', timestamptz 'epoch' + updated_ms * interval '1 ms',
       NULL
FROM batchd_stage_variant)sql",
             R"sql(
ON CONFLICT (id) DO UPDATE
SET product_id = EXCLUDED.product_id, title = EXCLUDED.title, sku = EXCLUDED.sku, barcode = EXCLUDED.barcode,
    ean = EXCLUDED.ean, upc = EXCLUDED.upc, inventory_quantity = EXCLUDED.inventory_quantity,
    allow_backorder = EXCLUDED.allow_backorder, manage_inventory = EXCLUDED.manage_inventory,
    weight = EXCLUDED.weight, length = EXCLUDED.length, height = EXCLUDED.height, width = EXCLUDED.width,
    hs_code = EXCLUDED.hs_code, origin_country = EXCLUDED.origin_country, mid_code = EXCLUDED.mid_code,
    material = EXCLUDED.material, variant_rank = EXCLUDED.variant_rank, created_at = EXCLUDED.created_at,
    updated_at = EXCLUDED.updated_at, deleted_at = NULL)sql"},
    // A region price without a currency gets its region's.
    ApplySql{R"sql(
INSERT INTO money_amount (id, currency_code, amount, min_quantity, max_quantity, variant_id, product_id,
                          region_id, price_list_id, position)
SELECT sp.id, COALESCE(NULLIF(sp.currency_code, ''), r.currency_code, ''), sp.amount, sp.min_quantity,
       sp.max_quantity, sp.variant_id, sp.product_id, sp.region_id, NULL, sp.position
FROM batchd_stage_price sp LEFT JOIN region r ON r.id = sp.region_id)sql",
             R"sql(
ON CONFLICT (id) DO UPDATE
SET currency_code = EXCLUDED.currency_code, amount = EXCLUDED.amount, min_quantity = EXCLUDED.min_quantity,
    max_quantity = EXCLUDED.max_quantity, variant_id = EXCLUDED.variant_id, product_id = EXCLUDED.product_id,
    region_id = EXCLUDED.region_id, price_list_id = NULL, position = EXCLUDED.position)sql"},
    ApplySql{R"sql(
INSERT INTO product_variant_option_value (id, variant_id, product_id, option_id, value, position)
SELECT id, variant_id, product_id, option_id, value, position FROM batchd_stage_option_value)sql",
             R"sql(
ON CONFLICT (id) DO UPDATE
SET variant_id = EXCLUDED.variant_id, product_id = EXCLUDED.product_id, option_id = EXCLUDED.option_id, value = EXCLUDED.value,
    position = EXCLUDED.position)sql"},
    ApplySql{R"sql(
INSERT INTO image (id, url)
SELECT DISTINCT ON (id) id, url FROM batchd_stage_image ORDER BY id
ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url)sql",
             ""},
    ApplySql{R"sql(
INSERT INTO product_images (product_id, image_id, position)
SELECT DISTINCT ON (product_id, id) product_id, id, position FROM batchd_stage_image
ORDER BY product_id, id, position)sql",
             ""},
    ApplySql{R"sql(
INSERT INTO product_tags (product_id, product_tag_id, position)
SELECT DISTINCT ON (s.product_id, t.id) s.product_id, t.id, s.position
FROM batchd_stage_tag s JOIN product_tag t ON t.value = s.value
ORDER BY s.product_id, t.id, s.position)sql",
             ""},
    ApplySql{R"sql(
INSERT INTO product_sales_channel (product_id, sales_channel_id, position)
SELECT DISTINCT ON (product_id, sales_channel_id) product_id, sales_channel_id, position
FROM batchd_stage_channel ORDER BY product_id, sales_channel_id, position)sql",
             ""},
    ApplySql{R"sql(
INSERT INTO product_category_product (product_id, product_category_id, position)
SELECT DISTINCT ON (product_id, product_category_id) product_id, product_category_id, position
FROM batchd_stage_category ORDER BY product_id, product_category_id, position)sql",
             ""},
};

#undef BATCHD_REGION_COLUMNS
#undef BATCHD_COLLECTION_COLUMNS
#undef BATCHD_CHANNEL_COLUMNS
#undef BATCHD_CATEGORY_COLUMNS
#undef BATCHD_PRICE_LIST_COLUMNS

// ---- values ----------------------------------------------------------------------------------

std::string Ms(core::TimePoint at) { return std::to_string(at.time_since_epoch().count()); }

std::optional<std::string> Ms(const std::optional<core::TimePoint>& at) {
    return at ? std::optional{Ms(*at)} : std::nullopt;
}

std::string Bool(bool value) { return value ? "true" : "false"; }

std::string Lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

core::TimePoint ReadTime(PgRow& row, int column) {
    return core::TimePoint{core::Duration{row.Int64(column)}};
}

std::optional<core::TimePoint> ReadOptionalTime(PgRow& row, int column) {
    const std::optional<std::int64_t> ms = row.OptionalInt64(column);
    return ms ? std::optional{core::TimePoint{core::Duration{*ms}}} : std::nullopt;
}

std::int32_t ReadInt32(PgRow& row, int column) {
    const std::int64_t value = row.Int64(column);
    if (value < std::numeric_limits<std::int32_t>::min() ||
        value > std::numeric_limits<std::int32_t>::max()) {
        row.Fail(column, "out of range");
        return 0;
    }
    return static_cast<std::int32_t>(value);
}

double ReadDouble(PgRow& row, int column) {
    const std::string_view text = row.Text(column);
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        row.Fail(column, "not a number");
    }
    return value;
}

std::vector<std::string> ReadJsonTexts(PgRow& row, int column) {
    std::vector<std::string> texts;
    boost::system::error_code error;
    const boost::json::value value = boost::json::parse(row.Text(column), error);
    if (error || !value.is_array()) {
        row.Fail(column, "not a JSON array");
        return texts;
    }
    for (const boost::json::value& element : value.get_array()) {
        if (!element.is_string()) {
            row.Fail(column, "not a JSON array of strings");
            return {};
        }
        texts.emplace_back(element.get_string());
    }
    return texts;
}

core::Error Unreadable(std::string_view what, const PgRow& row) {
    spdlog::error("postgres: cannot read a stored {}: {}", what, row.Failure().value_or("?"));
    return core::Error{core::Errc::kInternal, "a stored " + std::string(what) + " could not be read"};
}

core::Error NotFound(std::string_view entity, const std::string& id) {
    return core::Error{core::Errc::kNotFound, fmt::format("{} with id {} was not found", entity, id)};
}

// What a failed write means to the caller. Foreign key (23503), not-null (23502) and check
// (23514) violations are values the catalog refuses; 21000 is a row given twice in one write.
// These stay kInternal for the job store (ErrcForSqlState), where they can only be bugs.
struct WriteMessages {
    std::string_view duplicate;
    std::string_view invalid;
};

core::Error Classify(core::Error error, std::string_view sqlstate, const WriteMessages& messages) {
    if (sqlstate == "23503" || sqlstate == "23502" || sqlstate == "23514" || sqlstate == "21000") {
        return core::Error{core::Errc::kInvalidData, std::string(messages.invalid)};
    }
    if (error.code == core::Errc::kDuplicate) {
        return core::Error{core::Errc::kDuplicate, std::string(messages.duplicate)};
    }
    return error;
}

constexpr WriteMessages kProductMessages{
    "a product with this handle or a variant with this SKU already exists",
    "a product refers to a collection, type, shipping profile, sales channel, category, option or region "
    "that does not exist"};
constexpr WriteMessages kPlainMessages{"a row with this key already exists", "the catalog refused a value"};
constexpr WriteMessages kCategoryMessages{"a category with this key already exists",
                                          "the parent category does not exist"};
constexpr WriteMessages kPriceListMessages{"a price with this id already exists",
                                           "a price refers to a variant or region that does not exist"};
constexpr WriteMessages kOrderMessages{"an order with this key already exists",
                                       "an order refers to a customer or address that could not be written"};

core::Result<void> CheckPage(std::int64_t limit, std::int64_t offset) {
    if (limit < 0 || offset < 0) {
        return core::Error{core::Errc::kInvalidData, "limit and offset must not be negative"};
    }
    return {};
}

// A `%…%` pattern for ILIKE matching `text` literally (backslash is ILIKE's escape character).
std::string ContainsPattern(std::string_view text) {
    std::string pattern = "%";
    for (const char c : text) {
        if (c == '%' || c == '_' || c == '\\') {
            pattern += '\\';
        }
        pattern += c;
    }
    pattern += '%';
    return pattern;
}

// ---- readers ---------------------------------------------------------------------------------

core::Result<core::Region> ReadRegion(const PGresult* result, int row_number) {
    PgRow row{result, row_number};
    core::Region region;
    region.id = row.Text(0);
    region.name = row.Text(1);
    region.currency_code = row.Text(2);
    region.tax_rate = ReadDouble(row, 3);
    region.countries = ReadJsonTexts(row, 4);
    region.created_at = ReadTime(row, 5);
    region.updated_at = ReadTime(row, 6);
    if (row.Failure()) {
        return Unreadable("region", row);
    }
    return region;
}

core::Result<core::ProductCollection> ReadCollection(const PGresult* result, int row_number) {
    PgRow row{result, row_number};
    core::ProductCollection collection;
    collection.id = row.Text(0);
    collection.title = row.Text(1);
    collection.handle = row.Text(2);
    collection.created_at = ReadTime(row, 3);
    collection.updated_at = ReadTime(row, 4);
    if (row.Failure()) {
        return Unreadable("collection", row);
    }
    return collection;
}

// A channel from 7 columns starting at `first`.
core::SalesChannel ReadChannelAt(PgRow& row, int first) {
    core::SalesChannel channel;
    channel.id = row.Text(first);
    channel.name = row.Text(first + 1);
    channel.description = row.OptionalText(first + 2);
    channel.is_disabled = row.Bool(first + 3);
    channel.is_default = row.Bool(first + 4);
    channel.created_at = ReadTime(row, first + 5);
    channel.updated_at = ReadTime(row, first + 6);
    return channel;
}

core::Result<core::SalesChannel> ReadChannel(const PGresult* result, int row_number) {
    PgRow row{result, row_number};
    core::SalesChannel channel = ReadChannelAt(row, 0);
    if (row.Failure()) {
        return Unreadable("sales channel", row);
    }
    return channel;
}

// A category from 10 columns starting at `first`.
core::ProductCategory ReadCategoryAt(PgRow& row, int first) {
    core::ProductCategory category;
    category.id = row.Text(first);
    category.name = row.Text(first + 1);
    category.handle = row.Text(first + 2);
    category.description = row.Text(first + 3);
    category.parent_category_id = row.OptionalText(first + 4);
    category.is_active = row.Bool(first + 5);
    category.is_internal = row.Bool(first + 6);
    category.rank = ReadInt32(row, first + 7);
    category.created_at = ReadTime(row, first + 8);
    category.updated_at = ReadTime(row, first + 9);
    return category;
}

core::Result<core::ProductCategory> ReadCategory(const PGresult* result, int row_number) {
    PgRow row{result, row_number};
    core::ProductCategory category = ReadCategoryAt(row, 0);
    if (row.Failure()) {
        return Unreadable("category", row);
    }
    return category;
}

core::Result<core::PriceList> ReadPriceList(const PGresult* result, int row_number) {
    PgRow row{result, row_number};
    core::PriceList list;
    list.id = row.Text(0);
    list.name = row.Text(1);
    list.description = row.Text(2);
    list.type = row.Text(3);
    list.status = row.Text(4);
    list.starts_at = ReadOptionalTime(row, 5);
    list.ends_at = ReadOptionalTime(row, 6);
    list.created_at = ReadTime(row, 7);
    list.updated_at = ReadTime(row, 8);
    if (row.Failure()) {
        return Unreadable("price list", row);
    }
    return list;
}

// A price from the columns of kPagePrices and kPriceListPrices (the owner's variant first).
core::MoneyAmount ReadPriceAt(PgRow& row) {
    core::MoneyAmount price;
    price.id = row.Text(1);
    price.currency_code = row.Text(2);
    price.amount = row.Int64(3);
    price.region_id = row.OptionalText(4);
    price.price_list_id = row.OptionalText(5);
    price.min_quantity = row.OptionalInt64(6);
    price.max_quantity = row.OptionalInt64(7);
    return price;
}

core::Result<core::Order> ReadOrder(const PGresult* result, int row_number) {
    PgRow row{result, row_number};
    core::Order order;
    order.id = row.Text(OrderCol::kId);
    order.display_id = row.Int64(OrderCol::kDisplayId);
    order.status = row.Text(OrderCol::kStatus);
    order.fulfillment_status = row.Text(OrderCol::kFulfillment);
    order.payment_status = row.Text(OrderCol::kPayment);
    order.email = row.Text(OrderCol::kEmail);
    order.currency_code = row.Text(OrderCol::kCurrency);
    order.region_id = row.Text(OrderCol::kRegion);
    order.sales_channel_id = row.OptionalText(OrderCol::kChannelId);
    order.subtotal = row.Int64(OrderCol::kSubtotal);
    order.shipping_total = row.Int64(OrderCol::kShipping);
    order.discount_total = row.Int64(OrderCol::kDiscount);
    order.gift_card_total = row.Int64(OrderCol::kGiftCard);
    order.refunded_total = row.Int64(OrderCol::kRefunded);
    order.tax_total = row.Int64(OrderCol::kTax);
    order.total = row.Int64(OrderCol::kTotal);
    order.created_at = ReadTime(row, OrderCol::kCreatedAt);
    order.updated_at = ReadTime(row, OrderCol::kUpdatedAt);
    if (!row.IsNull(OrderCol::kCustomer)) {
        constexpr int kFirst = OrderCol::kCustomer;
        order.customer = core::Customer{std::string(row.Text(kFirst)), std::string(row.Text(kFirst + 1)),
                                        row.OptionalText(kFirst + 2), row.OptionalText(kFirst + 3)};
    }
    if (!row.IsNull(OrderCol::kAddress)) {
        constexpr int kFirst = OrderCol::kAddress;
        core::Address address;
        address.id = row.Text(kFirst);
        address.first_name = row.OptionalText(kFirst + 1);
        address.last_name = row.OptionalText(kFirst + 2);
        address.company = row.OptionalText(kFirst + 3);
        address.address_1 = row.OptionalText(kFirst + 4);
        address.address_2 = row.OptionalText(kFirst + 5);
        address.city = row.OptionalText(kFirst + 6);
        address.province = row.OptionalText(kFirst + 7);
        address.postal_code = row.OptionalText(kFirst + 8);
        address.country_code = row.OptionalText(kFirst + 9);
        address.phone = row.OptionalText(kFirst + 10);
        order.shipping_address = std::move(address);
    }
    if (!row.IsNull(OrderCol::kChannel)) {
        order.sales_channel = ReadChannelAt(row, OrderCol::kChannel);
    }
    if (row.Failure()) {
        return Unreadable("order", row);
    }
    return order;
}

core::Result<core::Product> ReadProduct(const PGresult* result, int row_number) {
    PgRow row{result, row_number};
    core::Product product;
    product.id = row.Text(ProductCol::kId);
    product.title = row.Text(ProductCol::kTitle);
    product.subtitle = row.OptionalText(ProductCol::kSubtitle);
    product.description = row.OptionalText(ProductCol::kDescription);
    product.handle = row.OptionalText(ProductCol::kHandle);
    product.is_giftcard = row.Bool(ProductCol::kIsGiftcard);
    product.status = row.Text(ProductCol::kStatus);
    product.thumbnail = row.OptionalText(ProductCol::kThumbnail);
    product.weight = row.OptionalInt64(ProductCol::kWeight);
    product.length = row.OptionalInt64(ProductCol::kLength);
    product.height = row.OptionalInt64(ProductCol::kHeight);
    product.width = row.OptionalInt64(ProductCol::kWidth);
    product.hs_code = row.OptionalText(ProductCol::kHsCode);
    product.origin_country = row.OptionalText(ProductCol::kOriginCountry);
    product.mid_code = row.OptionalText(ProductCol::kMidCode);
    product.material = row.OptionalText(ProductCol::kMaterial);
    product.collection_id = row.OptionalText(ProductCol::kCollectionId);
    product.type_id = row.OptionalText(ProductCol::kTypeId);
    product.profile_id = row.OptionalText(ProductCol::kProfileId);
    product.discountable = row.Bool(ProductCol::kDiscountable);
    product.external_id = row.OptionalText(ProductCol::kExternalId);
    product.created_at = ReadTime(row, ProductCol::kCreatedAt);
    product.updated_at = ReadTime(row, ProductCol::kUpdatedAt);
    product.deleted_at = ReadOptionalTime(row, ProductCol::kDeletedAt);
    if (!row.IsNull(ProductCol::kCollection)) {
        constexpr int kFirst = ProductCol::kCollection;
        product.collection = core::ProductCollection{
            std::string(row.Text(kFirst)), std::string(row.Text(kFirst + 1)),
            std::string(row.Text(kFirst + 2)), ReadTime(row, kFirst + 3), ReadTime(row, kFirst + 4)};
    }
    if (!row.IsNull(ProductCol::kType)) {
        product.type = core::ProductType{std::string(row.Text(ProductCol::kType)),
                                         std::string(row.Text(ProductCol::kType + 1))};
    }
    if (!row.IsNull(ProductCol::kProfile)) {
        constexpr int kFirst = ProductCol::kProfile;
        product.profile =
            core::ShippingProfile{std::string(row.Text(kFirst)), std::string(row.Text(kFirst + 1)),
                                  std::string(row.Text(kFirst + 2))};
    }
    if (row.Failure()) {
        return Unreadable("product", row);
    }
    return product;
}

core::ProductVariant ReadVariantAt(PgRow& row) {
    core::ProductVariant variant;
    variant.id = row.Text(1);
    variant.title = row.Text(2);
    variant.sku = row.OptionalText(3);
    variant.barcode = row.OptionalText(4);
    variant.ean = row.OptionalText(5);
    variant.upc = row.OptionalText(6);
    variant.inventory_quantity = row.Int64(7);
    variant.allow_backorder = row.Bool(8);
    variant.manage_inventory = row.Bool(9);
    variant.weight = row.OptionalInt64(10);
    variant.length = row.OptionalInt64(11);
    variant.height = row.OptionalInt64(12);
    variant.width = row.OptionalInt64(13);
    variant.hs_code = row.OptionalText(14);
    variant.origin_country = row.OptionalText(15);
    variant.mid_code = row.OptionalText(16);
    variant.material = row.OptionalText(17);
    variant.variant_rank = ReadInt32(row, 18);
    variant.created_at = ReadTime(row, 19);
    variant.updated_at = ReadTime(row, 20);
    return variant;
}

// ---- product filters -------------------------------------------------------------------------

void AddTimeRange(std::string& where,
                  std::string_view column,
                  const core::TimeRange& range,
                  PgParams& params) {
    const std::array<std::pair<std::string_view, const std::optional<core::TimePoint>*>, 4> comparisons{{
        {"<", &range.lt},
        {">", &range.gt},
        {"<=", &range.lte},
        {">=", &range.gte},
    }};
    for (const auto& [op, bound] : comparisons) {
        if (*bound) {
            where += fmt::format(" AND {} {} timestamptz 'epoch' + ${}::int8 * interval '1 ms'", column, op,
                                 params.Add(Ms(**bound)));
        }
    }
}

// The WHERE clause of a product list or count (alias p), its values bound in `params`.
std::string ProductWhere(const core::ProductFilter& filter, PgParams& params) {
    std::string where = "p.deleted_at IS NULL";
    if (!filter.ids.empty()) {
        where += fmt::format(" AND p.id = ANY (${}::text[])", params.Add(TextArray(filter.ids)));
    }
    if (filter.q) {
        const int pattern = params.Add(ContainsPattern(*filter.q));
        where += fmt::format(
            " AND (p.title ILIKE ${0} OR p.subtitle ILIKE ${0} OR p.description ILIKE ${0} OR p.handle ILIKE "
            "${0}"
            " OR EXISTS (SELECT 1 FROM product_variant qv WHERE qv.product_id = p.id AND qv.deleted_at IS "
            "NULL"
            " AND qv.sku ILIKE ${0}))",
            pattern);
    }
    if (filter.title) {
        where += fmt::format(" AND p.title = ${}::text", params.Add(*filter.title));
    }
    if (filter.handle) {
        where += fmt::format(" AND p.handle = ${}::text", params.Add(*filter.handle));
    }
    if (!filter.collection_ids.empty()) {
        where += fmt::format(" AND p.collection_id = ANY (${}::text[])",
                             params.Add(TextArray(filter.collection_ids)));
    }
    if (!filter.type_ids.empty()) {
        where += fmt::format(" AND p.type_id = ANY (${}::text[])", params.Add(TextArray(filter.type_ids)));
    }
    if (!filter.tag_ids.empty()) {
        where += fmt::format(
            " AND EXISTS (SELECT 1 FROM product_tags ft WHERE ft.product_id = p.id"
            " AND ft.product_tag_id = ANY (${}::text[]))",
            params.Add(TextArray(filter.tag_ids)));
    }
    if (!filter.sales_channel_ids.empty()) {
        where += fmt::format(
            " AND EXISTS (SELECT 1 FROM product_sales_channel fc WHERE fc.product_id = p.id"
            " AND fc.sales_channel_id = ANY (${}::text[]))",
            params.Add(TextArray(filter.sales_channel_ids)));
    }
    if (!filter.category_ids.empty()) {
        where += fmt::format(
            " AND EXISTS (SELECT 1 FROM product_category_product fk WHERE fk.product_id = p.id"
            " AND fk.product_category_id = ANY (${}::text[]))",
            params.Add(TextArray(filter.category_ids)));
    }
    if (!filter.statuses.empty()) {
        where += fmt::format(" AND p.status = ANY (${}::text[])", params.Add(TextArray(filter.statuses)));
    }
    if (filter.is_giftcard) {
        where += fmt::format(" AND p.is_giftcard = ${}::boolean", params.Add(Bool(*filter.is_giftcard)));
    }
    if (filter.discountable) {
        where += fmt::format(" AND p.discountable = ${}::boolean", params.Add(Bool(*filter.discountable)));
    }
    AddTimeRange(where, "p.created_at", filter.created_at, params);
    AddTimeRange(where, "p.updated_at", filter.updated_at, params);
    return where;
}

// How a product list orders by each column: the expressions of the keyset indexes of
// 0002_catalog.sql, so that a page is an index range scan.
struct OrderSql {
    std::string_view expression;
    bool is_time;
};

OrderSql OrderFor(core::ProductColumn column) {
    switch (column) {
        case core::ProductColumn::kCreatedAt:
            return {"p.created_at", true};
        case core::ProductColumn::kUpdatedAt:
            return {"p.updated_at", true};
        case core::ProductColumn::kTitle:
            return {"p.title", false};
        case core::ProductColumn::kHandle:
            return {"COALESCE(p.handle, '')", false};
        case core::ProductColumn::kId:
            break;
    }
    return {"p.id", false};
}

// One relation of a page: a statement run with the owners' ids, each row handed to `fill` with
// the index of its owner. Rows of owners not on the page cannot occur (the ids select them).
template <class Fill>
core::Result<void> LoadRelation(PgConnection& connection,
                                const PgStatement& statement,
                                const std::string& owner_ids,
                                const std::unordered_map<std::string_view, std::size_t>& owners,
                                std::string_view what,
                                Fill fill) {
    PgParams params;
    params.Add(owner_ids);
    auto rows = connection.Execute(statement, params);
    if (!rows) {
        return rows.error();
    }
    const int count = PQntuples(rows->get());
    for (int index = 0; index < count; ++index) {
        PgRow row{rows->get(), index};
        const auto owner = owners.find(row.Text(0));
        if (owner == owners.end()) {
            row.Fail(0, "names no owner on the page");
            return Unreadable(what, row);
        }
        fill(row, owner->second);
        if (row.Failure()) {
            return Unreadable(what, row);
        }
    }
    return {};
}

// ---- PutProducts staging ---------------------------------------------------------------------

// The products of a span, the last of several with one id winning (one row per id and table).
std::vector<const core::Product*> LastOfEachId(std::span<const core::Product> products) {
    std::unordered_map<std::string_view, std::size_t> last;
    last.reserve(products.size());
    for (std::size_t i = 0; i < products.size(); ++i) {
        last[products[i].id] = i;
    }
    std::vector<const core::Product*> unique;
    unique.reserve(last.size());
    for (std::size_t i = 0; i < products.size(); ++i) {
        if (last[products[i].id] == i) {
            unique.push_back(&products[i]);
        }
    }
    return unique;
}

using ProductRefs = std::span<const core::Product* const>;

// Runs one COPY, `write(copy)` appending its rows.
template <class Write>
core::Result<void> Copy(PgConnection& connection, std::string_view sql, Write write) {
    auto copy = PgCopyIn::Start(connection, sql);
    if (!copy) {
        return copy.error();
    }
    write(*copy);
    return copy->Finish();
}

std::int64_t Position(std::size_t index) { return static_cast<std::int64_t>(index); }

void CopyProductRows(PgCopyIn& copy, ProductRefs products) {
    for (std::size_t i = 0; i < products.size(); ++i) {
        const core::Product& p = *products[i];
        copy.Int(Position(i));
        copy.Text(p.id);
        copy.Text(p.title);
        copy.Text(p.subtitle);
        copy.Text(p.description);
        copy.Text(p.handle);
        copy.Bool(p.is_giftcard);
        copy.Text(p.status);
        copy.Text(p.thumbnail);
        copy.Int(p.weight);
        copy.Int(p.length);
        copy.Int(p.height);
        copy.Int(p.width);
        copy.Text(p.hs_code);
        copy.Text(p.origin_country);
        copy.Text(p.mid_code);
        copy.Text(p.material);
        copy.Text(p.collection_id);
        // A type given whole is matched by its value (kApplyTypesAndTagsSql); a bare type_id must exist.
        if (p.type) {
            copy.Text(p.type->id.empty() ? p.type_id : std::optional{p.type->id});
            copy.Text(p.type->value);
        } else {
            copy.Text(p.type_id);
            copy.Null();
        }
        copy.Text(p.profile_id);
        copy.Bool(p.discountable);
        copy.Text(p.external_id);
        copy.Int(p.created_at.time_since_epoch().count());
        copy.Int(p.updated_at.time_since_epoch().count());
        copy.Int(p.deleted_at ? std::optional{p.deleted_at->time_since_epoch().count()} : std::nullopt);
        copy.EndRow();
    }
}

void CopyVariantRows(PgCopyIn& copy, ProductRefs products) {
    for (const core::Product* product : products) {
        for (const core::ProductVariant& v : product->variants) {
            copy.Text(v.id);
            copy.Text(product->id);
            copy.Text(v.title);
            copy.Text(v.sku);
            copy.Text(v.barcode);
            copy.Text(v.ean);
            copy.Text(v.upc);
            copy.Int(v.inventory_quantity);
            copy.Bool(v.allow_backorder);
            copy.Bool(v.manage_inventory);
            copy.Int(v.weight);
            copy.Int(v.length);
            copy.Int(v.height);
            copy.Int(v.width);
            copy.Text(v.hs_code);
            copy.Text(v.origin_country);
            copy.Text(v.mid_code);
            copy.Text(v.material);
            copy.Int(v.variant_rank);
            copy.Int(v.created_at.time_since_epoch().count());
            copy.Int(v.updated_at.time_since_epoch().count());
            copy.EndRow();
        }
    }
}

void CopyPriceRows(PgCopyIn& copy, ProductRefs products) {
    for (const core::Product* product : products) {
        for (const core::ProductVariant& variant : product->variants) {
            for (std::size_t i = 0; i < variant.prices.size(); ++i) {
                const core::MoneyAmount& price = variant.prices[i];
                copy.Text(price.id);
                copy.Text(variant.id);
                copy.Text(product->id);
                copy.Text(Lower(price.currency_code));
                copy.Int(price.amount);
                copy.Text(price.region_id);
                copy.Int(price.min_quantity);
                copy.Int(price.max_quantity);
                copy.Int(Position(i));
                copy.EndRow();
            }
        }
    }
}

void CopyOptionValueRows(PgCopyIn& copy, ProductRefs products) {
    for (const core::Product* product : products) {
        for (const core::ProductVariant& variant : product->variants) {
            for (std::size_t i = 0; i < variant.options.size(); ++i) {
                const core::VariantOptionValue& value = variant.options[i];
                copy.Text(value.id);
                copy.Text(variant.id);
                copy.Text(product->id);
                copy.Text(value.option_id);
                copy.Text(value.value);
                copy.Int(Position(i));
                copy.EndRow();
            }
        }
    }
}

// The per-product vectors: options, images, tags, channels, categories.
core::Result<void> CopyProductChildren(PgConnection& connection, ProductRefs products) {
    auto copied = Copy(connection, kCopyOptionSql, [&](PgCopyIn& copy) {
        for (const core::Product* product : products) {
            for (std::size_t i = 0; i < product->options.size(); ++i) {
                copy.Text(product->options[i].id);
                copy.Text(product->id);
                copy.Text(product->options[i].title);
                copy.Int(Position(i));
                copy.EndRow();
            }
        }
    });
    if (!copied) {
        return copied;
    }
    copied = Copy(connection, kCopyImageSql, [&](PgCopyIn& copy) {
        for (const core::Product* product : products) {
            for (std::size_t i = 0; i < product->images.size(); ++i) {
                copy.Text(product->id);
                copy.Text(product->images[i].id);
                copy.Text(product->images[i].url);
                copy.Int(Position(i));
                copy.EndRow();
            }
        }
    });
    if (!copied) {
        return copied;
    }
    copied = Copy(connection, kCopyTagSql, [&](PgCopyIn& copy) {
        std::int64_t n = 0;
        for (const core::Product* product : products) {
            for (std::size_t i = 0; i < product->tags.size(); ++i) {
                copy.Int(n++);
                copy.Text(product->id);
                copy.Text(product->tags[i].id);
                copy.Text(product->tags[i].value);
                copy.Int(Position(i));
                copy.EndRow();
            }
        }
    });
    if (!copied) {
        return copied;
    }
    copied = Copy(connection, kCopyChannelSql, [&](PgCopyIn& copy) {
        for (const core::Product* product : products) {
            for (std::size_t i = 0; i < product->sales_channels.size(); ++i) {
                copy.Text(product->id);
                copy.Text(product->sales_channels[i].id);
                copy.Int(Position(i));
                copy.EndRow();
            }
        }
    });
    if (!copied) {
        return copied;
    }
    return Copy(connection, kCopyCategorySql, [&](PgCopyIn& copy) {
        for (const core::Product* product : products) {
            for (std::size_t i = 0; i < product->categories.size(); ++i) {
                copy.Text(product->id);
                copy.Text(product->categories[i].id);
                copy.Int(Position(i));
                copy.EndRow();
            }
        }
    });
}

// Writes every staged table into its own (kApplySql), as plain inserts or as upserts. Product rows
// (the first) are always upserted: the fast path replaces stored products in place.
core::Result<void> ApplyStaged(PgConnection& connection, bool upsert) {
    std::string sql;
    for (std::size_t i = 0; i < kApplySql.size(); ++i) {
        sql.assign(kApplySql[i].insert);
        if (upsert || i == 0) {
            sql.append(kApplySql[i].on_conflict);
        }
        if (auto applied = connection.ExecuteScript(sql); !applied) {
            return applied.error();
        }
    }
    return {};
}

// ---- JSON for the jsonb_to_recordset writes ----

void Put(boost::json::object& object, std::string_view key, const std::optional<std::string>& value) {
    if (value) {
        object[key] = *value;
    } else {
        object[key] = nullptr;
    }
}

void Put(boost::json::object& object, std::string_view key, const std::optional<std::int64_t>& value) {
    if (value) {
        object[key] = *value;
    } else {
        object[key] = nullptr;
    }
}

// ---- the store -------------------------------------------------------------------------------

/// core::CatalogStore on PostgreSQL. See MakePgCatalogStore.
class PgCatalogStore final : public core::CatalogStore {
public:
    explicit PgCatalogStore(const PgConfig& config) : pool_(config) {}

    core::Result<void> PutProducts(std::span<const core::Product> products) override;
    core::Result<core::Product> GetProduct(const std::string& id,
                                           const core::ProductRelations& relations) override;
    core::Result<core::ProductPage> ListProducts(const core::ProductQuery& query) override;
    core::Result<std::int64_t> CountProducts(const core::ProductFilter& filter) override;
    core::Result<void> DeleteProduct(const std::string& id, core::TimePoint now) override;

    core::Result<void> PutRegion(const core::Region& region) override;
    core::Result<core::Region> GetRegion(const std::string& id) override;
    core::Result<core::Page<core::Region>> ListRegions(const core::PageRequest& page) override;

    core::Result<void> PutCollection(const core::ProductCollection& collection) override;
    core::Result<core::ProductCollection> GetCollection(const std::string& id) override;
    core::Result<core::Page<core::ProductCollection>> ListCollections(const core::PageRequest& page) override;

    core::Result<void> PutSalesChannel(const core::SalesChannel& channel) override;
    core::Result<core::SalesChannel> GetSalesChannel(const std::string& id) override;
    core::Result<core::Page<core::SalesChannel>> ListSalesChannels(const core::PageRequest& page) override;
    core::Result<core::SalesChannel> DefaultSalesChannel() override;

    core::Result<void> PutCategory(const core::ProductCategory& category) override;
    core::Result<core::ProductCategory> GetCategory(const std::string& id) override;
    core::Result<core::Page<core::ProductCategory>> ListCategories(const core::PageRequest& page) override;

    core::Result<void> PutShippingProfile(const core::ShippingProfile& profile) override;
    core::Result<core::ShippingProfile> ShippingProfileOfType(const std::string& type) override;

    core::Result<void> PutPriceList(const core::PriceList& list) override;
    core::Result<core::PriceList> GetPriceList(const std::string& id) override;
    core::Result<core::Page<core::PriceList>> ListPriceLists(const core::PageRequest& page) override;

    core::Result<void> PutOrders(std::span<const core::Order> orders) override;
    core::Result<core::Order> GetOrder(const std::string& id) override;
    core::Result<core::Page<core::Order>> ListOrders(const core::OrderQuery& query) override;
    core::Result<std::int64_t> CountOrders(const core::OrderFilter& filter) override;

    /// Opens the first connection, so that a problem shows at startup.
    core::Result<void> Ping();

private:
    /// Runs `body(connection)` between BEGIN and COMMIT on a pooled connection; a failure rolls
    /// back and is classified with `messages`.
    template <class Body>
    core::Result<void> InTransaction(const WriteMessages& messages, Body body);

    /// A pooled connection with the store's session settings (kSessionSettings).
    core::Result<PgLease> Acquire();

    /// One statement on a pooled connection; a failure is classified with `messages`.
    core::Result<PgResult> Run(const PgStatement& statement,
                               const PgParams& params,
                               const WriteMessages& messages = kPlainMessages);

    template <class T, class Reader>
    core::Result<T> GetOne(const PgStatement& statement,
                           const std::string& id,
                           std::string_view entity,
                           Reader reader);

    template <class T, class Reader>
    core::Result<core::Page<T>> ListPage(const PgStatement& page_statement,
                                         const PgStatement& count_statement,
                                         const core::PageRequest& page,
                                         Reader reader);

    core::Result<core::ProductPage> QueryProducts(PgConnection& connection, const core::ProductQuery& query);
    core::Result<void> LoadRelations(PgConnection& connection,
                                     std::vector<core::Product>& products,
                                     const core::ProductRelations& relations);

    PgPool pool_;
};

core::Result<PgLease> PgCatalogStore::Acquire() {
    auto lease = pool_.Acquire();
    if (!lease) {
        return lease.error();
    }
    if (auto set = lease.value()->EnsureSession(kSessionSettings); !set) {
        return set.error();
    }
    return lease;
}

template <class Body>
core::Result<void> PgCatalogStore::InTransaction(const WriteMessages& messages, Body body) {
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    // value() rather than operator*, which -Wnull-dereference cannot tell is non-null here.
    PgConnection& connection = *lease.value();
    if (auto begun = connection.ExecuteScript("BEGIN"); !begun) {
        return begun.error();
    }
    core::Result<void> done = body(connection);
    if (done) {
        auto committed = connection.ExecuteScript("COMMIT");
        if (committed) {
            return {};
        }
        done = committed.error();
    }
    const std::string sqlstate = connection.LastSqlState();
    // Best effort: if even the rollback fails the connection is broken, and the pool drops it.
    (void)connection.ExecuteScript("ROLLBACK");
    return Classify(done.error(), sqlstate, messages);
}

core::Result<PgResult> PgCatalogStore::Run(const PgStatement& statement,
                                           const PgParams& params,
                                           const WriteMessages& messages) {
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    PgConnection& connection = *lease.value();
    auto result = connection.Execute(statement, params);
    if (!result) {
        return Classify(result.error(), connection.LastSqlState(), messages);
    }
    return result;
}

template <class T, class Reader>
core::Result<T> PgCatalogStore::GetOne(const PgStatement& statement,
                                       const std::string& id,
                                       std::string_view entity,
                                       Reader reader) {
    PgParams params;
    params.Add(id);
    auto result = Run(statement, params);
    if (!result) {
        return result.error();
    }
    if (PQntuples(result->get()) == 0) {
        return NotFound(entity, id);
    }
    return reader(result->get(), 0);
}

template <class T, class Reader>
core::Result<core::Page<T>> PgCatalogStore::ListPage(const PgStatement& page_statement,
                                                     const PgStatement& count_statement,
                                                     const core::PageRequest& page,
                                                     Reader reader) {
    if (auto valid = CheckPage(page.limit, page.offset); !valid) {
        return valid.error();
    }
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    PgConnection& connection = *lease.value();
    PgParams params;
    params.Add(std::to_string(page.limit));
    params.Add(std::to_string(page.offset));
    auto rows = connection.Execute(page_statement, params);
    if (!rows) {
        return rows.error();
    }
    core::Page<T> result;
    const int row_count = PQntuples(rows->get());
    result.items.reserve(static_cast<std::size_t>(row_count));
    for (int row = 0; row < row_count; ++row) {
        auto item = reader(rows->get(), row);
        if (!item) {
            return item.error();
        }
        result.items.push_back(std::move(*item));
    }
    if (row_count > 0) {
        // The last column of the page statement is count(*) OVER ().
        PgRow first{rows->get(), 0};
        result.count = first.Int64(PQnfields(rows->get()) - 1);
        if (first.Failure()) {
            return Unreadable("count", first);
        }
        return result;
    }
    // An empty page (past the end, or of size 0) says nothing about how many there are.
    auto counted = connection.Execute(count_statement, PgParams{});
    if (!counted) {
        return counted.error();
    }
    PgRow count_row{counted->get(), 0};
    result.count = count_row.Int64(0);
    if (count_row.Failure()) {
        return Unreadable("count", count_row);
    }
    return result;
}

core::Result<void> PgCatalogStore::Ping() {
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    PgConnection& connection = *lease.value();
    if (auto result = connection.ExecuteScript("SELECT 1"); !result) {
        return result.error();
    }
    return {};
}

// ---- products ----

core::Result<void> PgCatalogStore::PutProducts(std::span<const core::Product> products) {
    if (products.empty()) {
        return {};
    }
    const std::vector<const core::Product*> unique = LastOfEachId(products);
    const ProductRefs refs{unique};
    return InTransaction(kProductMessages, [&](PgConnection& connection) -> core::Result<void> {
        if (auto created = connection.ExecuteScript(kCreateStagingSql); !created) {
            return created.error();
        }
        auto copied = Copy(connection, kCopyProductSql, [&](PgCopyIn& copy) { CopyProductRows(copy, refs); });
        if (copied) {
            copied = CopyProductChildren(connection, refs);
        }
        if (copied) {
            copied = Copy(connection, kCopyVariantSql, [&](PgCopyIn& copy) { CopyVariantRows(copy, refs); });
        }
        if (copied) {
            copied = Copy(connection, kCopyPriceSql, [&](PgCopyIn& copy) { CopyPriceRows(copy, refs); });
        }
        if (copied) {
            copied = Copy(connection, kCopyOptionValueSql,
                          [&](PgCopyIn& copy) { CopyOptionValueRows(copy, refs); });
        }
        if (!copied) {
            return copied;
        }
        if (auto applied = connection.ExecuteScript(kApplyTypesAndTagsSql); !applied) {
            return applied.error();
        }
        auto checked = connection.ExecuteScript(kStagingChecksSql);
        if (!checked) {
            return checked.error();
        }
        PgRow checks{checked->get(), 0};
        const bool any_stored = checks.Bool(0);
        const bool dangling = checks.Bool(1);
        if (checks.Failure()) {
            return Unreadable("staging check", checks);
        }
        if (dangling) {
            return core::Error{core::Errc::kInvalidData, std::string(kProductMessages.invalid)};
        }
        // The fast path: children of stored products dropped, then plain inserts, under a
        // savepoint. A unique violation there may be a row id that another product's row has, or
        // a handle or SKU moving between products of this put: the careful path sorts those out,
        // or reports a real duplicate.
        if (auto saved = connection.ExecuteScript("SAVEPOINT batchd_fast_put"); !saved) {
            return saved.error();
        }
        if (any_stored) {
            if (auto cleared = connection.ExecuteScript(kClearStoredChildrenSql); !cleared) {
                return cleared.error();
            }
        }
        auto inserted = ApplyStaged(connection, /*upsert=*/false);
        if (inserted) {
            return {};
        }
        if (connection.LastSqlState() != "23505") {
            return inserted;
        }
        if (auto back = connection.ExecuteScript("ROLLBACK TO SAVEPOINT batchd_fast_put"); !back) {
            return back.error();
        }
        if (auto removed = connection.ExecuteScript(kApplyRemovalsSql); !removed) {
            return removed.error();
        }
        return ApplyStaged(connection, /*upsert=*/true);
    });
}

core::Result<core::ProductPage> PgCatalogStore::QueryProducts(PgConnection& connection,
                                                              const core::ProductQuery& query) {
    if (auto valid = CheckPage(query.limit, query.offset); !valid) {
        return valid.error();
    }
    PgParams params;
    const std::string where = ProductWhere(query.filter, params);
    const std::size_t filter_params = params.Values().size();

    const OrderSql order = OrderFor(query.order_by);
    const bool ascending = query.direction == core::SortDirection::kAscending;
    const std::string_view direction = ascending ? "ASC" : "DESC";
    const bool by_id = query.order_by == core::ProductColumn::kId;
    std::string keyset;
    if (query.after) {
        const char* op = ascending ? ">" : "<";
        if (by_id) {
            keyset = fmt::format(" AND p.id {} ${}::text", op, params.Add(query.after->id));
        } else if (order.is_time) {
            const int time = params.Add(Ms(query.after->time));
            keyset = fmt::format(
                " AND ({}, p.id) {} (timestamptz 'epoch' + ${}::int8 * interval '1 ms', ${}::text)",
                order.expression, op, time, params.Add(query.after->id));
        } else {
            const int text = params.Add(query.after->text);
            keyset = fmt::format(" AND ({}, p.id) {} (${}::text, ${}::text)", order.expression, op, text,
                                 params.Add(query.after->id));
        }
    }
    const core::ProductRelations& relations = query.relations;
    const std::string order_by = by_id
                                     ? fmt::format("p.id {}", direction)
                                     : fmt::format("{} {}, p.id {}", order.expression, direction, direction);
    const std::string sql = fmt::format(
        "SELECT {}{}{}{} FROM product p{}{}{} WHERE {}{} ORDER BY {} LIMIT ${}::int8 OFFSET ${}::int8",
        kProductColumns, relations.collection ? kCollectionColumns : kNoCollectionColumns,
        relations.type ? kTypeColumns : kNoTypeColumns,
        relations.profile ? kProfileColumns : kNoProfileColumns, relations.collection ? kCollectionJoin : "",
        relations.type ? kTypeJoin : "", relations.profile ? kProfileJoin : "", where, keyset, order_by,
        params.Add(std::to_string(query.limit)), params.Add(std::to_string(query.offset)));

    auto rows = connection.ExecuteDynamic(sql, params);
    if (!rows) {
        return rows.error();
    }
    core::ProductPage page;
    const int row_count = PQntuples(rows->get());
    page.products.reserve(static_cast<std::size_t>(row_count));
    for (int row = 0; row < row_count; ++row) {
        auto product = ReadProduct(rows->get(), row);
        if (!product) {
            return product.error();
        }
        page.products.push_back(std::move(*product));
    }
    rows->reset();
    if (auto loaded = LoadRelations(connection, page.products, relations); !loaded) {
        return loaded.error();
    }
    if (query.with_count) {
        auto counted =
            connection.ExecuteDynamic("SELECT count(*) FROM product p WHERE " + where, params, filter_params);
        if (!counted) {
            return counted.error();
        }
        PgRow count_row{counted->get(), 0};
        page.count = count_row.Int64(0);
        if (count_row.Failure()) {
            return Unreadable("count", count_row);
        }
    }
    return page;
}

core::Result<void> PgCatalogStore::LoadRelations(PgConnection& connection,
                                                 std::vector<core::Product>& products,
                                                 const core::ProductRelations& relations) {
    if (products.empty()) {
        return {};
    }
    std::unordered_map<std::string_view, std::size_t> by_id;
    by_id.reserve(products.size());
    std::vector<std::string_view> ids;
    ids.reserve(products.size());
    for (std::size_t i = 0; i < products.size(); ++i) {
        by_id.emplace(products[i].id, i);
        ids.push_back(products[i].id);
    }
    const std::string product_ids = TextArray(std::span<const std::string_view>{ids});

    if (relations.options) {
        auto loaded = LoadRelation(connection, kPageOptions, product_ids, by_id, "product option",
                                   [&](PgRow& row, std::size_t owner) {
                                       products[owner].options.push_back(core::ProductOption{
                                           std::string(row.Text(1)), std::string(row.Text(2))});
                                   });
        if (!loaded) {
            return loaded;
        }
    }
    if (relations.images) {
        auto loaded = LoadRelation(
            connection, kPageImages, product_ids, by_id, "product image", [&](PgRow& row, std::size_t owner) {
                products[owner].images.push_back(
                    core::ProductImage{std::string(row.Text(1)), std::string(row.Text(2))});
            });
        if (!loaded) {
            return loaded;
        }
    }
    if (relations.tags) {
        auto loaded = LoadRelation(
            connection, kPageTags, product_ids, by_id, "product tag", [&](PgRow& row, std::size_t owner) {
                products[owner].tags.push_back(
                    core::ProductTag{std::string(row.Text(1)), std::string(row.Text(2))});
            });
        if (!loaded) {
            return loaded;
        }
    }
    if (relations.sales_channels) {
        auto loaded = LoadRelation(connection, kPageChannels, product_ids, by_id, "product sales channel",
                                   [&](PgRow& row, std::size_t owner) {
                                       products[owner].sales_channels.push_back(ReadChannelAt(row, 1));
                                   });
        if (!loaded) {
            return loaded;
        }
    }
    if (relations.categories) {
        auto loaded = LoadRelation(connection, kPageCategories, product_ids, by_id, "product category",
                                   [&](PgRow& row, std::size_t owner) {
                                       products[owner].categories.push_back(ReadCategoryAt(row, 1));
                                   });
        if (!loaded) {
            return loaded;
        }
    }
    if (!relations.variants) {
        return {};
    }
    // Variants are appended to their products in rank order; their addresses are taken only once
    // every variant is in place (a vector that grows moves its elements).
    auto loaded = LoadRelation(connection, kPageVariants, product_ids, by_id, "product variant",
                               [&](PgRow& row, std::size_t owner) {
                                   if (row.Bool(21)) {  // not soft-deleted
                                       products[owner].variants.push_back(ReadVariantAt(row));
                                   }
                               });
    if (!loaded) {
        return loaded;
    }
    if (!relations.prices && !relations.variant_options) {
        return {};
    }
    std::vector<core::ProductVariant*> variants;
    for (core::Product& product : products) {
        for (core::ProductVariant& variant : product.variants) {
            variants.push_back(&variant);
        }
    }
    if (variants.empty()) {
        return {};
    }
    // Prices and option values are read by product (kPagePrices) and handed to their variant.
    std::unordered_map<std::string_view, std::size_t> variant_by_id;
    variant_by_id.reserve(variants.size());
    for (std::size_t i = 0; i < variants.size(); ++i) {
        variant_by_id.emplace(variants[i]->id, i);
    }
    if (relations.prices) {
        loaded = LoadRelation(
            connection, kPagePrices, product_ids, variant_by_id, "price",
            [&](PgRow& row, std::size_t owner) { variants[owner]->prices.push_back(ReadPriceAt(row)); });
        if (!loaded) {
            return loaded;
        }
    }
    if (relations.variant_options) {
        loaded = LoadRelation(
            connection, kPageOptionValues, product_ids, variant_by_id, "option value",
            [&](PgRow& row, std::size_t owner) {
                variants[owner]->options.push_back(core::VariantOptionValue{
                    std::string(row.Text(1)), std::string(row.Text(2)), std::string(row.Text(3))});
            });
        if (!loaded) {
            return loaded;
        }
    }
    return {};
}

core::Result<core::Product> PgCatalogStore::GetProduct(const std::string& id,
                                                       const core::ProductRelations& relations) {
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    core::ProductQuery query;
    query.filter.ids = {id};
    query.limit = 1;
    query.relations = relations;
    query.with_count = false;
    auto page = QueryProducts(*lease.value(), query);
    if (!page) {
        return page.error();
    }
    if (page->products.empty()) {
        return NotFound("Product", id);
    }
    return std::move(page->products.front());
}

core::Result<core::ProductPage> PgCatalogStore::ListProducts(const core::ProductQuery& query) {
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    return QueryProducts(*lease.value(), query);
}

core::Result<std::int64_t> PgCatalogStore::CountProducts(const core::ProductFilter& filter) {
    PgParams params;
    const std::string where = ProductWhere(filter, params);
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    auto counted = lease.value()->ExecuteDynamic("SELECT count(*) FROM product p WHERE " + where, params);
    if (!counted) {
        return counted.error();
    }
    PgRow row{counted->get(), 0};
    const std::int64_t count = row.Int64(0);
    if (row.Failure()) {
        return Unreadable("count", row);
    }
    return count;
}

core::Result<void> PgCatalogStore::DeleteProduct(const std::string& id, core::TimePoint now) {
    PgParams params;
    params.Add(id);
    params.Add(Ms(now));
    auto result = Run(kDeleteProduct, params);
    if (!result) {
        return result.error();
    }
    PgRow row{result->get(), 0};
    const std::int64_t deleted = row.Int64(0);
    if (row.Failure()) {
        return Unreadable("count", row);
    }
    if (deleted == 0) {
        return NotFound("Product", id);
    }
    return {};
}

// ---- regions, collections, channels, categories, profiles ----

core::Result<void> PgCatalogStore::PutRegion(const core::Region& region) {
    if (!std::isfinite(region.tax_rate)) {
        return core::Error{core::Errc::kInvalidData, "the tax rate must be a finite number"};
    }
    std::array<char, 64> rate{};
    const auto [end, error] = std::to_chars(rate.data(), rate.data() + rate.size(), region.tax_rate);
    std::vector<std::string> countries;
    countries.reserve(region.countries.size());
    for (const std::string& country : region.countries) {
        countries.push_back(Lower(country));
    }
    PgParams params;
    params.Add(region.id);
    params.Add(region.name);
    params.Add(Lower(region.currency_code));
    params.Add(std::string(rate.data(), error == std::errc{} ? end : rate.data()));
    params.Add(TextArray(countries));
    params.Add(Ms(region.created_at));
    params.Add(Ms(region.updated_at));
    auto result = Run(kPutRegion, params);
    if (!result) {
        return result.error();
    }
    return {};
}

core::Result<core::Region> PgCatalogStore::GetRegion(const std::string& id) {
    return GetOne<core::Region>(kGetRegion, id, "Region", ReadRegion);
}

core::Result<core::Page<core::Region>> PgCatalogStore::ListRegions(const core::PageRequest& page) {
    return ListPage<core::Region>(kListRegions, kCountRegions, page, ReadRegion);
}

core::Result<void> PgCatalogStore::PutCollection(const core::ProductCollection& collection) {
    PgParams params;
    params.Add(collection.id);
    params.Add(collection.title);
    params.Add(collection.handle);
    params.Add(Ms(collection.created_at));
    params.Add(Ms(collection.updated_at));
    auto result = Run(kPutCollection, params);
    if (!result) {
        return result.error();
    }
    return {};
}

core::Result<core::ProductCollection> PgCatalogStore::GetCollection(const std::string& id) {
    return GetOne<core::ProductCollection>(kGetCollection, id, "Product collection", ReadCollection);
}

core::Result<core::Page<core::ProductCollection>> PgCatalogStore::ListCollections(
    const core::PageRequest& page) {
    return ListPage<core::ProductCollection>(kListCollections, kCountCollections, page, ReadCollection);
}

core::Result<void> PgCatalogStore::PutSalesChannel(const core::SalesChannel& channel) {
    PgParams params;
    params.Add(channel.id);
    params.Add(channel.name);
    params.Add(channel.description);
    params.Add(Bool(channel.is_disabled));
    params.Add(Bool(channel.is_default));
    params.Add(Ms(channel.created_at));
    params.Add(Ms(channel.updated_at));
    return InTransaction(kPlainMessages, [&](PgConnection& connection) -> core::Result<void> {
        if (channel.is_default) {
            if (auto locked = connection.ExecuteScript(kLockChannelsSql); !locked) {
                return locked.error();
            }
            PgParams id;
            id.Add(channel.id);
            if (auto cleared = connection.Execute(kClearDefaultChannel, id); !cleared) {
                return cleared.error();
            }
        }
        if (auto written = connection.Execute(kPutChannel, params); !written) {
            return written.error();
        }
        return {};
    });
}

core::Result<core::SalesChannel> PgCatalogStore::GetSalesChannel(const std::string& id) {
    return GetOne<core::SalesChannel>(kGetChannel, id, "Sales channel", ReadChannel);
}

core::Result<core::Page<core::SalesChannel>> PgCatalogStore::ListSalesChannels(
    const core::PageRequest& page) {
    return ListPage<core::SalesChannel>(kListChannels, kCountChannels, page, ReadChannel);
}

core::Result<core::SalesChannel> PgCatalogStore::DefaultSalesChannel() {
    auto result = Run(kDefaultChannel, PgParams{});
    if (!result) {
        return result.error();
    }
    if (PQntuples(result->get()) == 0) {
        return core::Error{core::Errc::kNotFound, "there is no default sales channel"};
    }
    return ReadChannel(result->get(), 0);
}

core::Result<void> PgCatalogStore::PutCategory(const core::ProductCategory& category) {
    PgParams params;
    params.Add(category.id);
    params.Add(category.name);
    params.Add(category.handle);
    params.Add(category.description);
    params.Add(category.parent_category_id);
    params.Add(Bool(category.is_active));
    params.Add(Bool(category.is_internal));
    params.Add(std::to_string(category.rank));
    params.Add(Ms(category.created_at));
    params.Add(Ms(category.updated_at));
    auto result = Run(kPutCategory, params, kCategoryMessages);
    if (!result) {
        return result.error();
    }
    return {};
}

core::Result<core::ProductCategory> PgCatalogStore::GetCategory(const std::string& id) {
    return GetOne<core::ProductCategory>(kGetCategory, id, "Product category", ReadCategory);
}

core::Result<core::Page<core::ProductCategory>> PgCatalogStore::ListCategories(
    const core::PageRequest& page) {
    return ListPage<core::ProductCategory>(kListCategories, kCountCategories, page, ReadCategory);
}

core::Result<void> PgCatalogStore::PutShippingProfile(const core::ShippingProfile& profile) {
    PgParams params;
    params.Add(profile.id);
    params.Add(profile.name);
    params.Add(profile.type);
    auto result = Run(kPutProfile, params);
    if (!result) {
        return result.error();
    }
    return {};
}

core::Result<core::ShippingProfile> PgCatalogStore::ShippingProfileOfType(const std::string& type) {
    PgParams params;
    params.Add(type);
    auto result = Run(kProfileOfType, params);
    if (!result) {
        return result.error();
    }
    if (PQntuples(result->get()) == 0) {
        return core::Error{core::Errc::kNotFound, "there is no shipping profile of type " + type};
    }
    PgRow row{result->get(), 0};
    return core::ShippingProfile{std::string(row.Text(0)), std::string(row.Text(1)),
                                 std::string(row.Text(2))};
}

// ---- price lists ----

core::Result<void> PgCatalogStore::PutPriceList(const core::PriceList& list) {
    PgParams list_params;
    list_params.Add(list.id);
    list_params.Add(list.name);
    list_params.Add(list.description);
    list_params.Add(list.type);
    list_params.Add(list.status);
    list_params.Add(Ms(list.starts_at));
    list_params.Add(Ms(list.ends_at));
    list_params.Add(Ms(list.created_at));
    list_params.Add(Ms(list.updated_at));

    std::vector<std::string> kept;
    kept.reserve(list.prices.size());
    boost::json::array prices;
    prices.reserve(list.prices.size());
    for (std::size_t i = 0; i < list.prices.size(); ++i) {
        const core::MoneyAmount& price = list.prices[i];
        if (!price.variant_id) {
            return core::Error{core::Errc::kInvalidData, "every price of a price list names its variant"};
        }
        kept.push_back(price.id);
        boost::json::object row;
        row["n"] = static_cast<std::int64_t>(i);
        row["id"] = price.id;
        row["currency_code"] = Lower(price.currency_code);
        row["amount"] = price.amount;
        Put(row, "region_id", price.region_id);
        Put(row, "variant_id", price.variant_id);
        Put(row, "min_quantity", price.min_quantity);
        Put(row, "max_quantity", price.max_quantity);
        prices.push_back(std::move(row));
    }
    PgParams drop_params;
    drop_params.Add(list.id);
    drop_params.Add(TextArray(kept));
    std::string prices_json = boost::json::serialize(prices);
    PgParams check_params;
    check_params.Add(prices_json);
    PgParams price_params;
    price_params.Add(list.id);
    price_params.Add(std::move(prices_json));

    return InTransaction(kPriceListMessages, [&](PgConnection& connection) -> core::Result<void> {
        if (!list.prices.empty()) {
            auto checked = connection.Execute(kPriceListDangling, check_params);
            if (!checked) {
                return checked.error();
            }
            PgRow row{checked->get(), 0};
            const bool dangling = row.Bool(0);
            if (row.Failure()) {
                return Unreadable("price check", row);
            }
            if (dangling) {
                return core::Error{core::Errc::kInvalidData, std::string(kPriceListMessages.invalid)};
            }
        }
        if (auto written = connection.Execute(kPutPriceList, list_params); !written) {
            return written.error();
        }
        if (auto dropped = connection.Execute(kDropPriceListPrices, drop_params); !dropped) {
            return dropped.error();
        }
        if (!list.prices.empty()) {
            if (auto written = connection.Execute(kPutPriceListPrices, price_params); !written) {
                return written.error();
            }
        }
        return {};
    });
}

core::Result<core::PriceList> PgCatalogStore::GetPriceList(const std::string& id) {
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    PgConnection& connection = *lease.value();
    PgParams params;
    params.Add(id);
    auto rows = connection.Execute(kGetPriceList, params);
    if (!rows) {
        return rows.error();
    }
    if (PQntuples(rows->get()) == 0) {
        return NotFound("Price list", id);
    }
    auto list = ReadPriceList(rows->get(), 0);
    if (!list) {
        return list.error();
    }
    auto prices = connection.Execute(kPriceListPrices, params);
    if (!prices) {
        return prices.error();
    }
    const int count = PQntuples(prices->get());
    list->prices.reserve(static_cast<std::size_t>(count));
    for (int index = 0; index < count; ++index) {
        PgRow row{prices->get(), index};
        core::MoneyAmount price = ReadPriceAt(row);
        price.variant_id = std::string(row.Text(0));
        if (row.Failure()) {
            return Unreadable("price", row);
        }
        list->prices.push_back(std::move(price));
    }
    return list;
}

core::Result<core::Page<core::PriceList>> PgCatalogStore::ListPriceLists(const core::PageRequest& page) {
    return ListPage<core::PriceList>(kListPriceLists, kCountPriceLists, page, ReadPriceList);
}

// ---- orders ----

core::Result<void> PgCatalogStore::PutOrders(std::span<const core::Order> orders) {
    if (orders.empty()) {
        return {};
    }
    boost::json::array customers;
    boost::json::array addresses;
    boost::json::array rows;
    rows.reserve(orders.size());
    for (std::size_t i = 0; i < orders.size(); ++i) {
        const core::Order& order = orders[i];
        const auto n = static_cast<std::int64_t>(i);
        boost::json::object row;
        row["n"] = n;
        row["id"] = order.id;
        row["display_id"] = order.display_id;
        row["status"] = order.status;
        row["fulfillment_status"] = order.fulfillment_status;
        row["payment_status"] = order.payment_status;
        row["email"] = order.email;
        row["currency_code"] = Lower(order.currency_code);
        row["region_id"] = order.region_id;
        Put(row, "sales_channel_id", order.sales_channel_id);
        Put(row, "customer_id", order.customer ? std::optional{order.customer->id} : std::nullopt);
        Put(row, "shipping_address_id",
            order.shipping_address ? std::optional{order.shipping_address->id} : std::nullopt);
        row["subtotal"] = order.subtotal;
        row["shipping_total"] = order.shipping_total;
        row["discount_total"] = order.discount_total;
        row["gift_card_total"] = order.gift_card_total;
        row["refunded_total"] = order.refunded_total;
        row["tax_total"] = order.tax_total;
        row["total"] = order.total;
        row["created_ms"] = order.created_at.time_since_epoch().count();
        row["updated_ms"] = order.updated_at.time_since_epoch().count();
        rows.push_back(std::move(row));
        if (order.customer) {
            boost::json::object customer;
            customer["n"] = n;
            customer["id"] = order.customer->id;
            customer["email"] = order.customer->email;
            Put(customer, "first_name", order.customer->first_name);
            Put(customer, "last_name", order.customer->last_name);
            customers.push_back(std::move(customer));
        }
        if (order.shipping_address) {
            const core::Address& a = *order.shipping_address;
            boost::json::object address;
            address["n"] = n;
            address["id"] = a.id;
            Put(address, "first_name", a.first_name);
            Put(address, "last_name", a.last_name);
            Put(address, "company", a.company);
            Put(address, "address_1", a.address_1);
            Put(address, "address_2", a.address_2);
            Put(address, "city", a.city);
            Put(address, "province", a.province);
            Put(address, "postal_code", a.postal_code);
            Put(address, "country_code", a.country_code);
            Put(address, "phone", a.phone);
            addresses.push_back(std::move(address));
        }
    }
    PgParams customer_params;
    customer_params.Add(boost::json::serialize(customers));
    PgParams address_params;
    address_params.Add(boost::json::serialize(addresses));
    PgParams order_params;
    order_params.Add(boost::json::serialize(rows));
    return InTransaction(kOrderMessages, [&](PgConnection& connection) -> core::Result<void> {
        if (!customers.empty()) {
            if (auto written = connection.Execute(kPutCustomers, customer_params); !written) {
                return written.error();
            }
        }
        if (!addresses.empty()) {
            if (auto written = connection.Execute(kPutAddresses, address_params); !written) {
                return written.error();
            }
        }
        if (auto written = connection.Execute(kPutOrders, order_params); !written) {
            return written.error();
        }
        return {};
    });
}

// The WHERE clause of an order list or count (alias o), its values bound in `params`.
std::string OrderWhere(const core::OrderFilter& filter, PgParams& params) {
    std::string where = "true";
    if (!filter.ids.empty()) {
        where += fmt::format(" AND o.id = ANY (${}::text[])", params.Add(TextArray(filter.ids)));
    }
    if (filter.email) {
        where += fmt::format(" AND o.email = ${}::text", params.Add(*filter.email));
    }
    const std::array<std::pair<std::string_view, const std::vector<std::string>*>, 5> lists{{
        {"o.status", &filter.statuses},
        {"o.fulfillment_status", &filter.fulfillment_statuses},
        {"o.payment_status", &filter.payment_statuses},
        {"o.region_id", &filter.region_ids},
        {"o.sales_channel_id", &filter.sales_channel_ids},
    }};
    for (const auto& [column, values] : lists) {
        if (!values->empty()) {
            where += fmt::format(" AND {} = ANY (${}::text[])", column, params.Add(TextArray(*values)));
        }
    }
    AddTimeRange(where, "o.created_at", filter.created_at, params);
    return where;
}

core::Result<core::Order> PgCatalogStore::GetOrder(const std::string& id) {
    core::OrderQuery query;
    query.filter.ids = {id};
    query.limit = 1;
    query.with_count = false;
    auto page = ListOrders(query);
    if (!page) {
        return page.error();
    }
    if (page->items.empty()) {
        return NotFound("Order", id);
    }
    return std::move(page->items.front());
}

core::Result<core::Page<core::Order>> PgCatalogStore::ListOrders(const core::OrderQuery& query) {
    if (auto valid = CheckPage(query.limit, query.offset); !valid) {
        return valid.error();
    }
    PgParams params;
    const std::string where = OrderWhere(query.filter, params);
    const std::size_t filter_params = params.Values().size();
    const bool ascending = query.direction == core::SortDirection::kAscending;
    const std::string_view direction = ascending ? "ASC" : "DESC";
    std::string keyset;
    if (query.after) {
        const int time = params.Add(Ms(query.after->created_at));
        keyset = fmt::format(
            " AND (o.created_at, o.id) {} (timestamptz 'epoch' + ${}::int8 * interval '1 ms', ${}::text)",
            ascending ? ">" : "<", time, params.Add(query.after->id));
    }
    const std::string sql =
        fmt::format("{} WHERE {}{} ORDER BY o.created_at {}, o.id {} LIMIT ${}::int8 OFFSET ${}::int8",
                    kOrderSelect, where, keyset, direction, direction,
                    params.Add(std::to_string(query.limit)), params.Add(std::to_string(query.offset)));
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    PgConnection& connection = *lease.value();
    auto rows = connection.ExecuteDynamic(sql, params);
    if (!rows) {
        return rows.error();
    }
    core::Page<core::Order> page;
    const int row_count = PQntuples(rows->get());
    page.items.reserve(static_cast<std::size_t>(row_count));
    for (int row = 0; row < row_count; ++row) {
        auto order = ReadOrder(rows->get(), row);
        if (!order) {
            return order.error();
        }
        page.items.push_back(std::move(*order));
    }
    if (query.with_count) {
        auto counted = connection.ExecuteDynamic("SELECT count(*) FROM \"order\" o WHERE " + where, params,
                                                 filter_params);
        if (!counted) {
            return counted.error();
        }
        PgRow count_row{counted->get(), 0};
        page.count = count_row.Int64(0);
        if (count_row.Failure()) {
            return Unreadable("count", count_row);
        }
    }
    return page;
}

core::Result<std::int64_t> PgCatalogStore::CountOrders(const core::OrderFilter& filter) {
    PgParams params;
    const std::string where = OrderWhere(filter, params);
    auto lease = Acquire();
    if (!lease) {
        return lease.error();
    }
    auto counted = lease.value()->ExecuteDynamic("SELECT count(*) FROM \"order\" o WHERE " + where, params);
    if (!counted) {
        return counted.error();
    }
    PgRow row{counted->get(), 0};
    const std::int64_t count = row.Int64(0);
    if (row.Failure()) {
        return Unreadable("count", row);
    }
    return count;
}

}  // namespace

std::unique_ptr<core::CatalogStore> MakePgCatalogStore(const PgConfig& config) {
    if (config.url.empty()) {
        throw std::runtime_error("postgres: no database URL given");
    }
    if (config.pool_size < 1) {
        throw std::runtime_error("postgres: pool_size must be at least 1, not " +
                                 std::to_string(config.pool_size));
    }
    // Usually MakePgDatabase has migrated already; applying nothing twice is cheap and lets the
    // catalog stand on its own (tests, tools).
    MigratePg(config);
    auto store = std::make_unique<PgCatalogStore>(config);
    if (auto ping = store->Ping(); !ping) {
        throw std::runtime_error("postgres: the catalog store cannot run queries: " + ping.error().detail);
    }
    return store;
}

}  // namespace batchd::store::postgres
