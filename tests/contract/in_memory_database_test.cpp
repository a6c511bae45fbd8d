#include "fakes/in_memory_database.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "contract/job_store_contract.hpp"
#include "contract/user_store_contract.hpp"

namespace batchd::contract {
namespace {

// The fake runs the same contract as the real adapters: that is what makes unit tests built on it
// trustworthy.
struct InMemoryFactory {
    static std::unique_ptr<core::Database> Make() { return std::make_unique<fakes::InMemoryDatabase>(); }

    static void SoftDelete(core::Database& db, const core::JobId& id, core::TimePoint at) {
        dynamic_cast<fakes::InMemoryDatabase&>(db).SoftDeleteForTest(id, at);
    }
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, JobStoreContract, InMemoryFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, UserStoreContract, InMemoryFactory);

}  // namespace batchd::contract
