#pragma once

#include "http/router.hpp"
#include "http/services.hpp"

namespace batchd::http {

/// Adds the /admin/batch-jobs routes (MEDUSA-SPEC §4.1–4.5, BATCHD-CONTRACT §C `types`):
///   GET  /admin/batch-jobs                list the caller's jobs
///   POST /admin/batch-jobs                create (201)
///   GET  /admin/batch-jobs/types          the registered job types (before /:id)
///   GET  /admin/batch-jobs/:id            one job
///   POST /admin/batch-jobs/:id/confirm    pre_processed → confirmed
///   POST /admin/batch-jobs/:id/cancel     anything but completed → canceled
/// Every /:id route first loads the job (404 `Batch job with id <id> was not found`), then checks
/// that the caller created it (400 not_allowed). Handlers expect `call.user` to be set.
void AddBatchJobRoutes(Router& router, const Services& services);

/// The 400 of the ownership check, quoted from Medusa.
inline constexpr std::string_view kNotOwnerMessage =
    "Cannot access a batch job that does not belong to the logged in user";

}  // namespace batchd::http
