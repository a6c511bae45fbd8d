#pragma once

#include <chrono>

#include "core/ports/clock.hpp"

namespace batchd::runtime {

/// The production Clock: wall-clock UTC, truncated to the milliseconds that timestamps are stored in.
/// Stateless; Now() may be called from any thread.
class SystemClock final : public core::Clock {
public:
    // core::Clock
    [[nodiscard]] core::TimePoint Now() const override {
        return std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
    }
};

}  // namespace batchd::runtime
