#include "http/api.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <unistd.h>

#include "auth/credentials.hpp"
#include "http/batch_jobs_routes.hpp"
#include "http/catalog_routes.hpp"
#include "http/errors.hpp"
#include "http/metrics.hpp"
#include "http/token_cache.hpp"
#include "http/uploads_routes.hpp"
#include "http/utf8.hpp"
#include "runtime/run_blocking.hpp"
#include "support/ascii.hpp"

namespace batchd::http {
namespace {

using boost::asio::awaitable;

constexpr std::string_view kAdminPrefix = "/admin";

// A removed token keeps working this long at most; in exchange most requests skip a store lookup.
constexpr std::chrono::milliseconds kTokenCacheTtl{5'000};
constexpr std::size_t kTokenCacheCapacity = 4096;

bool IsAdminPath(std::string_view path) {
    return path.starts_with(kAdminPrefix) &&
           (path.size() == kAdminPrefix.size() || path[kAdminPrefix.size()] == '/');
}

// The API tokens a request offers, in the order passport tries its strategies: the medusa-js header,
// then a bearer token (older clients sent the API token that way, BATCHD-CONTRACT §A).
std::vector<std::string> OfferedTokens(const Request& request) {
    std::vector<std::string> tokens;
    if (const std::string_view token = TrimBlanks(request.Header("x-medusa-access-token")); !token.empty()) {
        tokens.emplace_back(token);
    }
    const std::string_view authorization = TrimBlanks(request.Header("authorization"));
    if (StartsWithIgnoringAsciiCase(authorization, "bearer ")) {
        if (const std::string_view token = TrimBlanks(authorization.substr(7)); !token.empty()) {
            tokens.emplace_back(token);
        }
    }
    return tokens;
}

core::TimePoint Now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

awaitable<core::Result<core::User>> Authenticate(const Services& services,
                                                 TokenCache& tokens,
                                                 const Request& request) {
    for (const std::string& token : OfferedTokens(request)) {
        std::string token_hash = auth::HashApiToken(token);
        if (auto known = tokens.Find(token_hash, Now())) {
            co_return std::move(*known);
        }
        const std::uint64_t generation = tokens.Generation();  // before the read: see TokenCache
        auto user = co_await runtime::RunBlocking(
            services.blocking, [&] { return services.users.FindUserByTokenHash(token_hash); });
        if (user) {
            tokens.Store(std::move(token_hash), *user, Now(), generation);
            co_return user;
        }
        if (user.error().code != core::Errc::kNotFound) {
            co_return user.error();  // the store is down: 503, not a wrong password
        }
    }
    co_return core::Error{core::Errc::kUnauthorized, "Unauthorized"};
}

// Names this process among all the servers sharing a bus.
std::string HostAndPid() {
    std::array<char, 256> host{};
    gethostname(host.data(), host.size() - 1);
    return std::string(host.data()) + ":" + std::to_string(getpid());
}

void AddCorsHeaders(const Request& request, Response& response) {
    const std::string_view origin = request.Header("origin");
    if (origin.empty()) {
        return;
    }
    response.headers.emplace_back("Access-Control-Allow-Origin", origin);
    response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    response.headers.emplace_back("Vary", "Origin");
}

Response Preflight() {
    Response response;
    response.status = 204;
    response.content_type.clear();
    response.headers.emplace_back("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE");
    response.headers.emplace_back("Access-Control-Allow-Headers", kCorsAllowedHeaders);
    response.headers.emplace_back("Access-Control-Max-Age", "600");
    return response;
}

Response StatusOk() {
    Response response;
    response.body = R"({"status":"ok"})";
    return response;
}

awaitable<Response> CheckReady(const Services& services) {
    auto ping = co_await runtime::RunBlocking(services.blocking, [&] { return services.database.Ping(); });
    if (!ping) {
        co_return ErrorResponse(core::Error{core::Errc::kUnavailable, ping.error().detail});
    }
    co_return StatusOk();
}

void AddHealthRoutes(Router& router, const Services& services) {
    // Liveness: the process answers. Readiness: its database answers too (BATCHD-CONTRACT §C).
    router.Add("GET", "/health", [](Call&) -> awaitable<Response> { co_return StatusOk(); });
    router.Add("GET", "/health/live", [](Call&) -> awaitable<Response> { co_return StatusOk(); });
    router.Add("GET", "/health/ready", [services](Call&) { return CheckReady(services); });
}

}  // namespace

Api::Api(Services services)
    : services_(std::move(services)),
      tokens_(std::make_shared<TokenCache>(kTokenCacheTtl, kTokenCacheCapacity)),
      responses_(std::make_shared<ResponseCounter>()) {
    if (services_.bus != nullptr) {
        // A group of this Api's own: every server hears every deletion. The handler holds the cache,
        // not the Api, so it stays valid until the bus stops, whichever goes first.
        static std::atomic<std::uint64_t> instances{0};
        services_.bus->Subscribe(
            core::Subscription{"api-tokens@" + HostAndPid() + "." + std::to_string(instances++),
                               {std::string(core::kUserDeletedEvent)},
                               [tokens = tokens_](const core::BusEvent&) { tokens->Clear(); }});
    }
    AddHealthRoutes(router_, services_);
    AddMetricsRoute(router_, services_, responses_);
    AddBatchJobRoutes(router_, services_);
    AddUploadRoutes(router_, services_);
    AddCatalogRoutes(router_, services_);
}

awaitable<std::optional<Response>> Api::Admit(const Request& head) const {
    if (!IsAdminPath(head.path) || head.method == "OPTIONS") {
        co_return std::nullopt;
    }
    auto user = co_await Authenticate(services_, *tokens_, head);
    if (user) {
        co_return std::nullopt;  // remembered by the token cache: Handle will not ask the store again
    }
    Response response = ErrorResponse(user.error());
    AddCorsHeaders(head, response);
    responses_->Count(response.status);
    co_return response;
}

awaitable<Response> Api::Handle(Request request) const {
    std::optional<Response> response;
    try {
        response = co_await Dispatch(std::move(request));
    } catch (...) {
        responses_->Count(500);  // what the server answers for an exception that escapes
        throw;
    }
    responses_->Count(response->status);
    co_return std::move(*response);
}

awaitable<Response> Api::Dispatch(Request request) const {
    const bool admin = IsAdminPath(request.path);
    if (admin && request.method == "OPTIONS") {
        Response response = Preflight();
        AddCorsHeaders(request, response);
        co_return response;
    }
    Call call{request, {}, std::nullopt};
    Response response;
    bool answered = false;
    if (admin) {
        auto user = co_await Authenticate(services_, *tokens_, request);
        if (!user) {
            response = ErrorResponse(user.error());
            answered = true;
        } else {
            call.user = std::move(*user);
        }
    }
    if (!answered) {
        RouteMatch match = router_.Match(request.method, request.path);
        switch (match.kind) {
            case RouteMatch::Kind::kFound:
                call.params = std::move(match.params);
                response = co_await (*match.handler)(call);
                break;
            case RouteMatch::Kind::kNoRoute:
                response = JsonErrorResponse(404, "not_found",
                                             "Cannot " + request.method + " " + SanitizeUtf8(request.path));
                break;
            case RouteMatch::Kind::kWrongMethod:
                response = JsonErrorResponse(
                    405, "not_allowed",
                    "Method " + request.method + " is not allowed on " + SanitizeUtf8(request.path));
                response.headers.emplace_back("Allow", match.allow);
                break;
            case RouteMatch::Kind::kBadParam:
                response = ErrorResponse(core::Error{core::Errc::kInvalidData, match.error});
                break;
        }
    }
    if (admin) {
        AddCorsHeaders(request, response);
    }
    co_return response;
}

}  // namespace batchd::http
