#include "http/batch_jobs_params.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "core/time_text.hpp"
#include "http/json_body.hpp"
#include "http/query_string.hpp"

namespace batchd::http {
namespace {

namespace json = boost::json;

// AdminGetBatchParams' own properties come first in class-validator's order, then those inherited
// from AdminGetBatchPaginationParams; unknown-parameter messages precede all of them.
constexpr std::array<std::string_view, 14> kListParams{
    "id",           "type",      "confirmed_at", "pre_processed_at",
    "completed_at", "failed_at", "canceled_at",  "created_at",
    "updated_at",   "limit",     "offset",       "expand",
    "fields",       "order",
};

struct TimestampParam {
    std::string_view name;
    core::JobColumn column;
    bool accepts_null;  // `?completed_at=null` means IS NULL
};

constexpr std::array kTimestampParams{
    TimestampParam{"confirmed_at", core::JobColumn::kConfirmedAt, true},
    TimestampParam{"pre_processed_at", core::JobColumn::kPreProcessedAt, true},
    TimestampParam{"completed_at", core::JobColumn::kCompletedAt, true},
    TimestampParam{"failed_at", core::JobColumn::kFailedAt, true},
    TimestampParam{"canceled_at", core::JobColumn::kCanceledAt, true},
    TimestampParam{"created_at", core::JobColumn::kCreatedAt, false},
    TimestampParam{"updated_at", core::JobColumn::kUpdatedAt, false},
};

// DateComparisonOperator's properties, in declaration order.
struct Comparison {
    std::string_view name;
    std::optional<core::TimePoint> core::TimestampFilter::*bound;
};
constexpr std::array kComparisons{
    Comparison{"lt", &core::TimestampFilter::lt},
    Comparison{"gt", &core::TimestampFilter::gt},
    Comparison{"gte", &core::TimestampFilter::gte},
    Comparison{"lte", &core::TimestampFilter::lte},
};

struct OrderColumn {
    std::string_view name;
    core::JobColumn column;
};

constexpr std::array kOrderColumns{
    OrderColumn{"id", core::JobColumn::kId},
    OrderColumn{"type", core::JobColumn::kType},
    OrderColumn{"created_by", core::JobColumn::kCreatedBy},
    OrderColumn{"dry_run", core::JobColumn::kDryRun},
    OrderColumn{"pre_processed_at", core::JobColumn::kPreProcessedAt},
    OrderColumn{"confirmed_at", core::JobColumn::kConfirmedAt},
    OrderColumn{"processing_at", core::JobColumn::kProcessingAt},
    OrderColumn{"completed_at", core::JobColumn::kCompletedAt},
    OrderColumn{"canceled_at", core::JobColumn::kCanceledAt},
    OrderColumn{"failed_at", core::JobColumn::kFailedAt},
    OrderColumn{"created_at", core::JobColumn::kCreatedAt},
    OrderColumn{"updated_at", core::JobColumn::kUpdatedAt},
};

bool IsKnownListParam(std::string_view name) {
    for (std::string_view known : kListParams) {
        if (known == name) {
            return true;
        }
    }
    return false;
}

// normalized-query.ts: a one-element array of text is split on commas.
void NormalizeQuery(json::object& query) {
    for (auto& [key, value] : query) {
        if (value.is_array() && value.as_array().size() == 1 && value.as_array().front().is_string()) {
            const std::string text(value.as_array().front().as_string());
            json::array parts;
            std::size_t start = 0;
            while (true) {
                const auto comma = text.find(',', start);
                parts.emplace_back(
                    text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
                if (comma == std::string::npos) {
                    break;
                }
                start = comma + 1;
            }
            value = std::move(parts);
        }
    }
}

// v1's IsType throws a MedusaError whose message is JSON; the nested messages are split on ","
// (keeping the blank after each comma), exactly as is-type.ts does.
core::Error DateFilterError(std::string_view name, const std::vector<std::string>& messages) {
    const std::string joined = JoinMessages(messages);
    json::array details;
    std::size_t start = 0;
    while (start <= joined.size()) {
        const auto comma = joined.find(',', start);
        const std::string part =
            joined.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!part.empty()) {
            details.emplace_back(part);
        }
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    json::object body{
        {"message", std::string(name) + " must be one of: DateComparisonOperator"},
        {"details", json::object{{"DateComparisonOperator", std::move(details)}}},
    };
    return core::Error{core::Errc::kInvalidData, json::serialize(body)};
}

// One timestamp filter: `null` (IS NULL) or {lt, gt, gte, lte} of dates.
core::Result<core::TimestampFilter> ParseTimestampFilter(const TimestampParam& param,
                                                         const json::value& value) {
    core::TimestampFilter filter;
    filter.column = param.column;
    if (param.accepts_null && value.is_string() && value.as_string() == "null") {
        filter.is_null = true;
        return filter;
    }
    if (!value.is_object()) {
        return DateFilterError(param.name, {"an unknown value was passed to the validate function"});
    }
    const json::object& comparisons = value.as_object();
    std::vector<std::string> messages;
    for (const auto& [key, operand] : comparisons) {
        const bool known = std::any_of(kComparisons.begin(), kComparisons.end(), [&](const Comparison& op) {
            return op.name == std::string_view(key);
        });
        if (!known) {
            messages.push_back("property " + std::string(key) + " should not exist");
        }
    }
    for (const Comparison& op : kComparisons) {
        const json::value* operand = comparisons.if_contains(op.name);
        if (operand == nullptr) {
            continue;
        }
        std::optional<core::TimePoint> at;
        if (operand->is_string()) {
            at = ParseFilterDate(operand->as_string());
        }
        if (!at) {
            messages.push_back(std::string(op.name) + " must be a Date instance");
            continue;
        }
        filter.*op.bound = at;
    }
    if (!messages.empty()) {
        return DateFilterError(param.name, messages);
    }
    return filter;
}

// `id`/`type`: @IsArray() of text.
void ParseTextArray(const json::object& query,
                    std::string_view name,
                    std::vector<std::string>& out,
                    std::vector<std::string>& messages) {
    const json::value* value = query.if_contains(name);
    if (value == nullptr) {
        return;
    }
    if (!value->is_array()) {
        messages.push_back(std::string(name) + " must be an array");
        return;
    }
    for (const json::value& item : value->as_array()) {
        if (!item.is_string()) {
            messages.push_back("each value in " + std::string(name) + " must be a string");
            out.clear();
            return;
        }
        out.emplace_back(item.as_string());
    }
}

std::optional<std::string_view> OptionalText(const json::object& query,
                                             std::string_view name,
                                             std::vector<std::string>& messages) {
    const json::value* value = query.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        messages.push_back(std::string(name) + " must be a string");
        return std::nullopt;
    }
    return std::string_view(value->as_string());
}

bool IsJsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

bool AllDigits(std::string_view text, int base) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        const bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                                   : (c >= '0' && c < static_cast<char>('0' + base));
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool IsDecimalLiteral(std::string_view text) {
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        ++i;
    }
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        ++i;
        ++digits;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
            ++digits;
        }
    }
    if (digits == 0) {
        return false;
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
            ++i;
        }
        std::size_t exponent_digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
            ++exponent_digits;
        }
        if (exponent_digits == 0) {
            return false;
        }
    }
    return i == text.size();
}

}  // namespace

std::optional<double> JsNumber(std::string_view text) {
    while (!text.empty() && IsJsBlank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && IsJsBlank(text.back())) {
        text.remove_suffix(1);
    }
    if (text.empty()) {
        return 0.0;
    }
    if (text == "Infinity" || text == "+Infinity") {
        return std::numeric_limits<double>::infinity();
    }
    if (text == "-Infinity") {
        return -std::numeric_limits<double>::infinity();
    }
    if (text.size() > 2 && text[0] == '0') {
        const char kind = static_cast<char>(text[1] | 0x20);
        const int base = kind == 'x' ? 16 : kind == 'o' ? 8 : kind == 'b' ? 2 : 0;
        if (base != 0) {
            const std::string_view digits = text.substr(2);
            if (!AllDigits(digits, base)) {
                return std::nullopt;
            }
            double value = 0;
            for (char c : digits) {
                const int digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
                value = value * base + digit;
            }
            return value;
        }
    }
    if (!IsDecimalLiteral(text)) {
        return std::nullopt;
    }
    double value = 0;
    const std::string_view unsigned_text = text.front() == '+' ? text.substr(1) : text;
    const auto [end, error] =
        std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), value);
    if (error == std::errc::result_out_of_range) {
        // Out of double's range: JS gives ±Infinity or ±0; both are refused or harmless downstream.
        return unsigned_text.front() == '-' ? -std::numeric_limits<double>::infinity()
                                            : std::numeric_limits<double>::infinity();
    }
    if (error != std::errc{} || end != unsigned_text.data() + unsigned_text.size()) {
        return std::nullopt;
    }
    return value;
}

void ParseListCount(const json::object& query,
                    std::string_view name,
                    std::int64_t maximum,
                    std::int64_t& out,
                    std::vector<std::string>& messages) {
    const json::value* value = query.if_contains(name);
    if (value == nullptr) {
        return;
    }
    std::optional<double> number;
    if (value->is_string()) {
        number = JsNumber(value->as_string());
    }
    const std::string prefix(name);
    if (!number || !std::isfinite(*number)) {
        messages.push_back(prefix + " must be a number conforming to the specified constraints");
    } else if (std::trunc(*number) != *number) {
        messages.push_back(prefix + " must be an integer number");
    } else if (*number < 0) {
        messages.push_back(prefix + " must not be less than 0");
    } else if (*number > static_cast<double>(maximum)) {
        messages.push_back(prefix + " must not be greater than " + std::to_string(maximum));
    } else {
        out = static_cast<std::int64_t>(*number);
    }
}

std::optional<core::TimePoint> ParseFilterDate(std::string_view text) {
    const auto is_digits = [](std::string_view part) {
        return !part.empty() &&
               std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    // ES's date-only forms "YYYY" and "YYYY-MM" mean the first day, at midnight UTC.
    if (text.size() == 4 && is_digits(text)) {
        return core::ParseIsoTime(std::string(text) + "-01-01");
    }
    if (text.size() == 7 && text[4] == '-' && is_digits(text.substr(0, 4)) && is_digits(text.substr(5))) {
        return core::ParseIsoTime(std::string(text) + "-01");
    }
    return core::ParseIsoTime(text);
}

core::Result<ListParams> ParseListParams(std::string_view raw_query) {
    auto parsed = ParseQueryString(raw_query);
    if (!parsed) {
        return parsed.error();
    }
    json::object& query = *parsed;
    NormalizeQuery(query);

    ListParams params;
    // 1. A bad date filter throws in v1, which drops every other message.
    for (const TimestampParam& param : kTimestampParams) {
        if (const json::value* value = query.if_contains(param.name)) {
            auto filter = ParseTimestampFilter(param, *value);
            if (!filter) {
                return filter.error();
            }
            params.query.timestamps.push_back(*filter);
        }
    }

    // 2. The DTO's own messages.
    std::vector<std::string> messages;
    for (const auto& [key, value] : query) {
        if (!IsKnownListParam(key)) {
            messages.push_back("property " + std::string(key) + " should not exist");
        }
    }
    std::vector<std::string> ids;
    ParseTextArray(query, "id", ids, messages);
    ParseTextArray(query, "type", params.query.types, messages);
    ParseListCount(query, "limit", kMaxListLimit, params.query.limit, messages);
    ParseListCount(query, "offset", kMaxListOffset, params.query.offset, messages);
    const auto expand = OptionalText(query, "expand", messages);
    const auto fields = OptionalText(query, "fields", messages);
    const auto order = OptionalText(query, "order", messages);
    if (!messages.empty()) {
        return core::Error{core::Errc::kInvalidData, JoinMessages(messages)};
    }
    for (std::string& id : ids) {
        params.query.ids.push_back(core::JobId{std::move(id)});
    }

    // 3. What the list configuration checks afterwards (v1: prepareListQuery).
    auto projection = ParseProjection(fields, expand);
    if (!projection) {
        return projection.error();
    }
    params.projection = *projection;
    if (order) {
        std::string_view column = *order;
        params.query.direction = core::SortDirection::kAscending;
        if (column.starts_with('-')) {
            column.remove_prefix(1);
            params.query.direction = core::SortDirection::kDescending;
        }
        const auto known =
            std::find_if(kOrderColumns.begin(), kOrderColumns.end(),
                         [&](const OrderColumn& candidate) { return candidate.name == column; });
        if (known == kOrderColumns.end()) {
            return core::Error{core::Errc::kInvalidData,
                               "Order field " + std::string(column) + " is not valid"};
        }
        params.query.order_by = known->column;
    }
    return params;
}

core::Result<CreateRequest> ParseCreateBody(std::string_view body) {
    auto parsed = ParseJsonObjectBody(body);
    if (!parsed) {
        return parsed.error();
    }
    const json::object& object = *parsed;
    std::vector<std::string> messages;
    ReportUnknownProperties(object, {"type", "context", "dry_run"}, messages);
    CreateRequest request;
    const json::value* type = object.if_contains("type");
    if (type == nullptr || !type->is_string()) {
        messages.emplace_back("type must be a string");
    } else {
        request.input.type = std::string(type->as_string());
    }
    const json::value* context = object.if_contains("context");
    if (context == nullptr || !context->is_object()) {
        messages.emplace_back("context must be an object");
    } else {
        request.input.context = context->as_object();
    }
    // @IsOptional() lets null through; v1's NOT NULL column refuses it later (kDryRunNullMessage).
    if (const json::value* dry_run = object.if_contains("dry_run"); dry_run != nullptr) {
        if (dry_run->is_null()) {
            request.dry_run_is_null = true;
        } else if (!dry_run->is_bool()) {
            messages.emplace_back("dry_run must be a boolean value");
        } else {
            request.input.dry_run = dry_run->as_bool();
        }
    }
    if (!messages.empty()) {
        return core::Error{core::Errc::kInvalidData, JoinMessages(messages)};
    }
    return request;
}

}  // namespace batchd::http
