#pragma once

#include <string_view>

#include "core/error.hpp"

namespace batchd::store::postgres {

/// The core::Errc of a PostgreSQL SQLSTATE (the five-character code of a server error), the one
/// place where the adapter decides which failures a caller may retry:
/// 40001 serialization failure and 40P01 deadlock → kConflict; 23505 unique violation →
/// kDuplicate; class 08 (connection exception), 57P01/57P02/57P03 (server shutting down or
/// starting) and 53300 (too many connections) → kUnavailable; class 22 (a value PostgreSQL
/// refuses, such as \u0000 in jsonb) → kInvalidData; anything else → kInternal. Pure.
[[nodiscard]] core::Errc ErrcForSqlState(std::string_view sqlstate) noexcept;

}  // namespace batchd::store::postgres
