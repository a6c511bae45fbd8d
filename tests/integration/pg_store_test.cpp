// PostgreSQL-specific behaviour of the store, beyond the contract every adapter passes: what the
// rows look like in SQL, jsonb's number handling, text PostgreSQL refuses, the bounded pool.
#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "core/batch_job.hpp"
#include "integration/pg_test_support.hpp"
#include "store/postgres/pg_database.hpp"

namespace batchd::pgtest {
namespace {

using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

const core::TimePoint kT0{std::chrono::milliseconds{1'656'367'200'123}};

core::BatchJob NewJob(std::string id) {
    core::BatchJob job;
    job.id = core::JobId{std::move(id)};
    job.type = "product-export";
    job.created_by = core::UserId{"user_1"};
    job.context = boost::json::object{};
    job.created_at = kT0;
    job.updated_at = kT0;
    return job;
}

std::string Scalar(PGconn* conn, const std::string& sql, const std::vector<std::string>& params = {}) {
    const PgResult result = Exec(conn, sql, params);
    return PQntuples(result.get()) > 0 ? std::string(PQgetvalue(result.get(), 0, 0)) : std::string();
}

class PgStore : public ::testing::Test {
protected:
    void SetUp() override {
        if (TestUrl().empty()) {
            SkipWithoutServer();
            return;
        }
        db_ = std::make_unique<SchemaDatabase>(TestUrl());
    }

    std::unique_ptr<SchemaDatabase> db_;
};

TEST_F(PgStore, RoundsOfSixteenRacingCompareAndSetsHaveExactlyOneWinnerEach) {
    constexpr int kRounds = 20;
    constexpr int kThreads = 16;
    auto inserted = db_->Insert(NewJob("job_1"), {});
    ASSERT_TRUE(inserted.has_value());
    core::BatchJob current = *inserted;
    for (int round = 0; round < kRounds; ++round) {
        std::atomic<int> winners{0};
        std::atomic<int> losers{0};
        std::atomic<int> failures{0};
        std::latch start{kThreads};
        {
            std::vector<std::jthread> threads;
            for (int i = 0; i < kThreads; ++i) {
                threads.emplace_back([&, i] {
                    core::BatchJob next = current;
                    next.result = boost::json::object{{"round", round}, {"writer", i}};
                    const std::vector<std::string_view> events{"batch.updated"};
                    start.arrive_and_wait();
                    auto written = db_->CompareAndSet(next, current.version, events);
                    if (!written) {
                        ++failures;
                    } else if (*written) {
                        ++winners;
                    } else {
                        ++losers;
                    }
                });
            }
        }
        ASSERT_EQ(winners.load(), 1) << "round " << round;
        ASSERT_EQ(losers.load(), kThreads - 1) << "round " << round;
        ASSERT_EQ(failures.load(), 0) << "round " << round;
        auto read = db_->Get(current.id);
        ASSERT_TRUE(read.has_value());
        EXPECT_EQ(read->version, current.version + 1);
        const boost::json::value* written_round = read.value().result.as_object().if_contains("round");
        ASSERT_NE(written_round, nullptr);
        EXPECT_EQ(written_round->as_int64(), round);
        current = *read;
    }
    auto events = db_->TakeEvents(1000);
    ASSERT_TRUE(events.has_value());
    EXPECT_EQ(events->size(), static_cast<std::size_t>(kRounds)) << "exactly one event per winning write";
}

TEST_F(PgStore, TheStatusColumnIsDerivedFromTheTimestampsOnEveryWrite) {
    core::BatchJob job = NewJob("job_1");
    auto inserted = db_->Insert(job, {});
    ASSERT_TRUE(inserted.has_value());
    const auto status = [&] {
        return Scalar(db_->Schema().Conn(), "SELECT status FROM batch_job WHERE id = $1", {"job_1"});
    };
    EXPECT_EQ(status(), "created");

    core::BatchJob next = *inserted;
    next.pre_processed_at = next.confirmed_at = kT0 + 1s;
    auto confirmed = db_->CompareAndSet(next, inserted->version, {});
    ASSERT_TRUE(confirmed.has_value() && confirmed->has_value());
    EXPECT_EQ(status(), "confirmed");

    next = **confirmed;
    next.processing_at = kT0 + 2s;
    next.failed_at = kT0 + 3s;
    auto failed = db_->CompareAndSet(next, next.version, {});
    ASSERT_TRUE(failed.has_value() && failed->has_value());
    EXPECT_EQ(status(), "failed");
}

TEST_F(PgStore, TimestampsAreStoredAsTimestamptzToTheMillisecond) {
    core::BatchJob job = NewJob("job_1");
    job.completed_at = kT0 + 456ms;
    ASSERT_TRUE(db_->Insert(job, {}).has_value());
    EXPECT_EQ(
        Scalar(
            db_->Schema().Conn(),
            "SELECT to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') FROM batch_job"),
        "2022-06-27T22:00:00.579");
    EXPECT_EQ(Scalar(db_->Schema().Conn(), "SELECT pg_typeof(completed_at)::text FROM batch_job"),
              "timestamp with time zone");
}

TEST_F(PgStore, JsonNumbersKeepTheirKindThroughJsonb) {
    // jsonb stores numbers as numeric and would print 1E0 back as 1, an integer: whole doubles
    // must still read back as doubles (progress 1.0 at completion), integers as integers.
    core::BatchJob job = NewJob("job_1");
    job.result = boost::json::object{{"progress", 1.0},
                                     {"half", 0.5},
                                     {"huge", 1e20},
                                     {"tiny", 1.5e-7},
                                     {"negative", -2.0},
                                     {"count", 3},
                                     {"big", 9007199254740993},
                                     {"unsigned", 18446744073709551615ULL}};
    ASSERT_TRUE(db_->Insert(job, {}).has_value());
    auto read = db_->Get(job.id);
    ASSERT_TRUE(read.has_value());
    const boost::json::object& result = read->result.as_object();
    EXPECT_TRUE(result.at("progress").is_double());
    EXPECT_EQ(result.at("progress").as_double(), 1.0);
    EXPECT_EQ(result.at("half").as_double(), 0.5);
    EXPECT_TRUE(result.at("huge").is_double());
    EXPECT_EQ(result.at("huge").as_double(), 1e20);
    EXPECT_EQ(result.at("tiny").as_double(), 1.5e-7);
    EXPECT_EQ(result.at("negative").as_double(), -2.0);
    EXPECT_EQ(result.at("count").as_int64(), 3);
    EXPECT_EQ(result.at("big").as_int64(), 9007199254740993);
    EXPECT_EQ(result.at("unsigned").as_uint64(), 18446744073709551615ULL);
    EXPECT_EQ(read->result, job.result);
    EXPECT_EQ(Scalar(db_->Schema().Conn(), "SELECT jsonb_typeof(result -> 'progress') FROM batch_job"),
              "number");
}

TEST_F(PgStore, TextWithANulCharacterIsRefusedNotCutShort) {
    // libpq takes C strings: "job_1\0x" would otherwise be stored, and found, as "job_1".
    auto inserted = db_->Insert(NewJob(std::string("job_1\0x", 7)), {});
    ASSERT_FALSE(inserted.has_value());
    EXPECT_EQ(inserted.error().code, core::Errc::kInvalidData);
    ASSERT_TRUE(db_->Insert(NewJob("job_2"), {}).has_value());
    auto read = db_->Get(core::JobId{std::string("job_2\0x", 7)});
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, core::Errc::kInvalidData);
}

TEST_F(PgStore, JsonThatJsonbRefusesIsInvalidDataAndTheServerMessageStaysInTheLog) {
    core::BatchJob job = NewJob("job_1");
    job.context = boost::json::object{{"name", std::string("a\0b", 3)}};  // jsonb has no \u0000
    const std::vector<std::string_view> created{"batch.created"};
    auto inserted = db_->Insert(job, created);
    ASSERT_FALSE(inserted.has_value());
    EXPECT_EQ(inserted.error().code, core::Errc::kInvalidData);
    EXPECT_EQ(inserted.error().detail.find("\\u0000"), std::string::npos) << inserted.error().detail;
    auto events = db_->TakeEvents(10);
    ASSERT_TRUE(events.has_value());
    EXPECT_TRUE(events->empty());
}

TEST_F(PgStore, EventsOfARefusedWriteAreNotRecorded) {
    core::BatchJob job = NewJob("job_1");
    const std::vector<std::string_view> created{"batch.created"};
    const std::vector<std::string_view> both{"batch.created", "batch.updated"};
    ASSERT_TRUE(db_->Insert(job, created).has_value());
    auto again = db_->Insert(job, both);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(Scalar(db_->Schema().Conn(), "SELECT count(*) FROM batch_job_event"), "1");
}

TEST_F(PgStore, IdsAndTypesWithArraySyntaxInThemAreMatchedLiterally) {
    // List and claims bind ids and types as one text[] parameter: its literal must escape them.
    const std::vector<std::string> odd{"job,1", "job{2}", "job\"3", "job\\4", "NULL", " job 6 "};
    for (const std::string& id : odd) {
        core::BatchJob job = NewJob(id);
        job.type = "type:" + id;
        ASSERT_TRUE(db_->Insert(job, {}).has_value()) << id;
    }
    ASSERT_TRUE(db_->Insert(NewJob("job"), {}).has_value());
    core::JobQuery query;
    query.direction = core::SortDirection::kAscending;
    query.order_by = core::JobColumn::kId;
    for (const std::string& id : odd) {
        query.ids = {core::JobId{id}};
        auto page = db_->List(query);
        ASSERT_TRUE(page.has_value());
        ASSERT_EQ(page->jobs.size(), 1U) << id;
        EXPECT_EQ(page->jobs[0].id.value, id);
    }
    query.ids.clear();
    for (const std::string& id : odd) {
        query.types = {"type:" + id};
        auto page = db_->List(query);
        ASSERT_TRUE(page.has_value());
        ASSERT_EQ(page->jobs.size(), 1U) << id;
        EXPECT_EQ(page->jobs[0].id.value, id);
    }
    const std::vector<std::string> types{"type:job\"3"};
    auto claim = db_->ClaimNextPhase(core::WorkerId{"w"}, kT0, 1s, types);
    ASSERT_TRUE(claim.has_value() && claim->has_value());
    EXPECT_EQ((*claim)->job.id.value, "job\"3");
}

TEST_F(PgStore, AKeyValueConnectionStringWorksLikeAUri) {
    // Rebuild the test URL as "host=… port=… …" through libpq's own parser.
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(TestUrl().c_str(), &error);
    ASSERT_NE(options, nullptr) << (error != nullptr ? error : "");
    std::string conninfo;
    for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
        if (option->val != nullptr && option->val[0] != '\0') {
            conninfo += std::string(option->keyword) + "='" + option->val + "' ";
        }
    }
    PQconninfoFree(options);
    TestSchema schema{TestUrl()};
    auto db = store::postgres::MakePgDatabase({.url = WithSetting(conninfo, "search_path", schema.Name())});
    ASSERT_TRUE(db->Insert(NewJob("job_1"), {}).has_value());
    EXPECT_EQ(Scalar(schema.Conn(), "SELECT count(*) FROM batch_job"), "1");
}

TEST_F(PgStore, ThePoolNeverOpensMoreThanPoolSizeConnections) {
    constexpr int kPoolSize = 3;
    const std::string application = "batchd_pool_test_" + std::to_string(getpid());
    TestSchema schema{TestUrl()};
    // The URL's application_name wins over the adapter's, which tells this pool's sessions apart.
    auto db = store::postgres::MakePgDatabase(
        {.url = WithParameter(schema.Url(), "application_name", application), .pool_size = kPoolSize});
    const auto sessions = [&] {
        return std::stoi(Scalar(schema.Conn(),
                                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                                {application}));
    };
    // The migration's own connection may take a moment to go away.
    for (int i = 0; i < 100 && sessions() > 1; ++i) {
        std::this_thread::sleep_for(20ms);
    }
    std::atomic<bool> done{false};
    std::atomic<int> most{0};
    std::jthread sampler{[&] {
        while (!done) {
            most = std::max(most.load(), sessions());
            std::this_thread::sleep_for(1ms);
        }
    }};
    std::atomic<int> failures{0};
    std::atomic<int> claimed{0};
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 12; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 20; ++i) {
                    auto inserted =
                        db->Insert(NewJob("job_" + std::to_string(t) + "_" + std::to_string(i)), {});
                    // A claim may find nothing: the jobs left may be locked by other claimers.
                    auto claim = db->ClaimNextPhase(core::WorkerId{"w"}, kT0, 1s, {});
                    if (!inserted || !claim) {
                        ++failures;
                    } else if (*claim) {
                        ++claimed;
                    }
                }
            });
        }
    }
    done = true;
    sampler.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_LE(most.load(), kPoolSize);
    EXPECT_GE(most.load(), 1);
    EXPECT_EQ(Scalar(schema.Conn(), "SELECT count(*) FROM batch_job"), "240");
    EXPECT_EQ(Scalar(schema.Conn(), "SELECT count(*) FROM batch_job WHERE lease_owner IS NOT NULL"),
              std::to_string(claimed.load()));
}

}  // namespace
}  // namespace batchd::pgtest
