#pragma once

#include <string>
#include <string_view>

namespace batchd::http {

/// Whether `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
[[nodiscard]] bool IsValidUtf8(std::string_view text) noexcept;

/// `text` with every ill-formed sequence replaced by U+FFFD, one per maximal subpart, exactly as
/// Node's Buffer.toString("utf8") decodes a request body before JSON.parse (MEDUSA-SPEC
/// "Corrections": invalid UTF-8 is decoded to U+FFFD and validated normally).
[[nodiscard]] std::string SanitizeUtf8(std::string_view text);

}  // namespace batchd::http
