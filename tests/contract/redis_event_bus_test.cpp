// The EventBus contract on Redis Streams, against the server of BATCHD_TEST_REDIS_URL (./dev test
// sets it; e.g. redis://127.0.0.1:6390); skipped without it. Each test uses a stream of its own, so
// tests running at the same time do not see each other's events.
#include "bus/redis/redis_event_bus.hpp"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus/redis/redis_handle.hpp"
#include "contract/event_bus_contract.hpp"
#include "support/free_port.hpp"

namespace batchd::contract {
namespace {

using bus::redis::IsError;
using bus::redis::MakeRedisEventBus;
using bus::redis::RedisBusConfig;
using bus::redis::RedisConnection;
using bus::redis::RedisReply;
using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

constexpr const char* kNotConfigured =
    "BATCHD_TEST_REDIS_URL is not set: start a server (redis-server --port 6390 --save '' "
    "--daemonize yes) and export BATCHD_TEST_REDIS_URL=redis://127.0.0.1:6390";

std::string TestUrl() {
    const char* url = std::getenv("BATCHD_TEST_REDIS_URL");
    return url != nullptr ? url : "";
}

// "batchd:test:<random>:events": a stream no other test uses.
std::string FreshStream() {
    std::random_device random;
    return fmt::format("batchd:test:{:08x}{:08x}:events", random(), random());
}

// A plain connection to the test server, to look at what the bus did.
RedisConnection Connect(const std::string& url = TestUrl()) {
    auto connection = RedisConnection::Open(bus::redis::ParseRedisUrl(url), 2s);
    if (!connection) {
        throw std::runtime_error("cannot connect to " + url + ": " + connection.error().detail);
    }
    return std::move(*connection);
}

RedisReply Command(RedisConnection& connection, const bus::redis::RedisCommand& command) {
    auto reply = connection.Run(command);
    if (!reply) {
        throw std::runtime_error(command.front() + " failed: " + reply.error().detail);
    }
    return std::move(*reply);
}

// The entries of `stream` as field → value maps, oldest first.
std::vector<std::map<std::string, std::string>> Entries(const std::string& stream) {
    RedisConnection connection = Connect();
    const RedisReply reply = Command(connection, {"XRANGE", stream, "-", "+"});
    std::vector<std::map<std::string, std::string>> entries;
    for (std::size_t i = 0; i < bus::redis::Size(*reply); ++i) {
        const redisReply& fields = *bus::redis::Element(*bus::redis::Element(*reply, i), 1);
        std::map<std::string, std::string>& entry = entries.emplace_back();
        for (std::size_t f = 0; f + 1 < bus::redis::Size(fields); f += 2) {
            entry[std::string(bus::redis::Text(*bus::redis::Element(fields, f)))] =
                bus::redis::Text(*bus::redis::Element(fields, f + 1));
        }
    }
    return entries;
}

RedisBusConfig ConfigFor(std::string stream, std::string consumer = "") {
    RedisBusConfig config;
    config.url = TestUrl();
    config.stream = std::move(stream);
    config.claim_idle = 1000ms;
    config.max_deliveries = 3;
    config.consumer_name = std::move(consumer);
    return config;
}

struct RedisBusFactory {
    static constexpr int kMaxDeliveries = 3;  // as ConfigFor sets them
    static constexpr std::chrono::milliseconds kRedeliveryAfter{1000};

    static std::string SkipReason() { return kNotConfigured; }

    static std::unique_ptr<core::EventBus> Make() {
        if (TestUrl().empty()) {
            return nullptr;
        }
        Stream() = FreshStream();
        return MakeRedisEventBus(ConfigFor(Stream()));
    }

    static std::unique_ptr<core::EventBus> MakePeer() {
        return MakeRedisEventBus(ConfigFor(Stream(), "peer-" + std::to_string(getpid())));
    }

    static std::vector<DeadLetter> DeadLetters() {
        std::vector<DeadLetter> dead;
        for (auto& fields : Entries(Stream() + ":dead")) {
            dead.push_back({fields["group"], core::BusEvent{fields["name"], core::JobId{fields["job_id"]}}});
        }
        return dead;
    }

private:
    static std::string& Stream() {
        static std::string stream;
        return stream;
    }
};

// What the Redis bus promises beyond the contract. These need no server.

TEST(RedisEventBus, RejectsAMalformedUrlAtStartup) {
    for (const char* url : {"", "localhost:6379", "http://localhost:6379", "rediss://localhost:6379",
                            "redis://", "redis://localhost:port", "redis://localhost:70000",
                            "redis://localhost:6379/one", "redis://localhost:6379/1/2"}) {
        RedisBusConfig config;
        config.url = url;
        EXPECT_THROW((void)MakeRedisEventBus(config), std::runtime_error) << url;
    }
}

TEST(RedisEventBus, NeverEchoesThePasswordOfAMalformedUrl) {
    RedisBusConfig config;
    config.url = "redis://:s3cret@localhost:notaport";
    try {
        (void)MakeRedisEventBus(config);
        FAIL() << "accepted a URL with a bad port";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    }
}

TEST(RedisEventBus, StartsWhileRedisIsDownAndPublishFailsFast) {
    RedisBusConfig config;
    config.url = fmt::format("redis://127.0.0.1:{}", test_support::FreeLoopbackPort());
    config.stream = FreshStream();
    std::unique_ptr<core::EventBus> bus;
    ASSERT_NO_THROW(bus = MakeRedisEventBus(config));
    BusRecorder recorder;
    bus->Subscribe({"g", {}, recorder.HandlerFor("g")});

    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        const auto published = bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_1"}});
        ASSERT_FALSE(published);
        EXPECT_EQ(published.error().code, core::Errc::kUnavailable);
    }
    // Within the back-off, publishers do not wait for a connection attempt each.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    bus->Stop();
    EXPECT_EQ(recorder.Count(), 0U);
}

// These need the server.

class RedisEventBusOnServer : public ::testing::Test {
protected:
    void SetUp() override {
        if (TestUrl().empty()) {
            GTEST_SKIP() << kNotConfigured;
        }
        stream_ = FreshStream();
    }

    std::string stream_;
    BusRecorder recorder_;
};

TEST_F(RedisEventBusOnServer, PublishAppendsTheEventNameAndJobIdToTheStream) {
    auto bus = MakeRedisEventBus(ConfigFor(stream_));
    ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.confirmed", core::JobId{"batch_01HX"}}));
    bus->Stop();
    const auto entries = Entries(stream_);
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0],
              (std::map<std::string, std::string>{{"name", "batch.confirmed"}, {"job_id", "batch_01HX"}}));
}

TEST_F(RedisEventBusOnServer, TheStreamStaysAboutMaxLengthLong) {
    RedisBusConfig config = ConfigFor(stream_);
    config.max_length = 100;
    auto bus = MakeRedisEventBus(config);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.updated", core::JobId{"job_" + std::to_string(i)}}));
    }
    bus->Stop();
    RedisConnection connection = Connect();
    const long long length = Command(connection, {"XLEN", stream_})->integer;
    EXPECT_GE(length, 100);  // MAXLEN ~ trims whole nodes of the stream (100 entries each, by default)
    EXPECT_LE(length, 300);
}

TEST_F(RedisEventBusOnServer, ASubscriberGetsWhatIsPublishedAfterItSubscribedNotBefore) {
    auto bus = MakeRedisEventBus(ConfigFor(stream_));
    ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_before"}}));
    bus->Subscribe({"g", {}, recorder_.HandlerFor("g")});
    ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_after"}}));
    ASSERT_TRUE(recorder_.WaitFor(1));
    bus->Stop();
    EXPECT_EQ(recorder_.JobIdsOf("g"), (std::map<std::string, int>{{"job_after", 1}}));
}

TEST_F(RedisEventBusOnServer, MembersInTwoProcessesShareTheirGroupsEvents) {
    auto first = MakeRedisEventBus(ConfigFor(stream_, "process-1"));
    auto second = MakeRedisEventBus(ConfigFor(stream_, "process-2"));
    first->Subscribe({"workers", {}, recorder_.HandlerFor("workers/1", 2ms)});
    second->Subscribe({"workers", {}, recorder_.HandlerFor("workers/2", 2ms)});
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(first->Publish(core::BusEvent{"batch.created", core::JobId{"job_" + std::to_string(i)}}));
    }
    ASSERT_TRUE(recorder_.WaitFor(100));
    first->Stop();
    second->Stop();
    std::map<std::string, int> all = recorder_.JobIdsOf("workers/");
    EXPECT_EQ(all.size(), 100U);
    for (const auto& [job, times] : all) {
        EXPECT_EQ(times, 1) << job;
    }
    EXPECT_FALSE(recorder_.JobIdsOf("workers/1").empty());
    EXPECT_FALSE(recorder_.JobIdsOf("workers/2").empty());
}

TEST_F(RedisEventBusOnServer, DeletingTheStreamLosesNoEventPublishedAfter) {
    auto bus = MakeRedisEventBus(ConfigFor(stream_));
    bus->Subscribe({"g", {}, recorder_.HandlerFor("g")});
    ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_0"}}));
    ASSERT_TRUE(recorder_.WaitFor(1));
    RedisConnection connection = Connect();
    ASSERT_EQ(Command(connection, {"DEL", stream_})->integer, 1);  // the group goes with it
    for (int i = 1; i <= 10; ++i) {
        ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_" + std::to_string(i)}}));
    }
    ASSERT_TRUE(recorder_.WaitFor(11));
    bus->Stop();
    std::map<std::string, int> expected;
    for (int i = 0; i <= 10; ++i) {
        expected["job_" + std::to_string(i)] = 1;
    }
    EXPECT_EQ(recorder_.JobIdsOf("g"), expected);
}

TEST_F(RedisEventBusOnServer, AHandlerMayStopTheBus) {
    auto bus = MakeRedisEventBus(ConfigFor(stream_));
    core::EventBus* raw = bus.get();
    auto record = recorder_.HandlerFor("g");
    bus->Subscribe({"g", {}, [&](const core::BusEvent& event) {
                        record(event);
                        raw->Stop();
                    }});
    ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_1"}}));
    ASSERT_TRUE(recorder_.WaitFor(1));
    const auto refused = bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_2"}});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, core::Errc::kUnavailable);
    bus.reset();  // joins the reader whose handler stopped the bus
    EXPECT_EQ(recorder_.Count(), 1U);
}

TEST_F(RedisEventBusOnServer, AuthenticatesAndSelectsTheDatabaseOfTheUrl) {
    const std::string user = "batchd-test-" + std::to_string(getpid());
    RedisConnection admin = Connect();
    const RedisReply created =
        Command(admin, {"ACL", "SETUSER", user, "reset", "on", ">pa:ss@word", "~*", "&*", "+@all"});
    ASSERT_FALSE(IsError(*created)) << bus::redis::Text(*created);

    const auto endpoint = bus::redis::ParseRedisUrl(TestUrl());
    const std::string host = endpoint.Describe();
    RedisBusConfig config = ConfigFor(stream_);
    config.url = fmt::format("redis://{}:pa%3Ass%40word@{}/5", user, host);
    auto bus = MakeRedisEventBus(config);
    bus->Subscribe({"g", {}, recorder_.HandlerFor("g")});
    ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_1"}}));
    EXPECT_TRUE(recorder_.WaitFor(1));
    bus->Stop();

    RedisConnection db5 = Connect(fmt::format("redis://{}/5", host));
    EXPECT_EQ(Command(db5, {"XLEN", stream_})->integer, 1);
    EXPECT_EQ(Command(admin, {"EXISTS", stream_})->integer, 0) << "the stream went to database 0";

    config.url = fmt::format("redis://{}:wrong@{}/5", user, host);
    auto refused = MakeRedisEventBus(config);
    const auto published = refused->Publish(core::BusEvent{"batch.created", core::JobId{"job_2"}});
    refused->Stop();
    (void)Command(admin, {"ACL", "DELUSER", user});
    (void)Command(db5, {"DEL", stream_});
    ASSERT_FALSE(published);
    EXPECT_EQ(published.error().code, core::Errc::kUnavailable);
}

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Redis, EventBusContract, RedisBusFactory);

}  // namespace batchd::contract
