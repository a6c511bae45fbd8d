#include "http/errors.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

namespace batchd::http {
namespace {

// Medusa's texts (MEDUSA-SPEC §4.6), quoted exactly.
constexpr std::string_view kConflictCode = "invalid_state_error";
constexpr std::string_view kConflictMessage =
    "The request conflicted with another request. You may retry the request with the provided "
    "Idempotency-Key.";
constexpr std::string_view kDuplicateCode = "invalid_request_error";
constexpr std::string_view kUnknownError = "unknown_error";
constexpr std::string_view kUnknownMessage = "An unknown error occurred.";
// batchd's own: medusa-js retries 5xx other than 500, so a 503 is the retryable "try again".
constexpr std::string_view kUnavailableMessage =
    "The service is temporarily unavailable (its database or event bus cannot be reached). Retry the "
    "request later.";

Response JsonBody(int status, boost::json::object body) {
    Response response;
    response.status = status;
    response.body = boost::json::serialize(body);
    return response;
}

}  // namespace

int HttpStatusOf(core::Errc code) noexcept {
    switch (code) {
        case core::Errc::kNotAllowed:
        case core::Errc::kInvalidData:
            return 400;
        case core::Errc::kUnauthorized:
            return 401;
        case core::Errc::kNotFound:
            return 404;
        case core::Errc::kConflict:
            return 409;
        case core::Errc::kTooLarge:
            return 413;
        case core::Errc::kDuplicate:
            return 422;
        case core::Errc::kUnavailable:
            return 503;
        case core::Errc::kUnexpectedState:
        case core::Errc::kInternal:
            return 500;
    }
    return 500;
}

Response ErrorResponse(const core::Error& error) {
    const int status = HttpStatusOf(error.code);
    switch (error.code) {
        case core::Errc::kNotAllowed:
        case core::Errc::kInvalidData:
        case core::Errc::kNotFound:
            return JsonErrorResponse(status, core::ToString(error.code), error.detail);
        case core::Errc::kUnauthorized: {
            // Passport's plain-text answer, which medusa-js and the admin UI expect.
            Response response;
            response.status = status;
            response.content_type = "text/plain; charset=utf-8";
            response.body = "Unauthorized";
            return response;
        }
        case core::Errc::kDuplicate:
            return JsonBody(
                status,
                {{"type", core::ToString(error.code)}, {"code", kDuplicateCode}, {"message", error.detail}});
        case core::Errc::kConflict:
            spdlog::info("409 conflict: {}", error.detail);
            return JsonBody(status, {{"type", core::ToString(error.code)},
                                     {"code", kConflictCode},
                                     {"message", kConflictMessage}});
        case core::Errc::kTooLarge:
            return JsonErrorResponse(status, core::ToString(error.code),
                                     error.detail.empty() ? "Request body is too large" : error.detail);
        case core::Errc::kUnavailable: {
            spdlog::warn("503 unavailable: {}", error.detail);
            Response response = JsonErrorResponse(status, core::ToString(error.code), kUnavailableMessage);
            response.headers.emplace_back("Retry-After", "1");
            return response;
        }
        case core::Errc::kUnexpectedState:
            // A setup problem (e.g. no file store): Medusa shows its message (MEDUSA-SPEC §5).
            spdlog::error("500 unexpected_state: {}", error.detail);
            return JsonErrorResponse(status, core::ToString(error.code), error.detail);
        case core::Errc::kInternal:
            break;
    }
    spdlog::error("500 internal error: {}", error.detail);
    return InternalErrorResponse();
}

Response JsonErrorResponse(int status, std::string_view type, std::string_view message) {
    return JsonBody(status, {{"type", type}, {"message", message}});
}

Response InternalErrorResponse() {
    return JsonBody(500, {{"code", kUnknownError}, {"type", kUnknownError}, {"message", kUnknownMessage}});
}

}  // namespace batchd::http
