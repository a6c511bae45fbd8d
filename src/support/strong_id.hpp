#pragma once

#include <compare>
#include <string>

namespace batchd {

/// A string identifier with a type of its own, so that a job id can never be passed where a user id
/// is expected (userver's StrongTypedef, reduced to what we use). Aggregate: `JobId{"batch_01…"}`.
template <class Tag>
struct StrongId {
    std::string value;

    friend bool operator==(const StrongId&, const StrongId&) = default;
    friend auto operator<=>(const StrongId&, const StrongId&) = default;
};

}  // namespace batchd
