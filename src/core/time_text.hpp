#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace batchd::core {

/// ISO-8601 UTC with milliseconds, as Medusa's JSON shows timestamps: "2022-06-27T22:00:00.000Z".
[[nodiscard]] std::string FormatIsoTime(TimePoint at);

/// Parses the ISO-8601 forms clients send: "2022-06-27", "2022-06-27T22:00", "…T22:00:00",
/// "…T22:00:00.5", each optionally followed by "Z" or "±HH:MM" (no zone means UTC).
/// Anything else (a bare number of seconds included) → nullopt.
[[nodiscard]] std::optional<TimePoint> ParseIsoTime(std::string_view text);

}  // namespace batchd::core
