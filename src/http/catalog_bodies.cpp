// The request bodies of the catalog routes (catalog_params.hpp).
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/catalog_params.hpp"
#include "http/catalog_validation.hpp"
#include "http/json_body.hpp"
#include "support/ascii.hpp"

namespace batchd::http {
namespace {

namespace json = boost::json;
using detail::InvalidData;
using detail::ObjectReader;

// Sets `field` when the property is given (null clears it).
void SetText(ObjectReader& reader, std::string_view name, std::optional<std::string>& field) {
    if (auto text = reader.Text(name)) {
        field = std::move(*text);
    }
}

void SetInteger(ObjectReader& reader, std::string_view name, std::optional<std::int64_t>& field) {
    if (auto number = reader.Integer(name)) {
        field = *number;
    }
}

// A property that may not be cleared: null or a wrong type is `<name> must be a string`.
void SetRequiredText(ObjectReader& reader, std::string_view name, bool required, std::string& field) {
    if (required || reader.Has(name)) {
        if (auto text = reader.RequiredText(name)) {
            field = std::move(*text);
        }
    }
}

// weight, length, height, width, hs_code, origin_country, mid_code, material.
template <class Entity>
void SetShippingAttributes(ObjectReader& reader, Entity& entity) {
    SetInteger(reader, "weight", entity.weight);
    SetInteger(reader, "length", entity.length);
    SetInteger(reader, "height", entity.height);
    SetInteger(reader, "width", entity.width);
    SetText(reader, "hs_code", entity.hs_code);
    SetText(reader, "origin_country", entity.origin_country);
    SetText(reader, "mid_code", entity.mid_code);
    SetText(reader, "material", entity.material);
}

std::string IndexPath(std::string_view name, std::size_t index) {
    return std::string(name) + "." + std::to_string(index);
}

// The objects of an array property, each with the reader of its path ("variants.0.").
template <class Visit>
void ForEachObject(ObjectReader& reader, std::string_view name, Visit visit) {
    const json::array* array = reader.Array(name);
    if (array == nullptr) {
        return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string path = IndexPath(name, i);
        if (const json::object* object = reader.NestedObject((*array)[i], path)) {
            ObjectReader nested(*object, reader.PathOf(path) + ".", reader.messages());
            visit(nested, i);
        }
    }
}

// [{id}] of sales channels or categories.
template <class Entity>
std::optional<std::vector<Entity>> ReadIdRefs(ObjectReader& reader, std::string_view name) {
    if (reader.Array(name) == nullptr) {
        return std::nullopt;
    }
    std::vector<Entity> refs;
    ForEachObject(reader, name, [&](ObjectReader& ref, std::size_t /*index*/) {
        ref.OnlyAllow({"id"});
        if (auto id = ref.RequiredText("id")) {
            Entity entity;
            entity.id = std::move(*id);
            refs.push_back(std::move(entity));
        }
    });
    return refs;
}

struct ProductBodyState {
    const IdMaker& ids;
    core::TimePoint now;
    bool create;
    const core::Product& before;  // the stored product (a fresh one for a create)
};

// One price of a variant: {amount, currency_code | region_id, min_quantity, max_quantity, id}.
std::optional<core::MoneyAmount> ReadVariantPrice(ObjectReader& reader,
                                                  const ProductBodyState& state,
                                                  const core::ProductVariant& variant) {
    if (state.create) {
        reader.OnlyAllow({"region_id", "currency_code", "amount", "min_quantity", "max_quantity"});
    } else {
        reader.OnlyAllow({"id", "region_id", "currency_code", "amount", "min_quantity", "max_quantity"});
    }
    core::MoneyAmount price;
    std::optional<std::string> id;
    if (!state.create) {
        SetText(reader, "id", id);
    }
    const auto amount = reader.RequiredInteger("amount");
    std::optional<std::string> currency;
    SetText(reader, "currency_code", currency);
    SetText(reader, "region_id", price.region_id);
    SetInteger(reader, "min_quantity", price.min_quantity);
    SetInteger(reader, "max_quantity", price.max_quantity);
    if (!currency && !price.region_id) {
        reader.Report(reader.PathOf("currency_code") + " or " + reader.PathOf("region_id") +
                      " must be given");
        return std::nullopt;
    }
    if (!amount) {
        return std::nullopt;
    }
    price.amount = *amount;
    price.currency_code = currency ? AsciiLower(*currency) : std::string();
    // An id names one of the variant's prices; any other id is a new price.
    price.id = state.ids("ma_");
    if (id) {
        for (const core::MoneyAmount& existing : variant.prices) {
            if (existing.id == *id) {
                price.id = *id;
            }
        }
    }
    return price;
}

// One variant of a product body; `index` is its place (variant_rank).
std::optional<core::ProductVariant> ReadVariant(ObjectReader& reader,
                                                std::size_t index,
                                                const ProductBodyState& state,
                                                const std::vector<core::ProductOption>& options) {
    if (state.create) {
        reader.OnlyAllow({"title", "sku", "ean", "upc", "barcode", "hs_code", "inventory_quantity",
                          "allow_backorder", "manage_inventory", "weight", "length", "height", "width",
                          "origin_country", "mid_code", "material", "metadata", "prices", "options"});
    } else {
        reader.OnlyAllow({"id",
                          "title",
                          "sku",
                          "ean",
                          "upc",
                          "barcode",
                          "hs_code",
                          "inventory_quantity",
                          "allow_backorder",
                          "manage_inventory",
                          "weight",
                          "length",
                          "height",
                          "width",
                          "origin_country",
                          "mid_code",
                          "material",
                          "metadata",
                          "prices",
                          "options"});
    }
    const std::size_t messages_before = reader.messages().size();
    core::ProductVariant variant;
    bool existing = false;
    if (!state.create) {
        std::optional<std::string> id;
        SetText(reader, "id", id);
        if (id) {
            for (const core::ProductVariant& stored : state.before.variants) {
                if (stored.id == *id) {
                    variant = stored;
                    existing = true;
                }
            }
            if (!existing) {
                reader.Report(reader.PathOf("id") + " names no variant of this product");
                return std::nullopt;
            }
        }
    }
    if (!existing) {
        variant.id = state.ids("variant_");
        variant.created_at = state.now;
    }
    SetRequiredText(reader, "title", !existing, variant.title);
    SetText(reader, "sku", variant.sku);
    SetText(reader, "barcode", variant.barcode);
    SetText(reader, "ean", variant.ean);
    SetText(reader, "upc", variant.upc);
    if (auto quantity = reader.Integer("inventory_quantity"); quantity && *quantity) {
        variant.inventory_quantity = **quantity;
    }
    if (auto flag = reader.Bool("allow_backorder")) {
        variant.allow_backorder = *flag;
    }
    if (auto flag = reader.Bool("manage_inventory")) {
        variant.manage_inventory = *flag;
    }
    SetShippingAttributes(reader, variant);
    reader.IgnoredObject("metadata");
    variant.variant_rank = static_cast<std::int32_t>(index);
    variant.updated_at = state.now;

    if (reader.Array("prices") != nullptr) {
        std::vector<core::MoneyAmount> prices;
        ForEachObject(reader, "prices", [&](ObjectReader& price_reader, std::size_t /*i*/) {
            if (auto price = ReadVariantPrice(price_reader, state, variant)) {
                // Two entries naming one stored price would be two rows with one id (found by fuzz/).
                const bool repeated =
                    std::any_of(prices.begin(), prices.end(),
                                [&](const core::MoneyAmount& earlier) { return earlier.id == price->id; });
                if (repeated) {
                    price_reader.Report(price_reader.PathOf("id") + " names a price given earlier");
                    return;
                }
                prices.push_back(std::move(*price));
            }
        });
        variant.prices = std::move(prices);
    }
    if (reader.Array("options") != nullptr) {
        std::vector<core::VariantOptionValue> values;
        ForEachObject(reader, "options", [&](ObjectReader& value_reader, std::size_t i) {
            value_reader.OnlyAllow({"value", "option_id"});
            const auto value = value_reader.RequiredText("value");
            std::optional<std::string> option_id;
            SetText(value_reader, "option_id", option_id);
            if (option_id) {
                bool known = false;
                for (const core::ProductOption& option : options) {
                    known = known || option.id == *option_id;
                }
                if (!known) {
                    value_reader.Report(value_reader.PathOf("option_id") +
                                        " names no option of this product");
                    return;
                }
            } else if (i < options.size()) {
                option_id = options[i].id;
            } else {
                value_reader.Report(value_reader.PathOf("value") + " has no product option at index " +
                                    std::to_string(i));
                return;
            }
            if (!value) {
                return;
            }
            // A variant has one value per option; two would share the stored value's id (fuzz/).
            const bool repeated = std::any_of(
                values.begin(), values.end(),
                [&](const core::VariantOptionValue& earlier) { return earlier.option_id == *option_id; });
            if (repeated) {
                value_reader.Report(value_reader.PathOf("option_id") +
                                    " names an option given a value earlier");
                return;
            }
            core::VariantOptionValue entry{state.ids("optval_"), *option_id, *value};
            for (const core::VariantOptionValue& old : variant.options) {
                if (old.option_id == *option_id) {
                    entry.id = old.id;  // the variant's value for that option, changed in place
                }
            }
            values.push_back(std::move(entry));
        });
        variant.options = std::move(values);
    }
    if (reader.messages().size() != messages_before) {
        return std::nullopt;
    }
    return variant;
}

}  // namespace

std::string KebabCase(std::string_view text) {
    const auto is_lower = [](char c) { return c >= 'a' && c <= 'z'; };
    const auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    const auto is_word = [&](char c) {
        return is_lower(c) || is_upper(c) || is_digit(c) || static_cast<unsigned char>(c) >= 0x80;
    };
    std::vector<std::string> words;
    std::string word;
    char previous = '\0';
    for (char c : text) {
        if (!is_word(c)) {
            if (!word.empty()) {
                words.push_back(std::move(word));
                word.clear();
            }
            previous = '\0';
            continue;
        }
        const bool boundary =
            !word.empty() &&
            ((is_lower(previous) && is_upper(c)) ||
             (is_digit(previous) != is_digit(c) && (is_digit(c) || is_lower(c) || is_upper(c)) &&
              (is_digit(previous) || is_lower(previous) || is_upper(previous))));
        if (boundary) {
            words.push_back(std::move(word));
            word.clear();
        }
        word += is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
        previous = c;
    }
    if (!word.empty()) {
        words.push_back(std::move(word));
    }
    std::string joined;
    for (const std::string& part : words) {
        if (!joined.empty()) {
            joined += '-';
        }
        joined += part;
    }
    return joined;
}

core::Result<ProductBodyOutcome> ApplyProductBody(
    std::string_view body, bool create, const IdMaker& ids, core::TimePoint now, core::Product& product) {
    auto parsed = ParseJsonObjectBody(body);
    if (!parsed) {
        return parsed.error();
    }
    std::vector<std::string> messages;
    ObjectReader reader(*parsed, "", messages);
    if (create) {
        reader.OnlyAllow({"title",         "subtitle",       "description",    "is_giftcard", "discountable",
                          "images",        "thumbnail",      "handle",         "status",      "type",
                          "collection_id", "tags",           "sales_channels", "categories",  "options",
                          "variants",      "weight",         "length",         "height",      "width",
                          "hs_code",       "origin_country", "mid_code",       "material",    "metadata",
                          "external_id"});
    } else {
        reader.OnlyAllow({"title",     "subtitle",       "description", "discountable", "images",
                          "thumbnail", "handle",         "status",      "type",         "collection_id",
                          "tags",      "sales_channels", "categories",  "variants",     "weight",
                          "length",    "height",         "width",       "hs_code",      "origin_country",
                          "mid_code",  "material",       "metadata"});
    }
    core::Product next = product;
    const ProductBodyState state{ids, now, create, product};
    ProductBodyOutcome outcome;
    if (create) {
        next.id = ids("prod_");
        next.created_at = now;
    }
    next.updated_at = now;
    SetRequiredText(reader, "title", create, next.title);
    SetText(reader, "subtitle", next.subtitle);
    SetText(reader, "description", next.description);
    SetText(reader, "handle", next.handle);
    if (create) {
        if (auto flag = reader.Bool("is_giftcard")) {
            next.is_giftcard = *flag;
        }
        SetText(reader, "external_id", next.external_id);
    }
    if (auto flag = reader.Bool("discountable")) {
        next.discountable = *flag;
    }
    if (auto status = reader.Enum("status", {"draft", "proposed", "published", "rejected"})) {
        next.status = std::move(*status);
    }
    if (auto urls = reader.TextArray("images")) {
        std::vector<core::ProductImage> images;
        for (std::string& url : *urls) {
            core::ProductImage image{ids("img_"), std::move(url)};
            for (const core::ProductImage& old : product.images) {
                if (old.url == image.url) {
                    image.id = old.id;
                }
            }
            images.push_back(std::move(image));
        }
        next.images = std::move(images);
    }
    SetText(reader, "thumbnail", next.thumbnail);
    if (create && !next.thumbnail && !next.images.empty()) {
        next.thumbnail = next.images.front().url;  // Medusa's default thumbnail
    }
    if (const json::value* type = parsed->if_contains("type")) {
        if (type->is_null()) {
            next.type.reset();
            next.type_id.reset();
        } else if (const json::object* object = reader.NestedObject(*type, "type")) {
            ObjectReader type_reader(*object, "type.", messages);
            type_reader.OnlyAllow({"id", "value"});
            std::optional<std::string> id;
            SetText(type_reader, "id", id);
            if (auto value = type_reader.RequiredText("value")) {
                next.type = core::ProductType{id ? *id : ids("ptyp_"), std::move(*value)};
                next.type_id = next.type->id;
            }
        }
    }
    if (reader.Has("collection_id")) {
        SetText(reader, "collection_id", next.collection_id);
        next.collection.reset();  // the route reads the product back with its new collection
    }
    if (reader.Array("tags") != nullptr) {
        std::vector<core::ProductTag> tags;
        ForEachObject(reader, "tags", [&](ObjectReader& tag_reader, std::size_t /*index*/) {
            tag_reader.OnlyAllow({"id", "value"});
            std::optional<std::string> id;
            SetText(tag_reader, "id", id);
            if (auto value = tag_reader.RequiredText("value")) {
                tags.push_back(core::ProductTag{id ? *id : ids("ptag_"), std::move(*value)});
            }
        });
        next.tags = std::move(tags);
    }
    if (auto channels = ReadIdRefs<core::SalesChannel>(reader, "sales_channels")) {
        next.sales_channels = std::move(*channels);
        outcome.sales_channels_given = true;
    }
    if (auto categories = ReadIdRefs<core::ProductCategory>(reader, "categories")) {
        next.categories = std::move(*categories);
    }
    SetShippingAttributes(reader, next);
    reader.IgnoredObject("metadata");
    if (create && reader.Array("options") != nullptr) {
        ForEachObject(reader, "options", [&](ObjectReader& option_reader, std::size_t /*index*/) {
            option_reader.OnlyAllow({"title"});
            if (auto title = option_reader.RequiredText("title")) {
                next.options.push_back(core::ProductOption{ids("opt_"), std::move(*title)});
            }
        });
    }
    if (reader.Array("variants") != nullptr) {
        std::vector<core::ProductVariant> variants;
        ForEachObject(reader, "variants", [&](ObjectReader& variant_reader, std::size_t index) {
            if (auto variant = ReadVariant(variant_reader, index, state, next.options)) {
                // Two entries naming one stored variant would be two variants with one id (fuzz/).
                const bool repeated = std::any_of(
                    variants.begin(), variants.end(),
                    [&](const core::ProductVariant& earlier) { return earlier.id == variant->id; });
                if (repeated) {
                    variant_reader.Report(variant_reader.PathOf("id") + " names a variant given earlier");
                    return;
                }
                variants.push_back(std::move(*variant));
            }
        });
        next.variants = std::move(variants);
    }
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    if (create && !next.handle) {
        next.handle = KebabCase(next.title);
    }
    product = std::move(next);
    return outcome;
}

core::Result<void> ApplyRegionBody(std::string_view body, bool create, core::Region& region) {
    auto parsed = ParseJsonObjectBody(body);
    if (!parsed) {
        return parsed.error();
    }
    std::vector<std::string> messages;
    ObjectReader reader(*parsed, "", messages);
    reader.OnlyAllow({"name", "currency_code", "tax_code", "tax_rate", "payment_providers",
                      "fulfillment_providers", "countries", "includes_tax", "metadata"});
    core::Region next = region;
    SetRequiredText(reader, "name", create, next.name);
    if (create || reader.Has("currency_code")) {
        if (auto currency = reader.RequiredText("currency_code")) {
            next.currency_code = AsciiLower(*currency);
        }
    }
    if (auto rate = reader.Number("tax_rate")) {
        next.tax_rate = *rate;
    } else if (create && !reader.Has("tax_rate")) {
        messages.emplace_back("tax_rate must be a number conforming to the specified constraints");
    }
    if (auto countries = reader.TextArray("countries")) {
        next.countries.clear();
        for (const std::string& country : *countries) {
            next.countries.push_back(AsciiLower(country));
        }
    } else if (create && !reader.Has("countries")) {
        messages.emplace_back("countries must be an array");
    }
    static_cast<void>(reader.TextArray("payment_providers"));
    static_cast<void>(reader.TextArray("fulfillment_providers"));
    static_cast<void>(reader.Text("tax_code"));
    static_cast<void>(reader.Bool("includes_tax"));
    reader.IgnoredObject("metadata");
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    region = std::move(next);
    return {};
}

core::Result<void> ApplyCollectionBody(std::string_view body,
                                       bool create,
                                       core::ProductCollection& collection) {
    auto parsed = ParseJsonObjectBody(body);
    if (!parsed) {
        return parsed.error();
    }
    std::vector<std::string> messages;
    ObjectReader reader(*parsed, "", messages);
    reader.OnlyAllow({"title", "handle", "metadata"});
    core::ProductCollection next = collection;
    SetRequiredText(reader, "title", create, next.title);
    SetRequiredText(reader, "handle", false, next.handle);
    reader.IgnoredObject("metadata");
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    if (next.handle.empty()) {
        next.handle = KebabCase(next.title);
    }
    collection = std::move(next);
    return {};
}

core::Result<void> ApplySalesChannelBody(std::string_view body, bool create, core::SalesChannel& channel) {
    auto parsed = ParseJsonObjectBody(body);
    if (!parsed) {
        return parsed.error();
    }
    std::vector<std::string> messages;
    ObjectReader reader(*parsed, "", messages);
    reader.OnlyAllow({"name", "description", "is_disabled", "metadata"});
    core::SalesChannel next = channel;
    SetRequiredText(reader, "name", create, next.name);
    SetText(reader, "description", next.description);
    if (auto flag = reader.Bool("is_disabled")) {
        next.is_disabled = *flag;
    }
    reader.IgnoredObject("metadata");
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    channel = std::move(next);
    return {};
}

core::Result<void> ApplyCategoryBody(std::string_view body, bool create, core::ProductCategory& category) {
    auto parsed = ParseJsonObjectBody(body);
    if (!parsed) {
        return parsed.error();
    }
    std::vector<std::string> messages;
    ObjectReader reader(*parsed, "", messages);
    reader.OnlyAllow({"name", "handle", "description", "parent_category_id", "is_active", "is_internal",
                      "rank", "metadata"});
    core::ProductCategory next = category;
    SetRequiredText(reader, "name", create, next.name);
    SetRequiredText(reader, "handle", false, next.handle);
    if (auto description = reader.Text("description")) {
        next.description = description->value_or("");
    }
    SetText(reader, "parent_category_id", next.parent_category_id);
    if (auto flag = reader.Bool("is_active")) {
        next.is_active = *flag;
    }
    if (auto flag = reader.Bool("is_internal")) {
        next.is_internal = *flag;
    }
    if (auto rank = reader.Integer("rank"); rank && *rank) {
        if (**rank < 0 || **rank > std::numeric_limits<std::int32_t>::max()) {
            messages.emplace_back("rank must not be less than 0");
        } else {
            next.rank = static_cast<std::int32_t>(**rank);
        }
    }
    reader.IgnoredObject("metadata");
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    if (next.handle.empty()) {
        next.handle = KebabCase(next.name);
    }
    category = std::move(next);
    return {};
}

core::Result<void> ApplyPriceListBody(std::string_view body,
                                      bool create,
                                      const IdMaker& ids,
                                      core::PriceList& list) {
    auto parsed = ParseJsonObjectBody(body);
    if (!parsed) {
        return parsed.error();
    }
    std::vector<std::string> messages;
    ObjectReader reader(*parsed, "", messages);
    reader.OnlyAllow({"name", "description", "type", "status", "starts_at", "ends_at", "prices",
                      "customer_groups", "includes_tax"});
    core::PriceList next = list;
    SetRequiredText(reader, "name", create, next.name);
    SetRequiredText(reader, "description", create, next.description);
    if (auto type = reader.Enum("type", {"sale", "override"})) {
        next.type = std::move(*type);
    } else if (create && !reader.Has("type")) {
        messages.emplace_back("type must be one of the following values: sale, override");
    }
    if (auto status = reader.Enum("status", {"active", "draft"})) {
        next.status = std::move(*status);
    }
    if (auto starts = reader.Date("starts_at")) {
        next.starts_at = *starts;
    }
    if (auto ends = reader.Date("ends_at")) {
        next.ends_at = *ends;
    }
    static_cast<void>(reader.Bool("includes_tax"));
    if (const json::array* groups = reader.Array("customer_groups"); groups != nullptr && !groups->empty()) {
        messages.emplace_back("customer_groups are not supported: batchd keeps no customer groups");
    }
    if (reader.Array("prices") != nullptr) {
        std::vector<core::MoneyAmount> prices;
        ForEachObject(reader, "prices", [&](ObjectReader& price_reader, std::size_t /*index*/) {
            price_reader.OnlyAllow(
                {"id", "amount", "variant_id", "currency_code", "region_id", "min_quantity", "max_quantity"});
            core::MoneyAmount price;
            std::optional<std::string> id;
            SetText(price_reader, "id", id);
            const auto amount = price_reader.RequiredInteger("amount");
            const auto variant_id = price_reader.RequiredText("variant_id");
            std::optional<std::string> currency;
            SetText(price_reader, "currency_code", currency);
            SetText(price_reader, "region_id", price.region_id);
            SetInteger(price_reader, "min_quantity", price.min_quantity);
            SetInteger(price_reader, "max_quantity", price.max_quantity);
            if (!currency && !price.region_id) {
                price_reader.Report(price_reader.PathOf("currency_code") + " or " +
                                    price_reader.PathOf("region_id") + " must be given");
                return;
            }
            if (!amount || !variant_id) {
                return;
            }
            price.id = id ? *id : ids("ma_");
            price.amount = *amount;
            price.variant_id = *variant_id;
            price.currency_code = currency ? AsciiLower(*currency) : std::string();
            price.price_list_id = next.id;
            prices.push_back(std::move(price));
        });
        next.prices = std::move(prices);
    } else if (create && !reader.Has("prices")) {
        messages.emplace_back("prices must be an array");
    }
    if (!messages.empty()) {
        return InvalidData(messages);
    }
    list = std::move(next);
    return {};
}

}  // namespace batchd::http
