#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/error.hpp"

namespace batchd::http {

/// A request body as the routes' validators want it: a JSON object (BATCHD-CONTRACT §B.5).
///   * an empty body is `{}` (what Express's JSON parser leaves in req.body);
///   * ill-formed UTF-8 is first replaced by U+FFFD, as Node decodes bodies;
///   * malformed JSON, or a top-level value that is not an object (a string, null, a number, an
///     array), is kInvalidData — a 400, never a 500.
/// Pure; thread safety: none needed.
[[nodiscard]] core::Result<boost::json::object> ParseJsonObjectBody(std::string_view body);

/// class-validator's "forbid unknown" for a body or query: adds `property X should not exist` to
/// `messages` for every key of `object` that is not in `known`, in the object's order.
void ReportUnknownProperties(const boost::json::object& object,
                             std::initializer_list<std::string_view> known,
                             std::vector<std::string>& messages);

}  // namespace batchd::http
