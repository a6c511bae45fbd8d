#pragma once

#include <boost/json/object.hpp>

#include "core/catalog.hpp"
#include "core/ports/catalog_store.hpp"

/// The catalog entities as Medusa v1's admin API shows them: the entity's columns with Medusa's key
/// names (null where the value is missing), ISO-8601 UTC timestamps with milliseconds, `metadata`
/// null (batchd keeps none), and the relations the read loaded. Pure functions; thread safety: none
/// needed.
namespace batchd::http {

/// A product with the relations `relations` says were loaded (the others are left out of the JSON,
/// as Medusa leaves out relations it did not join). Variants carry `product_id`, their prices carry
/// `variant_id`, and each option lists its `values` (gathered from the variants).
[[nodiscard]] boost::json::object ProductToJson(const core::Product& product,
                                                const core::ProductRelations& relations);

[[nodiscard]] boost::json::object VariantToJson(const core::ProductVariant& variant,
                                                const std::string& product_id,
                                                const core::ProductRelations& relations);

/// A price: {id, currency_code, amount, min_quantity, max_quantity, price_list_id, region_id,
/// variant_id}. `variant_id` is the price's own when set, else `variant_id` given here.
[[nodiscard]] boost::json::object MoneyAmountToJson(const core::MoneyAmount& price,
                                                    const std::optional<std::string>& variant_id);

/// A region; `countries` become [{iso_2, region_id}], and the provider lists are empty (batchd has
/// no payment or fulfillment providers).
[[nodiscard]] boost::json::object RegionToJson(const core::Region& region);
[[nodiscard]] boost::json::object CollectionToJson(const core::ProductCollection& collection);
[[nodiscard]] boost::json::object SalesChannelToJson(const core::SalesChannel& channel);
[[nodiscard]] boost::json::object CategoryToJson(const core::ProductCategory& category);
[[nodiscard]] boost::json::object ProfileToJson(const core::ShippingProfile& profile);

/// A price list; `prices` only when `with_prices` (lists leave them out, as the store does).
[[nodiscard]] boost::json::object PriceListToJson(const core::PriceList& list, bool with_prices);

/// An order with its customer, shipping address and sales channel (null when missing).
[[nodiscard]] boost::json::object OrderToJson(const core::Order& order);

}  // namespace batchd::http
