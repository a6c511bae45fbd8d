// The Redis bus while its server goes away, comes back empty or is flushed: the bus reconnects,
// recreates its groups, and delivers what is published afterwards, each event once. Runs a
// throwaway redis-server of its own on a free loopback port (BATCHD_TEST_REDIS_SERVER, or
// redis-server on the PATH), so the shared test server is never disturbed; skipped without one.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus/redis/redis_event_bus.hpp"
#include "bus/redis/redis_handle.hpp"
#include "support/free_port.hpp"

namespace batchd::bus::redis {
namespace {

using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

/// What each subscriber received (the contract suite's BusRecorder, reduced to what these tests use).
class Recorder {
public:
    core::BusHandler HandlerFor(std::string member) {
        return [this, member = std::move(member)](const core::BusEvent& event) {
            std::scoped_lock lock{mu_};
            received_.emplace_back(member, event.job_id.value);
        };
    }

    std::size_t Count() {
        std::scoped_lock lock{mu_};
        return received_.size();
    }

    bool WaitFor(std::size_t n, std::chrono::milliseconds limit = 10s) {
        return WaitUntil([&] { return Count() >= n; }, limit);
    }

    /// Job ids received by the members whose name starts with `prefix`, with how often each came.
    std::map<std::string, int> JobIdsOf(const std::string& prefix) {
        std::scoped_lock lock{mu_};
        std::map<std::string, int> ids;
        for (const auto& [member, job_id] : received_) {
            if (member.starts_with(prefix)) {
                ++ids[job_id];
            }
        }
        return ids;
    }

private:
    std::mutex mu_;
    std::vector<std::pair<std::string, std::string>> received_;  // guarded by mu_: (member, job id)
};

std::filesystem::path FindRedisServer() {
    if (const char* configured = std::getenv("BATCHD_TEST_REDIS_SERVER")) {
        return configured;
    }
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
    while (!dirs.empty()) {
        const std::size_t colon = dirs.find(':');
        const std::filesystem::path candidate = std::filesystem::path(dirs.substr(0, colon)) / "redis-server";
        if (access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    }
    return {};
}

/// A redis-server without persistence on a free loopback port, in a temporary folder; it can be
/// stopped and started again on the same port (coming back empty). Stopped on destruction.
class ThrowawayRedis {
public:
    ThrowawayRedis(std::filesystem::path binary, std::filesystem::path dir, int port)
        : binary_(std::move(binary)), dir_(std::move(dir)), port_(port) {}

    ThrowawayRedis(const ThrowawayRedis&) = delete;
    ThrowawayRedis& operator=(const ThrowawayRedis&) = delete;

    ~ThrowawayRedis() {
        Stop();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    [[nodiscard]] std::string Url() const { return fmt::format("redis://127.0.0.1:{}", port_); }

    /// Starts the server and waits until it answers PING.
    [[nodiscard]] bool Start() {
        const std::string command = fmt::format(
            "'{}' --port {} --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir '{}' "
            "--logfile '{}' --pidfile '{}'",
            binary_.string(), port_, dir_.string(), (dir_ / "redis.log").string(),
            (dir_ / "redis.pid").string());
        if (std::system(command.c_str()) != 0) {
            return false;
        }
        return WaitUntil([&] { return Ping(); }, 10s);
    }

    /// SHUTDOWN NOSAVE, and waits until nothing listens on the port.
    void Stop() {
        if (auto connection = Open()) {
            (void)connection->Run({"SHUTDOWN", "NOSAVE"});  // the server closes the connection
        }
        (void)WaitUntil([&] { return !Open(); }, 10s);
    }

    /// SIGSTOP or SIGCONT to the server: a Redis that accepts connections (the kernel does) but
    /// answers nothing, as when its host is overloaded or its process is stuck.
    [[nodiscard]] bool Signal(int signal) const {
        std::ifstream pidfile(dir_ / "redis.pid");
        pid_t pid = 0;
        return static_cast<bool>(pidfile >> pid) && pid > 0 && kill(pid, signal) == 0;
    }

    void FlushAll() {
        auto connection = Open();
        ASSERT_TRUE(connection);
        auto reply = connection->Run({"FLUSHALL"});
        ASSERT_TRUE(reply);
        ASSERT_FALSE(IsError(**reply));
    }

private:
    core::Result<RedisConnection> Open() const {
        return RedisConnection::Open(ParseRedisUrl(Url()), std::chrono::milliseconds{500});
    }

    bool Ping() const {
        auto connection = Open();
        if (!connection) {
            return false;
        }
        auto reply = connection->Run({"PING"});
        return reply && Text(**reply) == "PONG";
    }

    std::filesystem::path binary_;
    std::filesystem::path dir_;
    int port_;
};

class RedisBusOutage : public ::testing::Test {
protected:
    void SetUp() override {
        const std::filesystem::path binary = FindRedisServer();
        if (binary.empty()) {
            GTEST_SKIP()
                << "no redis-server on the PATH: install redis-server or set BATCHD_TEST_REDIS_SERVER";
        }
        std::string dir = (std::filesystem::temp_directory_path() / "batchd-redis-XXXXXX").string();
        ASSERT_NE(mkdtemp(dir.data()), nullptr);
        const int port = test_support::FreeLoopbackPort();
        ASSERT_NE(port, 0);
        server_ = std::make_unique<ThrowawayRedis>(binary, dir, port);
    }

    RedisBusConfig Config() const {
        RedisBusConfig config;
        config.url = server_->Url();
        config.stream = "batchd:outage:events";
        config.claim_idle = 1000ms;
        return config;
    }

    // Publishes, retrying while the bus says Redis is unavailable (as the event relay's next round
    // would), for at most `limit`.
    static bool PublishSoon(core::EventBus& bus,
                            const std::string& job_id,
                            std::chrono::milliseconds limit = 15s) {
        return WaitUntil(
            [&] {
                return bus.Publish(core::BusEvent{"batch.created", core::JobId{job_id}}).has_value();
            },
            limit);
    }

    static std::map<std::string, int> Once(const std::string& prefix, int from, int to) {
        std::map<std::string, int> ids;
        for (int i = from; i < to; ++i) {
            ids[prefix + std::to_string(i)] = 1;
        }
        return ids;
    }

    std::unique_ptr<ThrowawayRedis> server_;  // declared first: outlives the bus
    Recorder recorder_;
};

TEST_F(RedisBusOutage, DeliveryGoesOnAfterRedisRestartsEmpty) {
    ASSERT_TRUE(server_->Start());
    auto bus = MakeRedisEventBus(Config());
    bus->Subscribe({"workers", {}, recorder_.HandlerFor("workers")});
    bus->Subscribe({"relay", {"batch.created"}, recorder_.HandlerFor("relay")});
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_" + std::to_string(i)}}));
    }
    ASSERT_TRUE(recorder_.WaitFor(20));

    server_->Stop();
    const auto during = bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_lost"}});
    ASSERT_FALSE(during);
    EXPECT_EQ(during.error().code, core::Errc::kUnavailable);
    std::this_thread::sleep_for(300ms);  // the readers notice and back off

    const auto restarted = std::chrono::steady_clock::now();
    ASSERT_TRUE(server_->Start());
    for (int i = 10; i < 20; ++i) {
        ASSERT_TRUE(PublishSoon(*bus, "job_" + std::to_string(i)));
    }
    ASSERT_TRUE(recorder_.WaitFor(40, 20s)) << recorder_.Count() << " events delivered";
    std::printf("redis bus: delivering again %lld ms after the restart\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - restarted)
                                           .count()));
    bus->Stop();
    EXPECT_EQ(recorder_.JobIdsOf("workers"), Once("job_", 0, 20));
    EXPECT_EQ(recorder_.JobIdsOf("relay"), Once("job_", 0, 20));
}

TEST_F(RedisBusOutage, DeliveryGoesOnAfterFlushAll) {
    ASSERT_TRUE(server_->Start());
    auto bus = MakeRedisEventBus(Config());
    bus->Subscribe({"workers", {}, recorder_.HandlerFor("workers/1")});
    bus->Subscribe({"workers", {}, recorder_.HandlerFor("workers/2")});
    bus->Subscribe({"audit", {}, recorder_.HandlerFor("audit")});
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_" + std::to_string(i)}}));
    }
    ASSERT_TRUE(recorder_.WaitFor(20));

    server_->FlushAll();
    for (int i = 10; i < 30; ++i) {
        ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_" + std::to_string(i)}}));
    }
    ASSERT_TRUE(recorder_.WaitFor(60, 20s)) << recorder_.Count() << " events delivered";
    bus->Stop();
    EXPECT_EQ(recorder_.JobIdsOf("workers/"), Once("job_", 0, 30));
    EXPECT_EQ(recorder_.JobIdsOf("audit"), Once("job_", 0, 30));
}

TEST_F(RedisBusOutage, ABusStartedBeforeRedisDeliversOnceRedisIsUp) {
    auto bus = MakeRedisEventBus(Config());  // nothing listens yet: not an error
    bus->Subscribe({"workers", {}, recorder_.HandlerFor("workers")});
    ASSERT_FALSE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_early"}}));

    ASSERT_TRUE(server_->Start());
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(PublishSoon(*bus, "job_" + std::to_string(i)));
    }
    ASSERT_TRUE(recorder_.WaitFor(10, 20s)) << recorder_.Count() << " events delivered";
    bus->Stop();
    EXPECT_EQ(recorder_.JobIdsOf("workers"), Once("job_", 0, 10));
}

TEST_F(RedisBusOutage, AStuckRedisCostsPublishersOneTimeoutThenTheyFailFast) {
    ASSERT_TRUE(server_->Start());
    auto bus = MakeRedisEventBus(Config());
    bus->Subscribe({"workers", {}, recorder_.HandlerFor("workers")});
    ASSERT_TRUE(bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_0"}}));
    ASSERT_TRUE(recorder_.WaitFor(1));

    ASSERT_TRUE(server_->Signal(SIGSTOP));
    auto started = std::chrono::steady_clock::now();
    const auto first = bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_stuck"}});
    const auto first_took = std::chrono::steady_clock::now() - started;
    started = std::chrono::steady_clock::now();
    const auto second = bus->Publish(core::BusEvent{"batch.created", core::JobId{"job_stuck"}});
    const auto second_took = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(server_->Signal(SIGCONT));

    EXPECT_FALSE(first);
    EXPECT_LT(first_took, 10s) << "a publisher waited for a stuck Redis without a timeout";
    EXPECT_FALSE(second);
    EXPECT_LT(second_took, 500ms) << "the next publisher waited again instead of failing fast";

    // Once Redis answers again, so does the bus, and the readers, which timed out, reconnect.
    ASSERT_TRUE(PublishSoon(*bus, "job_1", 20s));
    ASSERT_TRUE(WaitUntil([&] { return recorder_.JobIdsOf("workers").contains("job_1"); }, 20s));
    bus->Stop();
}

TEST_F(RedisBusOutage, StopReturnsPromptlyWhileRedisIsDown) {
    ASSERT_TRUE(server_->Start());
    auto bus = MakeRedisEventBus(Config());
    bus->Subscribe({"workers", {}, recorder_.HandlerFor("workers")});
    server_->Stop();
    std::this_thread::sleep_for(2s);  // the reader is backing off by now
    const auto started = std::chrono::steady_clock::now();
    bus->Stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

}  // namespace
}  // namespace batchd::bus::redis
