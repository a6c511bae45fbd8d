#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/strong_id.hpp"

namespace batchd::core {

using JobId = StrongId<struct JobIdTag>;
using UserId = StrongId<struct UserIdTag>;
/// Names one worker process (and thread) in leases: "<host>:<pid>:<n>".
using WorkerId = StrongId<struct WorkerIdTag>;

/// Wall-clock time as stored and sent: milliseconds, UTC (the wire shows "….123Z").
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;
using Duration = std::chrono::milliseconds;

/// `prefix` + a 26-character ULID (Crockford base32, upper case) for `now` and 80 random bits, as
/// Medusa's generateEntityId does: ids sort by creation time. Pure: the caller brings the randomness.
[[nodiscard]] std::string MakeUlidId(std::string_view prefix,
                                     TimePoint now,
                                     const std::array<std::uint8_t, 10>& random);

}  // namespace batchd::core
