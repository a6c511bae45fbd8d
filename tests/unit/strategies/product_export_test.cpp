// The product-export strategy (MEDUSA-SPEC.md §7.3, BATCHD-CONTRACT.md §B) on the SQLite catalog,
// a folder of files and the real RunningJob over the in-memory job store: the golden file, live
// progress, cancel, resume after a stop, and Prepare's context.
#include "strategies/product_export.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "core/batch_job.hpp"
#include "core/batch_job_status.hpp"
#include "core/catalog.hpp"
#include "core/job_mutations.hpp"
#include "fakes/in_memory_database.hpp"
#include "files/fs_blob_store.hpp"
#include "runtime/running_job.hpp"
#include "store/sqlite/sqlite_catalog_store.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "support/catalog_builders.hpp"

#ifndef BATCHD_GOLDEN_DIR
#error "BATCHD_GOLDEN_DIR must name tests/golden"
#endif

namespace batchd::strategies {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr core::TimePoint kStart{core::Duration{1'700'000'000'000}};
// The catalog's timestamps: product i of a test was created at kCatalogBase + i s.
constexpr core::TimePoint kCatalogBase{core::Duration{1'656'367'200'000}};

constexpr std::size_t kHeaderBytes = 664;  // the 38 fixed names, ';'-joined, + CRLF

/// A clock that moves only when a test moves it. Thread-safe enough for one phase thread.
class ManualClock final : public core::Clock {
public:
    [[nodiscard]] core::TimePoint Now() const override { return now_; }
    void Advance(core::Duration by) { now_ += by; }
    void Set(core::TimePoint at) { now_ = at; }

private:
    core::TimePoint now_ = kStart;
};

std::string ReadFileBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const json::object& ResultOf(const core::BatchJob& job) {
    static const json::object kEmpty;
    return job.result.is_object() ? job.result.get_object() : kEmpty;
}

std::int64_t IntAt(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) {
        ADD_FAILURE() << "no " << key << " in " << json::serialize(object);
        return -1;
    }
    return value->is_int64() ? value->get_int64() : static_cast<std::int64_t>(value->to_number<double>());
}

std::vector<std::string> SplitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t end = text.find("\r\n"); end != std::string::npos; end = text.find("\r\n", start)) {
        lines.push_back(text.substr(start, end - start));
        start = end + 2;
    }
    EXPECT_EQ(start, text.size()) << "the file must end with CRLF";
    return lines;
}

std::string FirstCell(const std::string& line) { return line.substr(0, line.find(';')); }

class ProductExportTest : public ::testing::Test {
protected:
    ProductExportTest()
        : root_(fs::temp_directory_path() /
                ("batchd-export-test-" + std::to_string(std::random_device{}()))) {
        fs::create_directories(root_);
        store::sqlite::SqliteConfig config;
        config.file = root_ / "batchd.db";
        database_ = store::sqlite::MakeSqliteDatabase(config);  // migrates, catalog tables included
        catalog_ = store::sqlite::MakeSqliteCatalogStore(config);
        files_ = files::MakeFsBlobStore(root_ / "files");
        // Pages of `limit` products, so that a test can stop between small pages.
        strategy_ = MakeProductExportStrategy(*catalog_, clock_, ProductExportOptions{.min_page_size = 1});
    }

    ~ProductExportTest() override {
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }

    // POST /admin/batch-jobs: Prepare, then the insert.
    core::Result<core::JobId> Create(const std::string& context_json) {
        core::CreateInput input{"product-export", json::parse(context_json).as_object(), false};
        if (auto prepared = strategy_->Prepare(input, core::UserId{"usr_test"}); !prepared) {
            return prepared.error();
        }
        const core::JobId id{"batch_" + std::to_string(++job_count_)};
        const core::Change change =
            core::NewJob(id, std::move(input), core::UserId{"usr_test"}, clock_.Now());
        if (auto inserted = jobs_.Insert(change.job, change.events); !inserted) {
            return inserted.error();
        }
        return id;
    }

    // A phase as a worker holds it: the stored job leased to a new owner (the next epoch).
    std::unique_ptr<runtime::RunningJob> Lease(const core::JobId& id) {
        const std::string owner = "w:1:" + std::to_string(++lease_count_);
        auto leased = core::MutateJob(jobs_, id, [&](core::BatchJob job) -> core::Result<core::Change> {
            job.lease.owner = core::WorkerId{owner};
            job.lease.epoch += 1;
            job.lease.expires_at = clock_.Now() + 1h;
            return core::Change{std::move(job), {}};
        });
        EXPECT_TRUE(leased);
        auto running = std::make_unique<runtime::RunningJob>(jobs_, clock_, files_.get(), leased.value(), 0ms,
                                                             [this] { OnWrite(); });
        current_ = running.get();
        return running;
    }

    void OnWrite() {
        if (current_ == nullptr) {
            return;
        }
        const json::object& result = ResultOf(current_->Job());
        if (const json::value* advancement = result.if_contains("advancement_count")) {
            advancements_.push_back(advancement->as_int64());
            if (const json::value* progress = result.if_contains("progress")) {
                progress_.push_back(progress->to_number<double>());
            }
        }
        if (on_write_) {
            on_write_(*current_);
        }
    }

    // Pre-processing, then (not a dry run) confirm and start processing, as WorkerPool does.
    core::Result<void> PreProcess(runtime::RunningJob& ctx) {
        if (auto pre = strategy_->PreProcess(ctx); !pre) {
            return pre;
        }
        for (const core::JobEvent event :
             {core::JobEvent::kPreProcessDone, core::JobEvent::kStartProcessing}) {
            auto moved = ctx.Mutate(
                [&](core::BatchJob job) { return core::Apply(std::move(job), event, clock_.Now()); });
            if (!moved) {
                return moved.error();
            }
        }
        return {};
    }

    core::Result<void> Process(runtime::RunningJob& ctx) {
        auto outcome = strategy_->Process(ctx);
        (void)ctx.Flush();  // the worker writes the last advancement whatever happened
        return outcome;
    }

    // The whole job under one claim; the job as stored at the end.
    core::BatchJob RunAll(const core::JobId& id) {
        auto ctx = Lease(id);
        EXPECT_TRUE(PreProcess(*ctx));
        EXPECT_TRUE(Process(*ctx));
        current_ = nullptr;
        return Stored(id);
    }

    core::BatchJob Stored(const core::JobId& id) { return jobs_.Get(id).value(); }

    std::string FileOf(const core::BatchJob& job) {
        const json::value* key = ResultOf(job).if_contains("file_key");
        EXPECT_TRUE(key != nullptr && key->is_string()) << json::serialize(job.result);
        if (key == nullptr || !key->is_string()) {
            return {};
        }
        EXPECT_TRUE(files_->Size(key->get_string()).has_value()) << "no committed file " << key->get_string();
        return ReadFileBytes(root_ / "files" / std::string(key->get_string()));
    }

    // Every regular file under the files root, temporaries included.
    std::vector<std::string> FilesOnDisk() {
        std::vector<std::string> names;
        if (!fs::exists(root_ / "files")) {
            return names;
        }
        for (const auto& entry : fs::recursive_directory_iterator(root_ / "files")) {
            if (entry.is_regular_file()) {
                names.push_back(fs::relative(entry.path(), root_ / "files").string());
            }
        }
        return names;
    }

    // `count` products "Product 01"… with one variant each (usd price), product i created at
    // kCatalogBase + i s: the export (newest first) runs from the last to the first.
    void PutSimpleCatalog(int count) {
        test_support::IdSource ids("simple");
        std::vector<core::Product> products;
        for (int i = 1; i <= count; ++i) {
            char title[32];
            std::snprintf(title, sizeof title, "Product %02d", i);
            test_support::ProductBuilder builder(ids, title);
            builder.Handle("product-" + std::to_string(i))
                .CreatedAt(kCatalogBase + std::chrono::seconds{i})
                .UpdatedAt(kCatalogBase + std::chrono::seconds{i})
                .Variant("Only", {}, "SKU-" + std::to_string(i))
                .Price("usd", 100 * i);
            products.push_back(builder.Build());
        }
        ASSERT_TRUE(catalog_->PutProducts(products));
    }

    fs::path root_;
    ManualClock clock_;
    fakes::InMemoryDatabase jobs_;
    std::unique_ptr<core::Database> database_;
    std::unique_ptr<core::CatalogStore> catalog_;
    std::unique_ptr<core::BlobStore> files_;
    std::unique_ptr<core::Strategy> strategy_;

    runtime::RunningJob* current_ = nullptr;
    std::function<void(runtime::RunningJob&)> on_write_;
    std::vector<std::int64_t> advancements_;  // result.advancement_count after each write
    std::vector<double> progress_;            // result.progress after each write that has one
    int job_count_ = 0;
    int lease_count_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The golden file.

// The fixture of tests/golden/product-export.csv (derived by hand in derive_product_export.py,
// which explains every cell). Export order is created_at DESC: prod_5 (deleted), prod_1, prod_2,
// prod_3 (no variants), prod_4.
void PutGoldenCatalog(core::CatalogStore& catalog) {
    const core::ShippingProfile default_profile{"sp_default", "Default Shipping Profile", "default"};
    const core::ShippingProfile gift_profile{"sp_gift", "Gift Card Profile", "gift_card"};
    ASSERT_TRUE(catalog.PutShippingProfile(default_profile));
    ASSERT_TRUE(catalog.PutShippingProfile(gift_profile));

    core::SalesChannel sc1;
    sc1.id = "sc_1";
    sc1.name = "Default Sales Channel";
    sc1.description = "Shop, default";
    sc1.is_default = true;
    sc1.created_at = sc1.updated_at = kCatalogBase;
    core::SalesChannel sc2;
    sc2.id = "sc_2";
    sc2.name = "Webshop";
    sc2.created_at = sc2.updated_at = kCatalogBase + 1ms;
    ASSERT_TRUE(catalog.PutSalesChannel(sc1));
    ASSERT_TRUE(catalog.PutSalesChannel(sc2));

    const auto region = [&](std::string id, std::string name, std::string currency, int n) {
        core::Region r;
        r.id = std::move(id);
        r.name = std::move(name);
        r.currency_code = std::move(currency);
        r.created_at = r.updated_at = kCatalogBase + std::chrono::milliseconds{n};
        EXPECT_TRUE(catalog.PutRegion(r));
        return r;
    };
    const core::Region france = region("reg_fr", "France", "eur", 1);
    const core::Region denmark_lower = region("reg_dk1", "denmark", "dkk", 2);
    const core::Region denmark_upper = region("reg_dk2", "Denmark", "dkk", 3);
    const core::Region korea = region("reg_kr", "Korea", "krw", 4);
    const core::Region britain = region("reg_gb", "Britain", "gbp", 5);

    core::ProductCollection collection{"pcol_1", "Summer \"24\"", "summer-24", kCatalogBase, kCatalogBase};
    ASSERT_TRUE(catalog.PutCollection(collection));

    core::ProductCategory shirts;
    shirts.id = "pcat_1";
    shirts.name = "Shirts";
    shirts.handle = "shirts";
    shirts.description = "All shirts";
    core::ProductCategory sale;
    sale.id = "pcat_2";
    sale.name = "Sale; now";
    sale.handle = "sale";
    sale.description = "";
    sale.rank = 1;
    ASSERT_TRUE(catalog.PutCategory(shirts));
    ASSERT_TRUE(catalog.PutCategory(sale));

    const core::ProductTag summer{"ptag_summer", "summer"};
    const core::ProductTag cotton{"ptag_cotton", "cotton"};

    int next_price = 0;
    const auto price = [&](std::string currency, std::int64_t amount,
                           const core::Region* in_region = nullptr) {
        core::MoneyAmount p;
        p.id = "ma_" + std::to_string(++next_price);
        p.currency_code = std::move(currency);
        p.amount = amount;
        if (in_region != nullptr) {
            p.region_id = in_region->id;
        }
        return p;
    };
    const auto variant = [](std::string id, std::string title, int rank) {
        core::ProductVariant v;
        v.id = std::move(id);
        v.title = std::move(title);
        v.variant_rank = rank;
        return v;
    };
    const auto option_value = [](std::string id, std::string option_id, std::string value) {
        return core::VariantOptionValue{std::move(id), std::move(option_id), std::move(value)};
    };

    // prod_1: every escaping case in the product columns, 2 options, 2 images, 2 channels, 2
    // categories; a region price beside a plain one of the same currency, and a zero amount.
    core::Product p1;
    p1.id = "prod_1";
    p1.title = "Shirt, classic";
    p1.subtitle = "Soft; \"comfy\"";
    p1.description = "Line one\nLine two";
    p1.handle = "shirt";
    p1.status = "published";
    p1.thumbnail = "http://img/shirt.png";
    p1.weight = 400;
    p1.length = 70;
    p1.width = 50;
    p1.height = 2;
    p1.hs_code = "6109";
    p1.origin_country = "pt";
    p1.mid_code = "MID1";
    p1.material = "Cotton \"organic\"";
    p1.collection_id = collection.id;
    p1.collection = collection;
    p1.type = core::ProductType{"ptyp_shirts", "Shirts"};
    p1.type_id = p1.type->id;
    p1.profile_id = default_profile.id;
    p1.profile = default_profile;
    p1.tags = {summer, cotton};
    p1.images = {{"img_1a", "http://img/shirt-front.png"}, {"img_1b", "http://img/shirt-back.png"}};
    p1.options = {{"opt_1a", "Size"}, {"opt_1b", "Color"}};
    p1.sales_channels = {sc1, sc2};
    p1.categories = {shirts, sale};
    p1.created_at = p1.updated_at = kCatalogBase + 4s;
    core::ProductVariant v1a = variant("variant_1a", "S / Black", 0);
    v1a.sku = "SHIRT-S";
    v1a.barcode = "123";
    v1a.inventory_quantity = 10;
    v1a.allow_backorder = false;
    v1a.manage_inventory = true;
    v1a.weight = 200;
    v1a.options = {option_value("ov_1a1", "opt_1a", "S"), option_value("ov_1a2", "opt_1b", "Black")};
    v1a.prices = {price("usd", 1000), price("eur", 1250), price("eur", 1100, &france)};
    core::ProductVariant v1b = variant("variant_1b", "M / White\rX", 1);
    v1b.sku = "SHIRT-M";
    v1b.inventory_quantity = 0;
    v1b.allow_backorder = true;
    v1b.manage_inventory = false;
    v1b.options = {option_value("ov_1b1", "opt_1a", "M"), option_value("ov_1b2", "opt_1b", "White")};
    v1b.prices = {price("usd", 0), price("dkk", 7500, &denmark_lower)};
    p1.variants = {v1a, v1b};

    // prod_2: a gift card in zero-decimal currencies; region prices filling both columns; the
    // second "Denmark" (upper case) region; 1 option, 1 image, 1 channel, no collection/type/tags.
    core::Product p2;
    p2.id = "prod_2";
    p2.title = "Gift card";
    p2.handle = "gift-card";
    p2.status = "draft";
    p2.is_giftcard = true;
    p2.discountable = false;
    p2.external_id = "ext-2";
    p2.profile_id = gift_profile.id;
    p2.profile = gift_profile;
    p2.images = {{"img_2a", "http://img/gift.png"}};
    p2.options = {{"opt_2a", "Value"}};
    p2.sales_channels = {sc1};
    p2.created_at = p2.updated_at = kCatalogBase + 3s;
    core::ProductVariant v2a = variant("variant_2a", "Small", 0);
    v2a.sku = "GC-S";
    v2a.inventory_quantity = 5;
    v2a.options = {option_value("ov_2a1", "opt_2a", "10")};
    v2a.prices = {price("jpy", 1000), price("dkk", 5000, &denmark_upper), price("krw", 15000, &korea)};
    core::ProductVariant v2b = variant("variant_2b", "Large;XL", 1);
    v2b.inventory_quantity = 5;
    v2b.options = {option_value("ov_2b1", "opt_2a", "100")};
    v2b.prices = {price("jpy", 12345), price("usd", 5)};
    p2.variants = {v2a, v2b};

    // prod_3: no variants (no line, but counted), no options.
    core::Product p3;
    p3.id = "prod_3";
    p3.title = "Empty";
    p3.handle = "empty";
    p3.profile_id = default_profile.id;
    p3.profile = default_profile;
    p3.tags = {summer};
    p3.created_at = p3.updated_at = kCatalogBase + 2s;

    // prod_4: 3 options, no handle, no images or channels, one category; '"' and CR alone.
    core::Product p4;
    p4.id = "prod_4";
    p4.title = "Mug \"big\"";
    p4.description = "CR\rinside";
    p4.status = "proposed";
    p4.type = core::ProductType{"ptyp_mugs", "Mugs"};
    p4.type_id = p4.type->id;
    p4.profile_id = default_profile.id;
    p4.profile = default_profile;
    p4.options = {{"opt_4a", "Material"}, {"opt_4b", "Size"}, {"opt_4c", "Color"}};
    p4.categories = {sale};
    p4.created_at = p4.updated_at = kCatalogBase + 1s;
    core::ProductVariant v4a = variant("variant_4a", "Default", 0);
    v4a.sku = "MUG-1";
    v4a.inventory_quantity = 10;
    v4a.options = {option_value("ov_4a1", "opt_4a", "Ceramic"), option_value("ov_4a2", "opt_4b", "L"),
                   option_value("ov_4a3", "opt_4c", "Red, dark")};
    v4a.prices = {price("eur", 990), price("usd", 1000)};
    p4.variants = {v4a};

    // prod_5: the newest, soft-deleted: neither its line nor its gbp prices may show.
    core::Product p5;
    p5.id = "prod_5";
    p5.title = "Deleted";
    p5.handle = "deleted";
    p5.created_at = p5.updated_at = kCatalogBase + 5s;
    p5.options = {{"opt_5a", "A"}, {"opt_5b", "B"}, {"opt_5c", "C"}, {"opt_5d", "D"}};
    core::ProductVariant v5a = variant("variant_5a", "Gone", 0);
    v5a.prices = {price("gbp", 100, &britain)};
    p5.variants = {v5a};

    ASSERT_TRUE(catalog.PutProducts(std::vector<core::Product>{p1, p2, p3, p4, p5}));
    ASSERT_TRUE(catalog.DeleteProduct("prod_5", kCatalogBase + 10s));
}

TEST_F(ProductExportTest, GoldenFileIsExportedByteForByte) {
    PutGoldenCatalog(*catalog_);
    const core::JobId id = Create("{}").value();
    const core::BatchJob job = RunAll(id);

    const std::string expected = ReadFileBytes(fs::path(BATCHD_GOLDEN_DIR) / "product-export.csv");
    ASSERT_FALSE(expected.empty());
    const std::string actual = FileOf(job);
    EXPECT_EQ(actual, expected);
    if (actual != expected) {
        // Line by line, so that a failure names the cell's line.
        const auto want = SplitLines(expected);
        const auto got = SplitLines(actual);
        for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
            EXPECT_EQ(got[i], want[i]) << "line " << i;
        }
    }

    const json::object& result = ResultOf(job);
    EXPECT_EQ(IntAt(result, "file_size"), static_cast<std::int64_t>(actual.size()));
    EXPECT_EQ(IntAt(result, "count"), 4);  // prod_3 counts although it has no line
    EXPECT_EQ(IntAt(result, "advancement_count"), 4);
    EXPECT_DOUBLE_EQ(result.at("progress").to_number<double>(), 1.0);
    EXPECT_EQ(json::serialize(result.at("stat_descriptors")),
              R"([{"key":"product-export-count","name":"Product count to export",)"
              R"("message":"There will be 4 products exported by this action"}])");
    // The owner's folder, and the job id: unique, and the same on every run (ADR 0006).
    EXPECT_EQ(std::string(result.at("file_key").as_string()),
              "usr_test/exports/products/product-export-" + id.value + ".csv");
    EXPECT_TRUE(job.cursor.is_null()) << "a finished export leaves no resume point";

    // The shape the pre-processing stored, in the deterministic first-appearance order.
    const json::value& shape = job.context.at("shape");
    EXPECT_EQ(shape.at("dynamicOptionColumnCount").as_int64(), 3);
    EXPECT_EQ(shape.at("dynamicImageColumnCount").as_int64(), 2);
    EXPECT_EQ(shape.at("dynamicSalesChannelsColumnCount").as_int64(), 2);
    EXPECT_EQ(shape.at("dynamicProductCategoriesColumnCount").as_int64(), 2);
    EXPECT_EQ(json::serialize(shape.at("prices")),
              R"([{"currency_code":"usd","region":null},{"currency_code":"eur","region":null},)"
              R"({"currency_code":"eur","region":{"currency_code":"eur","name":"France","id":"reg_fr"}},)"
              R"({"currency_code":"dkk","region":{"currency_code":"dkk","name":"denmark","id":"reg_dk1"}},)"
              R"({"currency_code":"jpy","region":null},)"
              R"({"currency_code":"dkk","region":{"currency_code":"dkk","name":"Denmark","id":"reg_dk2"}},)"
              R"({"currency_code":"krw","region":{"currency_code":"krw","name":"Korea","id":"reg_kr"}}])");
}

// ---------------------------------------------------------------------------------------------
// Progress, cancel, resume.

TEST_F(ProductExportTest, ProgressIsVisibleAfterEveryPageAndTheResultMatchesTheFile) {
    PutSimpleCatalog(12);
    const core::JobId id = Create(R"({"limit":5})").value();
    const core::BatchJob job = RunAll(id);

    // Pages of 5, 5, 2: each page's advancement was written (the progress interval is 0 here).
    const std::vector<std::int64_t> pages{5, 10, 12};
    std::vector<std::int64_t> seen;
    for (const std::int64_t advancement : advancements_) {
        if (advancement > 0 && (seen.empty() || seen.back() != advancement)) {
            seen.push_back(advancement);
        }
    }
    EXPECT_EQ(seen, pages);
    ASSERT_FALSE(progress_.empty());
    EXPECT_NEAR(progress_.front(), 5.0 / 12, 1e-9);
    EXPECT_DOUBLE_EQ(progress_.back(), 1.0);

    const std::string file = FileOf(job);
    const json::object& result = ResultOf(job);
    EXPECT_EQ(IntAt(result, "file_size"), static_cast<std::int64_t>(file.size()));
    EXPECT_EQ(IntAt(result, "count"), 12);
    EXPECT_EQ(IntAt(result, "advancement_count"), 12);
    const auto lines = SplitLines(file);
    ASSERT_EQ(lines.size(), 13U);
    // Newest first; with pages of 5 the keyset continues exactly where each page ended.
    for (std::size_t line = 1; line <= 12; ++line) {
        char title[32];
        std::snprintf(title, sizeof title, ";Product %02zu;", 13 - line);
        EXPECT_NE(lines[line].find(title), std::string::npos) << line << ": " << lines[line];
    }
    EXPECT_NE(lines[1].find(";Product 12;"), std::string::npos);
    EXPECT_NE(lines[12].find(";Product 01;"), std::string::npos);
}

TEST_F(ProductExportTest, CancelAfterPageTwoDeletesThePartialFileAndItsResultKeys) {
    PutSimpleCatalog(10);
    const core::JobId id = Create(R"({"limit":3})").value();
    bool canceled = false;
    on_write_ = [&](runtime::RunningJob& ctx) {
        const json::value* advancement = ResultOf(ctx.Job()).if_contains("advancement_count");
        if (!canceled && advancement != nullptr && advancement->as_int64() == 6) {
            canceled = true;  // POST /cancel, then the bus tells the worker
            ASSERT_TRUE(core::TransitionJob(jobs_, id, core::JobEvent::kCancel, clock_.Now()));
            ctx.RequestStop(runtime::StopReason::kCanceled);
        }
    };
    auto ctx = Lease(id);
    ASSERT_TRUE(PreProcess(*ctx));
    EXPECT_TRUE(Process(*ctx));
    ASSERT_TRUE(canceled);

    const core::BatchJob job = Stored(id);
    EXPECT_EQ(core::StatusOf(job), core::JobStatus::kCanceled);
    EXPECT_FALSE(ResultOf(job).contains("file_key")) << json::serialize(job.result);
    EXPECT_FALSE(ResultOf(job).contains("file_size")) << json::serialize(job.result);
    EXPECT_TRUE(ResultOf(job).contains("stat_descriptors"));
    EXPECT_EQ(IntAt(ResultOf(job), "advancement_count"), 6) << "stopped within the page after the cancel";
    EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{}) << "neither the file nor a temporary is left";
}

TEST_F(ProductExportTest, StopAfterPageTwoResumesFromTheCheckpointIntoTheSameFile) {
    PutGoldenCatalog(*catalog_);
    PutSimpleCatalog(10);  // 14 products in all, pages of 3
    clock_.Set(kStart - 1h);
    const core::JobId reference_id = Create(R"({"limit":3})").value();
    const core::BatchJob reference = RunAll(reference_id);
    const std::string uninterrupted = FileOf(reference);
    ASSERT_EQ(SplitLines(uninterrupted).size(), 1U + 10U + 5U);
    clock_.Set(kStart);
    advancements_.clear();

    const core::JobId id = Create(R"({"limit":3})").value();
    bool stopped = false;
    on_write_ = [&](runtime::RunningJob& ctx) {
        const json::value* advancement = ResultOf(ctx.Job()).if_contains("advancement_count");
        if (!stopped && advancement != nullptr && advancement->as_int64() == 6) {
            stopped = true;
            ctx.RequestStop(runtime::StopReason::kShutdown);
        }
    };
    auto first = Lease(id);
    ASSERT_TRUE(PreProcess(*first));
    EXPECT_TRUE(Process(*first));
    ASSERT_TRUE(stopped);
    first.reset();
    on_write_ = nullptr;

    const core::BatchJob suspended = Stored(id);
    EXPECT_NE(core::StatusOf(suspended), core::JobStatus::kCanceled);
    const std::string key(ResultOf(suspended).at("file_key").as_string());
    EXPECT_FALSE(files_->Size(key).has_value()) << "nothing is visible before the commit";
    ASSERT_TRUE(suspended.cursor.is_object()) << "the stop saved a checkpoint";
    EXPECT_EQ(suspended.cursor.at("advancement").as_int64(), 6);
    EXPECT_EQ(std::string(suspended.cursor.at("file_key").as_string()), key);
    EXPECT_EQ(IntAt(ResultOf(suspended), "file_size"), suspended.cursor.at("bytes").as_int64());

    // Another worker takes over later; the file keeps its name.
    clock_.Advance(1min);
    auto second = Lease(id);
    EXPECT_TRUE(Process(*second));
    const core::BatchJob done = Stored(id);
    EXPECT_EQ(std::string(ResultOf(done).at("file_key").as_string()), key);
    const std::string resumed = FileOf(done);
    EXPECT_EQ(resumed, uninterrupted);
    EXPECT_EQ(IntAt(ResultOf(done), "file_size"), static_cast<std::int64_t>(resumed.size()));
    EXPECT_EQ(IntAt(ResultOf(done), "advancement_count"), 14);
    EXPECT_DOUBLE_EQ(ResultOf(done).at("progress").to_number<double>(), 1.0);
}

TEST_F(ProductExportTest, LeaseLostMidPageResumesFromTheLastSavedCheckpointAndCutsTheFileBack) {
    PutSimpleCatalog(14);
    clock_.Set(kStart - 1h);
    const std::string uninterrupted = FileOf(RunAll(Create(R"({"limit":3})").value()));
    clock_.Set(kStart);

    const core::JobId id = Create(R"({"limit":3})").value();
    bool taken_over = false;
    int checkpoints = 0;
    on_write_ = [&](runtime::RunningJob& ctx) {
        // A second passes per write, so a checkpoint is due after every page.
        clock_.Advance(1s);
        if (ctx.Job().cursor.is_object()) {
            ++checkpoints;
        }
        const json::value* advancement = ResultOf(ctx.Job()).if_contains("advancement_count");
        if (!taken_over && advancement != nullptr && advancement->as_int64() == 9) {
            taken_over = true;
            // Another worker claims the job now: this one's writes are refused from here on.
            ASSERT_TRUE(core::MutateJob(jobs_, id, [](core::BatchJob job) -> core::Result<core::Change> {
                job.lease.owner = core::WorkerId{"other:2:1"};
                job.lease.epoch += 1;
                return core::Change{std::move(job), {}};
            }));
        }
    };
    auto first = Lease(id);
    ASSERT_TRUE(PreProcess(*first));
    EXPECT_TRUE(Process(*first));  // a lost lease is a stop, not a failure
    ASSERT_TRUE(taken_over);
    EXPECT_GT(checkpoints, 0);
    first.reset();
    on_write_ = nullptr;

    const core::BatchJob suspended = Stored(id);
    ASSERT_TRUE(suspended.cursor.is_object());
    EXPECT_EQ(suspended.cursor.at("advancement").as_int64(), 6)
        << "the checkpoint after page 2 is the last saved";
    EXPECT_EQ(IntAt(ResultOf(suspended), "advancement_count"), 9) << "page 3 was counted before the takeover";

    auto second = Lease(id);
    EXPECT_TRUE(Process(*second));
    const core::BatchJob done = Stored(id);
    EXPECT_EQ(FileOf(done), uninterrupted);
    EXPECT_EQ(IntAt(ResultOf(done), "advancement_count"), 14);
}

TEST_F(ProductExportTest, ACheckpointWhoseFileIsGoneStartsTheSameFileOver) {
    PutSimpleCatalog(7);
    clock_.Set(kStart - 1h);
    const std::string uninterrupted = FileOf(RunAll(Create(R"({"limit":2})").value()));
    clock_.Set(kStart);

    const core::JobId id = Create(R"({"limit":2})").value();
    on_write_ = [&](runtime::RunningJob& ctx) {
        const json::value* advancement = ResultOf(ctx.Job()).if_contains("advancement_count");
        if (advancement != nullptr && advancement->as_int64() == 4) {
            ctx.RequestStop(runtime::StopReason::kShutdown);
        }
    };
    auto first = Lease(id);
    ASSERT_TRUE(PreProcess(*first));
    EXPECT_TRUE(Process(*first));
    first.reset();
    on_write_ = nullptr;
    const std::string key(ResultOf(Stored(id)).at("file_key").as_string());
    ASSERT_TRUE(files_->Remove(key));  // the unfinished file is lost (another machine, a wiped disk)

    auto second = Lease(id);
    EXPECT_TRUE(Process(*second));
    const core::BatchJob done = Stored(id);
    EXPECT_EQ(std::string(ResultOf(done).at("file_key").as_string()), key);
    EXPECT_EQ(FileOf(done), uninterrupted);
    EXPECT_EQ(IntAt(ResultOf(done), "advancement_count"), 7);
}

// ---------------------------------------------------------------------------------------------
// Prepare, and what the context does to the export.

std::string Prepared(core::Strategy& strategy, const std::string& context_json) {
    core::CreateInput input{"product-export", json::parse(context_json).as_object(), false};
    auto prepared = strategy.Prepare(input, core::UserId{"usr_test"});
    EXPECT_TRUE(prepared) << context_json << ": " << (prepared ? "" : prepared.error().detail);
    return json::serialize(input.context);
}

core::Error Refused(core::Strategy& strategy, const std::string& context_json) {
    core::CreateInput input{"product-export", json::parse(context_json).as_object(), false};
    auto prepared = strategy.Prepare(input, core::UserId{"usr_test"});
    EXPECT_FALSE(prepared) << context_json << " was accepted: " << json::serialize(input.context);
    return prepared ? core::Error{} : prepared.error();
}

constexpr std::string_view kDefaultRelationsJson =
    R"(["variants","variants.prices","variants.options","profiles","images","options","options.values",)"
    R"("tags","type","collection","variants.prices.region","sales_channels"])";

TEST_F(ProductExportTest, PrepareStoresTheSpecsExactContext) {
    EXPECT_EQ(
        Prepared(*strategy_, R"({"filterable_fields":{"title":"X"}})"),
        R"({"list_config":{"relations":["variants","variants.prices","variants.options","profiles","images","options","options.values","tags","type","collection","variants.prices.region","sales_channels"],"skip":0,"take":50,"order":{"created_at":"DESC"}},"filterable_fields":{"title":"X"}})");
}

TEST_F(ProductExportTest, PrepareKeepsOtherKeysFirstAndDerivesListConfig) {
    EXPECT_EQ(Prepared(*strategy_, "{}"), std::string(R"({"list_config":{"relations":)") +
                                              std::string(kDefaultRelationsJson) +
                                              R"(,"skip":0,"take":50,"order":{"created_at":"DESC"}}})");
    EXPECT_EQ(
        Prepared(
            *strategy_,
            R"({"batch_size":1,"filterable_fields":{"collection_id":"pcol_1"},"order":"created_at","foo":[1]})"),
        std::string(R"({"batch_size":1,"foo":[1],"list_config":{"relations":)") +
            std::string(kDefaultRelationsJson) +
            R"(,"skip":0,"take":50,"order":{"created_at":"ASC"}},"filterable_fields":{"collection_id":"pcol_1"}})");
    EXPECT_EQ(
        Prepared(
            *strategy_,
            R"({"fields":"title,handle","expand":"variants,images","limit":10,"offset":5,"order":"-title"})"),
        R"({"list_config":{"select":["title","handle","created_at","id"],"relations":["variants","images"],)"
        R"("skip":5,"take":10,"order":{"title":"DESC"}}})");
}

TEST_F(ProductExportTest, PrepareRefusesWhatWouldCrashLater) {
    const auto expect_400 = [&](const std::string& context, std::string_view message) {
        const core::Error error = Refused(*strategy_, context);
        EXPECT_EQ(error.code, core::Errc::kInvalidData) << context;
        EXPECT_EQ(error.detail, message) << context;
    };
    expect_400(R"({"filterable_fields":"title"})", "filterable_fields must be an object");
    expect_400(R"({"filterable_fields":[1]})", "filterable_fields must be an object");
    expect_400(R"({"order":"price"})", "Order field price is not valid");
    expect_400(R"({"order":"-variants"})", "Order field variants is not valid");
    expect_400(R"({"limit":-1})", "limit must be a positive integer");
    expect_400(R"({"limit":0})", "limit must be a positive integer");
    expect_400(R"({"offset":-5})", "offset must be a non-negative integer");
    expect_400(R"({"offset":"5"})", "offset must be a non-negative integer");
    expect_400(R"({"batch_size":-1})", "batch_size must be a non-negative integer");
    expect_400(R"({"batch_size":1.5})", "batch_size must be a non-negative integer");
    expect_400(R"({"filterable_fields":{"price_list_id":["pl_1"]}})",
               "filterable_fields.price_list_id is not a supported product filter");
    expect_400(R"({"filterable_fields":{"collection_id":null}})",
               "filterable_fields.collection_id: null (IS NULL) is not supported by the export");
    expect_400(R"({"filterable_fields":{"created_at":{"gt":"1656367200"}}})",
               "filterable_fields.created_at.gt must be an ISO 8601 date");
    expect_400(R"({"filterable_fields":{"created_at":{"after":"2022-01-01"}}})",
               "filterable_fields.created_at.after is not a date comparison (lt, gt, lte, gte)");
    expect_400(R"({"filterable_fields":{"id":[1]}})",
               "filterable_fields.id must be a string or an array of strings");
    expect_400(R"({"filterable_fields":{"status":["sold"]}})",
               "filterable_fields.status must be one of: draft, proposed, published, rejected");
    expect_400(R"({"filterable_fields":{"is_giftcard":"yes"}})",
               "filterable_fields.is_giftcard must be a boolean");
    expect_400(R"({"fields":"title,password"})", "Field password is not valid");
    expect_400(R"({"expand":"variants,secrets"})", "Relation secrets is not valid");

    // And what is fine: every supported filter at once.
    Prepared(*strategy_,
             R"({"filterable_fields":{"id":["a","b"],"q":"x","title":"t","handle":"h",)"
             R"("collection_id":["c"],"type_id":"t","tags":["g"],"sales_channel_id":"s",)"
             R"("category_id":["k"],"status":["draft","published"],"is_giftcard":false,)"
             R"("discountable":"true","created_at":{"gt":"2022-01-01","lte":"2022-06-27T22:00:00.000Z"},)"
             R"("updated_at":{"lt":"2030-01-01T00:00:00Z"}}})");
}

TEST_F(ProductExportTest, NothingMatchingGivesTheHeaderOnlyWithoutCountOrProgress) {
    PutGoldenCatalog(*catalog_);
    const core::BatchJob job = RunAll(Create(R"({"filterable_fields":{"title":"No such product"}})").value());
    const std::string file = FileOf(job);
    EXPECT_EQ(file.size(), kHeaderBytes);
    EXPECT_EQ(file.substr(0, 27), "Product Id;Product Handle;P");
    EXPECT_EQ(file.substr(file.size() - 18), "Variant Material\r\n");
    const json::object& result = ResultOf(job);
    EXPECT_EQ(IntAt(result, "file_size"), 664);
    EXPECT_TRUE(result.contains("stat_descriptors"));
    EXPECT_NE(json::serialize(result.at("stat_descriptors")).find("There will be 0 products"),
              std::string::npos);
    EXPECT_FALSE(result.contains("count")) << json::serialize(result);
    EXPECT_FALSE(result.contains("progress")) << json::serialize(result);

    // An empty IN list matches nothing too (not everything).
    const std::string empty_in = FileOf(RunAll(Create(R"({"filterable_fields":{"id":[]}})").value()));
    EXPECT_EQ(empty_in.size(), kHeaderBytes);
}

TEST_F(ProductExportTest, OffsetBeyondBatchSizeExportsNothing) {
    PutSimpleCatalog(20);
    const core::BatchJob job = RunAll(Create(R"({"offset":10,"batch_size":5})").value());
    EXPECT_EQ(FileOf(job).size(), kHeaderBytes);
    EXPECT_FALSE(ResultOf(job).contains("count"));
    EXPECT_NE(json::serialize(ResultOf(job).at("stat_descriptors")).find("There will be 5 products"),
              std::string::npos);
}

TEST_F(ProductExportTest, BatchSizeIsAnEndPositionAfterOffset) {
    PutSimpleCatalog(20);
    // Rows 2..4 of the newest-first list: Product 18, 17, 16 (pages of 2: the last one is cut to 1).
    const auto lines = SplitLines(FileOf(RunAll(Create(R"({"offset":2,"batch_size":5,"limit":2})").value())));
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_NE(lines[1].find(";Product 18;"), std::string::npos);
    EXPECT_NE(lines[3].find(";Product 16;"), std::string::npos);
}

TEST_F(ProductExportTest, BatchSizeAboveTheMatchCountEndsWhenAPageComesBackEmpty) {
    PutSimpleCatalog(7);
    const core::BatchJob job = RunAll(Create(R"({"batch_size":100,"limit":3})").value());
    EXPECT_EQ(SplitLines(FileOf(job)).size(), 8U);
    EXPECT_EQ(IntAt(ResultOf(job), "count"), 100);  // Medusa's count is N
    EXPECT_EQ(IntAt(ResultOf(job), "advancement_count"), 7);
}

TEST_F(ProductExportTest, QIsHonouredInBothPhases) {
    PutGoldenCatalog(*catalog_);
    const core::BatchJob job = RunAll(Create(R"({"filterable_fields":{"q":"MUG"}})").value());
    const auto lines = SplitLines(FileOf(job));
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(FirstCell(lines[1]), "prod_4");
    EXPECT_NE(json::serialize(ResultOf(job).at("stat_descriptors")).find("There will be 1 products"),
              std::string::npos);
    // The shape is the matching products' only: prod_4's prices (eur, usd) and 3 options.
    EXPECT_NE(lines[0].find("Variant Material;Price EUR;Price USD;Option 1 Name;Option 1 Value;Option 2 Name;"
                            "Option 2 Value;Option 3 Name;Option 3 Value;Product Category 1 Handle;"
                            "Product Category 1 Name;Product Category 1 Description"),
              std::string::npos)
        << lines[0];
}

TEST_F(ProductExportTest, ScenarioTwentyFiveOldestProductOfACollection) {
    PutGoldenCatalog(*catalog_);
    // prod_1 is the only product of pcol_1; with ASC order and batch_size 1 it is the one.
    const core::BatchJob job = RunAll(
        Create(R"({"batch_size":1,"filterable_fields":{"collection_id":"pcol_1"},"order":"created_at"})")
            .value());
    const auto lines = SplitLines(FileOf(job));
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_EQ(FirstCell(lines[1]), "prod_1");
    EXPECT_EQ(FirstCell(lines[2]), "prod_1");

    // id as an array, oldest first: prod_4 then prod_2.
    const auto by_id = SplitLines(FileOf(
        RunAll(Create(R"({"filterable_fields":{"id":["prod_2","prod_4","prod_5"]},"order":"created_at"})")
                   .value())));
    ASSERT_EQ(by_id.size(), 4U);
    EXPECT_EQ(FirstCell(by_id[1]), "prod_4");
    EXPECT_EQ(FirstCell(by_id[2]), "prod_2");
    EXPECT_EQ(FirstCell(by_id[3]), "prod_2");
}

}  // namespace
}  // namespace batchd::strategies
