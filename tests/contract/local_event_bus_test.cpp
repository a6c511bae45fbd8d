#include "bus/local/local_event_bus.hpp"

#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "contract/event_bus_contract.hpp"

namespace batchd::contract {
namespace {

struct LocalBusFactory {
    static std::unique_ptr<core::EventBus> Make() { return bus::local::MakeLocalEventBus(); }
};

// What the local bus promises beyond the contract.

TEST(LocalEventBus, PublishAfterStopIsRefused) {
    auto bus = bus::local::MakeLocalEventBus();
    bus->Stop();
    const auto published = bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_1"}});
    ASSERT_FALSE(published);
    EXPECT_EQ(published.error().code, core::Errc::kUnavailable);
}

TEST(LocalEventBus, MembersOfAGroupTakeTurns) {
    auto bus = bus::local::MakeLocalEventBus();
    BusRecorder recorder;
    bus->Subscribe({"g", {}, recorder.HandlerFor("g/1")});
    bus->Subscribe({"g", {}, recorder.HandlerFor("g/2")});
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_" + std::to_string(i)}}));
    }
    bus->Stop();
    EXPECT_EQ(recorder.JobIdsOf("g/1").size(), 5U);
    EXPECT_EQ(recorder.JobIdsOf("g/2").size(), 5U);
}

TEST(LocalEventBus, AThrowingHandlerLosesOnlyItsEvent) {
    auto bus = bus::local::MakeLocalEventBus();
    BusRecorder recorder;
    bus->Subscribe({"thrower", {}, [](const core::BusEvent&) { throw std::runtime_error("handler bug"); }});
    bus->Subscribe({"g", {}, recorder.HandlerFor("g")});
    ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_1"}}));
    ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_2"}}));
    bus->Stop();
    EXPECT_EQ(recorder.Count(), 2U);
}

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Local, EventBusContract, LocalBusFactory);

}  // namespace batchd::contract
