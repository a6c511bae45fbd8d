#pragma once

#include "http/router.hpp"
#include "http/services.hpp"

namespace batchd::http {

/// Adds the admin catalog routes, shaped as Medusa v1's admin API (enough to build and read a
/// catalog; batchd keeps no metadata, customer groups or providers):
///   GET    /admin/products                 list: {products, count, offset, limit}
///   POST   /admin/products                 create: {product} with every relation
///   GET    /admin/products/:id             {product} (honours `expand`)
///   POST   /admin/products/:id             update the given fields (variants replace by id)
///   DELETE /admin/products/:id             {id, object: "product", deleted: true}
///   GET/POST /admin/regions, GET/POST /admin/regions/:id
///   GET/POST /admin/collections, GET/POST /admin/collections/:id
///   GET/POST /admin/sales-channels, GET/POST /admin/sales-channels/:id
///   GET/POST /admin/product-categories, GET/POST /admin/product-categories/:id
///   GET/POST /admin/price-lists, GET /admin/price-lists/:id
///   GET    /admin/orders, GET /admin/orders/:id
/// Input is validated by catalog_params.hpp (400 invalid_data); an unknown id is 404 with Medusa's
/// text (`Product with id: X was not found`); a handle taken by another product is 422
/// (`Product with handle X already exists.`). A new product without sales channels joins the
/// default channel (created as "Default Sales Channel" when there is none) and gets the "default"
/// shipping profile ("gift_card" for gift cards), created when missing. Every store call runs
/// through RunBlocking. Handlers expect the /admin authentication to have run (http::Api).
void AddCatalogRoutes(Router& router, const Services& services);

}  // namespace batchd::http
