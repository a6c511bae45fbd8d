#include "runtime/event_relay.hpp"

#include <cassert>

#include <spdlog/spdlog.h>

namespace batchd::runtime {
namespace {

// Events per TakeEvents: large enough to drain a burst in a few round trips.
constexpr std::size_t kBatch = 256;

}  // namespace

EventRelay::EventRelay(core::JobStore& store, core::EventBus& bus, core::Duration poll)
    : store_(store), bus_(bus), poll_(poll), thread_([this](const std::stop_token& stop) { Loop(stop); }) {}

EventRelay::~EventRelay() {
    assert(stopped_ && "EventRelay::Stop() must run before the relay is destroyed");
    Stop();
}

void EventRelay::Wake() {
    {
        std::scoped_lock lock{mu_};
        ++wakes_;
    }
    cv_.notify_one();
}

void EventRelay::Stop() {
    std::scoped_lock stop_lock{stop_mu_};
    if (stopped_) {
        return;
    }
    thread_.request_stop();
    thread_.join();
    // What the last writes recorded goes out too: the bus is still up when the relay stops.
    PublishRecorded();
    stopped_ = true;
}

void EventRelay::Loop(const std::stop_token& stop) {
    std::uint64_t seen = 0;
    while (!stop.stop_requested()) {
        PublishRecorded();
        std::unique_lock lock{mu_};
        cv_.wait_for(lock, stop, poll_, [&] { return wakes_ != seen; });
        seen = wakes_;
    }
}

void EventRelay::PublishRecorded() {
    while (true) {
        auto taken = store_.TakeEvents(kBatch);
        if (!taken) {
            spdlog::warn("event relay: cannot read recorded events: {}", taken.error().detail);
            return;
        }
        const std::vector<core::RecordedEvent> events = std::move(taken).value();
        for (const core::RecordedEvent& event : events) {
            if (auto published = bus_.Publish(core::BusEvent{event.name, event.job_id}); !published) {
                spdlog::warn("event relay: {} of job {} not published: {}", event.name, event.job_id.value,
                             published.error().detail);
            }
        }
        if (events.size() < kBatch) {
            return;
        }
    }
}

}  // namespace batchd::runtime
