#pragma once

#include <string_view>

#include <boost/json/object.hpp>

#include "core/error.hpp"

namespace batchd::http {

/// Parses a raw query string the way Express's `qs` does, so that medusa-js's queries mean the same
/// here as in Medusa (MEDUSA-SPEC §4.1, §6.2):
///   * `a=x` → {"a":"x"}; `a` alone → {"a":""}; repeated keys combine: `a=x&a=y` → {"a":["x","y"]};
///   * `a[]=x`, `a[0]=x&a[1]=y` (any index; sparse indices are compacted in index order) → arrays;
///   * `created_at[gt]=…` → {"created_at":{"gt":"…"}}, nested up to 5 levels (deeper brackets stay
///     one literal key, as qs does);
///   * `%XX` and `+` (space) are decoded in keys and values, `%5B`/`%5D` count as brackets; text whose
///     escapes are malformed or not UTF-8 is kept as it is (decodeURIComponent failing);
///   * at most 1000 parameters are read; empty keys are ignored.
/// A NUL byte anywhere (usually `%00`) is kInvalidData: no store may ever see one.
/// Pure; thread safety: none needed.
[[nodiscard]] core::Result<boost::json::object> ParseQueryString(std::string_view query);

/// qs's value decoder: '+' → ' ', then %XX; returns the '+'-replaced text unchanged when an escape is
/// malformed or the decoded bytes are not UTF-8.
[[nodiscard]] std::string DecodeQueryComponent(std::string_view text);

}  // namespace batchd::http
