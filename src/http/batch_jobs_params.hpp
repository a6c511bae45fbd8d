#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/batch_job.hpp"
#include "core/error.hpp"
#include "core/ports/job_store.hpp"
#include "http/job_json.hpp"

/// The validation of the batch-job routes' input, as Medusa's class-validator DTOs do it, with their
/// exact messages (MEDUSA-SPEC §4.1, §4.2, §8.2 and "Corrections"; BATCHD-CONTRACT §B.9). Pure
/// functions, so that every message is unit-tested without a server.
namespace batchd::http {

/// A validated `GET /admin/batch-jobs` query.
struct ListParams {
    core::JobQuery query;  // created_by is left for the route to set: it is the caller
    JobProjection projection;
};

/// The largest `limit` a list accepts (v1 has none and lets the database fail).
inline constexpr std::int64_t kMaxListLimit = 1000;
/// The largest `offset`: far beyond any real list, small enough for every store's integer.
inline constexpr std::int64_t kMaxListOffset = 2'147'483'647;

/// Validates the raw query string of a list (AdminGetBatchParams, whitelist + forbid unknown):
///   1. a timestamp filter that is neither `null` (not for created_at/updated_at) nor an object of
///      {lt, gt, lte, gte} dates is a 400 on its own, whose message is a JSON text, as v1's IsType
///      throws: `{"message":"created_at must be one of: DateComparisonOperator","details":{…}}`;
///   2. otherwise every problem, joined with ", ": unknown parameters first (`property X should not
///      exist`), then `id must be an array`, `type must be an array`, then limit/offset (`limit must
///      be a number conforming to the specified constraints`, not an integer, below 0, above 1000),
///      then `expand`/`fields`/`order must be a string`;
///   3. then `fields`/`expand` names (ParseProjection) and the `order` column
///      (`Order field X is not valid`).
/// A one-element array is split on commas first (`type[]=a,b` means ["a","b"]). Dates are the ISO
/// forms JavaScript's Date accepts ("2022", "2022-06", "2022-06-27", "…T22:00[:00[.000]]", "Z" or
/// "±HH:MM"); a bare number of seconds is refused.
[[nodiscard]] core::Result<ListParams> ParseListParams(std::string_view raw_query);

/// A validated `POST /admin/batch-jobs` body (AdminPostBatchesReq).
struct CreateRequest {
    core::CreateInput input;
    /// `"dry_run": null` passes v1's validation and then breaks its NOT NULL column: the route answers
    /// with that database error once the type is known to exist.
    bool dry_run_is_null = false;
};

/// Validates a create body: `{type: string, context: object, dry_run?: boolean}` and nothing else.
/// Messages, joined with ", ", unknown keys first: `property foo should not exist`, `type must be a
/// string`, `context must be an object`, `dry_run must be a boolean value`. Malformed JSON or a body
/// that is no object is kInvalidData too (ParseJsonObjectBody).
[[nodiscard]] core::Result<CreateRequest> ParseCreateBody(std::string_view body);

/// The message of v1's NOT NULL violation for `"dry_run": null` (MEDUSA-SPEC §4.6).
inline constexpr std::string_view kDryRunNullMessage =
    "Can't insert null value in field dry_run on insert in table batch_job";

/// JavaScript's Number(text) for a query value: trims blanks, "" is 0, accepts 0x/0o/0b and
/// exponents; nullopt where JS gives NaN.
[[nodiscard]] std::optional<double> JsNumber(std::string_view text);

/// `limit`/`offset` of any admin list: @Type(() => Number) @IsNumber(), plus batchd's bounds
/// (BATCHD-CONTRACT §B.9): a whole number from 0 to `maximum` goes to `out`, anything else adds
/// class-validator's message to `messages`. Absent: `out` is left as it is.
void ParseListCount(const boost::json::object& query,
                    std::string_view name,
                    std::int64_t maximum,
                    std::int64_t& out,
                    std::vector<std::string>& messages);

/// A date of a list filter: the ISO forms above, in UTC when no zone is given.
[[nodiscard]] std::optional<core::TimePoint> ParseFilterDate(std::string_view text);

}  // namespace batchd::http
