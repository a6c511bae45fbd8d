// The catalog's bulk paths on SQLite, end to end: PutProducts of a seeded catalog, ListProducts of
// every product with all relations (keyset pages), the shape pass's read, and one whole
// product-export (pre-processing and processing). Prints CPU and wall seconds and variants per CPU
// second; asserts nothing (a loaded machine would make any threshold flaky).
//
//   batchd_catalog_bench [products=25000] [variants_per_product=4] [export_limit=50] [phases=lse]
//
// PutProducts always runs (it makes the catalog); `phases` picks the rest: l (ListProducts), s (the
// shape pass's read), e (the export).
//
// Run it from a release build (`cmake --preset release`); under perf:
//   perf record --call-graph dwarf build/<dir>/bench/batchd_catalog_bench 5000 4 50 l
// BATCHD_BENCH_DIR=<folder> keeps the catalog file there for the sqlite3 shell. On a shared machine
// repeat a run: the CPU seconds of one run vary by a third with the load.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <unistd.h>

#include "app/seed.hpp"
#include "core/batch_job.hpp"
#include "core/job_mutations.hpp"
#include "core/ports/catalog_store.hpp"
#include "files/fs_blob_store.hpp"
#include "runtime/running_job.hpp"
#include "runtime/system_clock.hpp"
#include "store/sqlite/sqlite_catalog_store.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "strategies/product_export.hpp"

namespace {

namespace fs = std::filesystem;
using namespace batchd;

double CpuSeconds() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double WallSeconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs `body` and prints its CPU and wall time, and `variants` per CPU second.
void Measure(const std::string& name, std::int64_t variants, const std::function<void()>& body) {
    const double cpu = CpuSeconds();
    const double wall = WallSeconds();
    body();
    const double cpu_used = CpuSeconds() - cpu;
    const double wall_used = WallSeconds() - wall;
    std::printf("%-34s %9lld variants  cpu %7.3f s  wall %7.3f s  %10.0f variants/cpu-s\n", name.c_str(),
                static_cast<long long>(variants), cpu_used, wall_used,
                static_cast<double>(variants) / std::max(cpu_used, 1e-9));
}

void Check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "catalog_bench: %s failed\n", what);
        std::exit(1);
    }
}

// Every product in created_at order with `relations`, in keyset pages of `page_size`; the
// variants read.
std::int64_t ReadAll(core::CatalogStore& catalog,
                     const core::ProductRelations& relations,
                     std::int64_t page_size) {
    std::int64_t variants = 0;
    std::optional<core::ProductKey> after;
    while (true) {
        core::ProductQuery query;
        query.limit = page_size;
        query.after = after;
        query.relations = relations;
        query.with_count = false;
        auto page = catalog.ListProducts(query);
        Check(page.has_value(), "ListProducts");
        if (page->products.empty()) {
            return variants;
        }
        for (const core::Product& product : page->products) {
            variants += static_cast<std::int64_t>(product.variants.size());
        }
        after = core::KeyOf(page->products.back(), query.order_by);
    }
}

// One whole product-export job, as a worker runs it: pre-processing, then processing.
void RunExport(core::Database& jobs,
               core::CatalogStore& catalog,
               core::BlobStore& files,
               std::int64_t limit) {
    runtime::SystemClock clock;
    const auto strategy = strategies::MakeProductExportStrategy(catalog, clock);
    const std::string context = "{\"limit\":" + std::to_string(limit) + "}";
    core::CreateInput input{"product-export", boost::json::parse(context).as_object(), false};
    Check(strategy->Prepare(input, core::UserId{"usr_bench"}).has_value(), "Prepare");
    const core::JobId id{"batch_bench_" + std::to_string(std::random_device{}())};
    const core::Change created = core::NewJob(id, std::move(input), core::UserId{"usr_bench"}, clock.Now());
    Check(jobs.Insert(created.job, created.events).has_value(), "inserting the job");
    auto leased = core::MutateJob(jobs, id, [&](core::BatchJob job) -> core::Result<core::Change> {
        job.lease.owner = core::WorkerId{"w:bench"};
        job.lease.epoch += 1;
        job.lease.expires_at = clock.Now() + std::chrono::hours{1};
        return core::Change{std::move(job), {}};
    });
    Check(leased.has_value(), "leasing the job");
    runtime::RunningJob ctx{jobs, clock, &files, *leased, std::chrono::milliseconds{100}, {}};
    Check(strategy->PreProcess(ctx).has_value(), "PreProcess");
    for (const core::JobEvent event : {core::JobEvent::kPreProcessDone, core::JobEvent::kStartProcessing}) {
        Check(ctx.Mutate([&](core::BatchJob job) { return core::Apply(std::move(job), event, clock.Now()); })
                  .has_value(),
              "starting processing");
    }
    Check(strategy->Process(ctx).has_value(), "Process");
    Check(ctx.Flush().has_value(), "Flush");
}

}  // namespace

int main(int argc, char** argv) {
    const std::int64_t products = argc > 1 ? std::stoll(argv[1]) : 25'000;
    const std::int32_t variants_per_product = argc > 2 ? std::stoi(argv[2]) : 4;
    const std::int64_t export_limit = argc > 3 ? std::stoll(argv[3]) : 50;
    const std::string phases = argc > 4 ? argv[4] : "lse";
    const std::int64_t variants = products * variants_per_product;

    // BATCHD_BENCH_DIR keeps the catalog there afterwards, for EXPLAIN and the sqlite3 shell.
    const char* keep = std::getenv("BATCHD_BENCH_DIR");
    const fs::path root =
        keep != nullptr ? fs::path{keep}
                        : fs::temp_directory_path() / ("batchd-catalog-bench-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root);
    {
        store::sqlite::SqliteConfig config;
        config.file = root / "batchd.db";
        const auto database = store::sqlite::MakeSqliteDatabase(config);  // migrates
        const auto catalog = store::sqlite::MakeSqliteCatalogStore(config);
        const auto files = files::MakeFsBlobStore(root / "files");

        // The references, then every product made before the clock starts: only PutProducts counts.
        app::SeedOptions options;
        options.products = 0;
        options.variants_per_product = variants_per_product;
        Check(app::SeedCatalog(*catalog, options).has_value(), "seeding the references");
        options.products = products;
        const app::CatalogGenerator generator{options};
        constexpr std::int64_t kBatch = 1000;  // as `batchd seed` writes
        std::vector<std::vector<core::Product>> batches;
        for (std::int64_t start = 0; start < products; start += kBatch) {
            std::vector<core::Product>& batch = batches.emplace_back();
            for (std::int64_t index = start; index < std::min(products, start + kBatch); ++index) {
                batch.push_back(generator.MakeProduct(index));
            }
        }
        Measure("PutProducts (batches of 1000)", variants, [&] {
            for (const std::vector<core::Product>& batch : batches) {
                Check(catalog->PutProducts(batch).has_value(), "PutProducts");
            }
        });
        batches.clear();

        std::int64_t read = 0;
        if (phases.find('l') != std::string::npos) {
            Measure("ListProducts all relations (1000)", variants,
                    [&] { read = ReadAll(*catalog, core::ProductRelations::All(), 1000); });
            Check(read == variants, "reading every variant back");
            Measure("ListProducts all relations (50)", variants,
                    [&] { read = ReadAll(*catalog, core::ProductRelations::All(), 50); });
        }
        core::ProductRelations shape_relations;
        shape_relations.variants = true;
        shape_relations.prices = true;
        shape_relations.options = true;
        shape_relations.images = true;
        shape_relations.sales_channels = true;
        shape_relations.categories = true;
        if (phases.find('s') != std::string::npos) {
            for (const std::int64_t page_size : {500, 100, 50}) {
                Measure("ListProducts shape relations (" + std::to_string(page_size) + ")", variants,
                        [&] { read = ReadAll(*catalog, shape_relations, page_size); });
            }
        }
        if (phases.find('e') != std::string::npos) {
            Measure("product-export (limit " + std::to_string(export_limit) + ")", variants,
                    [&] { RunExport(*database, *catalog, *files, export_limit); });
        }
    }
    if (keep == nullptr) {
        fs::remove_all(root);
    }
    return 0;
}
