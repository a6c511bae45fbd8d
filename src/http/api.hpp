#pragma once

#include <memory>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "http/token_cache.hpp"

namespace batchd::http {

/// The admin API as one request handler, independent of sockets: the server hands it each parsed
/// request, tests call it directly. In order, for every request:
///   1. /admin: CORS — the Origin is echoed with credentials allowed (medusa-js sends cookies), and an
///      OPTIONS preflight is answered 204 allowing the headers medusa-js sends;
///   2. /admin: authentication (BATCHD-CONTRACT §A) — `x-medusa-access-token: <token>` or
///      `Authorization: Bearer <token>`, looked up by hash (a found user is remembered for 5 s,
///      TokenCache); otherwise 401 `Unauthorized` (text);
///   3. routing: 404 `not_found` for an unknown path, 405 for a known path with another method.
/// Every response Handle returns (or the 500 an exception becomes) and every refusal of Admit is
/// counted by status class for GET /metrics.
/// Routes: GET /health, /health/live, /health/ready, /metrics (no auth); /admin: batch jobs, uploads and the
/// catalog; GET /files/<key> (signed links, no auth).
/// Built once; Handle may run concurrently on every io thread.
class Api {
public:
    explicit Api(Services services);

    [[nodiscard]] boost::asio::awaitable<Response> Handle(Request request) const;

    /// An Admission (message.hpp): a request to /admin whose token does not authenticate gets its
    /// 401 (or 503) before its body is read; anything else is let in, for Handle to answer.
    [[nodiscard]] boost::asio::awaitable<std::optional<Response>> Admit(const Request& head) const;

private:
    [[nodiscard]] boost::asio::awaitable<Response> Dispatch(Request request) const;

    Services services_;
    std::shared_ptr<TokenCache> tokens_;          // shared: Handle is const and the cache changes
    std::shared_ptr<ResponseCounter> responses_;  // shared with the /metrics route
    Router router_;
};

/// The headers a CORS preflight may ask for: everything medusa-js 6.1 sends (MEDUSA-SPEC §6.2).
inline constexpr std::string_view kCorsAllowedHeaders =
    "x-medusa-access-token, authorization, content-type, accept, idempotency-key, x-publishable-api-key";

}  // namespace batchd::http
