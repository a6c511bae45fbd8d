#include "strategies/product_export.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "core/batch_job.hpp"
#include "core/batch_job_status.hpp"
#include "core/catalog.hpp"
#include "core/error.hpp"
#include "core/ports/blob_store.hpp"
#include "core/ports/user_store.hpp"
#include "core/time_text.hpp"
#include "csv/csv_writer.hpp"
#include "support/ascii.hpp"

namespace batchd::strategies {
namespace {

namespace json = boost::json;
using core::Errc;
using core::Error;
using core::Result;

// Medusa's list defaults (prepareListQuery): a page of 50, newest first.
constexpr std::int64_t kDefaultTake = 50;
// A page read is capped here whatever `limit` says: a huge one would hold the catalog in memory
// (§B.4) and delay a cancel (§B.2). The floor is ProductExportOptions::min_page_size.
constexpr std::int64_t kMaxPageSize = 1000;
// The shape pass loads only the cheap relations, so it reads in larger pages.
constexpr std::int64_t kShapePageSize = 500;
// How often a running export makes its file durable and records where it is: a takeover redoes
// at most this much work, and the fsync and the two writes stay off the per-page path.
constexpr core::Duration kCheckpointInterval{1000};

// The file is `<created_by>/exports/products/product-export-<job id>.csv` (core::OwnedFileKey): its
// owner is the job's, and the job id makes it unique (two exports in one millisecond used to share
// an epoch-based name).
constexpr std::string_view kKeyFolder = "exports/products/product-export-";

// The 38 fixed columns (MEDUSA-SPEC.md §7.3), in file order.
constexpr std::array<std::string_view, 38> kFixedHeaders{
    "Product Id",
    "Product Handle",
    "Product Title",
    "Product Subtitle",
    "Product Description",
    "Product Status",
    "Product Thumbnail",
    "Product Weight",
    "Product Length",
    "Product Width",
    "Product Height",
    "Product HS Code",
    "Product Origin Country",
    "Product MID Code",
    "Product Material",
    "Product Collection Title",
    "Product Collection Handle",
    "Product Type",
    "Product Tags",
    "Product Discountable",
    "Product External Id",
    "Product Profile Name",
    "Product Profile Type",
    "Variant Id",
    "Variant Title",
    "Variant SKU",
    "Variant Barcode",
    "Variant Inventory Quantity",
    "Variant Allow Backorder",
    "Variant Manage Inventory",
    "Variant Weight",
    "Variant Length",
    "Variant Width",
    "Variant Height",
    "Variant HS Code",
    "Variant Origin Country",
    "Variant MID Code",
    "Variant Material",
};

// list_config.relations when `expand` is not given (sales channels on, categories off: Medusa's
// default feature flags).
constexpr std::array<std::string_view, 12> kDefaultRelations{
    "variants", "variants.prices", "variants.options",       "profiles",
    "images",   "options",         "options.values",         "tags",
    "type",     "collection",      "variants.prices.region", "sales_channels",
};

// What `expand` may name: the relations a product has in Medusa v1.
constexpr std::array<std::string_view, 17> kKnownRelations{
    "variants",
    "variants.prices",
    "variants.options",
    "variants.prices.region",
    "profiles",
    "profile",
    "images",
    "options",
    "options.values",
    "tags",
    "type",
    "collection",
    "sales_channels",
    "categories",
    "variants.options.option",
    "variants.prices.price_list",
    "options.values.variant",
};

// What `fields` may name: the product's own columns.
constexpr std::array<std::string_view, 25> kKnownFields{
    "id",          "title",         "subtitle",   "description",    "handle",
    "is_giftcard", "status",        "thumbnail",  "weight",         "length",
    "height",      "width",         "hs_code",    "origin_country", "mid_code",
    "material",    "collection_id", "type_id",    "discountable",   "external_id",
    "created_at",  "updated_at",    "deleted_at", "metadata",       "profile_id",
};

constexpr std::array<std::string_view, 4> kStatuses{"draft", "proposed", "published", "rejected"};

template <std::size_t N>
bool IsOneOf(std::string_view value, const std::array<std::string_view, N>& names) {
    return std::find(names.begin(), names.end(), value) != names.end();
}

Error Invalid(std::string message) { return Error{Errc::kInvalidData, std::move(message)}; }

std::string Upper(std::string_view text) {
    std::string upper(text);
    for (char& c : upper) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return upper;
}

// ---------------------------------------------------------------------------------------------
// Reading the context.

// A whole number ≥ `min` (an integral double counts: JavaScript clients may send 5.0); `name`
// makes the message.
Result<std::int64_t> ReadInteger(const json::value& value, std::string_view name, std::int64_t min) {
    const auto bad = [&] {
        return Invalid(min > 0 ? fmt::format("{} must be a positive integer", name)
                               : fmt::format("{} must be a non-negative integer", name));
    };
    std::int64_t number = 0;
    if (value.is_int64()) {
        number = value.get_int64();
    } else if (value.is_uint64()) {
        if (value.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) {
            return bad();
        }
        number = static_cast<std::int64_t>(value.get_uint64());
    } else if (value.is_double()) {
        const double d = value.get_double();
        // 2^62 keeps the cast defined; no catalog is near it.
        if (!(d >= -4.6e18 && d <= 4.6e18) || static_cast<double>(static_cast<std::int64_t>(d)) != d) {
            return bad();
        }
        number = static_cast<std::int64_t>(d);
    } else {
        return bad();
    }
    if (number < min) {
        return bad();
    }
    return number;
}

// An optional integer key of `object`; null counts as absent.
Result<std::optional<std::int64_t>> ReadOptionalInteger(const json::object& object,
                                                        std::string_view key,
                                                        std::int64_t min) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) {
        return std::optional<std::int64_t>{};
    }
    auto number = ReadInteger(*value, key, min);
    if (!number) {
        return number.error();
    }
    return std::optional<std::int64_t>{*number};
}

// A string or an array of strings (Medusa's `string | string[]` filters). An empty array is kept:
// it matches nothing.
Result<std::vector<std::string>> ReadStrings(const json::value& value, std::string_view name) {
    std::vector<std::string> strings;
    if (value.is_string()) {
        strings.emplace_back(value.get_string());
        return strings;
    }
    if (!value.is_array()) {
        return Invalid(fmt::format("{} must be a string or an array of strings", name));
    }
    for (const json::value& item : value.get_array()) {
        if (!item.is_string()) {
            return Invalid(fmt::format("{} must be a string or an array of strings", name));
        }
        strings.emplace_back(item.get_string());
    }
    return strings;
}

Result<bool> ReadBool(const json::value& value, std::string_view name) {
    if (value.is_bool()) {
        return value.get_bool();
    }
    // Query-string habits: "true"/"false" as text.
    if (value.is_string() && (value.get_string() == "true" || value.get_string() == "false")) {
        return value.get_string() == "true";
    }
    return Invalid(fmt::format("{} must be a boolean", name));
}

Result<core::TimeRange> ReadTimeRange(const json::value& value, std::string_view name) {
    const json::object* bounds = value.if_object();
    if (bounds == nullptr) {
        return Invalid(fmt::format("{} must be an object of lt, gt, lte, gte dates", name));
    }
    core::TimeRange range;
    for (const auto& [op, bound] : *bounds) {
        std::optional<core::TimePoint>* slot = nullptr;
        if (op == "lt") {
            slot = &range.lt;
        } else if (op == "gt") {
            slot = &range.gt;
        } else if (op == "lte") {
            slot = &range.lte;
        } else if (op == "gte") {
            slot = &range.gte;
        } else {
            return Invalid(
                fmt::format("{}.{} is not a date comparison (lt, gt, lte, gte)", name, std::string_view{op}));
        }
        const auto at = bound.is_string() ? core::ParseIsoTime(bound.get_string()) : std::nullopt;
        if (!at) {
            return Invalid(fmt::format("{}.{} must be an ISO 8601 date", name, std::string_view{op}));
        }
        *slot = *at;
    }
    return range;
}

/// The products an export covers: a store filter, plus what the filter type cannot say (an empty
/// `IN ()` list, which matches nothing).
struct ExportFilter {
    core::ProductFilter filter;
    bool matches_nothing = false;
};

// Adds `strings` to `target`; an empty list makes the filter match nothing (Medusa's `In([])`).
void AddAll(std::vector<std::string>& target, std::vector<std::string> strings, bool& matches_nothing) {
    if (strings.empty()) {
        matches_nothing = true;
    }
    target.insert(target.end(), std::make_move_iterator(strings.begin()),
                  std::make_move_iterator(strings.end()));
}

// `filterable_fields` as a store filter; absent or null: everything. Keys the store cannot filter
// on are refused, so an export never covers more than was asked.
Result<ExportFilter> ParseFilter(const json::value* filterable_fields) {
    ExportFilter parsed;
    if (filterable_fields == nullptr || filterable_fields->is_null()) {
        return parsed;
    }
    const json::object* fields = filterable_fields->if_object();
    if (fields == nullptr) {
        return Invalid("filterable_fields must be an object");
    }
    core::ProductFilter& filter = parsed.filter;
    for (const auto& [key_text, value] : *fields) {
        const std::string_view key = key_text;
        const std::string name = fmt::format("filterable_fields.{}", key);
        if (value.is_null()) {
            return Invalid(fmt::format("{}: null (IS NULL) is not supported by the export", name));
        }
        // Each branch reads one kind of value into one filter field.
        const auto strings_into = [&](std::vector<std::string>& target) -> Result<void> {
            auto strings = ReadStrings(value, name);
            if (!strings) {
                return strings.error();
            }
            AddAll(target, std::move(*strings), parsed.matches_nothing);
            return {};
        };
        const auto string_into = [&](std::optional<std::string>& target) -> Result<void> {
            if (!value.is_string()) {
                return Invalid(fmt::format("{} must be a string", name));
            }
            target = std::string(value.get_string());
            return {};
        };
        const auto bool_into = [&](std::optional<bool>& target) -> Result<void> {
            auto flag = ReadBool(value, name);
            if (!flag) {
                return flag.error();
            }
            target = *flag;
            return {};
        };
        const auto range_into = [&](core::TimeRange& target) -> Result<void> {
            auto range = ReadTimeRange(value, name);
            if (!range) {
                return range.error();
            }
            target = *range;
            return {};
        };

        Result<void> read;
        if (key == "id" || key == "ids") {
            read = strings_into(filter.ids);
        } else if (key == "q") {
            if (!value.is_string()) {
                return Invalid(fmt::format("{} must be a string", name));
            }
            // Medusa ignores an empty q (it is falsy).
            if (!value.get_string().empty()) {
                filter.q = std::string(value.get_string());
            }
        } else if (key == "title") {
            read = string_into(filter.title);
        } else if (key == "handle") {
            read = string_into(filter.handle);
        } else if (key == "collection_id") {
            read = strings_into(filter.collection_ids);
        } else if (key == "type_id") {
            read = strings_into(filter.type_ids);
        } else if (key == "tags") {
            read = strings_into(filter.tag_ids);
        } else if (key == "sales_channel_id") {
            read = strings_into(filter.sales_channel_ids);
        } else if (key == "category_id") {
            read = strings_into(filter.category_ids);
        } else if (key == "status") {
            read = strings_into(filter.statuses);
            for (const std::string& status : filter.statuses) {
                if (!IsOneOf(status, kStatuses)) {
                    return Invalid(
                        fmt::format("{} must be one of: draft, proposed, published, rejected", name));
                }
            }
        } else if (key == "is_giftcard") {
            read = bool_into(filter.is_giftcard);
        } else if (key == "discountable") {
            read = bool_into(filter.discountable);
        } else if (key == "created_at") {
            read = range_into(filter.created_at);
        } else if (key == "updated_at") {
            read = range_into(filter.updated_at);
        } else {
            return Invalid(fmt::format("{} is not a supported product filter", name));
        }
        if (!read) {
            return read.error();
        }
    }
    return parsed;
}

struct OrderBy {
    core::ProductColumn column = core::ProductColumn::kCreatedAt;
    core::SortDirection direction = core::SortDirection::kDescending;
};

std::optional<core::ProductColumn> ColumnNamed(std::string_view field) {
    if (field == "created_at") {
        return core::ProductColumn::kCreatedAt;
    }
    if (field == "updated_at") {
        return core::ProductColumn::kUpdatedAt;
    }
    if (field == "title") {
        return core::ProductColumn::kTitle;
    }
    if (field == "handle") {
        return core::ProductColumn::kHandle;
    }
    if (field == "id") {
        return core::ProductColumn::kId;
    }
    return std::nullopt;
}

/// The stored `list_config` as the phases use it.
struct ListConfig {
    std::int64_t skip = 0;
    std::int64_t take = kDefaultTake;
    OrderBy order;
};

// Reads the list_config that Prepare stored; a job created without it (inserted directly) gets
// Medusa's defaults.
Result<ListConfig> ReadListConfig(const json::object& context) {
    ListConfig config;
    const json::value* stored = context.if_contains("list_config");
    if (stored == nullptr || stored->is_null()) {
        return config;
    }
    const json::object* list_config = stored->if_object();
    if (list_config == nullptr) {
        return Invalid("context.list_config must be an object");
    }
    auto skip = ReadOptionalInteger(*list_config, "skip", 0);
    if (!skip) {
        return skip.error();
    }
    auto take = ReadOptionalInteger(*list_config, "take", 1);
    if (!take) {
        return take.error();
    }
    config.skip = skip->value_or(0);
    config.take = take->value_or(kDefaultTake);
    if (const json::value* order = list_config->if_contains("order"); order != nullptr && !order->is_null()) {
        const json::object* fields = order->if_object();
        if (fields == nullptr || fields->size() != 1 || !fields->begin()->value().is_string()) {
            return Invalid("context.list_config.order must be {<field>: \"ASC\"|\"DESC\"}");
        }
        const auto column = ColumnNamed(fields->begin()->key());
        if (!column) {
            return Invalid(
                fmt::format("Order field {} is not valid", std::string_view{fields->begin()->key()}));
        }
        const std::string_view direction = fields->begin()->value().get_string();
        if (!EqualsIgnoringAsciiCase(direction, "ASC") && !EqualsIgnoringAsciiCase(direction, "DESC")) {
            return Invalid("context.list_config.order must be {<field>: \"ASC\"|\"DESC\"}");
        }
        config.order = {*column, EqualsIgnoringAsciiCase(direction, "ASC")
                                     ? core::SortDirection::kAscending
                                     : core::SortDirection::kDescending};
    }
    return config;
}

// A comma-separated string or an array of strings, as `fields` and `expand` come; empty parts
// are dropped.
Result<std::vector<std::string>> ReadNameList(const json::value& value, std::string_view name) {
    std::vector<std::string> names;
    const auto add = [&](std::string_view part) {
        if (!part.empty()) {
            names.emplace_back(part);
        }
    };
    if (value.is_string()) {
        std::string_view text = value.get_string();
        for (std::size_t comma = text.find(','); comma != std::string_view::npos; comma = text.find(',')) {
            add(text.substr(0, comma));
            text.remove_prefix(comma + 1);
        }
        add(text);
        return names;
    }
    if (!value.is_array()) {
        return Invalid(fmt::format("{} must be a comma-separated string", name));
    }
    for (const json::value& item : value.get_array()) {
        if (!item.is_string()) {
            return Invalid(fmt::format("{} must be a comma-separated string", name));
        }
        add(item.get_string());
    }
    return names;
}

const json::object& ContextOf(const core::JobContext& ctx) {
    static const json::object kEmpty;
    const json::object* context = ctx.Job().context.if_object();
    return context != nullptr ? *context : kEmpty;
}

/// Everything the phases read from the stored context, checked once.
struct ExportSettings {
    ListConfig list;
    ExportFilter filter;
    std::optional<std::int64_t> batch_size;
};

Result<ExportSettings> ReadSettings(const json::object& context) {
    ExportSettings settings;
    auto list = ReadListConfig(context);
    if (!list) {
        return list.error();
    }
    settings.list = *list;
    auto filter = ParseFilter(context.if_contains("filterable_fields"));
    if (!filter) {
        return filter.error();
    }
    settings.filter = std::move(*filter);
    auto batch_size = ReadOptionalInteger(context, "batch_size", 0);
    if (!batch_size) {
        return batch_size.error();
    }
    settings.batch_size = *batch_size;
    return settings;
}

// N: `batch_size` when given (an absolute end position, Medusa's quirk), else the match count.
Result<std::int64_t> ProductCount(core::CatalogStore& catalog, const ExportSettings& settings) {
    if (settings.batch_size) {
        return *settings.batch_size;
    }
    if (settings.filter.matches_nothing) {
        return std::int64_t{0};
    }
    return catalog.CountProducts(settings.filter.filter);
}

// ---------------------------------------------------------------------------------------------
// The shape: which dynamic columns the file has.

struct RegionRef {
    std::string currency_code;
    std::string name;
    std::string id;
};

struct PriceDescriptor {
    std::string currency_code;
    std::optional<RegionRef> region;
};

/// context.shape (MEDUSA-SPEC.md §7.3), under Medusa's key names.
struct Shape {
    std::vector<PriceDescriptor> prices;
    std::int64_t option_count = 0;
    std::int64_t image_count = 0;
    std::int64_t sales_channel_count = 0;
    std::int64_t category_count = 0;
};

json::object ToJson(const Shape& shape) {
    json::array prices;
    for (const PriceDescriptor& price : shape.prices) {
        json::object descriptor;
        descriptor["currency_code"] = price.currency_code;
        if (price.region) {
            descriptor["region"] = json::object{{"currency_code", price.region->currency_code},
                                                {"name", price.region->name},
                                                {"id", price.region->id}};
        } else {
            descriptor["region"] = nullptr;
        }
        prices.push_back(std::move(descriptor));
    }
    json::object object;
    object["prices"] = std::move(prices);
    object["dynamicOptionColumnCount"] = shape.option_count;
    object["dynamicImageColumnCount"] = shape.image_count;
    object["dynamicSalesChannelsColumnCount"] = shape.sales_channel_count;
    object["dynamicProductCategoriesColumnCount"] = shape.category_count;
    return object;
}

std::string StringAt(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string{};
}

Result<Shape> ShapeFromJson(const json::value& stored) {
    const json::object* object = stored.if_object();
    if (object == nullptr) {
        return Invalid("context.shape must be an object");
    }
    Shape shape;
    const std::array<std::pair<std::string_view, std::int64_t*>, 4> counts{{
        {"dynamicOptionColumnCount", &shape.option_count},
        {"dynamicImageColumnCount", &shape.image_count},
        {"dynamicSalesChannelsColumnCount", &shape.sales_channel_count},
        {"dynamicProductCategoriesColumnCount", &shape.category_count},
    }};
    for (const auto& [key, slot] : counts) {
        auto count = ReadOptionalInteger(*object, key, 0);
        if (!count) {
            return count.error();
        }
        *slot = count->value_or(0);
    }
    if (const json::value* prices = object->if_contains("prices"); prices != nullptr && prices->is_array()) {
        for (const json::value& item : prices->get_array()) {
            const json::object* descriptor = item.if_object();
            if (descriptor == nullptr) {
                return Invalid("context.shape.prices must hold objects");
            }
            PriceDescriptor price{StringAt(*descriptor, "currency_code"), std::nullopt};
            if (const json::value* region = descriptor->if_contains("region");
                region != nullptr && region->is_object()) {
                const json::object& fields = region->get_object();
                price.region = RegionRef{StringAt(fields, "currency_code"), StringAt(fields, "name"),
                                         StringAt(fields, "id")};
            }
            shape.prices.push_back(std::move(price));
        }
    }
    return shape;
}

// A page query over the export's range: `skip` once at the start, then strictly after the last
// product read (keyset), never an OFFSET over what was already read.
core::ProductQuery PageQuery(const ExportSettings& settings,
                             const std::optional<core::ProductKey>& after,
                             std::int64_t limit,
                             const core::ProductRelations& relations) {
    core::ProductQuery query;
    query.filter = settings.filter.filter;
    query.order_by = settings.list.order.column;
    query.direction = settings.list.order.direction;
    query.limit = limit;
    query.offset = after ? 0 : settings.list.skip;
    query.after = after;
    query.relations = relations;
    query.with_count = false;
    return query;
}

// Walks every product of the export (from skip up to N) and works out the dynamic columns.
// nullopt when a stop was requested on the way.
Result<std::optional<Shape>> ComputeShape(core::CatalogStore& catalog,
                                          const core::JobContext& ctx,
                                          const ExportSettings& settings,
                                          std::int64_t n) {
    Shape shape;
    core::ProductRelations relations;
    relations.variants = true;
    relations.prices = true;
    relations.options = true;
    relations.images = true;
    relations.sales_channels = true;
    relations.categories = true;

    std::set<std::pair<std::string, std::string>> seen;  // (currency, region id)
    std::unordered_map<std::string, std::optional<core::Region>> regions;
    std::optional<core::ProductKey> after;
    for (std::int64_t position = settings.list.skip; position < n;) {
        if (ctx.StopRequested()) {
            return std::optional<Shape>{};
        }
        auto page = catalog.ListProducts(
            PageQuery(settings, after, std::min(kShapePageSize, n - position), relations));
        if (!page) {
            return page.error();
        }
        if (page->products.empty()) {
            break;
        }
        for (const core::Product& product : page->products) {
            shape.option_count =
                std::max(shape.option_count, static_cast<std::int64_t>(product.options.size()));
            shape.image_count = std::max(shape.image_count, static_cast<std::int64_t>(product.images.size()));
            shape.sales_channel_count =
                std::max(shape.sales_channel_count, static_cast<std::int64_t>(product.sales_channels.size()));
            shape.category_count =
                std::max(shape.category_count, static_cast<std::int64_t>(product.categories.size()));
            // Prices in export order (variants by rank, each variant's prices by creation): the
            // deterministic first-appearance order of the Corrections.
            for (const core::ProductVariant& variant : product.variants) {
                for (const core::MoneyAmount& price : variant.prices) {
                    const std::string region_id = price.region_id.value_or("");
                    if (!seen.emplace(price.currency_code, region_id).second) {
                        continue;
                    }
                    PriceDescriptor descriptor{price.currency_code, std::nullopt};
                    if (!region_id.empty()) {
                        auto [slot, is_new] = regions.try_emplace(region_id);
                        if (is_new) {
                            auto region = catalog.GetRegion(region_id);
                            if (region) {
                                slot->second = std::move(*region);
                            } else if (region.error().code != Errc::kNotFound) {
                                return region.error();
                            }
                        }
                        if (slot->second) {
                            descriptor.region =
                                RegionRef{slot->second->currency_code, slot->second->name, slot->second->id};
                        }
                    }
                    shape.prices.push_back(std::move(descriptor));
                }
            }
        }
        position += static_cast<std::int64_t>(page->products.size());
        after = core::KeyOf(page->products.back(), settings.list.order.column);
    }
    return std::optional<Shape>{std::move(shape)};
}

// ---------------------------------------------------------------------------------------------
// The file layout.

/// A dynamic price column: a currency's (`Price USD`) or a region's (`Price France [EUR]`).
struct PriceColumn {
    bool is_region = false;
    std::string key;  // the currency code, or the region id
};

/// The header and what each dynamic price column reads, from the shape.
struct Layout {
    std::vector<std::string> header;  // every column name, in file order
    std::vector<PriceColumn> prices;
    Shape shape;
};

Layout MakeLayout(Shape shape) {
    Layout layout;
    layout.header.assign(kFixedHeaders.begin(), kFixedHeaders.end());
    // A name already present keeps its place and is not repeated; like Medusa's column map, the
    // later descriptor's reader replaces the earlier one (the same for currency columns).
    std::map<std::string, std::size_t, std::less<>> price_column_of;
    const auto add = [&](std::string name, PriceColumn column) {
        auto [slot, is_new] = price_column_of.try_emplace(name, layout.prices.size());
        if (is_new) {
            layout.header.push_back(std::move(name));
            layout.prices.push_back(std::move(column));
        } else {
            layout.prices[slot->second] = std::move(column);
        }
    };
    for (const PriceDescriptor& descriptor : shape.prices) {
        if (!descriptor.currency_code.empty()) {
            add("Price " + Upper(descriptor.currency_code), PriceColumn{false, descriptor.currency_code});
        }
        if (descriptor.region) {
            // A region without a currency gives "Price <name> " (trailing space), as v1 does.
            std::string name = "Price " + descriptor.region->name + " ";
            if (!descriptor.region->currency_code.empty()) {
                name += "[" + Upper(descriptor.region->currency_code) + "]";
            }
            add(std::move(name), PriceColumn{true, descriptor.region->id});
        }
    }
    for (std::int64_t i = 1; i <= shape.option_count; ++i) {
        layout.header.push_back(fmt::format("Option {} Name", i));
        layout.header.push_back(fmt::format("Option {} Value", i));
    }
    for (std::int64_t i = 1; i <= shape.image_count; ++i) {
        layout.header.push_back(fmt::format("Image {} Url", i));
    }
    for (std::int64_t i = 1; i <= shape.sales_channel_count; ++i) {
        layout.header.push_back(fmt::format("Sales Channel {} Id", i));
        layout.header.push_back(fmt::format("Sales Channel {} Name", i));
        layout.header.push_back(fmt::format("Sales Channel {} Description", i));
    }
    for (std::int64_t i = 1; i <= shape.category_count; ++i) {
        layout.header.push_back(fmt::format("Product Category {} Handle", i));
        layout.header.push_back(fmt::format("Product Category {} Name", i));
        layout.header.push_back(fmt::format("Product Category {} Description", i));
    }
    layout.shape = std::move(shape);
    return layout;
}

void WriteHeader(csv::CsvWriter& out, const Layout& layout) {
    for (const std::string& name : layout.header) {
        out.Raw(name);
    }
    out.EndRow();
}

void OptionalText(csv::CsvWriter& out, const std::optional<std::string>& value) {
    out.Text(value ? std::string_view{*value} : std::string_view{});
}

void OptionalInteger(csv::CsvWriter& out, const std::optional<std::int64_t>& value) {
    if (value) {
        out.Integer(*value);
    } else {
        out.Empty();
    }
}

// One line: the product's columns, the variant's, then the dynamic ones.
void WriteLine(csv::CsvWriter& out,
               const Layout& layout,
               const core::Product& product,
               std::string_view tags,
               const core::ProductVariant& variant) {
    out.Text(product.id);
    OptionalText(out, product.handle);
    out.Text(product.title);
    OptionalText(out, product.subtitle);
    OptionalText(out, product.description);
    out.Text(product.status);
    OptionalText(out, product.thumbnail);
    OptionalInteger(out, product.weight);
    OptionalInteger(out, product.length);
    OptionalInteger(out, product.width);
    OptionalInteger(out, product.height);
    OptionalText(out, product.hs_code);
    OptionalText(out, product.origin_country);
    OptionalText(out, product.mid_code);
    OptionalText(out, product.material);
    out.Text(product.collection ? std::string_view{product.collection->title} : std::string_view{});
    out.Text(product.collection ? std::string_view{product.collection->handle} : std::string_view{});
    out.Text(product.type ? std::string_view{product.type->value} : std::string_view{});
    out.Text(tags);
    out.Boolean(product.discountable);
    OptionalText(out, product.external_id);
    out.Text(product.profile ? std::string_view{product.profile->name} : std::string_view{});
    out.Text(product.profile ? std::string_view{product.profile->type} : std::string_view{});

    out.Text(variant.id);
    out.Text(variant.title);
    OptionalText(out, variant.sku);
    OptionalText(out, variant.barcode);
    out.Integer(variant.inventory_quantity);
    out.Boolean(variant.allow_backorder);
    out.Boolean(variant.manage_inventory);
    OptionalInteger(out, variant.weight);
    OptionalInteger(out, variant.length);
    OptionalInteger(out, variant.width);
    OptionalInteger(out, variant.height);
    OptionalText(out, variant.hs_code);
    OptionalText(out, variant.origin_country);
    OptionalText(out, variant.mid_code);
    OptionalText(out, variant.material);

    for (const PriceColumn& column : layout.prices) {
        // The currency column takes the variant's first price in that currency (a region price
        // too); the region column the price of that region.
        const auto match =
            std::find_if(variant.prices.begin(), variant.prices.end(), [&](const core::MoneyAmount& p) {
                return column.is_region ? p.region_id && *p.region_id == column.key
                                        : EqualsIgnoringAsciiCase(p.currency_code, column.key);
            });
        if (match == variant.prices.end()) {
            out.Empty();
        } else {
            out.Amount(match->amount, match->currency_code);
        }
    }

    for (std::size_t i = 0; i < static_cast<std::size_t>(layout.shape.option_count); ++i) {
        if (i >= product.options.size()) {
            out.Empty();
            out.Empty();
            continue;
        }
        const core::ProductOption& option = product.options[i];
        out.Text(option.title);
        const auto value =
            std::find_if(variant.options.begin(), variant.options.end(),
                         [&](const core::VariantOptionValue& v) { return v.option_id == option.id; });
        out.Text(value != variant.options.end() ? std::string_view{value->value} : std::string_view{});
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(layout.shape.image_count); ++i) {
        out.Text(i < product.images.size() ? std::string_view{product.images[i].url} : std::string_view{});
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(layout.shape.sales_channel_count); ++i) {
        if (i >= product.sales_channels.size()) {
            out.Empty();
            out.Empty();
            out.Empty();
            continue;
        }
        // BATCHD-CONTRACT §B.7: the Id column holds the id (v1 wrote the name there).
        const core::SalesChannel& channel = product.sales_channels[i];
        out.Text(channel.id);
        out.Text(channel.name);
        OptionalText(out, channel.description);
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(layout.shape.category_count); ++i) {
        if (i >= product.categories.size()) {
            out.Empty();
            out.Empty();
            out.Empty();
            continue;
        }
        const core::ProductCategory& category = product.categories[i];
        out.Text(category.handle);
        out.Text(category.name);
        out.Text(category.description);
    }
    out.EndRow();
}

void WriteProduct(csv::CsvWriter& out,
                  const Layout& layout,
                  const core::Product& product,
                  std::string& tags) {
    tags.clear();
    for (const core::ProductTag& tag : product.tags) {
        if (!tags.empty()) {
            tags += ',';
        }
        tags += tag.value;
    }
    for (const core::ProductVariant& variant : product.variants) {
        WriteLine(out, layout, product, tags, variant);
    }
}

// ---------------------------------------------------------------------------------------------
// Process: the file, pages, checkpoints.

/// A csv::Sink writing to a BlobWriter; keeps the first failure for the caller.
class BlobSink final : public csv::Sink {
public:
    explicit BlobSink(core::BlobWriter& writer) : writer_(writer) {}

    [[nodiscard]] bool Write(std::string_view bytes) override {
        if (auto written = writer_.Write(bytes); !written) {
            error_ = written.error();
            return false;
        }
        return true;
    }

    [[nodiscard]] Error Failure() const {
        return error_ ? *error_ : Error{Errc::kInternal, "the export file could not be written"};
    }

private:
    core::BlobWriter& writer_;
    std::optional<Error> error_;
};

json::value KeyToJson(const core::ProductKey& key) {
    return json::object{{"time", key.time.time_since_epoch().count()}, {"text", key.text}, {"id", key.id}};
}

std::optional<core::ProductKey> KeyFromJson(const json::value* stored) {
    const json::object* object = stored != nullptr ? stored->if_object() : nullptr;
    if (object == nullptr) {
        return std::nullopt;
    }
    const json::value* time = object->if_contains("time");
    if (time == nullptr || !time->is_int64()) {
        return std::nullopt;
    }
    core::ProductKey key;
    key.time = core::TimePoint{core::Duration{time->get_int64()}};
    key.text = StringAt(*object, "text");
    key.id = StringAt(*object, "id");
    return key;
}

/// Where a suspended or crashed run stopped: the file's key and durable size, the products
/// written and the last one's key.
struct Checkpoint {
    std::string file_key;
    std::int64_t bytes = 0;
    std::int64_t advancement = 0;
    std::optional<core::ProductKey> after;
};

std::optional<Checkpoint> CheckpointFrom(const json::value& cursor) {
    const json::object* object = cursor.if_object();
    if (object == nullptr) {
        return std::nullopt;
    }
    Checkpoint checkpoint;
    checkpoint.file_key = StringAt(*object, "file_key");
    const json::value* bytes = object->if_contains("bytes");
    const json::value* advancement = object->if_contains("advancement");
    if (checkpoint.file_key.empty() || bytes == nullptr || !bytes->is_int64() || advancement == nullptr ||
        !advancement->is_int64()) {
        return std::nullopt;
    }
    checkpoint.bytes = bytes->get_int64();
    checkpoint.advancement = advancement->get_int64();
    checkpoint.after = KeyFromJson(object->if_contains("after"));
    if (checkpoint.advancement > 0 && !checkpoint.after) {
        return std::nullopt;  // not a cursor this strategy wrote
    }
    return checkpoint;
}

bool IsCanceled(const core::BatchJob& job) { return core::StatusOf(job) == core::JobStatus::kCanceled; }

/// One run of Process: the open file and where the export stands. Lives on the phase's stack.
class ExportRun {
public:
    ExportRun(core::JobContext& ctx,
              core::CatalogStore& catalog,
              const core::Clock& clock,
              const ProductExportOptions& options)
        : ctx_(ctx), catalog_(catalog), clock_(clock), options_(options) {}

    Result<void> Run() {
        auto settings = ReadSettings(ContextOf(ctx_));
        if (!settings) {
            return settings.error();
        }
        settings_ = std::move(*settings);
        auto n = ProductCount(catalog_, settings_);
        if (!n) {
            return n.error();
        }
        n_ = *n;
        auto layout = LoadLayout();
        if (!layout) {
            return layout.error();
        }
        if (!*layout) {
            return {};  // stopped while working out the shape
        }
        layout_ = std::move(**layout);
        auto files = ctx_.Files();
        if (!files) {
            return files.error();
        }
        files_ = *files;
        auto outcome = Open();
        if (outcome) {
            outcome = Export();
        }
        if (!outcome && writer_ && core::IsRetryable(outcome.error().code)) {
            // The phase will run again (ShouldRetry): keep the file for it to resume from the
            // last checkpoint instead of starting over.
            writer_->Suspend();
        }
        return outcome;
    }

private:
    // The shape pre-processing stored; worked out here if it is missing.
    Result<std::optional<Layout>> LoadLayout() {
        if (const json::value* stored = ContextOf(ctx_).if_contains("shape"); stored != nullptr) {
            auto shape = ShapeFromJson(*stored);
            if (!shape) {
                return shape.error();
            }
            return std::optional<Layout>{MakeLayout(std::move(*shape))};
        }
        auto shape = ComputeShape(catalog_, ctx_, settings_, n_);
        if (!shape) {
            return shape.error();
        }
        if (!*shape) {
            return std::optional<Layout>{};
        }
        return std::optional<Layout>{MakeLayout(std::move(**shape))};
    }

    // Continues the file of the last checkpoint, or starts one (header, file_key, file_size).
    Result<void> Open() {
        if (auto checkpoint = CheckpointFrom(ctx_.Cursor())) {
            auto resumed = files_->Resume(checkpoint->file_key, checkpoint->bytes);
            if (resumed) {
                key_ = checkpoint->file_key;
                writer_ = std::move(*resumed);
                base_bytes_ = checkpoint->bytes;
                advancement_ = checkpoint->advancement;
                after_ = checkpoint->after;
                AttachCsv();
                return AlignAdvancement();
            }
            if (resumed.error().code != Errc::kNotFound) {
                return resumed.error();
            }
            key_ = checkpoint->file_key;  // the partial file is gone: start the same file over
        }
        if (key_.empty()) {
            // The same key on every run: one that stopped before its first checkpoint is started over.
            const core::BatchJob& job = ctx_.Job();
            key_ = core::OwnedFileKey(job.created_by, fmt::format("{}{}.csv", kKeyFolder, job.id.value));
        }
        auto created = files_->Create(key_);
        if (!created) {
            return created.error();
        }
        writer_ = std::move(*created);
        base_bytes_ = 0;
        advancement_ = 0;
        after_.reset();
        AttachCsv();
        if (auto aligned = AlignAdvancement(); !aligned) {
            return aligned;
        }
        WriteHeader(*csv_, layout_);
        if (!csv_->Flush()) {
            return sink_->Failure();
        }
        core::JobPatch patch;
        patch.result["file_key"] = key_;
        patch.result["file_size"] = Bytes();
        return ctx_.Update(patch);
    }

    void AttachCsv() {
        sink_.emplace(*writer_);
        csv_.emplace(*sink_);
    }

    // The runtime counts advancement across runs; after a resume it must equal the checkpoint's
    // (work advanced after that checkpoint is redone), after a fresh start 0.
    Result<void> AlignAdvancement() {
        const std::int64_t delta = advancement_ - ctx_.AdvancementCount();
        return delta == 0 ? Result<void>{} : ctx_.Advance(delta);
    }

    [[nodiscard]] std::int64_t Bytes() const {
        return base_bytes_ + static_cast<std::int64_t>(csv_->BytesWritten());
    }

    Result<void> Export() {
        core::ProductRelations relations = core::ProductRelations::All();
        relations.sales_channels = layout_.shape.sales_channel_count > 0;
        relations.categories = layout_.shape.category_count > 0;
        const std::int64_t page_size =
            std::clamp(std::max(settings_.list.take, options_.min_page_size), std::int64_t{1}, kMaxPageSize);

        std::int64_t position = settings_.list.skip + advancement_;
        if (position < n_) {
            // Medusa writes count with every page; it is N throughout, so once is enough.
            if (auto counted = ctx_.SetCount(n_); !counted) {
                return Failed(counted.error());
            }
        }
        last_checkpoint_ = clock_.Now();
        std::string tags;
        while (position < n_) {
            if (ctx_.StopRequested()) {
                return Stop();
            }
            auto page = catalog_.ListProducts(
                PageQuery(settings_, after_, std::min(page_size, n_ - position), relations));
            if (!page) {
                return page.error();
            }
            if (page->products.empty()) {
                break;  // fewer matches than batch_size: v1 hangs here (BATCHD-CONTRACT §B.8)
            }
            for (const core::Product& product : page->products) {
                WriteProduct(*csv_, layout_, product, tags);
            }
            if (csv_->HasFailed()) {
                return sink_->Failure();
            }
            const auto written = static_cast<std::int64_t>(page->products.size());
            position += written;
            advancement_ += written;
            after_ = core::KeyOf(page->products.back(), settings_.list.order.column);
            if (auto advanced = ctx_.Advance(written); !advanced) {
                return Failed(advanced.error());
            }
            if (clock_.Now() - last_checkpoint_ >= kCheckpointInterval) {
                if (auto saved = Save(); !saved) {
                    return Failed(saved.error());
                }
            }
        }
        if (ctx_.StopRequested()) {
            return Stop();
        }
        if (!csv_->Flush()) {
            return sink_->Failure();
        }
        auto size = writer_->Commit();
        if (!size) {
            return size.error();
        }
        // The file is final: no cursor to resume from any more.
        if (auto cleared = ctx_.Checkpoint(json::value{}); !cleared) {
            return cleared;
        }
        core::JobPatch patch;
        patch.result["file_size"] = *size;
        return ctx_.Update(patch);
    }

    // Makes the file durable up to here and records it as the resume point (and the live size).
    Result<void> Save() {
        if (!csv_->Flush()) {
            return sink_->Failure();
        }
        if (auto synced = writer_->Sync(); !synced) {
            return synced;
        }
        json::object cursor{{"file_key", key_}, {"bytes", Bytes()}, {"advancement", advancement_}};
        if (after_) {
            cursor["after"] = KeyToJson(*after_);
        }
        if (auto saved = ctx_.Checkpoint(std::move(cursor)); !saved) {
            return saved;
        }
        last_checkpoint_ = clock_.Now();
        core::JobPatch patch;
        patch.result["file_size"] = Bytes();
        return ctx_.Update(patch);
    }

    // A write that failed because the phase is stopping (a lost lease) is a stop, not a failure.
    Result<void> Failed(const Error& error) {
        if (ctx_.StopRequested()) {
            return Stop();
        }
        return error;
    }

    // The phase was asked to stop. Canceled: the partial file goes and so do file_key/file_size
    // (BATCHD-CONTRACT §B.2). Otherwise (lease lost, shutdown) the file is kept for the next owner,
    // which resumes from the checkpoint saved here (or from an earlier one if this save fails).
    Result<void> Stop() {
        if (!IsCanceled(ctx_.Job())) {
            // The save is also the write that shows a cancel the runtime only heard of.
            (void)Save();
            if (!IsCanceled(ctx_.Job())) {
                writer_->Suspend();
                csv_.reset();
                sink_.reset();
                writer_.reset();
                return {};
            }
        }
        csv_.reset();  // buffered bytes are dropped: the writer does not flush on destruction
        sink_.reset();
        writer_.reset();  // not suspended: the unfinished file is discarded
        auto removed = files_->Remove(key_);
        core::JobPatch patch;
        patch.erase_result_keys = {"file_key", "file_size"};
        auto erased = ctx_.Update(patch);
        if (!removed) {
            return removed;
        }
        return erased;
    }

    core::JobContext& ctx_;
    core::CatalogStore& catalog_;
    const core::Clock& clock_;
    ProductExportOptions options_;
    core::BlobStore* files_ = nullptr;

    ExportSettings settings_;
    std::int64_t n_ = 0;
    Layout layout_;

    std::string key_;
    std::unique_ptr<core::BlobWriter> writer_;
    std::optional<BlobSink> sink_;       // over writer_
    std::optional<csv::CsvWriter> csv_;  // over sink_
    std::int64_t base_bytes_ = 0;        // bytes in the file before this run's writer
    std::int64_t advancement_ = 0;       // products written since skip
    std::optional<core::ProductKey> after_;
    core::TimePoint last_checkpoint_{};
};

// ---------------------------------------------------------------------------------------------

class ProductExportStrategy final : public core::Strategy {
public:
    ProductExportStrategy(core::CatalogStore& catalog, const core::Clock& clock, ProductExportOptions options)
        : catalog_(catalog), clock_(clock), options_(options) {}

    [[nodiscard]] std::string_view BatchType() const override { return "product-export"; }

    // prepareBatchJobForProcessing: {...other keys, list_config, filterable_fields}, validated so
    // that what v1 would crash on later is a 400 now.
    [[nodiscard]] Result<void> Prepare(core::CreateInput& input,
                                       const core::UserId& /*user*/) const override {
        const json::object& context = input.context;
        auto limit = ReadOptionalInteger(context, "limit", 1);
        if (!limit) {
            return limit.error();
        }
        auto offset = ReadOptionalInteger(context, "offset", 0);
        if (!offset) {
            return offset.error();
        }
        if (auto batch_size = ReadOptionalInteger(context, "batch_size", 0); !batch_size) {
            return batch_size.error();
        }

        json::object order;
        if (const json::value* value = context.if_contains("order"); value != nullptr && !value->is_null()) {
            if (!value->is_string()) {
                return Invalid("order must be a string");
            }
            std::string_view field = value->get_string();
            const bool descending = field.starts_with('-');
            if (descending) {
                field.remove_prefix(1);
            }
            if (!ColumnNamed(field)) {
                return Invalid(fmt::format("Order field {} is not valid", field));
            }
            order[field] = descending ? "DESC" : "ASC";
        } else {
            order["created_at"] = "DESC";
        }

        std::optional<json::array> select;
        if (const json::value* value = context.if_contains("fields"); value != nullptr && !value->is_null()) {
            auto fields = ReadNameList(*value, "fields");
            if (!fields) {
                return fields.error();
            }
            // getListConfig adds created_at and id (the order and the key) to a select list.
            fields->emplace_back("created_at");
            fields->emplace_back("id");
            select.emplace();
            for (const std::string& field : *fields) {
                if (!IsOneOf(field, kKnownFields)) {
                    return Invalid(fmt::format("Field {} is not valid", field));
                }
                if (std::find(select->begin(), select->end(), json::value(field)) == select->end()) {
                    select->emplace_back(field);
                }
            }
        }

        json::array relations;
        if (const json::value* value = context.if_contains("expand"); value != nullptr && !value->is_null()) {
            auto expand = ReadNameList(*value, "expand");
            if (!expand) {
                return expand.error();
            }
            for (const std::string& relation : *expand) {
                if (!IsOneOf(relation, kKnownRelations)) {
                    return Invalid(fmt::format("Relation {} is not valid", relation));
                }
                relations.emplace_back(relation);
            }
        } else {
            for (const std::string_view relation : kDefaultRelations) {
                relations.emplace_back(relation);
            }
        }

        const json::value* filterable_fields = context.if_contains("filterable_fields");
        if (auto filter = ParseFilter(filterable_fields); !filter) {
            return filter.error();
        }

        json::object list_config;
        if (select) {
            list_config["select"] = std::move(*select);
        }
        list_config["relations"] = std::move(relations);
        list_config["skip"] = offset->value_or(0);
        list_config["take"] = limit->value_or(kDefaultTake);
        list_config["order"] = std::move(order);

        // Insertion order is kept (boost::json::object is ordered): the other keys as they came,
        // then list_config and filterable_fields, as v1's object spread writes them.
        json::object prepared;
        for (const auto& [key, value] : context) {
            if (key == "limit" || key == "offset" || key == "order" || key == "fields" || key == "expand" ||
                key == "filterable_fields") {
                continue;
            }
            prepared[key] = value;
        }
        prepared["list_config"] = std::move(list_config);
        if (filterable_fields != nullptr) {  // undefined in v1 is left out of the stored JSON
            prepared["filterable_fields"] = *filterable_fields;
        }
        input.context = std::move(prepared);
        return {};
    }

    // preProcessBatchJob: N, the shape, the stat descriptor.
    [[nodiscard]] Result<void> PreProcess(core::JobContext& ctx) const override {
        auto settings = ReadSettings(ContextOf(ctx));
        if (!settings) {
            return settings.error();
        }
        auto n = ProductCount(catalog_, *settings);
        if (!n) {
            return n.error();
        }
        auto shape = ComputeShape(catalog_, ctx, *settings, *n);
        if (!shape) {
            return shape.error();
        }
        if (!*shape) {
            return {};  // stopped: the runtime records why
        }
        core::JobPatch patch;
        patch.context["shape"] = ToJson(**shape);
        // Set, not appended: a retried pre-processing still has one descriptor.
        patch.result["stat_descriptors"] = json::array{json::object{
            {"key", "product-export-count"},
            {"name", "Product count to export"},
            {"message", fmt::format("There will be {} products exported by this action", *n)},
        }};
        return ctx.Update(patch);
    }

    [[nodiscard]] Result<void> Process(core::JobContext& ctx) const override {
        ExportRun run{ctx, catalog_, clock_, options_};
        return run.Run();
    }

private:
    core::CatalogStore& catalog_;
    const core::Clock& clock_;
    ProductExportOptions options_;
};

}  // namespace

std::unique_ptr<core::Strategy> MakeProductExportStrategy(core::CatalogStore& catalog,
                                                          const core::Clock& clock,
                                                          ProductExportOptions options) {
    return std::make_unique<ProductExportStrategy>(catalog, clock, options);
}

}  // namespace batchd::strategies
