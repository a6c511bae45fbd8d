#pragma once

#include "core/ids.hpp"

namespace batchd::core {

/// Where time comes from. Nothing in core/ or runtime/ reads the system clock directly, so tests
/// can use a FakeClock (tests/fakes). Thread safety: Now() may be called from any thread.
class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual TimePoint Now() const = 0;
};

}  // namespace batchd::core
