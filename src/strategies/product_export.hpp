#pragma once

#include <memory>

#include "core/ports/catalog_store.hpp"
#include "core/ports/clock.hpp"
#include "core/strategy.hpp"

namespace batchd::strategies {

/// The `product-export` batch type (MEDUSA-SPEC.md §7.3, BATCHD-CONTRACT.md §B): Medusa's product
/// CSV, streamed from `catalog` in keyset pages to the job's file store, with live progress,
/// cancel (the partial file is deleted) and resume after a takeover. `clock` names the file.
/// Borrows both, which must outlive the strategy. Thread safety: as core::Strategy.
[[nodiscard]] std::unique_ptr<core::Strategy> MakeProductExportStrategy(core::CatalogStore& catalog,
                                                                        const core::Clock& clock);

}  // namespace batchd::strategies
