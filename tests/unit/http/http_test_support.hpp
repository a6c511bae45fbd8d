#pragma once

#include <atomic>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/credentials.hpp"
#include "auth/url_signer.hpp"
#include "core/strategy.hpp"
#include "core/strategy_registry.hpp"
#include "fakes/in_memory_database.hpp"
#include "files/fs_blob_store.hpp"
#include "http/api.hpp"
#include "http/message.hpp"
#include "runtime/job_service.hpp"
#include "store/sqlite/sqlite_catalog_store.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace batchd::http::testing {

/// A clock the test moves by hand; every read is one millisecond later, so creation times differ.
class SteppingClock final : public core::Clock {
public:
    explicit SteppingClock(core::TimePoint start) : now_(start.time_since_epoch().count()) {}
    core::TimePoint Now() const override { return core::TimePoint{core::Duration{now_.fetch_add(1)}}; }

private:
    mutable std::atomic<core::Duration::rep> now_;
};

/// "product-export" for the API tests: Prepare records that it ran, phases do nothing.
class PreparingStrategy final : public core::Strategy {
public:
    std::string_view BatchType() const override { return "product-export"; }
    core::Result<void> Prepare(core::CreateInput& input, const core::UserId& /*user*/) const override {
        input.context["prepared"] = true;
        return {};
    }
    core::Result<void> Process(core::JobContext& /*ctx*/) const override { return {}; }
};

/// A type whose Prepare refuses every request, as price-list-import does without a price list.
class RefusingStrategy final : public core::Strategy {
public:
    std::string_view BatchType() const override { return "price-list-import"; }
    core::Result<void> Prepare(core::CreateInput& /*input*/, const core::UserId& /*user*/) const override {
        return core::Error{core::Errc::kInvalidData, "Price list id is required"};
    }
    core::Result<void> Process(core::JobContext& /*ctx*/) const override { return {}; }
};

/// A folder of its own under the system temp folder, removed with everything in it at the end.
class TempFolder {
public:
    TempFolder() {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() /
                ("batchd-http-test-" + std::to_string(random()) + "-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    ~TempFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// The catalog of the API tests: a migrated SQLite file in `folder`, as `batchd migrate` leaves it.
inline std::unique_ptr<core::CatalogStore> MakeTestCatalog(const std::filesystem::path& folder) {
    store::sqlite::SqliteConfig config;
    config.file = folder / "catalog.db";
    config.read_connections = 2;
    static_cast<void>(store::sqlite::MakeSqliteDatabase(config));  // applies the migrations
    return store::sqlite::MakeSqliteCatalogStore(config);
}

/// MEDUSA-SPEC §8's world: admin_user (token test_token), member-user (no token), other_user
/// (token other_token), the in-memory database, a JobService and the registry, a SQLite catalog and
/// a file folder in a temp folder, all behind Services.
class ApiWorld {
public:
    ApiWorld()
        : clock_(core::TimePoint{std::chrono::milliseconds{1'700'000'000'000}}),
          jobs_(database_, registry_, clock_, nullptr),
          pool_(2),
          catalog_(MakeTestCatalog(folder_.path())),
          files_(files::MakeFsBlobStore(folder_.path() / "files")),
          url_signer_(std::string(32, 'k')),
          services_{jobs_, database_, registry_, database_, pool_, *catalog_, *files_, url_signer_, ""} {
        static_cast<void>(registry_.Add(std::make_unique<PreparingStrategy>()));
        static_cast<void>(registry_.Add(std::make_unique<RefusingStrategy>()));
        AddUser("admin_user", "admin@medusa.js", "test_token");
        AddUser("member-user", "member@medusa.js", "");
        AddUser("other_user", "other@medusa.js", "other_token");
    }

    ~ApiWorld() { pool_.join(); }

    void AddUser(const std::string& id, const std::string& email, const std::string& token) {
        core::NewUser user;
        user.user.id = core::UserId{id};
        user.user.email = email;
        user.user.first_name = "First";
        user.user.created_at = clock_.Now();
        user.user.updated_at = user.user.created_at;
        user.password_hash = "$argon2id$not-a-real-hash";
        if (!token.empty()) {
            user.api_token_hash = auth::HashApiToken(token);
        }
        static_cast<void>(database_.CreateUser(user));
    }

    /// Inserts a job as fixtures do: no event, no strategy, the given owner.
    core::BatchJob Seed(const std::string& id,
                        std::optional<std::string> created_by,
                        const std::function<void(core::BatchJob&)>& adjust = nullptr) {
        core::BatchJob job;
        job.id = core::JobId{id};
        job.type = "product-export";
        if (created_by) {
            job.created_by = core::UserId{*created_by};
        }
        job.context = boost::json::object{};
        job.created_at = clock_.Now();
        job.updated_at = job.created_at;
        if (adjust) {
            adjust(job);
        }
        return database_.Insert(job, {}).value();
    }

    Services& services() { return services_; }
    fakes::InMemoryDatabase& database() { return database_; }
    runtime::JobService& jobs() { return jobs_; }
    core::CatalogStore& catalog() { return *catalog_; }

private:
    TempFolder folder_;
    fakes::InMemoryDatabase database_;
    core::StrategyRegistry registry_;
    SteppingClock clock_;
    runtime::JobService jobs_;
    boost::asio::thread_pool pool_;
    std::unique_ptr<core::CatalogStore> catalog_;
    std::unique_ptr<core::BlobStore> files_;
    auth::UrlSigner url_signer_;
    Services services_;
};

/// Runs one request through `api` to its response, on a private io_context.
inline Response Handle(const Api& api, Request request) {
    boost::asio::io_context io;
    std::optional<Response> response;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, api.Handle(std::move(request)), [&](std::exception_ptr error, Response answer) {
        failure = error;
        response = std::move(answer);
    });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return std::move(*response);
}

/// A request as medusa-js sends it, authenticated as admin_user unless `token` says otherwise.
inline Request MakeRequest(std::string method,
                           std::string target,
                           std::string body = {},
                           std::string token = "test_token") {
    Request request;
    request.method = std::move(method);
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) {
        request.query = target.substr(question + 1);
    }
    request.headers.emplace_back("accept", "application/json");
    request.headers.emplace_back("content-type", "application/json");
    if (!token.empty()) {
        request.headers.emplace_back("x-medusa-access-token", std::move(token));
    }
    request.body = std::move(body);
    return request;
}

inline boost::json::value Json(const Response& response) { return boost::json::parse(response.body); }

inline boost::json::value Json(std::string_view text) { return boost::json::parse(text); }

}  // namespace batchd::http::testing
