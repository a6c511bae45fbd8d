#include "runtime/event_relay.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "core/job_mutations.hpp"
#include "runtime_test_support.hpp"

namespace batchd::runtime {
namespace {

using namespace std::chrono_literals;
using testing::InsertJob;
using testing::kT0;
using testing::RecordingEventBus;
using testing::WaitUntil;

std::vector<std::pair<std::string, std::string>> Flatten(const std::vector<core::BusEvent>& events) {
    std::vector<std::pair<std::string, std::string>> flat;
    for (const core::BusEvent& event : events) {
        flat.emplace_back(event.job_id.value, event.name);
    }
    return flat;
}

class EventRelayTest : public ::testing::Test {
protected:
    void Transition(const std::string& id, core::JobEvent event) {
        ASSERT_TRUE(core::TransitionJob(db_, core::JobId{id}, event, kT0));
    }

    fakes::InMemoryDatabase db_;
    RecordingEventBus bus_;
};

TEST_F(EventRelayTest, PublishesEachRecordedEventOnceInCommitOrder) {
    InsertJob(db_, "job_1", "t");
    InsertJob(db_, "job_2", "t", {}, /*dry_run=*/true);
    Transition("job_1", core::JobEvent::kPreProcessDone);  // + confirmed: not a dry run
    Transition("job_2", core::JobEvent::kCancel);

    EventRelay relay{db_, bus_, 1h};
    const std::vector<std::pair<std::string, std::string>> expected{
        {"job_1", "batch.created"},   {"job_2", "batch.created"},  {"job_1", "batch.pre_processed"},
        {"job_1", "batch.confirmed"}, {"job_2", "batch.canceled"},
    };
    ASSERT_TRUE(WaitUntil([&] { return bus_.Published().size() >= expected.size(); }));

    // Written after the relay started: published when woken.
    Transition("job_1", core::JobEvent::kStartProcessing);
    relay.Wake();
    ASSERT_TRUE(WaitUntil([&] { return bus_.Published().size() >= expected.size() + 1; }));
    // Written just before Stop: Stop publishes what is left.
    Transition("job_1", core::JobEvent::kComplete);
    relay.Stop();

    auto all = expected;
    all.emplace_back("job_1", "batch.processing");
    all.emplace_back("job_1", "batch.completed");
    EXPECT_EQ(Flatten(bus_.Published()), all);
    EXPECT_TRUE(db_.TakeEvents(100).value().empty());
}

TEST_F(EventRelayTest, PollsWhenNobodyWakesIt) {
    EventRelay relay{db_, bus_, 5ms};
    std::this_thread::sleep_for(20ms);  // past the relay's first drain: only its poll finds the event
    InsertJob(db_, "job_1", "t");
    const bool published = WaitUntil([&] { return bus_.Published().size() == 1; });
    relay.Stop();
    EXPECT_TRUE(published);
}

TEST_F(EventRelayTest, DrainsABurstLargerThanOneBatch) {
    for (int i = 0; i < 1000; ++i) {
        InsertJob(db_, "job_" + std::to_string(i), "t");
    }
    EventRelay relay{db_, bus_, 1h};
    relay.Stop();
    const auto published = bus_.Published();
    ASSERT_EQ(published.size(), 1000U);
    EXPECT_EQ(published.front().job_id.value, "job_0");
    EXPECT_EQ(published.back().job_id.value, "job_999");
}

}  // namespace
}  // namespace batchd::runtime
