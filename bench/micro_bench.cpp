// Micro benchmarks (Google Benchmark) of the hot pure functions of one API request and one job
// step: a job's JSON (http/job_json), route matching (http/router), the status rule table
// (core::Apply), the query-string parser (http/query_string), and one product-export CSV row
// (csv/csv_writer). `./dev bench` runs them and reports ns/op; they assert nothing.
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <benchmark/benchmark.h>
#include <boost/asio/awaitable.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include "core/batch_job.hpp"
#include "core/batch_job_status.hpp"
#include "core/ids.hpp"
#include "csv/csv_writer.hpp"
#include "http/job_json.hpp"
#include "http/query_string.hpp"
#include "http/router.hpp"

namespace {

using batchd::core::TimePoint;

constexpr TimePoint kNow{std::chrono::milliseconds{1'764'000'000'000}};

// A completed export-like job: every timestamp set, a small context and result, as GET shows it.
batchd::core::BatchJob MakeJob() {
    batchd::core::BatchJob job;
    job.id = batchd::core::JobId{"batch_01JDQ6Z8K3M4N5P6Q7R8S9T0VW"};
    job.type = "product-export";
    job.created_by = batchd::core::UserId{"usr_01JDQ6Z8K3M4N5P6Q7R8S9T0AB"};
    job.context = boost::json::object{{"retry_count", 0}, {"max_retry", 3}, {"batch_size", 1000}};
    job.result = boost::json::object{{"count", 1000},
                                     {"advancement_count", 1000},
                                     {"file_key", "exports/products-1764000000000.csv"},
                                     {"file_size", 123456}};
    job.pre_processed_at = kNow;
    job.confirmed_at = kNow;
    job.processing_at = kNow;
    job.completed_at = kNow;
    job.created_at = kNow;
    job.updated_at = kNow;
    return job;
}

void BmJobToJson(benchmark::State& state) {
    const batchd::core::BatchJob job = MakeJob();
    for (auto _ : state) {
        std::string text = boost::json::serialize(batchd::http::JobToJson(job));
        benchmark::DoNotOptimize(text);
    }
}
BENCHMARK(BmJobToJson);

// The same job as GET's answer builds it (batch_jobs_routes.cpp, JobResponse): the tree in a stack
// arena, then serialised. Against BmJobToJson: what the heap blocks of the tree cost.
void BmJobToJsonArena(benchmark::State& state) {
    const batchd::core::BatchJob job = MakeJob();
    for (auto _ : state) {
        std::array<unsigned char, 4096> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
        boost::json::monotonic_resource arena{buffer.data(), buffer.size()};
        const boost::json::storage_ptr storage{&arena};
        boost::json::object body{1, storage};
        body.emplace("batch_job", batchd::http::JobToJson(job, {}, nullptr, storage));
        std::string text = boost::json::serialize(body);
        benchmark::DoNotOptimize(text);
    }
}
BENCHMARK(BmJobToJsonArena);

// The admin routes as the server adds them, in the same order (types before :id).
batchd::http::Router MakeRouter() {
    batchd::http::Router router;
    const auto handler = [](batchd::http::Call&) -> boost::asio::awaitable<batchd::http::Response> {
        co_return batchd::http::Response{};
    };
    router.Add("GET", "/health", handler);
    router.Add("GET", "/health/live", handler);
    router.Add("GET", "/health/ready", handler);
    router.Add("GET", "/admin/batch-jobs", handler);
    router.Add("POST", "/admin/batch-jobs", handler);
    router.Add("GET", "/admin/batch-jobs/types", handler);
    router.Add("GET", "/admin/batch-jobs/:id", handler);
    router.Add("POST", "/admin/batch-jobs/:id/confirm", handler);
    router.Add("POST", "/admin/batch-jobs/:id/cancel", handler);
    return router;
}

void BmRouterMatch(benchmark::State& state) {
    const batchd::http::Router router = MakeRouter();
    for (auto _ : state) {
        batchd::http::RouteMatch match =
            router.Match("GET", "/admin/batch-jobs/batch_01JDQ6Z8K3M4N5P6Q7R8S9T0VW");
        benchmark::DoNotOptimize(match);
    }
}
BENCHMARK(BmRouterMatch);

// One job's whole walk through the rule table: pre-process (which confirms a non-dry-run job),
// start, complete.
void BmApplyLifecycle(benchmark::State& state) {
    const batchd::core::BatchJob fresh =
        batchd::core::NewJob(batchd::core::JobId{"batch_01JDQ6Z8K3M4N5P6Q7R8S9T0VW"},
                             batchd::core::CreateInput{"test-noop", {}, false}, std::nullopt, kNow)
            .job;
    for (auto _ : state) {
        auto pre = batchd::core::Apply(fresh, batchd::core::JobEvent::kPreProcessDone, kNow);
        if (!pre) {
            state.SkipWithError("pre-processing was refused");
            break;
        }
        auto started =
            batchd::core::Apply(std::move(pre->job), batchd::core::JobEvent::kStartProcessing, kNow);
        if (!started) {
            state.SkipWithError("start was refused");
            break;
        }
        auto done = batchd::core::Apply(std::move(started->job), batchd::core::JobEvent::kComplete, kNow);
        benchmark::DoNotOptimize(done);
    }
    state.SetItemsProcessed(state.iterations() * 3);
}
BENCHMARK(BmApplyLifecycle);

// A refused transition: the error path of the table (complete a job that is not processing).
void BmApplyRefused(benchmark::State& state) {
    const batchd::core::BatchJob fresh =
        batchd::core::NewJob(batchd::core::JobId{"batch_01JDQ6Z8K3M4N5P6Q7R8S9T0VW"},
                             batchd::core::CreateInput{"test-noop", {}, false}, std::nullopt, kNow)
            .job;
    for (auto _ : state) {
        auto refused = batchd::core::Apply(fresh, batchd::core::JobEvent::kComplete, kNow);
        benchmark::DoNotOptimize(refused);
    }
}
BENCHMARK(BmApplyRefused);

// What medusa-js sends for a filtered list page.
void BmParseQueryString(benchmark::State& state) {
    constexpr std::string_view kQuery =
        "limit=10&offset=20&type[]=product-export&type[]=product-import&created_at[gt]=2024-01-01T00%3A00%"
        "3A00Z"
        "&order=-created_at&fields=id%2Ctype%2Ccreated_at&expand=created_by_user";
    for (auto _ : state) {
        auto parsed = batchd::http::ParseQueryString(kQuery);
        benchmark::DoNotOptimize(parsed);
    }
}
BENCHMARK(BmParseQueryString);

// One product-export line (MEDUSA-SPEC.md §7.3) through csv::CsvWriter into a sink that keeps
// nothing: a dozen cells, two of them quoted (tags, a description with a comma and quotes), three
// amounts. Reports rows/s (items) and MB/s (bytes) of the writer alone.
class DiscardingSink final : public batchd::csv::Sink {
public:
    [[nodiscard]] bool Write(std::string_view bytes) override {
        benchmark::DoNotOptimize(bytes.data());
        return true;
    }
};

void BmCsvProductExportRow(benchmark::State& state) {
    DiscardingSink sink;
    batchd::csv::CsvWriter writer{sink};
    for (auto _ : state) {
        writer.Text("prod_01JDQ6Z8K3M4N5P6Q7R8S9T0VW");
        writer.Text("linen-shirt-1234");
        writer.Text("Linen shirt 1234");
        writer.Text("A light shirt, \"easy\" to wear; machine washable");
        writer.Text("published");
        writer.Text("https://cdn.example.com/images/linen-shirt-1234.png");
        writer.Text("summer,linen,shirts");
        writer.Boolean(true);
        writer.Text("variant_01JDQ6Z8K3M4N5P6Q7R8S9T0VX");
        writer.Text("LS-1234-L-GREEN");
        writer.Integer(120);
        writer.Amount(4599, "usd");
        writer.Amount(4250, "eur");
        writer.Amount(6900, "jpy");
        writer.Text("Large");
        writer.Text("Green");
        writer.EndRow();
    }
    const std::uint64_t bytes = writer.BytesWritten();
    benchmark::DoNotOptimize(writer.Flush());
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BmCsvProductExportRow);

}  // namespace

BENCHMARK_MAIN();
