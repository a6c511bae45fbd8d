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
//
// A bus whose events outlive one process (Redis) also promises at-least-once delivery across
// processes and a dead-letter place. Its factory shows it by also providing
//
//         // Another process's bus on the same transport as the last Make()'s (e.g. its stream).
//         static std::unique_ptr<core::EventBus> MakePeer();
//         // What the last Make()'s transport gave up on, oldest first.
//         static std::vector<DeadLetter> DeadLetters();
//         // As configured in Make(): deliveries before an event is given up on, and how long an
//         // unacked event waits before it is delivered again.
//         static constexpr int kMaxDeliveries = …;
//         static constexpr std::chrono::milliseconds kRedeliveryAfter{…};
//
// and optionally `static std::string SkipReason()`, said when Make() returns nullptr. The tests of
// those promises are skipped for a bus without them (the in-process one: no member of it can die
// alone, and a throwing handler loses its event).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/ports/event_bus.hpp"

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

/// An event a bus gave up on, and the subscriber group that could not handle it.
struct DeadLetter {
    std::string group;
    core::BusEvent event;
};

template <class Factory>
concept BusWithPeers = requires {
    { Factory::MakePeer() } -> std::same_as<std::unique_ptr<core::EventBus>>;
    { Factory::kRedeliveryAfter } -> std::convertible_to<std::chrono::milliseconds>;
};

template <class Factory>
concept BusWithDeadLetters = requires {
    { Factory::DeadLetters() } -> std::same_as<std::vector<DeadLetter>>;
    { Factory::kMaxDeliveries } -> std::convertible_to<int>;
    { Factory::kRedeliveryAfter } -> std::convertible_to<std::chrono::milliseconds>;
};

/// Stops a bus when it goes out of scope: declared after the locals its handlers use, it stops the
/// bus before they go, even when an ASSERT returns early.
struct StopOnExit {
    explicit StopOnExit(core::EventBus& to_stop) : bus(to_stop) {}
    StopOnExit(const StopOnExit&) = delete;
    StopOnExit& operator=(const StopOnExit&) = delete;
    ~StopOnExit() { bus.Stop(); }

    core::EventBus& bus;
};

/// Waits (bounded) until `done()`; returns whether it came true.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return true;
}

template <class Factory>
class EventBusContract : public ::testing::Test {
protected:
    void SetUp() override {
        bus_ = Factory::Make();
        if (!bus_) {
            if constexpr (requires { Factory::SkipReason(); }) {
                GTEST_SKIP() << Factory::SkipReason();
            } else {
                GTEST_SKIP() << "this bus is not configured here";
            }
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

// At least once: a member that took events and then hung or died before acking them does not keep
// them; once they waited kRedeliveryAfter, another member of the group gets them.
TYPED_TEST_P(EventBusContract, EventsHeldByAHungMemberGoToAnotherMemberOfItsGroup) {
    if constexpr (!BusWithPeers<TypeParam>) {
        GTEST_SKIP() << "an in-process bus has no member that can die on its own";
    } else {
        auto peer = TypeParam::MakePeer();
        ASSERT_TRUE(peer);
        std::mutex mu;
        std::condition_variable released_cv;
        bool released = false;  // guarded by mu
        std::string held;       // guarded by mu: the event the hung member hangs on
        peer->Subscribe({"workers", {}, [&](const core::BusEvent& event) {
                             std::unique_lock lock{mu};
                             held = event.job_id.value;
                             released_cv.wait(lock, [&] { return released; });
                         }});
        this->PublishMany("batch.created", "job_", 5);
        const bool hung = WaitUntil(
            [&] {
                std::scoped_lock lock{mu};
                return !held.empty();
            },
            std::chrono::seconds{10});
        // Only now does the other member join: what it gets of job_<held> can only be a redelivery.
        this->bus_->Subscribe({"workers", {}, this->recorder_.HandlerFor("workers/2")});
        const auto started = std::chrono::steady_clock::now();
        const bool all = hung && WaitUntil([&] { return this->recorder_.JobIdsOf("workers/2").size() == 5; },
                                           TypeParam::kRedeliveryAfter * 4 + std::chrono::seconds{10});
        const auto took = std::chrono::steady_clock::now() - started;
        {
            std::scoped_lock lock{mu};
            released = true;
        }
        released_cv.notify_all();
        peer->Stop();

        ASSERT_TRUE(hung) << "the first member never got an event";
        ASSERT_TRUE(all) << "the events of the hung member were not delivered to the other member";
        const auto ids = this->recorder_.JobIdsOf("workers/2");
        for (int i = 0; i < 5; ++i) {
            EXPECT_TRUE(ids.contains("job_" + std::to_string(i))) << "job_" << i;
        }
        EXPECT_GE(took, TypeParam::kRedeliveryAfter / 2)
            << "redelivered before the member could be called dead";
    }
}

// An event whose handler fails every time is delivered kMaxDeliveries times, then put aside with
// its group, and not delivered again; the other events are not held up by it.
TYPED_TEST_P(EventBusContract, AnEventThatKeepsFailingIsDeadLetteredAfterMaxDeliveries) {
    if constexpr (!BusWithDeadLetters<TypeParam>) {
        GTEST_SKIP() << "an in-process bus has no dead letters (a throwing handler loses its event)";
    } else {
        std::atomic<int> attempts{0};
        auto record = this->recorder_.HandlerFor("poisoned");
        const StopOnExit stop_on_exit{*this->bus_};
        this->bus_->Subscribe({"poisoned", {}, [&](const core::BusEvent& event) {
                                   if (event.job_id.value == "job_poison") {
                                       ++attempts;
                                       throw std::runtime_error("this handler cannot take job_poison");
                                   }
                                   record(event);
                               }});
        this->bus_->Subscribe({"healthy", {}, this->recorder_.HandlerFor("healthy")});
        for (const char* job : {"job_ok_0", "job_poison", "job_ok_1"}) {
            ASSERT_TRUE(this->bus_->Publish(core::BusEvent{"batch.created", core::JobId{job}}));
        }
        ASSERT_TRUE(WaitUntil(
            [] { return !TypeParam::DeadLetters().empty(); },
            TypeParam::kRedeliveryAfter * (TypeParam::kMaxDeliveries + 2) * 2 + std::chrono::seconds{10}))
            << "nothing was dead-lettered; the poisoned handler ran " << attempts.load() << " times";
        const std::vector<DeadLetter> dead = TypeParam::DeadLetters();
        ASSERT_EQ(dead.size(), 1U);
        EXPECT_EQ(dead[0].group, "poisoned");
        EXPECT_EQ(dead[0].event.name, "batch.created");
        EXPECT_EQ(dead[0].event.job_id.value, "job_poison");
        EXPECT_EQ(attempts.load(), TypeParam::kMaxDeliveries);

        // Given up means given up: no further delivery, and no second dead letter.
        std::this_thread::sleep_for(TypeParam::kRedeliveryAfter * 2);
        this->bus_->Stop();
        EXPECT_EQ(attempts.load(), TypeParam::kMaxDeliveries);
        EXPECT_EQ(TypeParam::DeadLetters().size(), 1U);
        EXPECT_EQ(this->recorder_.JobIdsOf("poisoned"),
                  (std::map<std::string, int>{{"job_ok_0", 1}, {"job_ok_1", 1}}));
        EXPECT_EQ(this->recorder_.JobIdsOf("healthy"),
                  (std::map<std::string, int>{{"job_ok_0", 1}, {"job_ok_1", 1}, {"job_poison", 1}}));
    }
}

REGISTER_TYPED_TEST_SUITE_P(EventBusContract,
                            EachEventReachesOneMemberOfItsGroupOnce,
                            EveryGroupGetsItsOwnCopy,
                            SubscribersGetOnlyTheEventNamesTheyAskFor,
                            HandlersNeverRunOnThePublishersThread,
                            StopDeliversWhatWasPublishedAndThenNoMore,
                            EventsHeldByAHungMemberGoToAnotherMemberOfItsGroup,
                            AnEventThatKeepsFailingIsDeadLetteredAfterMaxDeliveries);

}  // namespace batchd::contract
