#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace batchd::http {

/// Decodes %XX escapes and nothing else ('+' stays '+', as in a path). nullopt when an escape is
/// malformed ("%", "%G1"), where decodeURIComponent throws. The result may hold any byte; callers
/// check UTF-8 and NUL as their rules require.
[[nodiscard]] std::optional<std::string> PercentDecodePath(std::string_view text);

}  // namespace batchd::http
