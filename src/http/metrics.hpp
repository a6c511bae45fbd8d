#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/batch_job_status.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace batchd::http {

/// How many responses the API has sent, by status class (1xx … 5xx): the counter behind
/// `batchd_http_responses_total`. http::Api counts every response it hands to the server, including
/// the 500 the server makes of an exception that escapes a route. Not counted: what the server
/// answers before a request reaches Api (malformed HTTP, oversized headers or bodies, a full spool).
/// Thread safety: Count and Total may run concurrently on every thread. Relaxed atomics, no lock:
/// a scrape may miss the responses being sent at that moment, never sees a torn count.
class ResponseCounter {
public:
    void Count(int status) noexcept;

    /// Responses so far whose status is in [100 × hundreds, 100 × hundreds + 99]; 0 unless
    /// `hundreds` is 1 … 5. A status outside 100 … 599 is counted nowhere.
    [[nodiscard]] std::uint64_t Total(int hundreds) const noexcept;

private:
    std::array<std::atomic<std::uint64_t>, 5> by_class_{};
};

/// One scrape's values, as FormatMetrics prints them. A value that could not be read is absent and
/// its metric is left out (a scrape still answers while the store is down).
struct MetricsSnapshot {
    std::array<std::uint64_t, 5> responses_by_class{};  // 1xx … 5xx
    std::optional<std::int64_t> resident_bytes;
    std::optional<std::int64_t> heap_allocated_bytes;
    /// Live (not soft-deleted) jobs of every user, in core::kAllJobStatuses order.
    std::optional<std::array<std::int64_t, core::kAllJobStatuses.size()>> jobs_by_status;
};

/// The Prometheus text exposition format (version 0.0.4) of `snapshot`: a HELP and a TYPE line
/// per metric, then its samples, each line ending in '\n'.
[[nodiscard]] std::string FormatMetrics(const MetricsSnapshot& snapshot);

/// The process's resident set size in bytes (/proc/self/statm); nullopt where that cannot be read.
[[nodiscard]] std::optional<std::int64_t> ResidentBytes();

/// Bytes of heap the program holds right now: under a sanitizer its allocator's count of live
/// allocations, otherwise glibc's (mallinfo2: in-use arena chunks plus mmapped ones). Unlike the
/// RSS, it goes down when memory is freed, so it shows a leak under load.
[[nodiscard]] std::optional<std::int64_t> HeapAllocatedBytes();

/// The content type of FormatMetrics's text.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Adds `GET /metrics` (BATCHD-CONTRACT §C): the response counts of `responses`, the process's
/// memory, and the jobs by status. No authentication, like /health: the numbers are aggregates
/// (no id, no user, no job data); restrict it at the network if even those are private. The job
/// counts cost a few count queries on the blocking pool, so they are cached for a second: scraping
/// faster than that cannot load the store.
void AddMetricsRoute(Router& router,
                     const Services& services,
                     std::shared_ptr<const ResponseCounter> responses);

}  // namespace batchd::http
