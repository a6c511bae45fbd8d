#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/ports/user_store.hpp"
#include "http/message.hpp"

namespace batchd::http {

/// Path parameters of a matched route, in pattern order, percent-decoded: {{"id", "job_1"}}.
using PathParams = std::vector<std::pair<std::string, std::string>>;

/// One request on its way through a route: the request, its path parameters and, on /admin routes,
/// the authenticated user. Lives for the whole handler (the caller awaits it).
struct Call {
    const Request& request;
    PathParams params;
    std::optional<core::User> user;

    /// The parameter `name` of the pattern (":name"); "" if the route has none of that name.
    [[nodiscard]] const std::string& Param(std::string_view name) const;
};

using RouteHandler = std::function<boost::asio::awaitable<Response>(Call&)>;

/// What Router::Match found for a method and a path.
struct RouteMatch {
    enum class Kind : std::uint8_t {
        kFound,        // `handler` and `params` are set
        kNoRoute,      // no pattern matches the path: 404
        kWrongMethod,  // patterns match the path, none with this method: 405, `allow` lists them
        kBadParam,     // a parameter is not valid percent-encoding or holds a NUL: 400, `error` says why
    };
    Kind kind = Kind::kNoRoute;
    const RouteHandler* handler = nullptr;
    PathParams params;
    std::string allow;  // "GET, POST"
    std::string error;
};

/// Method + path pattern → handler, as Express routes them: patterns are '/'-separated segments,
/// ":name" matches any one non-empty segment, literal segments compare case-insensitively, one
/// trailing '/' is ignored, and the first route added wins — so add "/x/types" before "/x/:id".
/// Filled once at startup, then read-only: Match may run concurrently on every io thread.
class Router {
public:
    void Add(std::string method, std::string_view pattern, RouteHandler handler);

    [[nodiscard]] RouteMatch Match(std::string_view method, std::string_view path) const;

private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;  // ":name" or a literal
        RouteHandler handler;
    };
    std::vector<Route> routes_;
};

}  // namespace batchd::http
