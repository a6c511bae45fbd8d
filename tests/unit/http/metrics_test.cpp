// GET /metrics: the response counter, the Prometheus text, the memory readings, and the route
// end to end through http::Api over the in-memory database.
#include "http/metrics.hpp"

#include <cstddef>
#include <cstring>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "http/api.hpp"
#include "http_test_support.hpp"

namespace batchd::http {
namespace {

using testing::ApiWorld;
using testing::MakeRequest;

std::vector<std::string> LinesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in{text};
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

TEST(ResponseCounterTest, CountsEachStatusInItsClass) {
    ResponseCounter counter;
    for (int status : {101, 200, 201, 204, 299, 304, 400, 401, 404, 413, 500, 503, 599}) {
        counter.Count(status);
    }
    EXPECT_EQ(counter.Total(1), 1U);
    EXPECT_EQ(counter.Total(2), 4U);
    EXPECT_EQ(counter.Total(3), 1U);
    EXPECT_EQ(counter.Total(4), 4U);
    EXPECT_EQ(counter.Total(5), 3U);
}

TEST(ResponseCounterTest, IgnoresStatusesOutsideHttpAndClassesOutsideOneToFive) {
    ResponseCounter counter;
    for (int status : {-500, 0, 99, 600, 999}) {
        counter.Count(status);
    }
    for (int hundreds = -1; hundreds <= 9; ++hundreds) {
        EXPECT_EQ(counter.Total(hundreds), 0U) << hundreds;
    }
}

TEST(FormatMetricsTest, PrintsEveryMetricWithHelpAndType) {
    MetricsSnapshot snapshot;
    snapshot.responses_by_class = {0, 12, 1, 7, 2};
    snapshot.resident_bytes = 4096;
    snapshot.heap_allocated_bytes = 123456789;
    snapshot.jobs_by_status = {{1, 2, 3, 4, 5, 6, 7}};
    EXPECT_EQ(FormatMetrics(snapshot),
              "# HELP batchd_http_responses_total HTTP responses sent by the API, by status class.\n"
              "# TYPE batchd_http_responses_total counter\n"
              "batchd_http_responses_total{class=\"1xx\"} 0\n"
              "batchd_http_responses_total{class=\"2xx\"} 12\n"
              "batchd_http_responses_total{class=\"3xx\"} 1\n"
              "batchd_http_responses_total{class=\"4xx\"} 7\n"
              "batchd_http_responses_total{class=\"5xx\"} 2\n"
              "# HELP batchd_process_resident_bytes Resident set size of the process.\n"
              "# TYPE batchd_process_resident_bytes gauge\n"
              "batchd_process_resident_bytes 4096\n"
              "# HELP batchd_heap_allocated_bytes Heap bytes in live allocations (the sanitizer's count in a "
              "sanitizer build).\n"
              "# TYPE batchd_heap_allocated_bytes gauge\n"
              "batchd_heap_allocated_bytes 123456789\n"
              "# HELP batchd_jobs Batch jobs of all users by status (soft-deleted ones excluded).\n"
              "# TYPE batchd_jobs gauge\n"
              "batchd_jobs{status=\"created\"} 1\n"
              "batchd_jobs{status=\"pre_processed\"} 2\n"
              "batchd_jobs{status=\"confirmed\"} 3\n"
              "batchd_jobs{status=\"processing\"} 4\n"
              "batchd_jobs{status=\"completed\"} 5\n"
              "batchd_jobs{status=\"canceled\"} 6\n"
              "batchd_jobs{status=\"failed\"} 7\n");
}

TEST(FormatMetricsTest, LeavesOutWhatCouldNotBeRead) {
    MetricsSnapshot snapshot;
    snapshot.responses_by_class = {0, 1, 0, 0, 0};
    const std::string text = FormatMetrics(snapshot);
    EXPECT_NE(text.find("batchd_http_responses_total{class=\"2xx\"} 1\n"), std::string::npos);
    EXPECT_EQ(text.find("batchd_process_resident_bytes"), std::string::npos);
    EXPECT_EQ(text.find("batchd_heap_allocated_bytes"), std::string::npos);
    EXPECT_EQ(text.find("batchd_jobs"), std::string::npos);
}

// The exposition grammar a Prometheus scraper applies: comments are HELP or TYPE, every sample is
// `name{label="value",…} integer`, and every sample's metric was TYPEd before it.
TEST(FormatMetricsTest, EveryLineIsValidExpositionText) {
    MetricsSnapshot snapshot;
    snapshot.responses_by_class = {1, 2, 3, 4, 5};
    snapshot.resident_bytes = ResidentBytes();
    snapshot.heap_allocated_bytes = HeapAllocatedBytes();
    snapshot.jobs_by_status = {{0, 0, 0, 0, 10'000, 0, 0}};
    const std::regex comment{R"(# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)"};
    const std::regex sample{
        R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"\})? -?[0-9]+)"};
    const std::string text = FormatMetrics(snapshot);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    std::vector<std::string> typed;
    std::size_t samples = 0;
    for (const std::string& line : LinesOf(text)) {
        std::smatch match;
        if (std::regex_match(line, match, comment)) {
            if (match[1] == "TYPE") {
                typed.push_back(match[2]);
            }
            continue;
        }
        ASSERT_TRUE(std::regex_match(line, match, sample)) << line;
        ASSERT_FALSE(typed.empty()) << line;
        EXPECT_EQ(match[1], typed.back()) << line;
        ++samples;
    }
    EXPECT_EQ(typed.size(), 4U);
    EXPECT_EQ(samples, 5U + 1U + 1U + 7U);
}

TEST(ProcessMemoryTest, ResidentBytesAreReadFromProc) {
    const auto resident = ResidentBytes();
    ASSERT_TRUE(resident.has_value());
    EXPECT_GT(*resident, 1 << 20);  // any process with a C++ runtime holds more than a megabyte
}

// The heap reading must follow allocations up and back down, or a leak would go unseen.
TEST(ProcessMemoryTest, HeapAllocatedBytesFollowAllocationsAndFrees) {
    constexpr std::size_t kBlock = 16U << 20;
    const auto before = HeapAllocatedBytes();
    ASSERT_TRUE(before.has_value());
    auto block = std::make_unique<char[]>(kBlock);
    std::memset(block.get(), 1, kBlock);
    const auto holding = HeapAllocatedBytes();
    ASSERT_TRUE(holding.has_value());
    EXPECT_GE(*holding - *before, static_cast<std::int64_t>(kBlock) - (1 << 20));
    block.reset();
    const auto after = HeapAllocatedBytes();
    ASSERT_TRUE(after.has_value());
    EXPECT_LE(*after - *before, 1 << 20);
}

class MetricsRouteTest : public ::testing::Test {
protected:
    Response Send(std::string method, std::string target, std::string token = "test_token") {
        return testing::Handle(api_, MakeRequest(std::move(method), std::move(target), {}, std::move(token)));
    }

    std::string Scrape() {
        const Response response = Send("GET", "/metrics", "");
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.content_type, kPrometheusContentType);
        return response.body;
    }

    ApiWorld world_;
    Api api_{world_.services()};
};

TEST_F(MetricsRouteTest, CountsEveryResponseByClass) {
    EXPECT_EQ(Send("GET", "/admin/batch-jobs").status, 200);
    EXPECT_EQ(Send("GET", "/admin/batch-jobs", "wrong_token").status, 401);
    EXPECT_EQ(Send("GET", "/admin/batch-jobs/nope").status, 404);
    EXPECT_EQ(Send("GET", "/no/such/route").status, 404);
    EXPECT_EQ(Send("DELETE", "/health").status, 405);
    const std::string text = Scrape();
    EXPECT_NE(text.find("batchd_http_responses_total{class=\"2xx\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("batchd_http_responses_total{class=\"4xx\"} 4\n"), std::string::npos) << text;
    EXPECT_NE(text.find("batchd_http_responses_total{class=\"5xx\"} 0\n"), std::string::npos) << text;
    // The scrape itself is counted once it is answered.
    EXPECT_NE(Scrape().find("batchd_http_responses_total{class=\"2xx\"} 2\n"), std::string::npos);
}

TEST_F(MetricsRouteTest, RefusalsOfAdmitAreCounted) {
    Request head = MakeRequest("POST", "/admin/uploads", {}, "wrong_token");
    boost::asio::io_context io;
    std::optional<Response> refusal;
    boost::asio::co_spawn(io, api_.Admit(head),
                          [&](std::exception_ptr error, std::optional<Response> answer) {
                              ASSERT_FALSE(error);
                              refusal = std::move(answer);
                          });
    io.run();
    ASSERT_TRUE(refusal.has_value());
    ASSERT_EQ(refusal->status, 401);
    EXPECT_NE(Scrape().find("batchd_http_responses_total{class=\"4xx\"} 1\n"), std::string::npos);
}

TEST_F(MetricsRouteTest, NeedsNoCredentialsAndReportsMemory) {
    const std::string text = Scrape();
    const std::regex resident{R"((^|\n)batchd_process_resident_bytes [1-9][0-9]*\n)"};
    const std::regex heap{R"((^|\n)batchd_heap_allocated_bytes [1-9][0-9]*\n)"};
    EXPECT_TRUE(std::regex_search(text, resident)) << text;
    EXPECT_TRUE(std::regex_search(text, heap)) << text;
}

TEST_F(MetricsRouteTest, CountsJobsOfEveryUserByStatus) {
    const core::TimePoint at{std::chrono::milliseconds{1'700'000'000'000}};
    world_.Seed("job_created", "admin_user");
    world_.Seed("job_created_2", "member-user");
    world_.Seed("job_pre", "admin_user", [&](core::BatchJob& job) { job.pre_processed_at = at; });
    world_.Seed("job_confirmed", "other_user", [&](core::BatchJob& job) {
        job.pre_processed_at = at;
        job.confirmed_at = at;
    });
    world_.Seed("job_processing", "admin_user", [&](core::BatchJob& job) {
        job.confirmed_at = at;
        job.processing_at = at;
    });
    world_.Seed("job_completed", std::nullopt, [&](core::BatchJob& job) {
        job.processing_at = at;
        job.completed_at = at;
    });
    world_.Seed("job_canceled", "admin_user", [&](core::BatchJob& job) { job.canceled_at = at; });
    // failed wins over canceled, completed and processing (core::StatusOf)
    world_.Seed("job_failed", "admin_user", [&](core::BatchJob& job) {
        job.processing_at = at;
        job.canceled_at = at;
        job.failed_at = at;
    });
    world_.Seed("job_deleted", "admin_user", [&](core::BatchJob& job) {
        job.completed_at = at;
        job.deleted_at = at;
    });
    const std::string text = Scrape();
    for (const char* line : {
             "batchd_jobs{status=\"created\"} 2\n",
             "batchd_jobs{status=\"pre_processed\"} 1\n",
             "batchd_jobs{status=\"confirmed\"} 1\n",
             "batchd_jobs{status=\"processing\"} 1\n",
             "batchd_jobs{status=\"completed\"} 1\n",
             "batchd_jobs{status=\"canceled\"} 1\n",
             "batchd_jobs{status=\"failed\"} 1\n",
         }) {
        EXPECT_NE(text.find(line), std::string::npos) << line << text;
    }
}

}  // namespace
}  // namespace batchd::http
