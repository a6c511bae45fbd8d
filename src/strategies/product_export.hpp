#pragma once

#include <memory>

#include "core/ports/catalog_store.hpp"
#include "core/ports/clock.hpp"
#include "core/strategy.hpp"

namespace batchd::strategies {

/// How the export reads the catalog.
struct ProductExportOptions {
    /// The fewest products per page read. Medusa's `limit` (default 50) only chunks its reads, and
    /// keyset pages make the file independent of the chunking, so pages are at least this large:
    /// ten statements per 50 products made a PostgreSQL export several times slower. Tests set 1 to
    /// make `limit` the page size and stop between small pages.
    std::int64_t min_page_size = 500;
};

/// The `product-export` batch type (MEDUSA-SPEC.md §7.3, BATCHD-CONTRACT.md §B): Medusa's product
/// CSV, streamed from `catalog` in keyset pages to the job's file store, with live progress,
/// cancel (the partial file is deleted) and resume after a takeover. `clock` names the file.
/// Borrows both, which must outlive the strategy. Thread safety: as core::Strategy.
[[nodiscard]] std::unique_ptr<core::Strategy> MakeProductExportStrategy(core::CatalogStore& catalog,
                                                                        const core::Clock& clock,
                                                                        ProductExportOptions options = {});

}  // namespace batchd::strategies
