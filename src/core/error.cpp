#include "core/error.hpp"

#include <stdexcept>

namespace batchd::core {

std::string_view ToString(Errc code) noexcept {
    switch (code) {
        case Errc::kNotFound:
            return "not_found";
        case Errc::kNotAllowed:
            return "not_allowed";
        case Errc::kInvalidData:
            return "invalid_data";
        case Errc::kUnauthorized:
            return "unauthorized";
        case Errc::kDuplicate:
            return "duplicate_error";
        case Errc::kConflict:
            return "conflict";
        case Errc::kTooLarge:
            return "payload_too_large";
        case Errc::kUnexpectedState:
            return "unexpected_state";
        case Errc::kUnavailable:
            return "unavailable";
        case Errc::kInternal:
            return "unknown_error";
    }
    return "unknown_error";
}

bool IsRetryable(Errc code) noexcept { return code == Errc::kConflict || code == Errc::kUnavailable; }

void throw_exception_from_error(const Error& error, const boost::source_location& location) {
    throw std::runtime_error(std::string(ToString(error.code)) + ": " + error.detail + " (at " +
                             location.file_name() + ":" + std::to_string(location.line()) + ")");
}

}  // namespace batchd::core
