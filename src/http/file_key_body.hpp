#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

/// The file-key input of the uploads routes (uploads_routes.hpp), apart so that it is unit-tested
/// and fuzzed (fuzz/) without a server. Pure functions; thread safety: none needed.
namespace batchd::http {

/// The body of DELETE /admin/uploads and POST /admin/uploads/download-url, `{"file_key": "…"}`,
/// validated as Medusa's class-validator does with "whitelist" and "forbid unknown": every message
/// (`property X should not exist`, `file_key must be a string`), joined with ", ", as kInvalidData.
[[nodiscard]] core::Result<std::string> ParseFileKeyBody(std::string_view body);

/// The key rules that matter before a signature is even checked: nothing that could leave the
/// folder (the store applies the full set of its rules anyway). An empty key, a NUL, a leading '/'
/// or '\', or a '.' or '..' part (between '/' or '\') is kInvalidData (`Invalid file key: …`).
[[nodiscard]] core::Result<void> CheckFileKey(std::string_view key);

}  // namespace batchd::http
