#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

namespace batchd::core {

/// What went wrong, in Medusa's vocabulary: each value maps to one wire `type` (http/errors.cpp).
enum class Errc : std::uint8_t {
    kNotFound = 1,     // no such job, user or strategy: "not_found"
    kNotAllowed,       // a status precondition failed, someone else's job: "not_allowed"
    kInvalidData,      // request body, query or input rejected: "invalid_data"
    kUnauthorized,     // no or bad credentials: "unauthorized"
    kDuplicate,        // unique key taken: "duplicate_error"
    kConflict,         // lost a race that the caller may retry: "conflict"
    kTooLarge,         // a body or file over its limit
    kUnexpectedState,  // a setup problem, e.g. no file store configured: "unexpected_state"
    kUnavailable,      // backend down or busy; retryable
    kInternal,         // a bug or an unmapped failure: "unknown_error"
};

/// An expected failure as a value: the code decides the HTTP status, the detail is the message.
struct Error {
    Errc code = Errc::kInternal;
    std::string detail;
};

/// The outcome of everything that can fail in an expected way (HOUSE-STYLE §3.5).
template <class T>
using Result = boost::system::result<T, Error>;

/// Medusa's wire `type` for a code: "not_found", "invalid_data", …
[[nodiscard]] std::string_view ToString(Errc code) noexcept;

/// Whether trying the same thing again later can succeed (kConflict, kUnavailable).
[[nodiscard]] bool IsRetryable(Errc code) noexcept;

/// Makes Result<T>::value() throw a readable exception when it holds an Error.
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& location);

}  // namespace batchd::core
