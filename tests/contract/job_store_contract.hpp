#pragma once

// The JobStore contract: one typed GoogleTest suite that every store adapter (and the in-memory
// fake) must pass. To run it against an adapter, write a factory
//
//     struct MyFactory {
//         static std::unique_ptr<core::Database> Make();  // a fresh, empty database
//         // Sets deleted_at as nothing in the API does, for the invisibility tests.
//         static void SoftDelete(core::Database& db, const core::JobId& id, core::TimePoint at);
//     };
//
// and, in a test file of its own, in namespace batchd::contract:
//
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, JobStoreContract, MyFactory);
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, UserStoreContract, MyFactory);  // user_store_contract.hpp

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "core/batch_job.hpp"
#include "core/job_mutations.hpp"
#include "core/ports/database.hpp"

namespace batchd::contract {

using std::chrono_literals::operator""h;
using std::chrono_literals::operator""min;
using std::chrono_literals::operator""s;
using std::chrono_literals::operator""ms;

// 2022-06-27T22:00:00.000Z, the time of Medusa's fixtures.
inline const core::TimePoint kT0{std::chrono::milliseconds{1'656'367'200'000}};

inline constexpr std::array kTimestampColumns{
    core::JobColumn::kPreProcessedAt, core::JobColumn::kConfirmedAt, core::JobColumn::kProcessingAt,
    core::JobColumn::kCompletedAt,    core::JobColumn::kCanceledAt,  core::JobColumn::kFailedAt,
    core::JobColumn::kCreatedAt,      core::JobColumn::kUpdatedAt,
};

inline constexpr std::array kAllJobColumns{
    core::JobColumn::kId,           core::JobColumn::kType,           core::JobColumn::kCreatedBy,
    core::JobColumn::kDryRun,       core::JobColumn::kPreProcessedAt, core::JobColumn::kConfirmedAt,
    core::JobColumn::kProcessingAt, core::JobColumn::kCompletedAt,    core::JobColumn::kCanceledAt,
    core::JobColumn::kFailedAt,     core::JobColumn::kCreatedAt,      core::JobColumn::kUpdatedAt,
};

inline bool IsNullable(core::JobColumn column) {
    return column != core::JobColumn::kCreatedAt && column != core::JobColumn::kUpdatedAt &&
           column != core::JobColumn::kId && column != core::JobColumn::kType &&
           column != core::JobColumn::kDryRun;
}

/// A created job of `user`, as the API would insert it.
inline core::BatchJob NewJob(std::string id,
                             std::string type = "product-export",
                             std::optional<std::string> user = "user_1",
                             core::TimePoint created_at = kT0) {
    core::BatchJob job;
    job.id = core::JobId{std::move(id)};
    job.type = std::move(type);
    if (user) {
        job.created_by = core::UserId{std::move(*user)};
    }
    job.context = boost::json::object{};
    job.created_at = created_at;
    job.updated_at = created_at;
    return job;
}

/// The timestamp field of `column` (a timestamp column).
inline std::optional<core::TimePoint>& TimestampField(core::BatchJob& job, core::JobColumn column) {
    switch (column) {
        case core::JobColumn::kPreProcessedAt:
            return job.pre_processed_at;
        case core::JobColumn::kConfirmedAt:
            return job.confirmed_at;
        case core::JobColumn::kProcessingAt:
            return job.processing_at;
        case core::JobColumn::kCompletedAt:
            return job.completed_at;
        case core::JobColumn::kCanceledAt:
            return job.canceled_at;
        default:
            return job.failed_at;
    }
}

/// Sets a timestamp column; created_at and updated_at are not optional, so `at` must be set for them.
inline void SetTimestamp(core::BatchJob& job, core::JobColumn column, std::optional<core::TimePoint> at) {
    if (column == core::JobColumn::kCreatedAt) {
        job.created_at = at.value();
    } else if (column == core::JobColumn::kUpdatedAt) {
        job.updated_at = at.value();
    } else {
        TimestampField(job, column) = at;
    }
}

inline std::optional<std::int64_t> Ms(const std::optional<core::TimePoint>& at) {
    return at ? std::optional{at->time_since_epoch().count()} : std::nullopt;
}

inline std::vector<std::string> IdsOf(const std::vector<core::BatchJob>& jobs) {
    std::vector<std::string> ids;
    for (const core::BatchJob& job : jobs) {
        ids.push_back(job.id.value);
    }
    return ids;
}

inline std::vector<std::string> NamesOf(const std::vector<core::RecordedEvent>& events) {
    std::vector<std::string> names;
    for (const core::RecordedEvent& event : events) {
        names.push_back(event.name);
    }
    return names;
}

/// Every field but the version, which the store owns.
inline void ExpectSameJob(const core::BatchJob& actual, const core::BatchJob& expected) {
    EXPECT_EQ(actual.id.value, expected.id.value);
    EXPECT_EQ(actual.type, expected.type);
    EXPECT_EQ(actual.created_by.has_value(), expected.created_by.has_value());
    if (actual.created_by && expected.created_by) {
        EXPECT_EQ(actual.created_by->value, expected.created_by->value);
    }
    EXPECT_EQ(actual.context, expected.context);
    EXPECT_EQ(actual.result, expected.result);
    EXPECT_EQ(actual.dry_run, expected.dry_run);
    EXPECT_EQ(Ms(actual.pre_processed_at), Ms(expected.pre_processed_at));
    EXPECT_EQ(Ms(actual.confirmed_at), Ms(expected.confirmed_at));
    EXPECT_EQ(Ms(actual.processing_at), Ms(expected.processing_at));
    EXPECT_EQ(Ms(actual.completed_at), Ms(expected.completed_at));
    EXPECT_EQ(Ms(actual.canceled_at), Ms(expected.canceled_at));
    EXPECT_EQ(Ms(actual.failed_at), Ms(expected.failed_at));
    EXPECT_EQ(Ms(actual.created_at), Ms(expected.created_at));
    EXPECT_EQ(Ms(actual.updated_at), Ms(expected.updated_at));
    EXPECT_EQ(Ms(actual.deleted_at), Ms(expected.deleted_at));
    EXPECT_EQ(actual.lease.owner.has_value(), expected.lease.owner.has_value());
    if (actual.lease.owner && expected.lease.owner) {
        EXPECT_EQ(actual.lease.owner->value, expected.lease.owner->value);
    }
    EXPECT_EQ(actual.lease.epoch, expected.lease.epoch);
    EXPECT_EQ(Ms(actual.lease.expires_at), Ms(expected.lease.expires_at));
    EXPECT_EQ(actual.cursor, expected.cursor);
    EXPECT_EQ(actual.attempts, expected.attempts);
}

/// Builds a core::TimestampFilter: `Filter(JobColumn::kCreatedAt).Gt(t1).Lte(t3)`.
class Filter {
public:
    explicit Filter(core::JobColumn column) { filter_.column = column; }
    Filter& IsNull() {
        filter_.is_null = true;
        return *this;
    }
    Filter& Lt(core::TimePoint at) {
        filter_.lt = at;
        return *this;
    }
    Filter& Gt(core::TimePoint at) {
        filter_.gt = at;
        return *this;
    }
    Filter& Lte(core::TimePoint at) {
        filter_.lte = at;
        return *this;
    }
    Filter& Gte(core::TimePoint at) {
        filter_.gte = at;
        return *this;
    }
    operator core::TimestampFilter() const { return filter_; }  // NOLINT(google-explicit-constructor)

private:
    core::TimestampFilter filter_;
};

template <class Factory>
class JobStoreContract : public ::testing::Test {
protected:
    // A factory may skip (GTEST_SKIP) and return null, e.g. when its server is not configured.
    void SetUp() override {
        if (db_ == nullptr) {
            GTEST_SKIP() << "the factory made no database";
        }
    }

    core::Database& Db() { return *db_; }

    core::BatchJob Insert(const core::BatchJob& job, std::vector<std::string_view> events = {}) {
        auto inserted = db_->Insert(job, events);
        EXPECT_TRUE(inserted.has_value())
            << job.id.value << ": " << (inserted ? "" : inserted.error().detail);
        return inserted ? inserted.value() : job;
    }

    std::vector<std::string> ListIds(const core::JobQuery& query) {
        auto page = db_->List(query);
        EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().detail);
        return page ? IdsOf(page.value().jobs) : std::vector<std::string>{};
    }

    std::vector<core::RecordedEvent> TakeAllEvents() {
        auto events = db_->TakeEvents(1000);
        EXPECT_TRUE(events.has_value());
        return events ? events.value() : std::vector<core::RecordedEvent>{};
    }

    std::optional<core::Claim> Claim(const std::string& worker,
                                     core::TimePoint now,
                                     core::Duration lease_for = 1min,
                                     std::vector<std::string> types = {}) {
        auto claim = db_->ClaimNextPhase(core::WorkerId{worker}, now, lease_for, types);
        EXPECT_TRUE(claim.has_value()) << (claim ? "" : claim.error().detail);
        return claim ? claim.value() : std::nullopt;
    }

    void SoftDelete(const std::string& id, core::TimePoint at) {
        Factory::SoftDelete(*db_, core::JobId{id}, at);
    }

    std::unique_ptr<core::Database> db_ = Factory::Make();
};

TYPED_TEST_SUITE_P(JobStoreContract);

// ---- insert and get ----------------------------------------------------------------------------

TYPED_TEST_P(JobStoreContract, InsertThenGetReturnsEveryField) {
    core::BatchJob job = NewJob("batch_01G8T782965PYFG0751G0Z38B4", "product-import", "user_7");
    job.context = boost::json::parse(R"({"fileKey":"Ærø 🚀 ✓.csv","nested":{"list":[1,2.5,"x",null,true],
                                         "empty":{}},"quote":"a\"b\\c\n"})");
    job.result =
        boost::json::parse(R"({"count":3,"stat_descriptors":[{"key":"k","name":"Ærø","message":"✓"}]})");
    job.dry_run = true;
    job.pre_processed_at = kT0 + 1ms;
    job.confirmed_at = kT0 + 2ms;
    job.processing_at = kT0 + 3ms;
    job.completed_at = kT0 + 4ms;
    job.canceled_at = kT0 + 5ms;
    job.failed_at = kT0 + 6ms;
    job.created_at = kT0 - 1000ms;
    job.updated_at = kT0 + 7ms;
    job.lease.owner = core::WorkerId{"host:1:2"};
    job.lease.epoch = 4;
    job.lease.expires_at = kT0 + 1h;
    job.cursor = boost::json::parse(R"({"after":"prod_01","page":[7]})");
    job.attempts = 2;

    auto inserted = this->Db().Insert(job, {});
    ASSERT_TRUE(inserted.has_value());
    ExpectSameJob(inserted.value(), job);
    EXPECT_EQ(inserted.value().version, 1);

    auto read = this->Db().Get(job.id);
    ASSERT_TRUE(read.has_value());
    ExpectSameJob(read.value(), job);
    EXPECT_EQ(read.value().version, 1);
}

TYPED_TEST_P(JobStoreContract, NullContextResultAndCursorReadBackAsNull) {
    core::BatchJob job = NewJob("job_1", "product-export", std::nullopt);
    job.context = nullptr;
    job.result = nullptr;
    job.cursor = nullptr;
    this->Insert(job);

    auto read = this->Db().Get(core::JobId{"job_1"});
    ASSERT_TRUE(read.has_value());
    // value(), not ->: g++ -O2 cannot tell that the assertion ruled out a null operator->().
    const core::BatchJob& got = read.value();
    EXPECT_TRUE(got.context.is_null());
    EXPECT_TRUE(got.result.is_null());
    EXPECT_TRUE(got.cursor.is_null());
    EXPECT_FALSE(got.created_by.has_value());
    EXPECT_FALSE(got.lease.owner.has_value());
    EXPECT_FALSE(got.lease.expires_at.has_value());
}

TYPED_TEST_P(JobStoreContract, ExplicitIdsAreKeptAsGiven) {
    this->Insert(NewJob("job_1"));
    this->Insert(NewJob("job_2"));
    auto read = this->Db().Get(core::JobId{"job_2"});
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read.value().id.value, "job_2");
}

TYPED_TEST_P(JobStoreContract, InsertingATakenIdIsADuplicateAndChangesNothing) {
    this->Insert(NewJob("job_1", "product-export"), {"batch.created"});
    const std::vector<std::string_view> events{"batch.created"};
    auto again = this->Db().Insert(NewJob("job_1", "product-import"), events);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, core::Errc::kDuplicate);

    auto read = this->Db().Get(core::JobId{"job_1"});
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read.value().type, "product-export");
    EXPECT_EQ(this->TakeAllEvents().size(), 1U) << "the refused insert recorded an event";
}

TYPED_TEST_P(JobStoreContract, GettingAnUnknownIdIsNotFoundWithMedusasMessage) {
    auto read = this->Db().Get(core::JobId{"batch_nope"});
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, core::Errc::kNotFound);
    EXPECT_EQ(read.error().detail, "Batch job with id batch_nope was not found");
}

TYPED_TEST_P(JobStoreContract, InsertRecordsItsEventsWithTheJobId) {
    this->Insert(NewJob("job_1"), {"batch.created", "batch.updated"});
    const auto events = this->TakeAllEvents();
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(NamesOf(events), (std::vector<std::string>{"batch.created", "batch.updated"}));
    EXPECT_EQ(events[0].job_id.value, "job_1");
    EXPECT_EQ(events[1].job_id.value, "job_1");
    EXPECT_LT(events[0].sequence, events[1].sequence);
}

// ---- list ----------------------------------------------------------------------------------------

TYPED_TEST_P(JobStoreContract, ListShowsOnlyTheJobsOfTheGivenCreator) {
    this->Insert(NewJob("job_1", "product-export", "user_a"));
    this->Insert(NewJob("job_2", "product-export", "user_b"));
    this->Insert(NewJob("job_3", "product-export", "user_a"));
    this->Insert(NewJob("job_4", "product-export", std::nullopt));

    core::JobQuery query;
    query.created_by = core::UserId{"user_a"};
    query.direction = core::SortDirection::kAscending;
    EXPECT_EQ(this->ListIds(query), (std::vector<std::string>{"job_1", "job_3"}));

    query.created_by = core::UserId{"user_c"};
    auto page = this->Db().List(query);
    ASSERT_TRUE(page.has_value());
    EXPECT_TRUE(page.value().jobs.empty());
    EXPECT_EQ(page.value().count, 0);

    query.created_by.reset();
    EXPECT_EQ(this->ListIds(query), (std::vector<std::string>{"job_1", "job_2", "job_3", "job_4"}));
}

TYPED_TEST_P(JobStoreContract, ListFiltersByIds) {
    for (const char* id : {"job_1", "job_2", "job_3", "job_4"}) {
        this->Insert(NewJob(id));
    }
    core::JobQuery query;
    query.created_by = core::UserId{"user_1"};
    query.direction = core::SortDirection::kAscending;
    query.ids = {core::JobId{"job_4"}, core::JobId{"job_2"}, core::JobId{"job_nope"}};
    EXPECT_EQ(this->ListIds(query), (std::vector<std::string>{"job_2", "job_4"}));
}

TYPED_TEST_P(JobStoreContract, ListFiltersByTypes) {
    this->Insert(NewJob("job_1", "product-export"));
    this->Insert(NewJob("job_2", "product-import"));
    this->Insert(NewJob("job_3", "order-export"));
    this->Insert(NewJob("job_4", "product-export"));
    core::JobQuery query;
    query.created_by = core::UserId{"user_1"};
    query.direction = core::SortDirection::kAscending;
    query.types = {"product-export", "order-export"};
    EXPECT_EQ(this->ListIds(query), (std::vector<std::string>{"job_1", "job_3", "job_4"}));
    query.types = {"price-list-import"};
    EXPECT_TRUE(this->ListIds(query).empty());
}

TYPED_TEST_P(JobStoreContract, ListFiltersEveryTimestampColumnByIsNull) {
    for (core::JobColumn column : kTimestampColumns) {
        auto db = TypeParam::Make();
        ASSERT_NE(db, nullptr);
        core::BatchJob set = NewJob("job_set");
        SetTimestamp(set, column, kT0 + 5ms);
        core::BatchJob unset = NewJob("job_unset");
        ASSERT_TRUE(db->Insert(set, {}).has_value());
        ASSERT_TRUE(db->Insert(unset, {}).has_value());

        core::JobQuery query;
        query.created_by = core::UserId{"user_1"};
        query.timestamps = {Filter(column).IsNull()};
        auto page = db->List(query);
        ASSERT_TRUE(page.has_value());
        // created_at and updated_at are never NULL.
        const std::vector<std::string> expected =
            IsNullable(column) ? std::vector<std::string>{"job_unset"} : std::vector<std::string>{};
        EXPECT_EQ(IdsOf(page.value().jobs), expected) << "column " << static_cast<int>(column);
        EXPECT_EQ(page.value().count, static_cast<std::int64_t>(expected.size()));
    }
}

TYPED_TEST_P(JobStoreContract, ListFiltersEveryTimestampColumnByEachComparison) {
    const core::TimePoint t1 = kT0 + 1s;
    const core::TimePoint t2 = kT0 + 2s;
    const core::TimePoint t3 = kT0 + 3s;
    for (core::JobColumn column : kTimestampColumns) {
        auto db = TypeParam::Make();
        ASSERT_NE(db, nullptr);
        int n = 0;
        for (core::TimePoint at : {t1, t2, t3}) {
            core::BatchJob job = NewJob("job_t" + std::to_string(++n));
            SetTimestamp(job, column, at);
            ASSERT_TRUE(db->Insert(job, {}).has_value());
        }
        if (IsNullable(column)) {
            ASSERT_TRUE(db->Insert(NewJob("job_null"), {}).has_value());  // NULL never compares true
        }
        const auto ids_for = [&](const core::TimestampFilter& filter) {
            core::JobQuery query;
            query.created_by = core::UserId{"user_1"};
            query.direction = core::SortDirection::kAscending;
            query.timestamps = {filter};
            auto page = db->List(query);
            EXPECT_TRUE(page.has_value());
            return page ? IdsOf(page.value().jobs) : std::vector<std::string>{};
        };
        using Ids = std::vector<std::string>;
        const int c = static_cast<int>(column);
        EXPECT_EQ(ids_for(Filter(column).Lt(t2)), (Ids{"job_t1"})) << "lt, column " << c;
        EXPECT_EQ(ids_for(Filter(column).Gt(t2)), (Ids{"job_t3"})) << "gt, column " << c;
        EXPECT_EQ(ids_for(Filter(column).Lte(t2)), (Ids{"job_t1", "job_t2"})) << "lte, column " << c;
        EXPECT_EQ(ids_for(Filter(column).Gte(t2)), (Ids{"job_t2", "job_t3"})) << "gte, column " << c;
        EXPECT_EQ(ids_for(Filter(column).Gt(t1).Lte(t3)), (Ids{"job_t2", "job_t3"}))
            << "gt+lte, column " << c;
        EXPECT_EQ(ids_for(Filter(column).Lt(t3).Gte(t1)), (Ids{"job_t1", "job_t2"}))
            << "lt+gte, column " << c;
        EXPECT_EQ(ids_for(Filter(column).Lt(t1).Gt(t3)), (Ids{})) << "empty range, column " << c;
    }
}

TYPED_TEST_P(JobStoreContract, ListCombinesFiltersOnSeveralColumns) {
    core::BatchJob a = NewJob("job_a");
    a.completed_at = kT0 + 1s;
    core::BatchJob b = NewJob("job_b", "product-import");
    b.completed_at = kT0 + 1s;
    core::BatchJob c = NewJob("job_c");
    c.completed_at = kT0 + 1s;
    c.failed_at = kT0 + 2s;
    core::BatchJob d = NewJob("job_d");
    for (const auto& job : {a, b, c, d}) {
        this->Insert(job);
    }
    core::JobQuery query;
    query.created_by = core::UserId{"user_1"};
    query.types = {"product-export"};
    query.timestamps = {Filter(core::JobColumn::kCompletedAt).Gte(kT0),
                        Filter(core::JobColumn::kFailedAt).IsNull()};
    EXPECT_EQ(this->ListIds(query), (std::vector<std::string>{"job_a"}));
}

TYPED_TEST_P(JobStoreContract, ListRejectsATimestampFilterOnAColumnThatIsNotATimestamp) {
    this->Insert(NewJob("job_1"));
    core::JobQuery query;
    query.timestamps = {Filter(core::JobColumn::kType).IsNull()};
    auto page = this->Db().List(query);
    ASSERT_FALSE(page.has_value());
    EXPECT_EQ(page.error().code, core::Errc::kInvalidData);
}

TYPED_TEST_P(JobStoreContract, ListCountIgnoresLimitAndOffset) {
    for (int i = 0; i < 7; ++i) {
        this->Insert(NewJob("job_" + std::to_string(i)));
    }
    this->Insert(NewJob("job_other", "product-export", "user_2"));
    core::JobQuery query;
    query.created_by = core::UserId{"user_1"};
    query.limit = 2;
    query.offset = 3;
    auto page = this->Db().List(query);
    ASSERT_TRUE(page.has_value());
    EXPECT_EQ(page.value().jobs.size(), 2U);
    EXPECT_EQ(page.value().count, 7);
}

TYPED_TEST_P(JobStoreContract, ListPagesThroughLimitAndOffsetWindows) {
    for (int i = 0; i < 5; ++i) {
        this->Insert(
            NewJob("job_" + std::to_string(i), "product-export", "user_1", kT0 + std::chrono::seconds{i}));
    }
    core::JobQuery query;
    query.created_by = core::UserId{"user_1"};  // newest first by default
    query.limit = 2;
    query.offset = 0;
    EXPECT_EQ(this->ListIds(query), (std::vector<std::string>{"job_4", "job_3"}));
    query.offset = 2;
    EXPECT_EQ(this->ListIds(query), (std::vector<std::string>{"job_2", "job_1"}));
    query.offset = 4;
    EXPECT_EQ(this->ListIds(query), (std::vector<std::string>{"job_0"}));
    query.offset = 5;
    auto past_the_end = this->Db().List(query);
    ASSERT_TRUE(past_the_end.has_value());
    EXPECT_TRUE(past_the_end.value().jobs.empty());
    EXPECT_EQ(past_the_end.value().count, 5);
    query.offset = 1;
    query.limit = 0;
    EXPECT_TRUE(this->ListIds(query).empty());
}

// Four jobs per column, inserted in the order j1…j4, with values B, A, B and then NULL (nullable
// columns) or C: ascending is j4 j2 j1 j3 or j2 j1 j3 j4 (equal values by insertion order), and
// descending is exactly the reverse.
TYPED_TEST_P(JobStoreContract, ListOrdersByEveryColumnBothWaysWithTiesInInsertionOrder) {
    for (core::JobColumn column : kAllJobColumns) {
        auto db = TypeParam::Make();
        ASSERT_NE(db, nullptr);
        std::vector<core::BatchJob> jobs{NewJob("job_j1"), NewJob("job_j2"), NewJob("job_j3"),
                                         NewJob("job_j4")};
        const core::TimePoint a = kT0 + 1s;
        const core::TimePoint b = kT0 + 2s;
        const core::TimePoint c = kT0 + 3s;
        // job_j4's created_by is NULL, so the list runs without a creator filter.
        switch (column) {
            case core::JobColumn::kId:  // unique: j2 < j1 < j3 < j4 without ties
                jobs[0].id.value = "job_b";
                jobs[1].id.value = "job_a";
                jobs[2].id.value = "job_c";
                jobs[3].id.value = "job_d";
                break;
            case core::JobColumn::kType:
                jobs[0].type = "b";
                jobs[1].type = "a";
                jobs[2].type = "b";
                jobs[3].type = "c";
                break;
            case core::JobColumn::kCreatedBy:
                jobs[0].created_by = core::UserId{"user_b"};
                jobs[1].created_by = core::UserId{"user_a"};
                jobs[2].created_by = core::UserId{"user_b"};
                jobs[3].created_by.reset();
                break;
            case core::JobColumn::kDryRun:  // two values only: false (j2, j4) before true (j1, j3)
                jobs[0].dry_run = true;
                jobs[1].dry_run = false;
                jobs[2].dry_run = true;
                jobs[3].dry_run = false;
                break;
            default:
                SetTimestamp(jobs[0], column, b);
                SetTimestamp(jobs[1], column, a);
                SetTimestamp(jobs[2], column, b);
                if (IsNullable(column)) {
                    SetTimestamp(jobs[3], column, std::nullopt);
                } else {
                    SetTimestamp(jobs[3], column, c);
                }
                break;
        }
        for (const core::BatchJob& job : jobs) {
            ASSERT_TRUE(db->Insert(job, {}).has_value());
        }
        std::vector<std::string> ascending;
        if (column == core::JobColumn::kDryRun) {
            ascending = {jobs[1].id.value, jobs[3].id.value, jobs[0].id.value, jobs[2].id.value};
        } else if (IsNullable(column)) {
            ascending = {jobs[3].id.value, jobs[1].id.value, jobs[0].id.value, jobs[2].id.value};
        } else {
            ascending = {jobs[1].id.value, jobs[0].id.value, jobs[2].id.value, jobs[3].id.value};
        }
        std::vector<std::string> descending(ascending.rbegin(), ascending.rend());

        core::JobQuery query;
        query.order_by = column;
        query.direction = core::SortDirection::kAscending;
        auto up = db->List(query);
        ASSERT_TRUE(up.has_value());
        EXPECT_EQ(IdsOf(up.value().jobs), ascending) << "ascending by column " << static_cast<int>(column);
        query.direction = core::SortDirection::kDescending;
        auto down = db->List(query);
        ASSERT_TRUE(down.has_value());
        EXPECT_EQ(IdsOf(down.value().jobs), descending)
            << "descending by column " << static_cast<int>(column);
    }
}

TYPED_TEST_P(JobStoreContract, ListDefaultsToNewestFirst) {
    this->Insert(NewJob("job_old", "product-export", "user_1", kT0));
    this->Insert(NewJob("job_new", "product-export", "user_1", kT0 + 1s));
    this->Insert(NewJob("job_mid", "product-export", "user_1", kT0 + 500ms));
    core::JobQuery query;
    query.created_by = core::UserId{"user_1"};
    EXPECT_EQ(this->ListIds(query), (std::vector<std::string>{"job_new", "job_mid", "job_old"}));
}

// ---- soft delete ---------------------------------------------------------------------------------

TYPED_TEST_P(JobStoreContract, SoftDeletedJobsAreInvisibleToGetListCompareAndSetAndClaims) {
    const core::BatchJob kept = this->Insert(NewJob("job_kept"));
    const core::BatchJob gone = this->Insert(NewJob("job_gone"));
    this->SoftDelete("job_gone", kT0 + 1s);

    auto read = this->Db().Get(gone.id);
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, core::Errc::kNotFound);
    EXPECT_EQ(read.error().detail, "Batch job with id job_gone was not found");

    core::JobQuery query;
    query.created_by = core::UserId{"user_1"};
    auto page = this->Db().List(query);
    ASSERT_TRUE(page.has_value());
    EXPECT_EQ(IdsOf(page.value().jobs), (std::vector<std::string>{"job_kept"}));
    EXPECT_EQ(page.value().count, 1);
    query.ids = {gone.id};
    EXPECT_TRUE(this->ListIds(query).empty());

    core::BatchJob next = gone;
    next.result = boost::json::object{{"count", 1}};
    auto written =
        this->Db().CompareAndSet(next, gone.version, std::vector<std::string_view>{"batch.updated"});
    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error().code, core::Errc::kNotFound);

    auto first = this->Claim("w1", kT0);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->job.id.value, kept.id.value);
    EXPECT_FALSE(this->Claim("w2", kT0).has_value()) << "the soft-deleted job was claimed";
    EXPECT_TRUE(this->TakeAllEvents().empty());
}

// ---- compare-and-set -----------------------------------------------------------------------------

TYPED_TEST_P(JobStoreContract, CompareAndSetWritesTheJobIncrementsTheVersionAndRecordsEvents) {
    const core::BatchJob stored = this->Insert(NewJob("job_1"));
    core::BatchJob next = stored;
    next.pre_processed_at = kT0 + 1s;
    next.updated_at = kT0 + 1s;
    next.result = boost::json::parse(R"({"count":10,"advancement_count":0,"progress":0})");
    next.cursor = boost::json::parse(R"({"offset":5})");
    next.attempts = 1;
    const std::vector<std::string_view> events{"batch.updated", "batch.pre_processed"};

    auto written = this->Db().CompareAndSet(next, stored.version, events);
    ASSERT_TRUE(written.has_value());
    ASSERT_TRUE(written.value().has_value());
    EXPECT_EQ((written.value())->version, stored.version + 1);
    ExpectSameJob(written.value().value(), next);

    auto read = this->Db().Get(next.id);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read.value().version, stored.version + 1);
    ExpectSameJob(read.value(), next);
    EXPECT_EQ(core::StatusOf(read.value()), core::JobStatus::kPreProcessed);

    const auto recorded = this->TakeAllEvents();
    EXPECT_EQ(NamesOf(recorded), (std::vector<std::string>{"batch.updated", "batch.pre_processed"}));
}

TYPED_TEST_P(JobStoreContract, CompareAndSetWithAStaleVersionChangesNothing) {
    const core::BatchJob stored = this->Insert(NewJob("job_1"));
    core::BatchJob first = stored;
    first.result = boost::json::object{{"who", "first"}};
    auto won =
        this->Db().CompareAndSet(first, stored.version, std::vector<std::string_view>{"batch.updated"});
    ASSERT_TRUE(won.has_value() && won.value().has_value());

    core::BatchJob late = stored;
    late.result = boost::json::object{{"who", "late"}};
    late.canceled_at = kT0 + 1s;
    auto lost =
        this->Db().CompareAndSet(late, stored.version, std::vector<std::string_view>{"batch.canceled"});
    ASSERT_TRUE(lost.has_value());
    EXPECT_FALSE(lost.value().has_value());

    auto read = this->Db().Get(stored.id);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read.value().version, stored.version + 1);
    EXPECT_EQ(read.value().result, first.result);
    EXPECT_FALSE(read.value().canceled_at.has_value());
    EXPECT_EQ(NamesOf(this->TakeAllEvents()), (std::vector<std::string>{"batch.updated"}));
}

TYPED_TEST_P(JobStoreContract, CompareAndSetOnAnUnknownJobIsNotFound) {
    auto written =
        this->Db().CompareAndSet(NewJob("job_nope"), 1, std::vector<std::string_view>{"batch.updated"});
    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error().code, core::Errc::kNotFound);
    EXPECT_EQ(written.error().detail, "Batch job with id job_nope was not found");
    EXPECT_TRUE(this->TakeAllEvents().empty());
}

TYPED_TEST_P(JobStoreContract, SixteenRacingCompareAndSetsOnOneVersionHaveExactlyOneWinner) {
    constexpr int kThreads = 16;
    const core::BatchJob stored = this->Insert(NewJob("job_1"));
    std::atomic<int> winners{0};
    std::atomic<int> losers{0};
    std::atomic<int> failures{0};
    std::latch start{kThreads};
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                core::BatchJob next = stored;
                next.result = boost::json::object{{"writer", i}};
                const std::vector<std::string_view> events{"batch.updated"};
                start.arrive_and_wait();
                auto written = this->Db().CompareAndSet(next, stored.version, events);
                if (!written) {
                    ++failures;
                } else if (written.value()) {
                    ++winners;
                } else {
                    ++losers;
                }
            });
        }
    }
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(losers.load(), kThreads - 1);
    EXPECT_EQ(failures.load(), 0);
    auto read = this->Db().Get(stored.id);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read.value().version, stored.version + 1);
    EXPECT_EQ(NamesOf(this->TakeAllEvents()), (std::vector<std::string>{"batch.updated"}));
}

TYPED_TEST_P(JobStoreContract, SixteenRacingConfirmationsConfirmOnceAndRefuseTheRest) {
    constexpr int kThreads = 16;
    core::BatchJob job = NewJob("job_1");
    job.dry_run = true;
    job.pre_processed_at = kT0;
    this->Insert(job);
    std::atomic<int> confirmed{0};
    std::atomic<int> refused{0};
    std::atomic<int> other{0};
    std::latch start{kThreads};
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&] {
                start.arrive_and_wait();
                auto result = core::TransitionJob(this->Db(), job.id, core::JobEvent::kConfirm, kT0 + 1s);
                if (result) {
                    ++confirmed;
                } else if (result.error().code == core::Errc::kNotAllowed &&
                           result.error().detail ==
                               "Cannot confirm processing for a batch job that is not pre processed") {
                    ++refused;
                } else {
                    ++other;
                }
            });
        }
    }
    EXPECT_EQ(confirmed.load(), 1);
    EXPECT_EQ(refused.load(), kThreads - 1);
    EXPECT_EQ(other.load(), 0);
    auto read = this->Db().Get(job.id);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(core::StatusOf(read.value()), core::JobStatus::kConfirmed);
    EXPECT_EQ(NamesOf(this->TakeAllEvents()), (std::vector<std::string>{"batch.confirmed"}));
}

// ---- claims --------------------------------------------------------------------------------------

TYPED_TEST_P(JobStoreContract, ACreatedJobIsClaimedForPreProcessing) {
    const core::BatchJob stored = this->Insert(NewJob("job_1"));
    auto claim = this->Claim("w1", kT0 + 5s, 30s);
    ASSERT_TRUE(claim.has_value());
    EXPECT_EQ(claim->phase, core::Phase::kPreProcess);
    EXPECT_EQ(claim->job.id.value, "job_1");
    ASSERT_TRUE(claim->job.lease.owner.has_value());
    EXPECT_EQ(claim->job.lease.owner->value, "w1");
    EXPECT_EQ(claim->job.lease.epoch, stored.lease.epoch + 1);
    EXPECT_EQ(Ms(claim->job.lease.expires_at), Ms(kT0 + 35s));
    EXPECT_EQ(claim->job.version, stored.version + 1);

    auto read = this->Db().Get(stored.id);
    ASSERT_TRUE(read.has_value());
    ExpectSameJob(read.value(), claim->job);
    EXPECT_EQ(read.value().version, claim->job.version);
    EXPECT_TRUE(this->TakeAllEvents().empty()) << "a claim is no status change";
}

TYPED_TEST_P(JobStoreContract, AConfirmedJobIsClaimedForProcessing) {
    core::BatchJob job = NewJob("job_1");
    job.pre_processed_at = kT0;
    job.confirmed_at = kT0;
    this->Insert(job);
    auto claim = this->Claim("w1", kT0 + 1s);
    ASSERT_TRUE(claim.has_value());
    EXPECT_EQ(claim->phase, core::Phase::kProcess);
}

TYPED_TEST_P(JobStoreContract, AnExpiredProcessingLeaseIsClaimedAgainWithTheNextEpoch) {
    core::BatchJob job = NewJob("job_1");
    job.pre_processed_at = kT0;
    job.confirmed_at = kT0;
    this->Insert(job);
    auto first = this->Claim("w1", kT0, 1min);
    ASSERT_TRUE(first.has_value());
    core::BatchJob processing = first->job;
    processing.processing_at = kT0 + 1s;
    auto written = this->Db().CompareAndSet(processing, first->job.version, {});
    ASSERT_TRUE(written.has_value() && written.value().has_value());

    EXPECT_FALSE(this->Claim("w2", kT0 + 59s).has_value()) << "a held lease was taken";
    auto second = this->Claim("w2", kT0 + 1min);  // expires_at <= now: free
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->phase, core::Phase::kProcess);
    EXPECT_EQ(second->job.lease.owner->value, "w2");
    EXPECT_EQ(second->job.lease.epoch, first->job.lease.epoch + 1);
    EXPECT_EQ(Ms(second->job.processing_at), Ms(kT0 + 1s));
    EXPECT_FALSE(core::CheckFence(second->job, first->job.lease.epoch).has_value());
}

TYPED_TEST_P(JobStoreContract, AHeldLeaseIsNotClaimed) {
    core::BatchJob job = NewJob("job_1");
    job.lease.owner = core::WorkerId{"w0"};
    job.lease.epoch = 3;
    job.lease.expires_at = kT0 + 10s;
    this->Insert(job);
    EXPECT_FALSE(this->Claim("w1", kT0).has_value());
    EXPECT_FALSE(this->Claim("w1", kT0 + 9999ms).has_value());
    auto claim = this->Claim("w1", kT0 + 10s);
    ASSERT_TRUE(claim.has_value());
    EXPECT_EQ(claim->job.lease.epoch, 4);
}

TYPED_TEST_P(JobStoreContract, ABackedOffJobIsNotClaimedBeforeItsTime) {
    core::BatchJob job = NewJob("job_1");
    job.pre_processed_at = kT0;
    job.confirmed_at = kT0;
    job.lease.expires_at = kT0 + 30s;  // no owner: a retry waiting for its back-off
    job.attempts = 1;
    this->Insert(job);
    EXPECT_FALSE(this->Claim("w1", kT0 + 29s).has_value());
    auto claim = this->Claim("w1", kT0 + 30s);
    ASSERT_TRUE(claim.has_value());
    EXPECT_EQ(claim->phase, core::Phase::kProcess);
    EXPECT_EQ(claim->job.attempts, 1);
}

TYPED_TEST_P(JobStoreContract, ClaimsPickOnlyTheGivenTypes) {
    this->Insert(NewJob("job_1", "product-export"));
    this->Insert(NewJob("job_2", "product-import"));
    this->Insert(NewJob("job_3", "order-export"));
    auto claim = this->Claim("w1", kT0, 1min, {"order-export", "price-list-import"});
    ASSERT_TRUE(claim.has_value());
    EXPECT_EQ(claim->job.id.value, "job_3");
    EXPECT_FALSE(this->Claim("w1", kT0, 1min, {"order-export", "price-list-import"}).has_value());
    auto any = this->Claim("w1", kT0);
    ASSERT_TRUE(any.has_value());
    EXPECT_EQ(any->job.id.value, "job_1");
}

TYPED_TEST_P(JobStoreContract, ClaimsTakeTheOldestInsertedJobFirst) {
    // Neither id order nor created_at order: insertion order decides.
    this->Insert(NewJob("job_c", "product-export", "user_1", kT0 + 2s));
    this->Insert(NewJob("job_a", "product-export", "user_1", kT0 + 1s));
    this->Insert(NewJob("job_b", "product-export", "user_1", kT0));
    std::vector<std::string> order;
    while (auto claim = this->Claim("w1", kT0 + 1min)) {
        order.push_back(claim->job.id.value);
    }
    EXPECT_EQ(order, (std::vector<std::string>{"job_c", "job_a", "job_b"}));
}

TYPED_TEST_P(JobStoreContract, JobsThatNeedNoPhaseAreNotClaimed) {
    core::BatchJob waiting = NewJob("job_pre_processed");  // a dry run waiting for its confirmation
    waiting.dry_run = true;
    waiting.pre_processed_at = kT0;
    core::BatchJob completed = NewJob("job_completed");
    completed.pre_processed_at = completed.confirmed_at = completed.processing_at = completed.completed_at =
        kT0;
    core::BatchJob canceled = NewJob("job_canceled");
    canceled.canceled_at = kT0;
    core::BatchJob failed = NewJob("job_failed");
    failed.pre_processed_at = failed.confirmed_at = failed.processing_at = failed.failed_at = kT0;
    for (const auto& job : {waiting, completed, canceled, failed}) {
        this->Insert(job);
    }
    EXPECT_FALSE(this->Claim("w1", kT0 + 1h).has_value());
}

TYPED_TEST_P(JobStoreContract, EightWorkersClaimingFiftyJobsClaimEachExactlyOnce) {
    constexpr int kJobs = 50;
    constexpr int kWorkers = 8;
    for (int i = 0; i < kJobs; ++i) {
        this->Insert(NewJob("job_" + std::to_string(i)));
    }
    std::vector<std::vector<std::string>> claimed(kWorkers);
    std::atomic<int> failures{0};
    std::latch start{kWorkers};
    {
        std::vector<std::jthread> threads;
        for (int w = 0; w < kWorkers; ++w) {
            threads.emplace_back([&, w] {
                const core::WorkerId worker{"w" + std::to_string(w)};
                start.arrive_and_wait();
                for (;;) {
                    auto claim = this->Db().ClaimNextPhase(worker, kT0, 10min, {});
                    if (!claim) {
                        ++failures;
                        return;
                    }
                    if (!claim.value()) {
                        return;
                    }
                    claimed[static_cast<std::size_t>(w)].push_back(claim.value()->job.id.value);
                }
            });
        }
    }
    EXPECT_EQ(failures.load(), 0);
    std::vector<std::string> all;
    for (const auto& ids : claimed) {
        all.insert(all.end(), ids.begin(), ids.end());
    }
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kJobs));
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), static_cast<std::size_t>(kJobs));
}

// ---- outbox --------------------------------------------------------------------------------------

TYPED_TEST_P(JobStoreContract, TakeEventsReturnsEventsInCommitOrderAndRemovesThem) {
    const core::BatchJob one = this->Insert(NewJob("job_1"), {"batch.created"});
    this->Insert(NewJob("job_2"), {"batch.created"});
    core::BatchJob next = one;
    next.pre_processed_at = next.confirmed_at = kT0 + 1s;
    auto written = this->Db().CompareAndSet(
        next, one.version, std::vector<std::string_view>{"batch.pre_processed", "batch.confirmed"});
    ASSERT_TRUE(written.has_value() && written.value().has_value());

    const auto events = this->TakeAllEvents();
    ASSERT_EQ(events.size(), 4U);
    EXPECT_EQ(NamesOf(events), (std::vector<std::string>{"batch.created", "batch.created",
                                                         "batch.pre_processed", "batch.confirmed"}));
    EXPECT_EQ(events[0].job_id.value, "job_1");
    EXPECT_EQ(events[1].job_id.value, "job_2");
    EXPECT_EQ(events[2].job_id.value, "job_1");
    for (std::size_t i = 1; i < events.size(); ++i) {
        EXPECT_LT(events[i - 1].sequence, events[i].sequence);
    }
    EXPECT_TRUE(this->TakeAllEvents().empty()) << "taken events came back";
}

TYPED_TEST_P(JobStoreContract, TakeEventsTakesAtMostMax) {
    this->Insert(NewJob("job_1"), {"batch.created", "batch.updated", "batch.pre_processed"});
    auto none = this->Db().TakeEvents(0);
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(none.value().empty());
    auto first = this->Db().TakeEvents(2);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(NamesOf(first.value()), (std::vector<std::string>{"batch.created", "batch.updated"}));
    auto rest = this->Db().TakeEvents(2);
    ASSERT_TRUE(rest.has_value());
    EXPECT_EQ(NamesOf(rest.value()), (std::vector<std::string>{"batch.pre_processed"}));
}

TYPED_TEST_P(JobStoreContract, EventSequencesKeepIncreasingAfterTheOutboxIsDrained) {
    this->Insert(NewJob("job_1"), {"batch.created"});
    const auto first = this->TakeAllEvents();
    ASSERT_EQ(first.size(), 1U);
    this->Insert(NewJob("job_2"), {"batch.created"});
    const auto second = this->TakeAllEvents();
    ASSERT_EQ(second.size(), 1U);
    EXPECT_GT(second[0].sequence, first[0].sequence);
}

TYPED_TEST_P(JobStoreContract, PingSucceeds) { EXPECT_TRUE(this->Db().Ping().has_value()); }

REGISTER_TYPED_TEST_SUITE_P(JobStoreContract,
                            InsertThenGetReturnsEveryField,
                            NullContextResultAndCursorReadBackAsNull,
                            ExplicitIdsAreKeptAsGiven,
                            InsertingATakenIdIsADuplicateAndChangesNothing,
                            GettingAnUnknownIdIsNotFoundWithMedusasMessage,
                            InsertRecordsItsEventsWithTheJobId,
                            ListShowsOnlyTheJobsOfTheGivenCreator,
                            ListFiltersByIds,
                            ListFiltersByTypes,
                            ListFiltersEveryTimestampColumnByIsNull,
                            ListFiltersEveryTimestampColumnByEachComparison,
                            ListCombinesFiltersOnSeveralColumns,
                            ListRejectsATimestampFilterOnAColumnThatIsNotATimestamp,
                            ListCountIgnoresLimitAndOffset,
                            ListPagesThroughLimitAndOffsetWindows,
                            ListOrdersByEveryColumnBothWaysWithTiesInInsertionOrder,
                            ListDefaultsToNewestFirst,
                            SoftDeletedJobsAreInvisibleToGetListCompareAndSetAndClaims,
                            CompareAndSetWritesTheJobIncrementsTheVersionAndRecordsEvents,
                            CompareAndSetWithAStaleVersionChangesNothing,
                            CompareAndSetOnAnUnknownJobIsNotFound,
                            SixteenRacingCompareAndSetsOnOneVersionHaveExactlyOneWinner,
                            SixteenRacingConfirmationsConfirmOnceAndRefuseTheRest,
                            ACreatedJobIsClaimedForPreProcessing,
                            AConfirmedJobIsClaimedForProcessing,
                            AnExpiredProcessingLeaseIsClaimedAgainWithTheNextEpoch,
                            AHeldLeaseIsNotClaimed,
                            ABackedOffJobIsNotClaimedBeforeItsTime,
                            ClaimsPickOnlyTheGivenTypes,
                            ClaimsTakeTheOldestInsertedJobFirst,
                            JobsThatNeedNoPhaseAreNotClaimed,
                            EightWorkersClaimingFiftyJobsClaimEachExactlyOnce,
                            TakeEventsReturnsEventsInCommitOrderAndRemovesThem,
                            TakeEventsTakesAtMostMax,
                            EventSequencesKeepIncreasingAfterTheOutboxIsDrained,
                            PingSucceeds);

}  // namespace batchd::contract
