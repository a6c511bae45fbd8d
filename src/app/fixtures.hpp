#pragma once

#include <filesystem>

#include "core/ports/catalog_store.hpp"
#include "core/ports/database.hpp"

namespace batchd::app {

/// What `batchd fixtures load` inserted.
struct FixtureCounts {
    int users = 0;
    int jobs = 0;
    int shipping_profiles = 0;
    int regions = 0;
    int sales_channels = 0;
    int collections = 0;
    int categories = 0;
    int products = 0;  // soft-deleted ones included
    int variants = 0;
    int price_lists = 0;
    int orders = 0;
};

/// Loads exact users, jobs and catalog data from a JSON file (format in docs/operations.md) for
/// tests and demos, with the ids the file gives. Sections are written in dependency order
/// (shipping_profiles, regions, sales_channels, collections, product_categories, products,
/// price_lists, orders, then users and batch_jobs), entries in file order. An entry without
/// `created_at` is created 1 ms after the previous one, so lists show them newest first. Keys
/// starting with `_` are comments; any other unknown key is an error. Throws std::runtime_error
/// naming the bad entry (e.g. `products[2].variants[0]: unknown key "skus"`); what was written
/// before stays. Blocking.
FixtureCounts LoadFixtures(const std::filesystem::path& file,
                           core::Database& database,
                           core::CatalogStore& catalog,
                           core::TimePoint now);

}  // namespace batchd::app
