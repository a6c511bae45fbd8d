#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/ids.hpp"

namespace batchd::core {

/// A `batch.*` event: the payload is only the job id (MEDUSA-SPEC §2), consumers re-read the store.
struct BusEvent {
    std::string name;
    JobId job_id;
};

/// Called for each delivered event. Delivery is at least once: handlers must tolerate duplicates.
using BusHandler = std::function<void(const BusEvent&)>;

/// Who receives what: a subscriber `group` gets every event whose name is in `event_names`
/// (empty: every `batch.*` event). Within a group each event goes to one member (Redis consumer
/// group semantics); distinct groups each get their own copy.
struct Subscription {
    std::string group;
    std::vector<std::string> event_names;
    BusHandler handler;
};

/// Carries `batch.*` events between processes (or within one). A hint, never the truth: the store
/// is, and a lost event is made good by the workers' poll of the store.
/// Implementations: LocalEventBus (in-process), RedisEventBus.
/// Thread safety: Publish and Subscribe may be called from any thread; handlers run on the bus's
/// own delivery thread(s), never on the publisher's.
class EventBus {
public:
    virtual ~EventBus() = default;

    /// Blocking: returns once the event is handed to the transport.
    [[nodiscard]] virtual Result<void> Publish(const BusEvent& event) = 0;

    /// Registers a subscriber. Subscriptions last until Stop().
    virtual void Subscribe(Subscription subscription) = 0;

    /// Stops delivery; returns once no handler is running. Idempotent.
    virtual void Stop() = 0;
};

}  // namespace batchd::core
