#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/ports/event_bus.hpp"

namespace batchd::bus::redis {

/// Where the Redis bus lives and how patient it is. Every process of one deployment uses the same
/// `url` and `stream`; `consumer_name` must differ between processes.
struct RedisBusConfig {
    std::string url;                              // redis://[[user]:password@]host[:port][/db]: REDIS_URL
    std::string stream = "batchd:events";         // the stream key; dead letters go to "<stream>:dead"
    std::size_t max_length = 100000;              // XADD MAXLEN ~: the stream keeps about this many entries
    std::chrono::milliseconds claim_idle{30000};  // an entry unacked this long is taken from its consumer
    int max_deliveries = 5;                       // then dead-lettered; 0 or less: never
    std::string consumer_name;                    // empty: "<host>:<pid>"
};

/// The EventBus of production (`REDIS_URL` set): one Redis stream shared by every batchd process.
///
/// Publish is `XADD <stream> MAXLEN ~ <max_length> * name <event> job_id <id>` on one connection
/// shared by the publishers (they take turns). Each Subscribe makes the subscription's group a Redis
/// consumer group (created at the stream's current end, so it sees what is published after
/// Subscribe returns) and starts a thread with a connection of its own that blocks in XREADGROUP,
/// runs the handler for the entries it wants and XACKs them once it has returned. Members of one
/// group share its entries (one member each), across processes; the members of a group must ask
/// for the same event names, since an entry a member does not want is acked and skipped for the
/// whole group. Entries left unacked for `claim_idle` (their consumer died, hung, or its handler
/// threw) are taken over with XAUTOCLAIM by any live member, so delivery is at least once; an entry
/// claimed more than `max_deliveries` times goes to "<stream>:dead" (with its group) and is acked.
///
/// Redis going away is never fatal: Publish fails with kUnavailable (fast, while a reconnection is
/// backing off), readers reconnect with capped exponential back-off (100 ms … 5 s), and a group
/// that vanished (FLUSHALL, a restart without persistence) is recreated from the last entry its
/// member saw. One warning per outage, one notice when it ends.
///
/// Stop() stops reading, hands the entries that are already waiting to the handlers (for a few
/// seconds at most: what it leaves stays in Redis for the other members), joins the threads and
/// closes the connections; it is idempotent and Publish fails with kUnavailable after it.
/// Thread safety: as core::EventBus; handlers of different subscriptions run concurrently.
/// Throws std::runtime_error if `config.url` is not a redis:// URL (startup only); a Redis that is
/// down at start is retried, not an error.
[[nodiscard]] std::unique_ptr<core::EventBus> MakeRedisEventBus(const RedisBusConfig& config);

}  // namespace batchd::bus::redis
