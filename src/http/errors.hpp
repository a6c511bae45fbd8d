#pragma once

#include <string_view>

#include "core/error.hpp"
#include "http/message.hpp"

/// The one error table of the HTTP layer: core::Errc → status code and wire body (MEDUSA-SPEC §2,
/// §4.6; BATCHD-CONTRACT §B.5, §B.9). Every route answers its failures through ErrorResponse, so a
/// code means the same status everywhere. Raw details of 5xx errors (database messages, bugs) are
/// logged here and never sent.
namespace batchd::http {

/// The HTTP status for `code`: not_allowed/invalid_data 400, unauthorized 401, not_found 404,
/// conflict 409, too large 413, duplicate 422, unavailable 503, everything else 500.
[[nodiscard]] int HttpStatusOf(core::Errc code) noexcept;

/// The full response for `error`, as Medusa's error handler would send it.
[[nodiscard]] Response ErrorResponse(const core::Error& error);

/// `{"type": type, "message": message}` with `status`: for errors that have no Errc (404 route,
/// 405 method).
[[nodiscard]] Response JsonErrorResponse(int status, std::string_view type, std::string_view message);

/// The generic 500 body, for failures nobody expected (an exception at the session top).
[[nodiscard]] Response InternalErrorResponse();

}  // namespace batchd::http
