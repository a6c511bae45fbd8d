#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <thread>

#include "core/ids.hpp"
#include "core/ports/event_bus.hpp"
#include "core/ports/job_store.hpp"

namespace batchd::runtime {

/// The outbox's other half (HOUSE-STYLE §3.2): every write records its `batch.*` events in the same
/// transaction as the change; this relay takes them out of the store after commit and publishes
/// them on the bus, oldest first. An event is therefore published only for a committed change, and
/// each recorded event is taken once. A publish that fails is logged and dropped: the bus is a hint,
/// the workers' poll of the store (docs/operations.md, "The poll is the reconciler") makes a lost event good.
///
/// Ownership: the store and the bus outlive the relay. One thread, started by the constructor;
/// Stop() must run before destruction. Thread safety: Wake and Stop may be called from any thread.
class EventRelay {
public:
    /// Publishes what is recorded at least every `poll`, and at once after Wake().
    EventRelay(core::JobStore& store,
               core::EventBus& bus,
               core::Duration poll = std::chrono::milliseconds{100});
    ~EventRelay();

    EventRelay(const EventRelay&) = delete;
    EventRelay& operator=(const EventRelay&) = delete;

    /// Publishes now: call after a write (JobService's on_write, the worker pool's).
    void Wake();

    /// Publishes what is recorded, then stops the thread. Idempotent; blocking.
    void Stop();

private:
    void Loop(const std::stop_token& stop);
    void PublishRecorded();

    core::JobStore& store_;
    core::EventBus& bus_;
    const core::Duration poll_;

    std::mutex mu_;
    std::condition_variable_any cv_;
    std::uint64_t wakes_ = 0;  // guarded by mu_
    std::mutex stop_mu_;
    bool stopped_ = false;  // guarded by stop_mu_
    std::jthread thread_;   // last: starts after everything it uses
};

}  // namespace batchd::runtime
