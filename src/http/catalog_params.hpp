#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/catalog.hpp"
#include "core/error.hpp"
#include "core/ports/catalog_store.hpp"

/// The validation of the catalog routes' input, shaped as Medusa v1's admin DTOs (class-validator,
/// whitelist + forbid unknown): every problem of a request is reported at once, joined with ", ",
/// unknown properties first (`property X should not exist`, nested ones with their path,
/// `property variants.0.foo should not exist`), then type problems in class-validator's words
/// (`title must be a string`, `variants.0.prices.0.amount must be an integer number`). All of them
/// are kInvalidData (400). Pure functions, so every message is unit-tested without a server.
namespace batchd::http {

/// Makes a new entity id with a Medusa prefix ("prod_" → "prod_01H…"). Routes pass one over
/// core::MakeUlidId; tests pass a counter.
using IdMaker = std::function<std::string(std::string_view prefix)>;

// ---- Queries --------------------------------------------------------------------------------

/// `GET /admin/products` (AdminGetProductsParams): limit (default 50, at most 1000), offset,
/// `expand` (comma-separated relations: variants, variants.prices, variants.options, options,
/// options.values, images, tags, type, collection, profile, sales_channels, categories; default
/// all of them; unknown → `Relations [x] are not valid`), `fields` (accepted, not honoured), the
/// filters id, q, title, handle, collection_id, type_id, tags, sales_channel_id, category_id,
/// status (each list filter a string or an array), is_giftcard, discountable ("true"/"false"),
/// created_at/updated_at ({lt, gt, lte, gte} of dates) and `order` (created_at, updated_at, title,
/// handle or id, "-" for descending; default: newest first, as Medusa's `created_at DESC`).
[[nodiscard]] core::Result<core::ProductQuery> ParseProductListParams(std::string_view raw_query);

/// The relations `expand` names (the default set when `expand` is absent). Exposed for the routes
/// of one product, which honour `expand` too.
[[nodiscard]] core::Result<core::ProductRelations> ParseProductExpand(std::string_view raw_query);

/// The small lists (regions, collections, sales channels, categories, price lists): limit
/// (default `default_limit`), offset, and `expand`/`fields` (accepted, ignored).
[[nodiscard]] core::Result<core::PageRequest> ParsePageParams(std::string_view raw_query,
                                                              std::int64_t default_limit);

/// `GET /admin/orders`: limit (default 50), offset, expand/fields (ignored), and the filters id,
/// email, status, fulfillment_status, payment_status, region_id, sales_channel_id (statuses checked
/// against Medusa's enums) and created_at comparisons. Newest first.
[[nodiscard]] core::Result<core::OrderQuery> ParseOrderListParams(std::string_view raw_query);

// ---- Bodies ---------------------------------------------------------------------------------

/// What ApplyProductBody did besides changing the product, for the route to finish the job.
struct ProductBodyOutcome {
    bool sales_channels_given = false;  // else a new product joins the default channel
};

/// Applies a `POST /admin/products` (create: AdminPostProductsReq) or `POST /admin/products/:id`
/// (update: AdminPostProductsProductReq) body to `product`, which is a fresh Product for a create
/// and the stored one (all relations loaded) for an update. Only on success is `product` changed.
///
/// Create: `title` is required; `handle` defaults to KebabCase(title); `thumbnail` to the first
/// image; options [{title}] are created first, then variants, whose `options` [{value}] are matched
/// to the product's options by index. Update: only the fields given change; `variants`, when given,
/// is the new list: an entry with `id` updates that variant (its prices and option values are
/// replaced only when given), one without creates a variant, and variants left out are removed.
/// A price gives `currency_code` (lower-cased) or `region_id`; one with only a region is left with
/// an empty currency for the route to fill from the region. New children get ids from `ids`, and
/// new or changed rows `now` as their timestamps.
[[nodiscard]] core::Result<ProductBodyOutcome> ApplyProductBody(
    std::string_view body, bool create, const IdMaker& ids, core::TimePoint now, core::Product& product);

/// `POST /admin/regions[/:id]`: name, currency_code, tax_rate, countries (ISO alpha-2, stored lower
/// case) are required on create; payment_providers and fulfillment_providers (arrays of text),
/// tax_code, includes_tax and metadata are accepted and not kept.
[[nodiscard]] core::Result<void> ApplyRegionBody(std::string_view body, bool create, core::Region& region);

/// `POST /admin/collections[/:id]`: title (required on create), handle (default KebabCase(title)),
/// metadata (ignored).
[[nodiscard]] core::Result<void> ApplyCollectionBody(std::string_view body,
                                                     bool create,
                                                     core::ProductCollection& collection);

/// `POST /admin/sales-channels[/:id]`: name (required on create), description, is_disabled.
[[nodiscard]] core::Result<void> ApplySalesChannelBody(std::string_view body,
                                                       bool create,
                                                       core::SalesChannel& channel);

/// `POST /admin/product-categories[/:id]`: name (required on create), handle (default
/// KebabCase(name)), description, parent_category_id (null clears it), is_active, is_internal,
/// rank, metadata (ignored).
[[nodiscard]] core::Result<void> ApplyCategoryBody(std::string_view body,
                                                   bool create,
                                                   core::ProductCategory& category);

/// `POST /admin/price-lists` (AdminPostPriceListsPriceListReq): name, description, type
/// (sale|override) and prices [{amount, variant_id, currency_code | region_id, min_quantity,
/// max_quantity}] are required; status (active|draft), starts_at/ends_at (dates or null),
/// includes_tax are optional; customer_groups must be empty (batchd has no customer groups).
/// Prices get ids from `ids` and `list.id` as their price_list_id (set the id first); a price with
/// only a region is left with an empty currency for the route to fill from the region.
[[nodiscard]] core::Result<void> ApplyPriceListBody(std::string_view body,
                                                    bool create,
                                                    const IdMaker& ids,
                                                    core::PriceList& list);

/// lodash's kebabCase, as Medusa derives handles from titles: words are runs of ASCII letters and
/// digits (split where lower case meets upper case and where letters meet digits; other bytes
/// separate words, except non-ASCII bytes, which stay in their word), lower-cased, joined by '-'.
/// "Test export product" → "test-export-product", "fooBar2" → "foo-bar-2".
[[nodiscard]] std::string KebabCase(std::string_view text);

}  // namespace batchd::http
