// The list queries of the catalog routes (catalog_params.hpp).
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/batch_jobs_params.hpp"
#include "http/catalog_params.hpp"
#include "http/catalog_validation.hpp"
#include "http/json_body.hpp"
#include "http/query_string.hpp"

namespace batchd::http {
namespace {

namespace json = boost::json;
using detail::InvalidData;

// normalized-query.ts: a one-element array of text is split on commas (`id[]=a,b` → ["a","b"]).
void NormalizeQuery(json::object& query) {
    for (auto& [key, value] : query) {
        if (!value.is_array() || value.as_array().size() != 1 || !value.as_array().front().is_string()) {
            continue;
        }
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

core::Result<json::object> ParseQuery(std::string_view raw_query) {
    auto parsed = ParseQueryString(raw_query);
    if (!parsed) {
        return parsed.error();
    }
    NormalizeQuery(*parsed);
    return parsed;
}

// A filter that is a string or an array of strings (Medusa's `string | string[]`).
void ParseTextOrArray(const json::object& query,
                      std::string_view name,
                      std::vector<std::string>& out,
                      std::vector<std::string>& messages) {
    const json::value* value = query.if_contains(name);
    if (value == nullptr) {
        return;
    }
    if (value->is_string()) {
        out.emplace_back(value->as_string());
        return;
    }
    if (value->is_array()) {
        for (const json::value& item : value->as_array()) {
            if (!item.is_string()) {
                messages.push_back("each value in " + std::string(name) + " must be a string");
                out.clear();
                return;
            }
            out.emplace_back(item.as_string());
        }
        return;
    }
    messages.push_back(std::string(name) + " must be a string or an array of strings");
}

void CheckEnum(std::string_view name,
               const std::vector<std::string>& values,
               std::initializer_list<std::string_view> allowed,
               std::vector<std::string>& messages) {
    for (const std::string& value : values) {
        bool found = false;
        for (std::string_view candidate : allowed) {
            found = found || candidate == value;
        }
        if (!found) {
            std::string joined;
            for (std::string_view candidate : allowed) {
                joined += joined.empty() ? "" : ", ";
                joined += candidate;
            }
            messages.push_back("each value in " + std::string(name) +
                               " must be one of the following values: " + joined);
            return;
        }
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

// optionalBooleanMapper: "true" / "false" only.
std::optional<bool> OptionalBool(const json::object& query,
                                 std::string_view name,
                                 std::vector<std::string>& messages) {
    const json::value* value = query.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_string() && value->as_string() == "true") {
        return true;
    }
    if (value->is_string() && value->as_string() == "false") {
        return false;
    }
    messages.push_back(std::string(name) + " must be a boolean value");
    return std::nullopt;
}

// created_at / updated_at: {lt, gt, lte, gte} of dates (DateComparisonOperator).
void ParseTimeRange(const json::object& query,
                    std::string_view name,
                    core::TimeRange& out,
                    std::vector<std::string>& messages) {
    const json::value* value = query.if_contains(name);
    if (value == nullptr) {
        return;
    }
    if (!value->is_object()) {
        messages.push_back(std::string(name) + " must be one of: DateComparisonOperator");
        return;
    }
    struct Bound {
        std::string_view name;
        std::optional<core::TimePoint> core::TimeRange::*member;
    };
    constexpr std::array kBounds{
        Bound{"lt", &core::TimeRange::lt},
        Bound{"gt", &core::TimeRange::gt},
        Bound{"lte", &core::TimeRange::lte},
        Bound{"gte", &core::TimeRange::gte},
    };
    for (const auto& [key, operand] : value->as_object()) {
        const Bound* bound = nullptr;
        for (const Bound& candidate : kBounds) {
            if (candidate.name == std::string_view(key)) {
                bound = &candidate;
            }
        }
        if (bound == nullptr) {
            messages.push_back("property " + std::string(name) + "." + std::string(key) +
                               " should not exist");
            continue;
        }
        std::optional<core::TimePoint> at;
        if (operand.is_string()) {
            at = ParseFilterDate(operand.as_string());
        }
        if (!at) {
            messages.push_back(std::string(name) + "." + std::string(key) + " must be a Date instance");
            continue;
        }
        out.*(bound->member) = at;
    }
}

std::vector<std::string_view> SplitCommas(std::string_view text) {
    std::vector<std::string_view> parts;
    while (!text.empty()) {
        const auto comma = text.find(',');
        if (const auto part = text.substr(0, comma); !part.empty()) {
            parts.push_back(part);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    return parts;
}

core::Result<core::ProductRelations> RelationsOf(std::optional<std::string_view> expand) {
    if (!expand) {
        return core::ProductRelations::All();
    }
    core::ProductRelations relations;
    std::vector<std::string_view> unknown;
    for (std::string_view name : SplitCommas(*expand)) {
        if (name == "variants") {
            relations.variants = true;
        } else if (name == "variants.prices") {
            relations.variants = relations.prices = true;
        } else if (name == "variants.options") {
            relations.variants = relations.variant_options = true;
        } else if (name == "options") {
            relations.options = true;
        } else if (name == "options.values") {
            // The values live on the variants: load them to list them under each option.
            relations.options = relations.variants = relations.variant_options = true;
        } else if (name == "images") {
            relations.images = true;
        } else if (name == "tags") {
            relations.tags = true;
        } else if (name == "type") {
            relations.type = true;
        } else if (name == "collection") {
            relations.collection = true;
        } else if (name == "profile") {
            relations.profile = true;
        } else if (name == "sales_channels") {
            relations.sales_channels = true;
        } else if (name == "categories") {
            relations.categories = true;
        } else {
            unknown.push_back(name);
        }
    }
    if (!unknown.empty()) {
        std::string joined;
        for (std::string_view name : unknown) {
            joined += joined.empty() ? "" : ", ";
            joined += name;
        }
        return core::Error{core::Errc::kInvalidData, "Relations [" + joined + "] are not valid"};
    }
    return relations;
}

}  // namespace

core::Result<core::ProductRelations> ParseProductExpand(std::string_view raw_query) {
    auto query = ParseQuery(raw_query);
    if (!query) {
        return query.error();
    }
    std::vector<std::string> messages;
    ReportUnknownProperties(*query, {"expand", "fields"}, messages);
    const auto expand = OptionalText(*query, "expand", messages);
    static_cast<void>(OptionalText(*query, "fields", messages));
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    return RelationsOf(expand);
}

core::Result<core::ProductQuery> ParseProductListParams(std::string_view raw_query) {
    auto parsed = ParseQuery(raw_query);
    if (!parsed) {
        return parsed.error();
    }
    const json::object& query = *parsed;
    std::vector<std::string> messages;
    ReportUnknownProperties(query,
                            {"id", "q", "title", "handle", "collection_id", "type_id", "tags",
                             "sales_channel_id", "category_id", "status", "is_giftcard", "discountable",
                             "created_at", "updated_at", "order", "expand", "fields", "limit", "offset"},
                            messages);
    core::ProductQuery out;
    core::ProductFilter& filter = out.filter;
    ParseTextOrArray(query, "id", filter.ids, messages);
    if (const auto q = OptionalText(query, "q", messages)) {
        filter.q = std::string(*q);
    }
    if (const auto title = OptionalText(query, "title", messages)) {
        filter.title = std::string(*title);
    }
    if (const auto handle = OptionalText(query, "handle", messages)) {
        filter.handle = std::string(*handle);
    }
    ParseTextOrArray(query, "collection_id", filter.collection_ids, messages);
    ParseTextOrArray(query, "type_id", filter.type_ids, messages);
    ParseTextOrArray(query, "tags", filter.tag_ids, messages);
    ParseTextOrArray(query, "sales_channel_id", filter.sales_channel_ids, messages);
    ParseTextOrArray(query, "category_id", filter.category_ids, messages);
    ParseTextOrArray(query, "status", filter.statuses, messages);
    CheckEnum("status", filter.statuses, {"draft", "proposed", "published", "rejected"}, messages);
    filter.is_giftcard = OptionalBool(query, "is_giftcard", messages);
    filter.discountable = OptionalBool(query, "discountable", messages);
    ParseTimeRange(query, "created_at", filter.created_at, messages);
    ParseTimeRange(query, "updated_at", filter.updated_at, messages);
    ParseListCount(query, "limit", kMaxListLimit, out.limit, messages);
    ParseListCount(query, "offset", kMaxListOffset, out.offset, messages);
    const auto expand = OptionalText(query, "expand", messages);
    static_cast<void>(OptionalText(query, "fields", messages));
    const auto order = OptionalText(query, "order", messages);
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    auto relations = RelationsOf(expand);
    if (!relations) {
        return relations.error();
    }
    out.relations = *relations;
    if (order) {
        std::string_view column = *order;
        out.direction = core::SortDirection::kAscending;
        if (column.starts_with('-')) {
            column.remove_prefix(1);
            out.direction = core::SortDirection::kDescending;
        }
        if (column == "created_at") {
            out.order_by = core::ProductColumn::kCreatedAt;
        } else if (column == "updated_at") {
            out.order_by = core::ProductColumn::kUpdatedAt;
        } else if (column == "title") {
            out.order_by = core::ProductColumn::kTitle;
        } else if (column == "handle") {
            out.order_by = core::ProductColumn::kHandle;
        } else if (column == "id") {
            out.order_by = core::ProductColumn::kId;
        } else {
            return core::Error{core::Errc::kInvalidData,
                               "Order field " + std::string(column) + " is not valid"};
        }
    }
    return out;
}

core::Result<core::PageRequest> ParsePageParams(std::string_view raw_query, std::int64_t default_limit) {
    auto parsed = ParseQuery(raw_query);
    if (!parsed) {
        return parsed.error();
    }
    const json::object& query = *parsed;
    std::vector<std::string> messages;
    ReportUnknownProperties(query, {"limit", "offset", "expand", "fields"}, messages);
    core::PageRequest page;
    page.limit = default_limit;
    ParseListCount(query, "limit", kMaxListLimit, page.limit, messages);
    ParseListCount(query, "offset", kMaxListOffset, page.offset, messages);
    static_cast<void>(OptionalText(query, "expand", messages));
    static_cast<void>(OptionalText(query, "fields", messages));
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    return page;
}

core::Result<core::OrderQuery> ParseOrderListParams(std::string_view raw_query) {
    auto parsed = ParseQuery(raw_query);
    if (!parsed) {
        return parsed.error();
    }
    const json::object& query = *parsed;
    std::vector<std::string> messages;
    ReportUnknownProperties(query,
                            {"id", "email", "status", "fulfillment_status", "payment_status", "region_id",
                             "sales_channel_id", "created_at", "limit", "offset", "expand", "fields"},
                            messages);
    core::OrderQuery out;
    core::OrderFilter& filter = out.filter;
    ParseTextOrArray(query, "id", filter.ids, messages);
    if (const auto email = OptionalText(query, "email", messages)) {
        filter.email = std::string(*email);
    }
    ParseTextOrArray(query, "status", filter.statuses, messages);
    CheckEnum("status", filter.statuses, {"pending", "completed", "archived", "canceled", "requires_action"},
              messages);
    ParseTextOrArray(query, "fulfillment_status", filter.fulfillment_statuses, messages);
    CheckEnum("fulfillment_status", filter.fulfillment_statuses,
              {"not_fulfilled", "partially_fulfilled", "fulfilled", "partially_shipped", "shipped",
               "partially_returned", "returned", "canceled", "requires_action"},
              messages);
    ParseTextOrArray(query, "payment_status", filter.payment_statuses, messages);
    CheckEnum(
        "payment_status", filter.payment_statuses,
        {"not_paid", "awaiting", "captured", "partially_refunded", "refunded", "canceled", "requires_action"},
        messages);
    ParseTextOrArray(query, "region_id", filter.region_ids, messages);
    ParseTextOrArray(query, "sales_channel_id", filter.sales_channel_ids, messages);
    ParseTimeRange(query, "created_at", filter.created_at, messages);
    ParseListCount(query, "limit", kMaxListLimit, out.limit, messages);
    ParseListCount(query, "offset", kMaxListOffset, out.offset, messages);
    static_cast<void>(OptionalText(query, "expand", messages));
    static_cast<void>(OptionalText(query, "fields", messages));
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    return out;
}

}  // namespace batchd::http
