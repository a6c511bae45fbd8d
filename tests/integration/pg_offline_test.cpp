// What the PostgreSQL adapter does without a server: its error mapping and its startup errors.
#include <chrono>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "store/postgres/pg_database.hpp"
#include "store/postgres/pg_errors.hpp"
#include "store/postgres/pg_handle.hpp"
#include "store/postgres/pg_pool.hpp"

namespace batchd::store::postgres {
namespace {

// The C handles are owned exactly once and cost one pointer (HOUSE-STYLE §3.6).
static_assert(sizeof(PgConn) == sizeof(PGconn*));
static_assert(sizeof(PgResult) == sizeof(PGresult*));
static_assert(!std::is_copy_constructible_v<PgConn> && std::is_nothrow_move_constructible_v<PgConn>);
static_assert(!std::is_copy_constructible_v<PgResult> && std::is_nothrow_move_constructible_v<PgResult>);
static_assert(!std::is_copy_constructible_v<PgLease> && std::is_nothrow_move_constructible_v<PgLease>);
static_assert(!std::is_copy_constructible_v<PgPool> && !std::is_move_constructible_v<PgPool>);

TEST(PgArrays, EveryElementIsQuotedAndEscaped) {
    const std::vector<std::string> values{"a", "b,c", "{d}", "e\"f", "g\\h", "NULL", "", " i "};
    EXPECT_EQ(TextArray(values), R"({"a","b,c","{d}","e\"f","g\\h","NULL",""," i "})");
    EXPECT_EQ(TextArray(std::span<const std::string>{}), "{}");
}

TEST(PgErrors, RetryableSqlStatesMapToConflictOrUnavailable) {
    EXPECT_EQ(ErrcForSqlState("40001"), core::Errc::kConflict);     // serialization_failure
    EXPECT_EQ(ErrcForSqlState("40P01"), core::Errc::kConflict);     // deadlock_detected
    EXPECT_EQ(ErrcForSqlState("08000"), core::Errc::kUnavailable);  // connection_exception
    EXPECT_EQ(ErrcForSqlState("08006"), core::Errc::kUnavailable);  // connection_failure
    EXPECT_EQ(ErrcForSqlState("08001"),
              core::Errc::kUnavailable);  // sqlclient_unable_to_establish_sqlconnection
    EXPECT_EQ(ErrcForSqlState("57P01"), core::Errc::kUnavailable);  // admin_shutdown
    EXPECT_EQ(ErrcForSqlState("57P02"), core::Errc::kUnavailable);  // crash_shutdown
    EXPECT_EQ(ErrcForSqlState("57P03"), core::Errc::kUnavailable);  // cannot_connect_now
    EXPECT_EQ(ErrcForSqlState("53300"), core::Errc::kUnavailable);  // too_many_connections
    for (const core::Errc code :
         {ErrcForSqlState("40001"), ErrcForSqlState("08006"), ErrcForSqlState("57P01")}) {
        EXPECT_TRUE(core::IsRetryable(code));
    }
}

TEST(PgErrors, UniqueViolationIsADuplicateAndBadValuesAreInvalidData) {
    EXPECT_EQ(ErrcForSqlState("23505"), core::Errc::kDuplicate);
    EXPECT_EQ(ErrcForSqlState("22P05"),
              core::Errc::kInvalidData);  // untranslatable_character (\u0000 in jsonb)
    EXPECT_EQ(ErrcForSqlState("22021"), core::Errc::kInvalidData);  // character_not_in_repertoire
}

TEST(PgErrors, EverythingElseIsInternalAndNotRetried) {
    for (const char* state : {"42P01", "42601", "23503", "23502", "57014", "XX000", "", "4"}) {
        EXPECT_EQ(ErrcForSqlState(state), core::Errc::kInternal) << state;
    }
    EXPECT_FALSE(core::IsRetryable(ErrcForSqlState("42P01")));
}

TEST(PgStartup, AnUnreachableServerIsAReadableStartupErrorWithoutThePassword) {
    // Nothing listens on port 1: connecting fails at once.
    const PgConfig config{.url = "postgresql://batchd:s3cret-pw@127.0.0.1:1/batchd",
                          .connect_timeout = std::chrono::seconds{2}};
    try {
        (void)MakePgDatabase(config);
        ADD_FAILURE() << "MakePgDatabase succeeded without a server";
    } catch (const std::runtime_error& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("cannot connect to PostgreSQL at 127.0.0.1:1/batchd"), std::string::npos)
            << message;
        EXPECT_EQ(message.find("s3cret-pw"), std::string::npos) << "the password leaked: " << message;
    }
}

TEST(PgStartup, AMalformedUrlOrPoolSizeIsAStartupError) {
    EXPECT_THROW((void)MakePgDatabase({.url = ""}), std::runtime_error);
    EXPECT_THROW((void)MakePgDatabase({.url = "postgresql://127.0.0.1:1/x", .pool_size = 0}),
                 std::runtime_error);
    EXPECT_THROW((void)MakePgDatabase({.url = "postgresql://[::1"}), std::runtime_error);
    EXPECT_THROW((void)MigratePg({.url = "postgresql://127.0.0.1:1/x?sslmode=nonsense"}), std::runtime_error);
}

}  // namespace
}  // namespace batchd::store::postgres
