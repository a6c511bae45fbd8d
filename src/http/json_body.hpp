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
///   * a leading UTF-8 byte-order mark is dropped and ill-formed UTF-8 is replaced by U+FFFD, as
///     Node decodes bodies;
///   * nesting deeper than 256 arrays/objects is kInvalidData (parsing and freeing stay shallow);
///   * a NUL (`\u0000`) in any key or string is kInvalidData: no store could keep it alike;
///   * malformed JSON, or a top-level value that is not an object (a string, null, a number, an
///     array), is kInvalidData — a 400, never a 500.
/// Pure; thread safety: none needed.
[[nodiscard]] core::Result<boost::json::object> ParseJsonObjectBody(std::string_view body);

/// class-validator's "forbid unknown" for a body or query: adds `property X should not exist` to
/// `messages` for every key of `object` that is not in `known`, in the object's order.
void ReportUnknownProperties(const boost::json::object& object,
                             std::initializer_list<std::string_view> known,
                             std::vector<std::string>& messages);

/// class-validator's messages as one error text: joined by ", ", as Medusa's error handler joins them.
[[nodiscard]] std::string JoinMessages(const std::vector<std::string>& messages);

}  // namespace batchd::http
