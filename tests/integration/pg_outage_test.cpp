// The store while its server goes away and comes back: calls fail with kUnavailable (never a
// crash, never a hang), and the same Database object works again once the server is back. Runs a
// throwaway PostgreSQL of its own (initdb + pg_ctl from BATCHD_TEST_PG_BIN, default
// /usr/lib/postgresql/15/bin; as root, through `runuser -u postgres`), so it needs no
// BATCHD_TEST_PG_URL; without the server binaries it is skipped.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/batch_job.hpp"
#include "store/postgres/pg_database.hpp"
#include "support/free_port.hpp"

namespace batchd::store::postgres {
namespace {

using std::chrono_literals::operator""s;

const core::TimePoint kT0{std::chrono::milliseconds{1'656'367'200'000}};

/// A PostgreSQL server in a temporary folder on a free port, stopped and removed on destruction.
class ThrowawayServer {
public:
    /// Empty, with the reason in `why_not`, when the server binaries or a user to run them are missing.
    static std::unique_ptr<ThrowawayServer> Create(std::string& why_not) {
        const char* configured = std::getenv("BATCHD_TEST_PG_BIN");
        const std::filesystem::path bin = configured != nullptr ? configured : "/usr/lib/postgresql/15/bin";
        if (access((bin / "initdb").c_str(), X_OK) != 0 || access((bin / "pg_ctl").c_str(), X_OK) != 0) {
            why_not = "no PostgreSQL server binaries in " + bin.string() + ": set BATCHD_TEST_PG_BIN";
            return nullptr;
        }
        std::string run_as;
        const passwd* postgres = nullptr;
        if (geteuid() == 0) {  // PostgreSQL refuses to run as root
            postgres = getpwnam("postgres");
            if (postgres == nullptr) {
                why_not = "running as root and there is no postgres user to run the server as";
                return nullptr;
            }
            run_as = "runuser -u postgres -- ";
        }
        std::string pattern = (std::filesystem::temp_directory_path() / "batchd-pg-outage-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            why_not = "cannot create a temporary folder";
            return nullptr;
        }
        std::unique_ptr<ThrowawayServer> server{
            new ThrowawayServer{bin, pattern, run_as, test_support::FreeLoopbackPort()}};
        if (postgres != nullptr && chown(pattern.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
            why_not = "cannot hand the temporary folder to the postgres user";
            return nullptr;
        }
        if (!Shell(server->Bin("initdb") + " -D " + server->Data() + " -A trust -U postgres > " +
                   server->dir_ + "/initdb.log 2>&1")) {
            why_not = "initdb failed (see " + server->dir_ + "/initdb.log)";
            server->keep_ = true;
            return nullptr;
        }
        return server;
    }

    ThrowawayServer(const ThrowawayServer&) = delete;
    ThrowawayServer& operator=(const ThrowawayServer&) = delete;
    ~ThrowawayServer() {
        if (running_) {
            (void)Stop();
        }
        if (!dir_.empty() && !keep_) {
            std::error_code ignored;
            std::filesystem::remove_all(dir_, ignored);
        }
    }

    [[nodiscard]] bool Start() {
        running_ = Shell(Bin("pg_ctl") + " -D " + Data() + " -l " + dir_ + "/server.log -w -t 30 -o \"-p " +
                         std::to_string(port_) + " -k " + dir_ +
                         " -c listen_addresses=127.0.0.1 -c fsync=off\" start > /dev/null");
        return running_;
    }

    [[nodiscard]] bool Stop() {
        // Fast shutdown: the server ends every session, as a restart by an operator does.
        const bool stopped = Shell(Bin("pg_ctl") + " -D " + Data() + " -m fast -w -t 30 stop > /dev/null");
        running_ = running_ && !stopped;
        return stopped;
    }

    /// A new, empty database on the (running) server.
    [[nodiscard]] bool CreateDatabase(const std::string& name) const {
        return Shell((bin_ / "createdb").string() + " -h 127.0.0.1 -p " + std::to_string(port_) +
                     " -U postgres " + name);
    }

    [[nodiscard]] std::string Url(const std::string& database) const {
        return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
    }

private:
    ThrowawayServer(std::filesystem::path bin, std::string dir, std::string run_as, int port)
        : bin_(std::move(bin)), dir_(std::move(dir)), run_as_(std::move(run_as)), port_(port) {}

    [[nodiscard]] std::string Bin(const char* name) const { return run_as_ + (bin_ / name).string(); }
    [[nodiscard]] std::string Data() const { return dir_ + "/data"; }
    [[nodiscard]] static bool Shell(const std::string& command) { return std::system(command.c_str()) == 0; }

    std::filesystem::path bin_;
    std::string dir_;
    std::string run_as_;
    int port_ = 0;
    bool running_ = false;
    bool keep_ = false;  // keep the folder for its logs
};

core::BatchJob NewJob(std::string id) {
    core::BatchJob job;
    job.id = core::JobId{std::move(id)};
    job.type = "product-export";
    job.created_by = core::UserId{"user_1"};
    job.context = boost::json::object{};
    job.created_at = kT0;
    job.updated_at = kT0;
    return job;
}

core::NewUser NewUser(std::string id) {
    core::NewUser user;
    user.user.id = core::UserId{id};
    user.user.email = id + "@example.com";
    user.user.created_at = user.user.updated_at = kT0;
    user.api_token_hash = "hash_" + id;
    return user;
}

// Every method of core::Database once; `expect` checks each outcome.
template <class Expect>
void CallEveryMethod(core::Database& db, const std::string& suffix, Expect expect) {
    const std::vector<std::string_view> events{"batch.updated"};
    const std::vector<std::string> no_types;
    auto stored = db.Get(core::JobId{"job_kept"});
    expect("Get", stored ? std::optional<core::Error>{} : stored.error());
    core::BatchJob next = stored ? *stored : NewJob("job_kept");
    next.result = boost::json::object{{"suffix", suffix}};
    auto written = db.CompareAndSet(next, next.version, events);
    expect("CompareAndSet", written ? std::optional<core::Error>{} : written.error());
    auto inserted = db.Insert(NewJob("job_" + suffix), events);
    expect("Insert", inserted ? std::optional<core::Error>{} : inserted.error());
    auto page = db.List(core::JobQuery{});
    expect("List", page ? std::optional<core::Error>{} : page.error());
    auto claim = db.ClaimNextPhase(core::WorkerId{"w"}, kT0, std::chrono::seconds{1}, no_types);
    expect("ClaimNextPhase", claim ? std::optional<core::Error>{} : claim.error());
    auto taken = db.TakeEvents(1);
    expect("TakeEvents", taken ? std::optional<core::Error>{} : taken.error());
    auto created = db.CreateUser(NewUser("user_" + suffix));
    expect("CreateUser", created ? std::optional<core::Error>{} : created.error());
    auto by_token = db.FindUserByTokenHash("hash_user_kept");
    expect("FindUserByTokenHash", by_token ? std::optional<core::Error>{} : by_token.error());
    auto user = db.GetUser(core::UserId{"user_kept"});
    expect("GetUser", user ? std::optional<core::Error>{} : user.error());
    auto ping = db.Ping();
    expect("Ping", ping ? std::optional<core::Error>{} : ping.error());
}

// One throwaway server for the suite: initdb is the slow part.
class PgOutage : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        std::string why_not;
        server_ = ThrowawayServer::Create(why_not);
        why_not_ = why_not;
    }
    static void TearDownTestSuite() { server_.reset(); }

    void SetUp() override {
        if (!server_) {
            GTEST_SKIP() << "cannot run a throwaway PostgreSQL: " << why_not_;
        }
        ASSERT_TRUE(server_->Start());
        // A database per test: the server (and its data) lives for the whole suite.
        static int databases = 0;
        database_ = "outage_" + std::to_string(++databases);
        ASSERT_TRUE(server_->CreateDatabase(database_));
    }
    void TearDown() override {
        if (server_) {
            (void)server_->Stop();
        }
    }

    static ThrowawayServer& Server() { return *server_; }
    [[nodiscard]] std::string Url() const { return server_->Url(database_); }

private:
    static inline std::unique_ptr<ThrowawayServer> server_;
    static inline std::string why_not_;
    std::string database_;
};

TEST_F(PgOutage, CallsFailAsUnavailableWhileTheServerIsDownAndTheSameStoreWorksOnceItIsBack) {
    auto db = MakePgDatabase({.url = Url(), .pool_size = 4, .connect_timeout = 2s});
    ASSERT_TRUE(db->Insert(NewJob("job_kept"), {}).has_value());
    ASSERT_TRUE(db->CreateUser(NewUser("user_kept")).has_value());
    // Several connections sit idle in the pool when the server goes away.
    {
        std::latch start{4};
        std::vector<std::jthread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&] {
                start.arrive_and_wait();
                for (int n = 0; n < 20; ++n) {
                    EXPECT_TRUE(db->Get(core::JobId{"job_kept"}).has_value());
                }
            });
        }
    }

    ASSERT_TRUE(Server().Stop());
    CallEveryMethod(*db, "down", [](std::string_view method, const std::optional<core::Error>& error) {
        ASSERT_TRUE(error.has_value()) << method << " succeeded with the server down";
        EXPECT_EQ(error->code, core::Errc::kUnavailable) << method << ": " << error->detail;
    });

    ASSERT_TRUE(Server().Start());
    // No call fails after the restart, not even the first: stale idle connections are noticed
    // and replaced before use.
    CallEveryMethod(*db, "up", [](std::string_view method, const std::optional<core::Error>& error) {
        EXPECT_FALSE(error.has_value()) << method << " failed after the restart: " << error->detail;
    });
    auto kept = db->Get(core::JobId{"job_kept"});
    ASSERT_TRUE(kept.has_value());
    const boost::json::value* suffix = kept.value().result.as_object().if_contains("suffix");
    ASSERT_NE(suffix, nullptr);
    EXPECT_EQ(suffix->as_string(), "up");
    EXPECT_FALSE(db->Get(core::JobId{"job_down"}).has_value()) << "a write reported as failed was stored";
}

TEST_F(PgOutage, ARestartBetweenTwoCallsCostsNoFailedCall) {
    auto db = MakePgDatabase({.url = Url(), .pool_size = 4, .connect_timeout = 2s});
    ASSERT_TRUE(db->Insert(NewJob("job_kept"), {}).has_value());
    ASSERT_TRUE(db->CreateUser(NewUser("user_kept")).has_value());
    {
        std::latch start{4};
        std::vector<std::jthread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&] {
                start.arrive_and_wait();
                for (int n = 0; n < 20; ++n) {
                    EXPECT_TRUE(db->Get(core::JobId{"job_kept"}).has_value());
                }
            });
        }
    }
    // Every pooled connection is now dead without having been used since: each lease must notice.
    ASSERT_TRUE(Server().Stop());
    ASSERT_TRUE(Server().Start());
    CallEveryMethod(*db, "after", [](std::string_view method, const std::optional<core::Error>& error) {
        EXPECT_FALSE(error.has_value()) << method << " failed after the restart: " << error->detail;
    });
}

TEST_F(PgOutage, AStoreWhoseServerIsDownAtItsFirstCallsRecoversOnceItIsBack) {
    auto db = MakePgDatabase({.url = Url(), .pool_size = 2, .connect_timeout = 2s});
    ASSERT_TRUE(Server().Stop());
    for (int i = 0; i < 5; ++i) {  // more calls than the pool has slots: failed connects give theirs back
        auto ping = db->Ping();
        ASSERT_FALSE(ping.has_value());
        EXPECT_EQ(ping.error().code, core::Errc::kUnavailable);
    }
    ASSERT_TRUE(Server().Start());
    EXPECT_TRUE(db->Ping().has_value());
    EXPECT_TRUE(db->Insert(NewJob("job_first_up"), {}).has_value());
}

}  // namespace
}  // namespace batchd::store::postgres
