#pragma once

// The EventBus contract: one typed GoogleTest suite that every bus adapter must pass. To run it
// against an adapter, write a factory
//
//     struct MyBusFactory {
//         // A fresh bus that shares no events with earlier ones (e.g. its own stream name), or
//         // nullptr to skip (a backend that is not configured: say why on stderr).
//         static std::unique_ptr<core::EventBus> Make();
//     };
//
// and, in a test file of its own, in namespace batchd::contract:
//
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, EventBusContract, MyBusFactory);
//
// Delivery is asynchronous: the tests subscribe first, publish, then wait (bounded) for delivery.

#include "core/ports/event_bus.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace batchd::contract {

/// Records what handlers receive, from any thread.
class BusRecorder {
public:
    /// A handler that records each event under `member`, optionally after `delay` (a slow consumer).
    core::BusHandler HandlerFor(std::string member,
                                std::chrono::milliseconds delay = std::chrono::milliseconds{0}) {
        return [this, member = std::move(member), delay](const core::BusEvent& event) {
            if (delay.count() > 0) {
                std::this_thread::sleep_for(delay);
            }
            std::scoped_lock lock{mu_};
            received_.push_back({member, event.name, event.job_id.value, std::this_thread::get_id()});
        };
    }

    struct Received {
        std::string member;
        std::string name;
        std::string job_id;
        std::thread::id thread;
    };

    std::vector<Received> All() {
        std::scoped_lock lock{mu_};
        return received_;
    }

    std::size_t Count() {
        std::scoped_lock lock{mu_};
        return received_.size();
    }

    /// Job ids received by members whose name starts with `prefix`, with how often each came.
    std::map<std::string, int> JobIdsOf(const std::string& prefix) {
        std::map<std::string, int> ids;
        for (const Received& received : All()) {
            if (received.member.starts_with(prefix)) {
                ++ids[received.job_id];
            }
        }
        return ids;
    }

    /// Waits (bounded) until at least `n` events were received.
    bool WaitFor(std::size_t n, std::chrono::milliseconds limit = std::chrono::seconds{10}) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (Count() < n) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds{2});
        }
        return true;
    }

private:
    std::mutex mu_;
    std::vector<Received> received_;  // guarded by mu_
};

template <class Factory>
class EventBusContract : public ::testing::Test {
protected:
    void SetUp() override {
        bus_ = Factory::Make();
        if (!bus_) {
            GTEST_SKIP() << "this bus is not configured here";
        }
    }

    void TearDown() override {
        if (bus_) {
            bus_->Stop();
        }
    }

    // Publishes `count` events named `name` for jobs prefix0 … prefix<count-1>.
    void PublishMany(const std::string& name, const std::string& prefix, int count) {
        for (int i = 0; i < count; ++i) {
            ASSERT_TRUE(bus_->Publish(core::BusEvent{name, core::JobId{prefix + std::to_string(i)}}));
        }
    }

    static std::map<std::string, int> EachOnce(const std::string& prefix, int count) {
        std::map<std::string, int> ids;
        for (int i = 0; i < count; ++i) {
            ids[prefix + std::to_string(i)] = 1;
        }
        return ids;
    }

    std::unique_ptr<core::EventBus> bus_;
    BusRecorder recorder_;
};

TYPED_TEST_SUITE_P(EventBusContract);

TYPED_TEST_P(EventBusContract, EachEventReachesOneMemberOfItsGroupOnce) {
    this->bus_->Subscribe({"workers", {}, this->recorder_.HandlerFor("workers/1")});
    this->bus_->Subscribe({"workers", {}, this->recorder_.HandlerFor("workers/2")});
    this->PublishMany("batch.created", "job_", 50);
    ASSERT_TRUE(this->recorder_.WaitFor(50));
    this->bus_->Stop();
    EXPECT_EQ(this->recorder_.JobIdsOf("workers/"), this->EachOnce("job_", 50));
}

TYPED_TEST_P(EventBusContract, EveryGroupGetsItsOwnCopy) {
    this->bus_->Subscribe({"a", {}, this->recorder_.HandlerFor("a")});
    this->bus_->Subscribe({"b", {}, this->recorder_.HandlerFor("b")});
    this->PublishMany("batch.confirmed", "job_", 20);
    ASSERT_TRUE(this->recorder_.WaitFor(40));
    this->bus_->Stop();
    EXPECT_EQ(this->recorder_.JobIdsOf("a"), this->EachOnce("job_", 20));
    EXPECT_EQ(this->recorder_.JobIdsOf("b"), this->EachOnce("job_", 20));
}

TYPED_TEST_P(EventBusContract, SubscribersGetOnlyTheEventNamesTheyAskFor) {
    this->bus_->Subscribe({"created", {"batch.created"}, this->recorder_.HandlerFor("created")});
    this->bus_->Subscribe(
        {"ends", {"batch.completed", "batch.canceled"}, this->recorder_.HandlerFor("ends")});
    this->bus_->Subscribe({"everything", {}, this->recorder_.HandlerFor("everything")});
    const std::vector<std::string> names{"batch.created",   "batch.updated",  "batch.completed",
                                         "batch.confirmed", "batch.canceled", "batch.created"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        ASSERT_TRUE(this->bus_->Publish(core::BusEvent{names[i], core::JobId{"job_" + std::to_string(i)}}));
    }
    ASSERT_TRUE(this->recorder_.WaitFor(names.size() + 4));
    this->bus_->Stop();

    std::map<std::string, std::vector<std::string>> by_member;
    for (const auto& received : this->recorder_.All()) {
        by_member[received.member].push_back(received.name + "@" + received.job_id);
    }
    for (auto& [member, events] : by_member) {
        std::sort(events.begin(), events.end());
    }
    EXPECT_EQ(by_member["created"], (std::vector<std::string>{"batch.created@job_0", "batch.created@job_5"}));
    EXPECT_EQ(by_member["ends"], (std::vector<std::string>{"batch.canceled@job_4", "batch.completed@job_2"}));
    EXPECT_EQ(by_member["everything"].size(), names.size());
}

TYPED_TEST_P(EventBusContract, HandlersNeverRunOnThePublishersThread) {
    this->bus_->Subscribe({"g", {}, this->recorder_.HandlerFor("g")});
    this->PublishMany("batch.created", "job_", 10);
    ASSERT_TRUE(this->recorder_.WaitFor(10));
    for (const auto& received : this->recorder_.All()) {
        EXPECT_NE(received.thread, std::this_thread::get_id());
    }
}

TYPED_TEST_P(EventBusContract, StopDeliversWhatWasPublishedAndThenNoMore) {
    this->bus_->Subscribe({"slow", {}, this->recorder_.HandlerFor("slow", std::chrono::milliseconds{1})});
    this->PublishMany("batch.updated", "job_", 100);
    this->bus_->Stop();
    const std::size_t at_stop = this->recorder_.Count();
    EXPECT_EQ(at_stop, 100U) << "Stop returned before the published events were delivered";
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
    EXPECT_EQ(this->recorder_.Count(), at_stop) << "a handler ran after Stop returned";
    this->bus_->Stop();  // idempotent
}

REGISTER_TYPED_TEST_SUITE_P(EventBusContract,
                            EachEventReachesOneMemberOfItsGroupOnce,
                            EveryGroupGetsItsOwnCopy,
                            SubscribersGetOnlyTheEventNamesTheyAskFor,
                            HandlersNeverRunOnThePublishersThread,
                            StopDeliversWhatWasPublishedAndThenNoMore);

}  // namespace batchd::contract
