#include "bus/redis/redis_event_bus.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <compare>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "bus/redis/redis_handle.hpp"

namespace batchd::bus::redis {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kLastBackoff{5000};
// Connecting, and every command of the publishing connection; a reader's commands may also wait
// for their BLOCK on top of it.
constexpr milliseconds kIoTimeout{2000};
constexpr milliseconds kLongestBlock{1000};  // how long a reader waits in XREADGROUP before it looks up
constexpr milliseconds kDrainBudget{5000};   // Stop's longest hand-out of entries already waiting
constexpr std::string_view kBatch = "100";   // entries per XREADGROUP and per XAUTOCLAIM
constexpr int kClaimRoundsPerPass = 10;      // XAUTOCLAIM calls per pass, at most (1000 entries)
constexpr SteadyClock::duration kTidyEvery = std::chrono::minutes{5};
// A consumer of a group (a member in some process) with nothing pending that has not read for this
// long is forgotten (XGROUP DELCONSUMER): each restart of a process leaves its old name behind.
constexpr milliseconds kForgetConsumersAfter = std::chrono::hours{1};
// How far this host's clock may run ahead of Redis's without losing events (see Subscribe).
constexpr milliseconds kClockMargin{5000};

/// A stream entry id "<ms>-<seq>", ordered as Redis orders them.
struct StreamId {
    std::uint64_t ms = 0;
    std::uint64_t seq = 0;

    static std::optional<StreamId> Parse(std::string_view text) {
        const std::size_t dash = text.find('-');
        if (dash == std::string_view::npos) {
            return std::nullopt;
        }
        StreamId id;
        const char* begin = text.data();
        const char* middle = begin + dash;
        const char* end = begin + text.size();
        if (std::from_chars(begin, middle, id.ms).ptr != middle ||
            std::from_chars(middle + 1, end, id.seq).ptr != end || dash == 0 || middle + 1 == end) {
            return std::nullopt;
        }
        return id;
    }

    [[nodiscard]] std::string ToString() const { return fmt::format("{}-{}", ms, seq); }

    friend auto operator<=>(const StreamId&, const StreamId&) = default;
};

/// Capped exponential back-off: 100 ms, 200 ms, … 5 s, 5 s, …
class Backoff {
public:
    milliseconds Next() {
        const milliseconds wait = next_;
        next_ = std::min(next_ * 2, kLastBackoff);
        return wait;
    }
    void Reset() { next_ = kFirstBackoff; }

private:
    milliseconds next_ = kFirstBackoff;
};

/// Whether Redis is reachable, as all the connections of one bus see it: logs one warning when an
/// outage starts and one notice when it ends, however many connections retry in between.
/// Thread safety: any thread.
class Health {
public:
    explicit Health(std::string where) : where_(std::move(where)) {}

    void Lost(std::string_view why) {
        std::scoped_lock lock{mu_};
        if (down_) {
            return;
        }
        down_ = true;
        since_ = SteadyClock::now();
        spdlog::warn("redis bus: cannot use Redis at {}: {}; retrying with back-off (up to {} s)", where_,
                     why, std::chrono::duration_cast<std::chrono::seconds>(kLastBackoff).count());
    }

    void Restored() {
        std::scoped_lock lock{mu_};
        if (!down_) {
            return;
        }
        down_ = false;
        const auto lasted = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - since_);
        spdlog::info("redis bus: Redis at {} is back after {} ms", where_, lasted.count());
    }

    [[nodiscard]] const std::string& Where() const { return where_; }

private:
    const std::string where_;
    std::mutex mu_;
    bool down_ = false;              // guarded by mu_
    SteadyClock::time_point since_;  // guarded by mu_
};

/// One stream entry as XREADGROUP and XAUTOCLAIM return it.
struct Entry {
    std::string id;
    std::vector<std::pair<std::string, std::string>> fields;
    bool gone = false;  // trimmed away (MAXLEN) while it was pending: Redis < 7 returns it without fields

    [[nodiscard]] const std::string* Field(std::string_view key) const {
        for (const auto& [name, value] : fields) {
            if (name == key) {
                return &value;
            }
        }
        return nullptr;
    }
};

// [[id, [field, value, …] or nil], …]
std::vector<Entry> ParseEntries(const redisReply& array) {
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < Size(array); ++i) {
        const redisReply* item = Element(array, i);
        const redisReply* id = item != nullptr ? Element(*item, 0) : nullptr;
        if (id == nullptr || Text(*id).empty()) {
            continue;
        }
        Entry entry;
        entry.id = Text(*id);
        const redisReply* fields = Element(*item, 1);
        if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY) {
            entry.gone = true;
        } else {
            for (std::size_t f = 0; f + 1 < Size(*fields); f += 2) {
                entry.fields.emplace_back(Text(*Element(*fields, f)), Text(*Element(*fields, f + 1)));
            }
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

// XREADGROUP's reply: nil when BLOCK ran out, else [[stream, entries]].
std::vector<Entry> ParseReadReply(const redisReply& reply) {
    const redisReply* stream = Element(reply, 0);
    const redisReply* entries = stream != nullptr ? Element(*stream, 1) : nullptr;
    return entries != nullptr ? ParseEntries(*entries) : std::vector<Entry>{};
}

bool Wants(const core::Subscription& subscription, const std::string& name) {
    if (subscription.event_names.empty()) {
        return name.starts_with("batch.");
    }
    return std::find(subscription.event_names.begin(), subscription.event_names.end(), name) !=
           subscription.event_names.end();
}

std::string DefaultConsumerName() {
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0) {
        host = {'h', 'o', 's', 't'};
    }
    return fmt::format("{}:{}", host.data(), getpid());
}

/// Makes `group` a consumer group of `stream` unless it is one already. It starts after
/// `position`, or, when that is unknown, after the stream's newest entry (which becomes
/// `position`): unlike `$`, an explicit id loses nothing published between the two commands.
/// The reply is XGROUP's (or XREVRANGE's, when that one was refused); an Error: the connection
/// broke.
core::Result<RedisReply> CreateGroup(RedisConnection& connection,
                                     const std::string& stream,
                                     const std::string& group,
                                     std::optional<StreamId>& position) {
    if (!position) {
        auto newest = connection.Run({"XREVRANGE", stream, "+", "-", "COUNT", "1"});
        if (!newest || IsError(**newest)) {
            return newest;
        }
        const std::vector<Entry> entries = ParseEntries(**newest);
        position = entries.empty() ? StreamId{} : StreamId::Parse(entries.front().id).value_or(StreamId{});
    }
    return connection.Run({"XGROUP", "CREATE", stream, group, position->ToString(), "MKSTREAM"});
}

/// What a reader needs from its bus; all of it outlives the reader.
struct ReaderSetup {
    const RedisBusConfig& config;
    const RedisEndpoint& endpoint;
    Health& health;
};

/// One subscription: a member of its group in Redis (consumer `consumer`), with a thread and a
/// connection of its own that nobody else uses. The thread reads, claims, delivers and acks until
/// asked to stop, then hands out what is already waiting and closes the connection.
/// Thread safety: RequestStop, ClientId and Join from any thread; the rest is the thread's own.
class Reader {
public:
    Reader(ReaderSetup setup, core::Subscription subscription, std::string consumer, StreamId position)
        : config_(setup.config),
          endpoint_(setup.endpoint),
          health_(setup.health),
          subscription_(std::move(subscription)),
          consumer_(std::move(consumer)),
          dead_stream_(config_.stream + ":dead"),
          claim_every_(std::clamp(config_.claim_idle / 2, milliseconds{10}, kLastBackoff)),
          block_(std::clamp(claim_every_, milliseconds{10}, kLongestBlock)),
          position_(position),
          thread_([this](const std::stop_token& stop) { Loop(stop); }) {}

    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    void RequestStop() { thread_.request_stop(); }

    /// The Redis client id of the reading connection (for CLIENT UNBLOCK), -1 while there is none.
    [[nodiscard]] long long ClientId() const { return client_id_.load(); }

    /// Whether the caller is this reader's thread (a handler that stops the bus).
    [[nodiscard]] bool IsCurrentThread() const { return thread_.get_id() == std::this_thread::get_id(); }

    void Join() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    void Loop(const std::stop_token& stop) {
        Backoff backoff;
        auto next_claim = SteadyClock::now();  // at once: a member that just started may be a replacement
        auto next_tidy = SteadyClock::now();
        while (!stop.stop_requested()) {
            bool ok = connection_.has_value() || Connect();
            if (ok && SteadyClock::now() >= next_claim) {
                ok = ClaimPass(stop);
                next_claim = SteadyClock::now() + claim_every_;
            }
            if (ok && SteadyClock::now() >= next_tidy) {
                ok = Tidy();
                next_tidy = SteadyClock::now() + kTidyEvery;
            }
            if (ok && !stop.stop_requested()) {
                bool empty = false;
                ok = ReadNew(block_, empty);
            }
            if (ok) {
                backoff.Reset();
                health_.Restored();
                continue;
            }
            std::unique_lock lock{wait_mu_};
            wait_cv_.wait_for(lock, stop, backoff.Next(), [] { return false; });
        }
        Drain();
    }

    // Stop() was asked: hand out the entries already waiting for the group (bounded: what is left
    // stays in the stream for the other members), then close.
    void Drain() {
        const auto deadline = SteadyClock::now() + kDrainBudget;
        bool empty = false;
        while (connection_ && !empty && SteadyClock::now() < deadline) {
            if (!ReadNew(std::nullopt, empty)) {
                break;
            }
        }
        connection_.reset();
        client_id_ = -1;
    }

    bool Connect() {
        auto opened = RedisConnection::Open(endpoint_, block_ + kIoTimeout);  // outlasts a BLOCK
        if (!opened) {
            health_.Lost(opened.error().detail);
            return false;
        }
        connection_.emplace(std::move(*opened));
        auto id = connection_->Run({"CLIENT", "ID"});
        if (!id) {
            return Dropped(id.error());
        }
        client_id_ = (**id).type == REDIS_REPLY_INTEGER ? (**id).integer : -1;
        return EnsureGroup();
    }

    bool EnsureGroup() {
        auto created = CreateGroup(*connection_, config_.stream, subscription_.group, position_);
        if (!created) {
            return Dropped(created.error());
        }
        if (IsError(**created) && !IsError(**created, "BUSYGROUP")) {
            health_.Lost(Text(**created));
            return false;
        }
        return true;
    }

    // The connection broke: drop it; the loop reconnects after a back-off. The outage is logged by
    // the reconnection if that fails too (a broken connection alone may be a restart that is over).
    bool Dropped(const core::Error& error) {
        spdlog::debug("redis bus: reader {} of group {} lost its connection: {}", consumer_,
                      subscription_.group, error.detail);
        connection_.reset();
        client_id_ = -1;
        acks_.clear();  // unacked, they come back through XAUTOCLAIM
        return false;
    }

    // Redis answered with an error. NOGROUP: the group (or the whole stream) vanished, through
    // FLUSHALL, a restart without persistence or a DEL: recreate it from the last entry this member
    // saw, so that what was published since is delivered. Anything else (LOADING after a restart,
    // OOM, WRONGTYPE) counts as an outage: back off.
    bool Refused(const redisReply& reply) {
        if (IsError(reply, "UNBLOCKED")) {
            return true;  // the stream was deleted under a blocked XREADGROUP: the next one says NOGROUP
        }
        if (IsError(reply, "NOGROUP")) {
            spdlog::warn(
                "redis bus: the group {} of {} vanished (FLUSHALL, or a restart without "
                "persistence); recreating it after entry {}",
                subscription_.group, config_.stream, position_.value_or(StreamId{}).ToString());
            acks_.clear();
            return EnsureGroup();
        }
        health_.Lost(Text(reply));
        return false;
    }

    // One XREADGROUP of new entries (blocking for `block` when given), then their delivery and acks.
    bool ReadNew(std::optional<milliseconds> block, bool& empty) {
        if (!connection_) {
            return false;
        }
        RedisCommand command{"XREADGROUP", "GROUP", subscription_.group,
                             consumer_,    "COUNT", std::string(kBatch)};
        if (block) {
            command.insert(command.end(), {"BLOCK", std::to_string(block->count())});
        }
        command.insert(command.end(), {"STREAMS", config_.stream, ">"});
        auto reply = connection_->Run(command);
        if (!reply) {
            return Dropped(reply.error());
        }
        if (IsError(**reply)) {
            return Refused(**reply);
        }
        const std::vector<Entry> entries = ParseReadReply(**reply);
        empty = entries.empty();
        for (const Entry& entry : entries) {
            if (const auto id = StreamId::Parse(entry.id); id && (!position_ || *position_ < *id)) {
                position_ = id;
            }
        }
        Deliver(entries);
        return FlushAcks();
    }

    // Takes over the entries of the group that waited unacked for claim_idle (whoever held them),
    // in rounds of XAUTOCLAIM, and delivers them here, or dead-letters those delivered too often.
    bool ClaimPass(const std::stop_token& stop) {
        if (!connection_) {
            return false;
        }
        const std::string min_idle = std::to_string(config_.claim_idle.count());
        for (int round = 0; round < kClaimRoundsPerPass && connection_ && !stop.stop_requested(); ++round) {
            auto reply = connection_->Run({"XAUTOCLAIM", config_.stream, subscription_.group, consumer_,
                                           min_idle, claim_cursor_, "COUNT", std::string(kBatch)});
            if (!reply) {
                return Dropped(reply.error());
            }
            if (IsError(**reply)) {
                return Refused(**reply);
            }
            const redisReply* cursor = Element(**reply, 0);
            const redisReply* claimed = Element(**reply, 1);
            if (cursor == nullptr || claimed == nullptr) {
                spdlog::error("redis bus: unexpected reply to XAUTOCLAIM (type {})", (**reply).type);
                return true;
            }
            claim_cursor_ = Text(*cursor);
            std::vector<Entry> entries = ParseEntries(*claimed);
            if (!entries.empty()) {
                spdlog::info("redis bus: group {}: {} took over {} entries unacked for {} ms or more",
                             subscription_.group, consumer_, entries.size(), config_.claim_idle.count());
                if (!Redeliver(std::move(entries))) {
                    return false;
                }
            }
            if (claim_cursor_ == "0-0" || claim_cursor_.empty()) {
                claim_cursor_ = "0-0";
                break;
            }
        }
        return true;
    }

    bool Redeliver(std::vector<Entry> entries) {
        if (config_.max_deliveries > 0) {
            // How often each was delivered, this claim included (one round trip for the lot).
            std::vector<RedisCommand> queries;
            queries.reserve(entries.size());
            for (const Entry& entry : entries) {
                queries.push_back({"XPENDING", config_.stream, subscription_.group, entry.id, entry.id, "1"});
            }
            auto replies = connection_->RunAll(queries);
            if (!replies) {
                return Dropped(replies.error());
            }
            std::vector<Entry> keep;
            for (std::size_t i = 0; i < entries.size(); ++i) {
                const redisReply* pending = Element(*(*replies)[i], 0);
                const redisReply* count = pending != nullptr ? Element(*pending, 3) : nullptr;
                const long long deliveries =
                    count != nullptr && count->type == REDIS_REPLY_INTEGER ? count->integer : 0;
                // This claim counts as a delivery, but its handler has not run yet.
                if (deliveries > config_.max_deliveries) {
                    if (!DeadLetter(entries[i], deliveries - 1)) {
                        return false;
                    }
                } else {
                    keep.push_back(std::move(entries[i]));
                }
            }
            entries = std::move(keep);
        }
        Deliver(entries);
        return FlushAcks();
    }

    // Gives up on an entry that was handed out `deliveries` times: a copy goes to "<stream>:dead"
    // with the group, and it is acked, both in one transaction.
    bool DeadLetter(const Entry& entry, long long deliveries) {
        RedisCommand add{"XADD", dead_stream_, "MAXLEN", "~", std::to_string(config_.max_length), "*"};
        for (const auto& [name, value] : entry.fields) {
            add.push_back(name);
            add.push_back(value);
        }
        add.insert(add.end(), {"group", subscription_.group, "entry", entry.id, "deliveries",
                               std::to_string(deliveries)});
        auto replies = connection_->RunAll(
            {{"MULTI"}, add, {"XACK", config_.stream, subscription_.group, entry.id}, {"EXEC"}});
        if (!replies) {
            return Dropped(replies.error());
        }
        for (const RedisReply& reply : *replies) {
            if (IsError(*reply)) {
                return Refused(*reply);
            }
        }
        const std::string* name = entry.Field("name");
        const std::string* job_id = entry.Field("job_id");
        spdlog::warn(
            "redis bus: group {} gave up on {} of job {} (entry {}) after {} deliveries; moved to {}",
            subscription_.group, name != nullptr ? *name : "?", job_id != nullptr ? *job_id : "?", entry.id,
            deliveries, dead_stream_);
        return true;
    }

    // Runs the handler for each entry it wants; what it took (or did not want) is to be acked. A
    // handler that throws leaves its entry unacked: it comes back after claim_idle.
    void Deliver(const std::vector<Entry>& entries) {
        last_flush_ = SteadyClock::now();
        for (const Entry& entry : entries) {
            if (Handle(entry)) {
                acks_.push_back(entry.id);
            }
            // A long batch acks as it goes, so that others do not claim what is done.
            if (SteadyClock::now() - last_flush_ > config_.claim_idle / 4) {
                if (!FlushAcks()) {
                    return;  // unacked, the rest comes back through XAUTOCLAIM
                }
            }
        }
    }

    bool Handle(const Entry& entry) {
        if (entry.gone) {
            return true;
        }
        const std::string* name = entry.Field("name");
        const std::string* job_id = entry.Field("job_id");
        if (name == nullptr || job_id == nullptr) {
            spdlog::warn("redis bus: skipping entry {} of {}: it has no name or job_id", entry.id,
                         config_.stream);
            return true;
        }
        if (!Wants(subscription_, *name)) {
            return true;
        }
        // The reader thread's top: a throwing handler costs a redelivery, not the thread.
        try {
            subscription_.handler(core::BusEvent{*name, core::JobId{*job_id}});
            return true;
        } catch (const std::exception& e) {
            spdlog::error(
                "redis bus: handler of group {} failed on {} of job {} (entry {}): {}; redelivered "
                "after {} ms unless that was delivery {}",
                subscription_.group, *name, *job_id, entry.id, e.what(), config_.claim_idle.count(),
                config_.max_deliveries);
        } catch (...) {
            spdlog::error(
                "redis bus: handler of group {} failed on {} of job {} (entry {}); redelivered after {} "
                "ms unless that was delivery {}",
                subscription_.group, *name, *job_id, entry.id, config_.claim_idle.count(),
                config_.max_deliveries);
        }
        return false;
    }

    bool FlushAcks() {
        last_flush_ = SteadyClock::now();
        if (!connection_) {
            acks_.clear();  // unacked, they come back through XAUTOCLAIM
            return false;
        }
        if (acks_.empty()) {
            return true;
        }
        RedisCommand command{"XACK", config_.stream, subscription_.group};
        command.insert(command.end(), acks_.begin(), acks_.end());
        acks_.clear();
        auto reply = connection_->Run(command);
        if (!reply) {
            return Dropped(reply.error());
        }
        return !IsError(**reply) || Refused(**reply);
    }

    // Forgets the group's consumers that left long ago with nothing pending (their processes ended).
    bool Tidy() {
        if (!connection_) {
            return false;
        }
        auto reply = connection_->Run({"XINFO", "CONSUMERS", config_.stream, subscription_.group});
        if (!reply) {
            return Dropped(reply.error());
        }
        if (IsError(**reply)) {
            return Refused(**reply);
        }
        const long long forget_after = std::max(kForgetConsumersAfter, config_.claim_idle * 10).count();
        std::vector<RedisCommand> forget;
        for (std::size_t i = 0; i < Size(**reply); ++i) {
            const redisReply& consumer = *Element(**reply, i);
            std::string_view name;
            long long pending = -1;
            long long idle = -1;
            for (std::size_t f = 0; f + 1 < Size(consumer); f += 2) {
                const std::string_view key = Text(*Element(consumer, f));
                const redisReply& value = *Element(consumer, f + 1);
                if (key == "name") {
                    name = Text(value);
                } else if (key == "pending" && value.type == REDIS_REPLY_INTEGER) {
                    pending = value.integer;
                } else if (key == "idle" && value.type == REDIS_REPLY_INTEGER) {
                    idle = value.integer;
                }
            }
            if (!name.empty() && name != consumer_ && pending == 0 && idle > forget_after) {
                forget.push_back(
                    {"XGROUP", "DELCONSUMER", config_.stream, subscription_.group, std::string(name)});
            }
        }
        if (forget.empty()) {
            return true;
        }
        auto replies = connection_->RunAll(forget);
        if (!replies) {
            return Dropped(replies.error());
        }
        spdlog::info("redis bus: group {}: forgot {} consumers idle for over {} ms with nothing pending",
                     subscription_.group, forget.size(), forget_after);
        return true;
    }

    const RedisBusConfig& config_;
    const RedisEndpoint& endpoint_;
    Health& health_;
    const core::Subscription subscription_;
    const std::string consumer_;
    const std::string dead_stream_;
    const milliseconds claim_every_;
    const milliseconds block_;

    // The thread's own (no lock).
    std::optional<RedisConnection> connection_;
    // Where a lost group restarts: the newest entry this member saw, or where it started. Always set
    // (optional for CreateGroup).
    std::optional<StreamId> position_;
    std::string claim_cursor_ = "0-0";
    std::vector<std::string> acks_;  // handled, not yet acked
    SteadyClock::time_point last_flush_ = SteadyClock::now();

    std::atomic<long long> client_id_{-1};
    std::mutex wait_mu_;
    std::condition_variable_any wait_cv_;  // back-off sleeps, cut short by a stop request
    std::jthread thread_;                  // last: starts after everything it uses
};

class RedisEventBus final : public core::EventBus {
public:
    explicit RedisEventBus(RedisBusConfig config)
        : config_(Checked(std::move(config))),
          endpoint_(ParseRedisUrl(config_.url)),
          health_(endpoint_.Describe()) {
        // Connect early so that a Redis that is down is reported at startup; not fatal.
        std::scoped_lock lock{pub_mu_};
        (void)PublisherLocked();
    }

    ~RedisEventBus() override { Stop(); }

    RedisEventBus(const RedisEventBus&) = delete;
    RedisEventBus& operator=(const RedisEventBus&) = delete;

    // core::EventBus
    core::Result<void> Publish(const core::BusEvent& event) override {
        const RedisCommand command{
            "XADD", config_.stream, "MAXLEN",   "~",      std::to_string(config_.max_length),
            "*",    "name",         event.name, "job_id", event.job_id.value};
        std::scoped_lock lock{pub_mu_};
        if (stopped_) {
            return core::Error{core::Errc::kUnavailable, "the event bus is stopped"};
        }
        auto reply = RunOnPublisherLocked(command);
        if (!reply) {
            return reply.error();
        }
        if (IsError(**reply)) {
            return core::Error{core::Errc::kUnavailable,
                               fmt::format("Redis refused XADD: {}", Text(**reply))};
        }
        return {};
    }

    void Subscribe(core::Subscription subscription) override {
        std::scoped_lock lock{mu_};
        if (stopping_) {
            return;
        }
        // The group exists before Subscribe returns, so it gets every event published after.
        std::optional<StreamId> position;
        {
            std::scoped_lock pub_lock{pub_mu_};
            if (RedisConnection* connection = PublisherLocked()) {
                auto created = CreateGroup(*connection, config_.stream, subscription.group, position);
                if (!created) {
                    publisher_.reset();
                } else if (IsError(**created) && !IsError(**created, "BUSYGROUP")) {
                    spdlog::warn("redis bus: cannot create the group {} of {} yet: {}", subscription.group,
                                 config_.stream, Text(**created));
                }
            }
        }
        if (!position) {
            // Redis is away: the reader creates the group once it can, starting from now as entry ids
            // count (Redis's clock in ms), less a margin for clocks that differ a little. What Redis
            // holds from before is then not replayed, and what is published from now on is delivered.
            const auto now =
                std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch());
            position = StreamId{
                static_cast<std::uint64_t>(std::max(now - kClockMargin, milliseconds{0}).count()), 0};
        }
        // Members of one group in this process need names of their own.
        const auto same_group = std::count_if(readers_.begin(), readers_.end(), [&](const auto& reader) {
            return reader.group == subscription.group;
        });
        std::string consumer = same_group == 0 ? config_.consumer_name
                                               : fmt::format("{}#{}", config_.consumer_name, same_group + 1);
        std::string group = subscription.group;
        readers_.push_back({std::move(group), std::make_unique<Reader>(
                                                  ReaderSetup{config_, endpoint_, health_},
                                                  std::move(subscription), std::move(consumer), *position)});
    }

    void Stop() override {
        std::vector<Reader*> readers;
        {
            std::scoped_lock lock{mu_};
            stopping_ = true;
            for (auto& entry : readers_) {
                entry.reader->RequestStop();
                readers.push_back(entry.reader.get());
            }
        }
        {
            std::scoped_lock lock{pub_mu_};
            stopped_ = true;
            UnblockLocked(readers);
        }
        // A handler that stops the bus cannot wait for its own thread, nor for a Stop() that waits
        // for it: its reader ends once the handler returns, and the destructor joins it.
        const bool from_a_handler = std::any_of(
            readers.begin(), readers.end(), [](const Reader* reader) { return reader->IsCurrentThread(); });
        if (from_a_handler) {
            return;
        }
        {
            std::scoped_lock lock{join_mu_};
            for (Reader* reader : readers) {
                reader->Join();
            }
        }
        std::scoped_lock lock{pub_mu_};
        publisher_.reset();
    }

private:
    struct GroupReader {
        std::string group;
        std::unique_ptr<Reader> reader;
    };

    static RedisBusConfig Checked(RedisBusConfig config) {
        if (config.stream.empty()) {
            throw std::runtime_error("redis bus: the stream name is empty");
        }
        if (config.max_length == 0) {
            throw std::runtime_error("redis bus: max_length must be at least 1");
        }
        if (config.claim_idle.count() <= 0) {
            throw std::runtime_error("redis bus: claim_idle must be positive");
        }
        if (config.consumer_name.empty()) {
            // Two buses of one process (tests, mostly) must not pass for one consumer.
            static std::atomic<int> buses{0};
            const int n = ++buses;
            config.consumer_name =
                n == 1 ? DefaultConsumerName() : fmt::format("{}:{}", DefaultConsumerName(), n);
        }
        return config;
    }

    // The publishing connection, opened if need be, or nullptr while Redis is unreachable (not
    // retried before the back-off has passed, so publishers fail fast during an outage). Needs pub_mu_.
    RedisConnection* PublisherLocked() {
        if (publisher_) {
            return &*publisher_;
        }
        const auto now = SteadyClock::now();
        if (now < retry_at_) {
            return nullptr;
        }
        auto opened = RedisConnection::Open(endpoint_, kIoTimeout);
        if (!opened) {
            health_.Lost(opened.error().detail);
            retry_at_ = now + backoff_.Next();
            return nullptr;
        }
        publisher_.emplace(std::move(*opened));
        backoff_.Reset();
        health_.Restored();
        return &*publisher_;
    }

    // Runs `command` on the publishing connection. A connection that broke since the last call (Redis
    // restarted) is replaced at once, once; an XADD whose reply was lost may so be added twice, which
    // at-least-once delivery allows. Needs pub_mu_.
    core::Result<RedisReply> RunOnPublisherLocked(const RedisCommand& command) {
        for (int attempt = 1;; ++attempt) {
            RedisConnection* connection = PublisherLocked();
            if (connection == nullptr) {
                return core::Error{core::Errc::kUnavailable,
                                   fmt::format("Redis at {} is unreachable", health_.Where())};
            }
            auto reply = connection->Run(command);
            if (reply) {
                return reply;
            }
            publisher_.reset();
            if (attempt == 2) {
                // Twice in a row (a Redis that accepts connections but does not answer): back off as
                // for a refused connection, so that publishers do not wait for it each time.
                health_.Lost(reply.error().detail);
                retry_at_ = SteadyClock::now() + backoff_.Next();
                return core::Error{
                    core::Errc::kUnavailable,
                    fmt::format("Redis at {} does not answer: {}", health_.Where(), reply.error().detail)};
            }
        }
    }

    // Readers blocked in XREADGROUP return at once instead of at the end of their BLOCK (best
    // effort: without it they notice within kLongestBlock). Needs pub_mu_.
    void UnblockLocked(const std::vector<Reader*>& readers) {
        std::vector<RedisCommand> unblocks;
        for (const Reader* reader : readers) {
            if (const long long id = reader->ClientId(); id >= 0) {
                unblocks.push_back({"CLIENT", "UNBLOCK", std::to_string(id)});
            }
        }
        if (unblocks.empty()) {
            return;
        }
        if (RedisConnection* connection = PublisherLocked()) {
            if (!connection->RunAll(unblocks)) {
                publisher_.reset();
            }
        }
    }

    const RedisBusConfig config_;
    const RedisEndpoint endpoint_;
    Health health_;

    std::mutex mu_;
    std::vector<GroupReader> readers_;  // guarded by mu_; only grows, so Stop may keep pointers
    bool stopping_ = false;             // guarded by mu_
    std::mutex join_mu_;                // one Stop() joins, the others wait for it

    std::mutex pub_mu_;                         // after mu_ when both are taken
    std::optional<RedisConnection> publisher_;  // guarded by pub_mu_
    Backoff backoff_;                           // guarded by pub_mu_
    SteadyClock::time_point retry_at_;          // guarded by pub_mu_
    bool stopped_ = false;                      // guarded by pub_mu_: Publish refused
};

}  // namespace

std::unique_ptr<core::EventBus> MakeRedisEventBus(const RedisBusConfig& config) {
    return std::make_unique<RedisEventBus>(config);
}

}  // namespace batchd::bus::redis
