#pragma once

#include <memory>

#include "core/ports/event_bus.hpp"

namespace batchd::bus::local {

/// The in-process EventBus of the embedded default (`batchd serve` with no REDIS_URL): one delivery
/// thread with a queue. Each subscriber group gets one copy of each matching event, handed to its
/// members in turn; handlers run on the delivery thread, never on the publisher's. Publish never
/// blocks on a handler. Stop() delivers what was published before it, then stops; Publish after
/// Stop fails with kUnavailable. Events do not survive the process (the store's outbox and the
/// workers' poll make up for that).
std::unique_ptr<core::EventBus> MakeLocalEventBus();

}  // namespace batchd::bus::local
