#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/catalog.hpp"
#include "core/error.hpp"
#include "core/ports/catalog_store.hpp"

namespace batchd::app {

/// What `batchd seed` makes.
struct SeedOptions {
    std::int64_t products = 1000;
    std::int32_t variants_per_product = 3;
    std::int64_t orders = 0;
    std::uint64_t seed = 1;
    std::int64_t batch_size = 1000;  // products (or orders) per PutProducts (PutOrders) call
};

/// What `batchd seed` wrote.
struct SeedCounts {
    std::int64_t products = 0;
    std::int64_t variants = 0;
    std::int64_t orders = 0;
};

/// The reference data a synthetic catalog points at: regions, sales channels (the first is the
/// default), collections, types, tags, categories (parents before children) and shipping profiles
/// (the default one first, then the gift-card one). The same for every seed, so that seeding again
/// replaces these rows instead of adding more.
struct SeedReferences {
    std::vector<core::Region> regions;
    std::vector<core::SalesChannel> sales_channels;
    std::vector<core::ProductCollection> collections;
    std::vector<core::ProductType> types;
    std::vector<core::ProductTag> tags;
    std::vector<core::ProductCategory> categories;
    std::vector<core::ShippingProfile> profiles;
};

/// Makes a realistic synthetic catalog, deterministically: the same options give the same ids, text,
/// prices and timestamps, on any machine (its own PRNG, no std distributions). Products have 1–3
/// options, `variants_per_product` variants each with a price per currency and one region price,
/// 1–3 images, tags, sales channels and categories; some text needs CSV quoting (`;`, `,`, `"`,
/// LF). Products get distinct, increasing `created_at` (about 1 s apart from 2024-01-01T00:00:00Z);
/// orders come after the last product. Handles and SKUs carry the seed, so catalogs of different
/// seeds can share a store. Pure: writes nothing; const methods may be called concurrently.
class CatalogGenerator {
public:
    explicit CatalogGenerator(const SeedOptions& options);

    [[nodiscard]] const SeedReferences& References() const { return references_; }

    /// Products join `channel` instead of the generated default channel (a store keeps one default).
    void AdoptDefaultSalesChannel(core::SalesChannel channel);

    /// Products that are not gift cards use `profile` instead of the generated default profile.
    void AdoptDefaultProfile(core::ShippingProfile profile);

    /// Product number `index` (0-based), a function of the options and the index only.
    [[nodiscard]] core::Product MakeProduct(std::int64_t index) const;

    /// Order number `index` (0-based; display_id is index + 1), a function of the options and the
    /// index only. Orders share a pool of about orders / 3 customers.
    [[nodiscard]] core::Order MakeOrder(std::int64_t index) const;

private:
    [[nodiscard]] core::Customer MakeCustomer(std::int64_t number) const;

    SeedOptions options_;
    SeedReferences references_;
};

/// Writes the references (the default sales channel and shipping profile of the store are reused
/// when it has them), then the products in batches of `batch_size` (one PutProducts each), then the
/// orders. The first failed write stops it and is returned. Blocking.
[[nodiscard]] core::Result<SeedCounts> SeedCatalog(core::CatalogStore& catalog, const SeedOptions& options);

}  // namespace batchd::app
