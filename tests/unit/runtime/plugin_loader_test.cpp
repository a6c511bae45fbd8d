#include "runtime/plugin_loader.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/system_clock.hpp"
#include "runtime/worker_pool.hpp"
#include "runtime_test_support.hpp"

#if !defined(BATCHD_TEST_PLUGIN_PATH) || !defined(BATCHD_EXAMPLE_PLUGIN_PATH)
#error "BATCHD_TEST_PLUGIN_PATH and BATCHD_EXAMPLE_PLUGIN_PATH must name the plugins (tests/plugin, examples)"
#endif

namespace batchd::runtime {
namespace {

using ::testing::HasSubstr;
using testing::InsertJob;
using testing::WaitUntil;

// The loader throws at startup; the message must name the file and say what is wrong with it.
std::string LoadError(const std::filesystem::path& path) {
    core::StrategyRegistry registry;
    try {
        LoadPlugin(path, registry);
    } catch (const std::runtime_error& error) {
        EXPECT_TRUE(registry.Types().empty());
        return error.what();
    }
    ADD_FAILURE() << path << " was loaded";
    return {};
}

TEST(PluginLoader, LoadsTheTestPluginAndRegistersItsTypes) {
    core::StrategyRegistry registry;
    const auto added = LoadPlugin(BATCHD_TEST_PLUGIN_PATH, registry);
    EXPECT_EQ(added, (std::vector<std::string>{"test-count", "test-fail", "test-noop", "test-sleep"}));
    EXPECT_EQ(registry.Types(), added);
}

TEST(PluginLoader, RejectsAFileThatIsNotASharedLibrary) {
    const auto path = std::filesystem::temp_directory_path() / "batchd_not_a_plugin.so";
    std::ofstream{path} << "not an ELF file\n";
    EXPECT_THAT(LoadError(path), HasSubstr("cannot load plugin " + path.string()));
    std::filesystem::remove(path);
}

TEST(PluginLoader, RejectsAMissingFile) {
    EXPECT_THAT(LoadError("/nonexistent/batchd_plugin.so"), HasSubstr("/nonexistent/batchd_plugin.so"));
}

TEST(PluginLoader, RejectsASharedLibraryWithoutTheEntryPoint) {
    EXPECT_THAT(LoadError("libm.so.6"), HasSubstr("libm.so.6 is not a batchd plugin"));
}

TEST(PluginLoader, RefusesATypeThatIsAlreadyRegistered) {
    core::StrategyRegistry registry;
    LoadPlugin(BATCHD_TEST_PLUGIN_PATH, registry);
    EXPECT_THROW(LoadPlugin(BATCHD_TEST_PLUGIN_PATH, registry), std::runtime_error);
}

TEST(TestPlugin, TestFailRejectsTheCreateInPrepare) {
    core::StrategyRegistry registry;
    LoadPlugin(BATCHD_TEST_PLUGIN_PATH, registry);
    core::CreateInput input{"test-fail", {{"phase", "prepare"}, {"message", "no thanks"}}, false};
    const auto prepared = registry.Find("test-fail")->Prepare(input, core::UserId{"usr_1"});
    ASSERT_FALSE(prepared);
    EXPECT_EQ(prepared.error().code, core::Errc::kInvalidData);
    EXPECT_EQ(prepared.error().detail, "no thanks");

    core::CreateInput bad_count{"test-count", {{"n", -1}}, false};
    EXPECT_FALSE(registry.Find("test-count")->Prepare(bad_count, core::UserId{"usr_1"}));
}

TEST(TestPlugin, TestCountRunsToCompletedInAWorkerPool) {
    core::StrategyRegistry registry;
    LoadPlugin(BATCHD_TEST_PLUGIN_PATH, registry);
    fakes::InMemoryDatabase db;
    SystemClock clock;
    testing::NoBlobStore files;
    InsertJob(db, "job_1", "test-count", {{"n", 250}});
    InsertJob(db, "job_2", "test-fail", {{"phase", "pre_process"}, {"message", "bad file"}});

    WorkerConfig config;
    config.workers = 2;
    config.poll = std::chrono::milliseconds{10};
    config.progress_interval = std::chrono::milliseconds{5};
    WorkerPool pool{config, db, registry, clock, files, nullptr};
    pool.Start();
    const bool done = WaitUntil([&] {
        return core::StatusOf(db.Get(core::JobId{"job_1"}).value()) == core::JobStatus::kCompleted &&
               core::StatusOf(db.Get(core::JobId{"job_2"}).value()) == core::JobStatus::kFailed;
    });
    pool.Stop();
    ASSERT_TRUE(done);

    const core::BatchJob counted = db.Get(core::JobId{"job_1"}).value();
    EXPECT_EQ(counted.result.at("count").as_int64(), 250);
    EXPECT_EQ(counted.result.at("advancement_count").as_int64(), 250);
    EXPECT_EQ(counted.cursor.at("next").as_int64(), 200);
    EXPECT_EQ(counted.result.at("stat_descriptors"),
              (boost::json::array{{{"key", "test-count"},
                                   {"name", "Units to count"},
                                   {"message", "There will be 250 units counted by this action"}}}));
    EXPECT_EQ(db.Get(core::JobId{"job_2"}).value().result.at("errors"), (boost::json::array{"bad file"}));
}

// The example users copy must itself work: validate, count, checkpoint.
TEST(ExamplePlugin, ExampleCountValidatesItsContextAndCountsToN) {
    core::StrategyRegistry registry;
    EXPECT_EQ(LoadPlugin(BATCHD_EXAMPLE_PLUGIN_PATH, registry), std::vector<std::string>{"example-count"});
    const core::Strategy* strategy = registry.Find("example-count");
    ASSERT_NE(strategy, nullptr);
    for (const boost::json::object& bad :
         {boost::json::object{}, boost::json::object{{"n", -1}}, boost::json::object{{"n", "ten"}},
          boost::json::object{{"n", 1.5}}, boost::json::object{{"n", 10}, {"delay_ms", 1'000'000}}}) {
        core::CreateInput input{"example-count", bad, false};
        const auto prepared = strategy->Prepare(input, core::UserId{"usr_1"});
        ASSERT_FALSE(prepared) << boost::json::serialize(bad);
        EXPECT_EQ(prepared.error().code, core::Errc::kInvalidData);
        EXPECT_THAT(prepared.error().detail, ::testing::StartsWith("context."));
    }
    core::CreateInput input{"example-count", {{"n", 120.0}}, false};
    ASSERT_TRUE(strategy->Prepare(input, core::UserId{"usr_1"}));
    EXPECT_EQ(input.context.at("n"), 120);
    EXPECT_EQ(input.context.at("delay_ms"), 0);

    fakes::InMemoryDatabase db;
    SystemClock clock;
    testing::NoBlobStore files;
    InsertJob(db, "job_1", "example-count", input.context);
    WorkerConfig config;
    config.poll = std::chrono::milliseconds{10};
    WorkerPool pool{config, db, registry, clock, files, nullptr};
    pool.Start();
    const bool done = WaitUntil(
        [&] { return core::StatusOf(db.Get(core::JobId{"job_1"}).value()) == core::JobStatus::kCompleted; });
    pool.Stop();
    ASSERT_TRUE(done);
    const core::BatchJob job = db.Get(core::JobId{"job_1"}).value();
    EXPECT_EQ(job.result.at("count").as_int64(), 120);
    EXPECT_EQ(job.result.at("advancement_count").as_int64(), 120);
    EXPECT_EQ(job.cursor.at("next").as_int64(), 100);
    EXPECT_EQ(job.result.at("stat_descriptors").at(0).at("message").as_string(),
              "There will be 120 units counted by this action");
}

}  // namespace
}  // namespace batchd::runtime
