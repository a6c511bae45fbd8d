#include "store/postgres/pg_database.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "contract/job_store_contract.hpp"
#include "contract/user_store_contract.hpp"
#include "integration/pg_test_support.hpp"

namespace batchd::contract {
namespace {

// Each database is MakePgDatabase in a schema of its own on the server of BATCHD_TEST_PG_URL
// (dropped afterwards), so tests and parallel ctest processes never share rows. Without the
// variable every test is skipped, saying what to set.
struct PgFactory {
    static std::unique_ptr<core::Database> Make() {
        const std::string url = pgtest::TestUrl();
        if (url.empty()) {
            pgtest::SkipWithoutServer();
            return nullptr;
        }
        return std::make_unique<pgtest::SchemaDatabase>(url);
    }

    static void SoftDelete(core::Database& db, const core::JobId& id, core::TimePoint at) {
        auto& schema = dynamic_cast<pgtest::SchemaDatabase&>(db).Schema();
        pgtest::Exec(schema.Conn(),
                     "UPDATE batch_job SET deleted_at = to_timestamp($1::float8 / 1000) WHERE id = $2",
                     {std::to_string(at.time_since_epoch().count()), id.value});
    }
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, JobStoreContract, PgFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, UserStoreContract, PgFactory);

}  // namespace batchd::contract
