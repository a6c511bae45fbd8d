#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/utf8.hpp"

/// What the libFuzzer targets of fuzz/ share: invariant checks that abort with a readable line
/// (libFuzzer reports an abort as a crash and keeps the input that caused it), and the rule every
/// parser failure must follow. Stateless; each target runs single-threaded.
namespace batchd::fuzz {

/// Aborts with `what` when `condition` is false. Not assert(): the fuzz build defines NDEBUG.
inline void Require(bool condition, std::string_view what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz invariant violated: %.*s\n", static_cast<int>(what.size()), what.data());
        std::abort();
    }
}

/// The input as text (the parsers take any bytes).
inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
    return size == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(data), size);
}

/// A parser's refusal of bad input: kInvalidData (a 400, never a 5xx) with a non-empty message that
/// is valid UTF-8 (it goes into a JSON error body as is).
inline void RequireInvalidData(const core::Error& error, std::string_view where) {
    const std::string prefix(where);
    Require(error.code == core::Errc::kInvalidData,
            prefix + ": failed with " + std::string(core::ToString(error.code)) + ", not invalid_data");
    Require(!error.detail.empty(), prefix + ": failed without a message");
    Require(http::IsValidUtf8(error.detail), prefix + ": the error message is not valid UTF-8");
}

/// Whether `a` and `b` are the same error.
inline bool SameError(const core::Error& a, const core::Error& b) {
    return a.code == b.code && a.detail == b.detail;
}

}  // namespace batchd::fuzz
