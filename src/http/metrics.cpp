#include "http/metrics.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "core/ports/job_store.hpp"
#include "runtime/run_blocking.hpp"

// Under a sanitizer, malloc is the sanitizer's own allocator and glibc's mallinfo2 sees none of it.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BATCHD_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define BATCHD_SANITIZER_ALLOCATOR 1
#endif
#endif

#if defined(BATCHD_SANITIZER_ALLOCATOR)
#if __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#else
// GCC ships the sanitizer runtimes (which define it) but not this header of clang's.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif
#else
#include <malloc.h>
#endif

namespace batchd::http {
namespace {

using boost::asio::awaitable;
using JobCounts = std::array<std::int64_t, core::kAllJobStatuses.size()>;

// The timestamp that puts a job in each status after kCreated, in kAllJobStatuses order: a job is in
// the status of its last set timestamp in this list (core::StatusOf).
constexpr std::array kStatusTimestamps{
    core::JobColumn::kPreProcessedAt, core::JobColumn::kConfirmedAt, core::JobColumn::kProcessingAt,
    core::JobColumn::kCompletedAt,    core::JobColumn::kCanceledAt,  core::JobColumn::kFailedAt,
};
static_assert(kStatusTimestamps.size() + 1 == core::kAllJobStatuses.size());

// A scrape more often than this reuses the last job counts.
constexpr std::chrono::seconds kJobCountsTtl{1};

std::string_view ClassLabel(std::size_t index) {
    static constexpr std::array<std::string_view, 5> kLabels{"1xx", "2xx", "3xx", "4xx", "5xx"};
    return kLabels.at(index);
}

// Jobs of every user by status, through the ports only: the jobs whose timestamps from `first` on
// are all NULL, for each `first`; a status's count is the difference of two neighbours (a job is in
// status i exactly when timestamp i is set and every later one is not). The queries are not one
// snapshot, so a difference taken while jobs move may be off by those jobs; it never goes below 0.
core::Result<JobCounts> CountJobs(runtime::JobService& jobs) {
    std::array<std::int64_t, kStatusTimestamps.size() + 1> later_unset{};  // [i]: timestamps i… unset
    for (std::size_t first = 0; first <= kStatusTimestamps.size(); ++first) {
        core::JobQuery query;
        query.limit = 0;
        for (std::size_t column = first; column < kStatusTimestamps.size(); ++column) {
            core::TimestampFilter unset;
            unset.column = kStatusTimestamps.at(column);
            unset.is_null = true;
            query.timestamps.push_back(unset);
        }
        auto page = jobs.List(query);
        if (!page) {
            return page.error();
        }
        later_unset.at(first) = page->count;
    }
    JobCounts counts{};
    counts[0] = later_unset[0];
    for (std::size_t status = 1; status < counts.size(); ++status) {
        counts.at(status) = std::max<std::int64_t>(0, later_unset.at(status) - later_unset.at(status - 1));
    }
    return counts;
}

/// The job counts of the last second, shared by the scrapes of every io thread.
class JobCountsCache {
public:
    [[nodiscard]] std::optional<JobCounts> Fresh(std::chrono::steady_clock::time_point now) const {
        std::scoped_lock lock{mu_};
        if (counts_ && now - taken_at_ < kJobCountsTtl) {
            return counts_;
        }
        return std::nullopt;
    }

    void Store(const JobCounts& counts, std::chrono::steady_clock::time_point taken_at) {
        std::scoped_lock lock{mu_};
        counts_ = counts;
        taken_at_ = taken_at;
    }

private:
    mutable std::mutex mu_;
    std::optional<JobCounts> counts_;
    std::chrono::steady_clock::time_point taken_at_;
};

awaitable<Response> ServeMetrics(const Services& services,
                                 const ResponseCounter& responses,
                                 JobCountsCache& cache) {
    MetricsSnapshot snapshot;
    // Memory first: the reading shows the process between requests, not this scrape's count queries.
    snapshot.resident_bytes = ResidentBytes();
    snapshot.heap_allocated_bytes = HeapAllocatedBytes();
    const auto now = std::chrono::steady_clock::now();
    snapshot.jobs_by_status = cache.Fresh(now);
    if (!snapshot.jobs_by_status) {
        auto counted =
            co_await runtime::RunBlocking(services.blocking, [&] { return CountJobs(services.jobs); });
        if (counted) {
            cache.Store(*counted, now);
            snapshot.jobs_by_status = *counted;
        }
    }
    for (std::size_t index = 0; index < snapshot.responses_by_class.size(); ++index) {
        snapshot.responses_by_class.at(index) = responses.Total(static_cast<int>(index) + 1);
    }
    Response response;
    response.content_type = kPrometheusContentType;
    response.body = FormatMetrics(snapshot);
    response.headers.emplace_back("Cache-Control", "no-store");
    co_return response;
}

void AppendHeader(std::string& text, std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(text), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void ResponseCounter::Count(int status) noexcept {
    const int hundreds = status / 100;
    if (status >= 100 && hundreds <= static_cast<int>(by_class_.size())) {
        by_class_[static_cast<std::size_t>(hundreds - 1)].fetch_add(1, std::memory_order_relaxed);
    }
}

std::uint64_t ResponseCounter::Total(int hundreds) const noexcept {
    if (hundreds < 1 || hundreds > static_cast<int>(by_class_.size())) {
        return 0;
    }
    return by_class_[static_cast<std::size_t>(hundreds - 1)].load(std::memory_order_relaxed);
}

std::string FormatMetrics(const MetricsSnapshot& snapshot) {
    std::string text;
    AppendHeader(text, "batchd_http_responses_total", "counter",
                 "HTTP responses sent by the API, by status class.");
    for (std::size_t index = 0; index < snapshot.responses_by_class.size(); ++index) {
        fmt::format_to(std::back_inserter(text), "batchd_http_responses_total{{class=\"{}\"}} {}\n",
                       ClassLabel(index), snapshot.responses_by_class.at(index));
    }
    if (snapshot.resident_bytes) {
        AppendHeader(text, "batchd_process_resident_bytes", "gauge", "Resident set size of the process.");
        fmt::format_to(std::back_inserter(text), "batchd_process_resident_bytes {}\n",
                       *snapshot.resident_bytes);
    }
    if (snapshot.heap_allocated_bytes) {
        AppendHeader(text, "batchd_heap_allocated_bytes", "gauge",
                     "Heap bytes in live allocations (the sanitizer's count in a sanitizer build).");
        fmt::format_to(std::back_inserter(text), "batchd_heap_allocated_bytes {}\n",
                       *snapshot.heap_allocated_bytes);
    }
    if (snapshot.jobs_by_status) {
        AppendHeader(text, "batchd_jobs", "gauge",
                     "Batch jobs of all users by status (soft-deleted ones excluded).");
        for (std::size_t index = 0; index < core::kAllJobStatuses.size(); ++index) {
            fmt::format_to(std::back_inserter(text), "batchd_jobs{{status=\"{}\"}} {}\n",
                           core::ToString(core::kAllJobStatuses.at(index)),
                           snapshot.jobs_by_status->at(index));
        }
    }
    return text;
}

std::optional<std::int64_t> ResidentBytes() {
    std::ifstream statm{"/proc/self/statm"};
    std::int64_t size_pages = 0;
    std::int64_t resident_pages = 0;
    if (!(statm >> size_pages >> resident_pages)) {
        return std::nullopt;
    }
    const long page_size = ::sysconf(_SC_PAGESIZE);
    if (page_size <= 0) {
        return std::nullopt;
    }
    return resident_pages * static_cast<std::int64_t>(page_size);
}

std::optional<std::int64_t> HeapAllocatedBytes() {
#if defined(BATCHD_SANITIZER_ALLOCATOR)
    return static_cast<std::int64_t>(__sanitizer_get_current_allocated_bytes());
#else
    const struct mallinfo2 info = ::mallinfo2();
    return static_cast<std::int64_t>(info.uordblks + info.hblkhd);
#endif
}

void AddMetricsRoute(Router& router,
                     const Services& services,
                     std::shared_ptr<const ResponseCounter> responses) {
    auto cache = std::make_shared<JobCountsCache>();
    router.Add("GET", "/metrics", [services, responses = std::move(responses), cache](Call&) {
        return ServeMetrics(services, *responses, *cache);
    });
}

}  // namespace batchd::http
