#include "app/fixtures.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include <boost/json/parse.hpp>

#include "auth/credentials.hpp"
#include "core/batch_job.hpp"
#include "core/time_text.hpp"
#include "support/ascii.hpp"

namespace batchd::app {
namespace {

namespace json = boost::json;

// ---- users and batch jobs (lenient: other keys are ignored, as they always were) ----

std::string StringOr(const json::object& entry, std::string_view key, std::string fallback = {}) {
    const json::value* value = entry.if_contains(key);
    if (value == nullptr || value->is_null()) {
        return fallback;
    }
    if (!value->is_string()) {
        throw std::runtime_error(std::string(key) + " must be a string");
    }
    return std::string(value->as_string());
}

std::optional<core::TimePoint> TimeOf(const json::object& entry, std::string_view key) {
    const std::string text = StringOr(entry, key);
    if (text.empty()) {
        return std::nullopt;
    }
    auto at = core::ParseIsoTime(text);
    if (!at) {
        throw std::runtime_error(std::string(key) + " is not an ISO-8601 time: " + text);
    }
    return at;
}

core::NewUser UserFrom(const json::object& entry, core::TimePoint now) {
    core::NewUser user;
    user.user.id = core::UserId{StringOr(entry, "id")};
    user.user.email = StringOr(entry, "email");
    if (user.user.id.value.empty() || user.user.email.empty()) {
        throw std::runtime_error("a user needs an id and an email");
    }
    user.user.first_name = StringOr(entry, "first_name");
    user.user.last_name = StringOr(entry, "last_name");
    user.user.role = StringOr(entry, "role", "admin");
    user.user.created_at = TimeOf(entry, "created_at").value_or(now);
    user.user.updated_at = TimeOf(entry, "updated_at").value_or(user.user.created_at);
    user.user.deleted_at = TimeOf(entry, "deleted_at");
    if (const std::string password = StringOr(entry, "password"); !password.empty()) {
        user.password_hash = auth::HashPassword(password);
    }
    if (const std::string token = StringOr(entry, "api_token"); !token.empty()) {
        user.api_token_hash = auth::HashApiToken(token);
    }
    return user;
}

core::BatchJob JobFrom(const json::object& entry, core::TimePoint created_at) {
    core::BatchJob job;
    job.id = core::JobId{StringOr(entry, "id")};
    job.type = StringOr(entry, "type");
    if (job.id.value.empty() || job.type.empty()) {
        throw std::runtime_error("a batch job needs an id and a type");
    }
    if (const std::string by = StringOr(entry, "created_by"); !by.empty()) {
        job.created_by = core::UserId{by};
    }
    if (const json::value* context = entry.if_contains("context")) {
        job.context = *context;
    }
    if (const json::value* result = entry.if_contains("result")) {
        job.result = *result;
    }
    if (const json::value* dry_run = entry.if_contains("dry_run"); dry_run != nullptr && dry_run->is_bool()) {
        job.dry_run = dry_run->as_bool();
    }
    job.pre_processed_at = TimeOf(entry, "pre_processed_at");
    job.confirmed_at = TimeOf(entry, "confirmed_at");
    job.processing_at = TimeOf(entry, "processing_at");
    job.completed_at = TimeOf(entry, "completed_at");
    job.canceled_at = TimeOf(entry, "canceled_at");
    job.failed_at = TimeOf(entry, "failed_at");
    job.created_at = TimeOf(entry, "created_at").value_or(created_at);
    job.updated_at = TimeOf(entry, "updated_at").value_or(job.created_at);
    job.deleted_at = TimeOf(entry, "deleted_at");
    return job;
}

const json::array* ArrayIn(const json::object& root, std::string_view key) {
    const json::value* value = root.if_contains(key);
    if (value == nullptr) {
        return nullptr;
    }
    if (!value->is_array()) {
        throw std::runtime_error(std::string(key) + " must be an array");
    }
    return &value->as_array();
}

// ---- catalog sections (strict: an unknown key is an error) ----

[[noreturn]] void Fail(const std::string& path, const std::string& message) {
    throw std::runtime_error(path + ": " + message);
}

/// One JSON object of the file, read by key. Every key read (present or not) becomes known;
/// Finish() then rejects the keys nobody asked for, so a typo never passes silently.
class Entry {
public:
    Entry(const json::value& value, std::string path) : path_(std::move(path)) {
        if (!value.is_object()) {
            Fail(path_, "must be an object");
        }
        object_ = &value.as_object();
    }

    [[nodiscard]] const std::string& Path() const { return path_; }

    /// The value of `key`, or nullptr when it is absent or null.
    const json::value* Value(std::string_view key) {
        known_.emplace(key);
        const json::value* value = object_->if_contains(key);
        return value == nullptr || value->is_null() ? nullptr : value;
    }

    std::optional<std::string> Text(std::string_view key) {
        const json::value* value = Value(key);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_string()) {
            Fail(path_, std::string(key) + " must be a string");
        }
        return std::string(value->as_string());
    }

    std::string TextOr(std::string_view key, std::string fallback) {
        return Text(key).value_or(std::move(fallback));
    }

    std::string Required(std::string_view key) {
        std::optional<std::string> text = Text(key);
        if (!text || text->empty()) {
            Fail(path_, "needs " + std::string(key));
        }
        return *std::move(text);
    }

    std::optional<std::int64_t> Int(std::string_view key) {
        const json::value* value = Value(key);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (value->is_int64()) {
            return value->as_int64();
        }
        if (value->is_uint64() &&
            value->as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return static_cast<std::int64_t>(value->as_uint64());
        }
        Fail(path_, std::string(key) + " must be an integer");
    }

    std::optional<double> Number(std::string_view key) {
        const json::value* value = Value(key);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_number()) {
            Fail(path_, std::string(key) + " must be a number");
        }
        return value->to_number<double>();
    }

    std::optional<bool> Bool(std::string_view key) {
        const json::value* value = Value(key);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_bool()) {
            Fail(path_, std::string(key) + " must be true or false");
        }
        return value->as_bool();
    }

    std::optional<core::TimePoint> Time(std::string_view key) {
        const std::optional<std::string> text = Text(key);
        if (!text) {
            return std::nullopt;
        }
        auto at = core::ParseIsoTime(*text);
        if (!at) {
            Fail(path_, std::string(key) + " is not an ISO-8601 time: " + *text);
        }
        return at;
    }

    /// The array under `key` (empty when absent).
    const json::array& Array(std::string_view key) {
        static const json::array kEmpty;
        const json::value* value = Value(key);
        if (value == nullptr) {
            return kEmpty;
        }
        if (!value->is_array()) {
            Fail(path_, std::string(key) + " must be an array");
        }
        return value->as_array();
    }

    /// Strings of an array of strings.
    std::vector<std::string> Strings(std::string_view key) {
        std::vector<std::string> strings;
        std::size_t i = 0;
        for (const json::value& item : Array(key)) {
            if (!item.is_string()) {
                Fail(Child(key, i), "must be a string");
            }
            strings.emplace_back(item.as_string());
            ++i;
        }
        return strings;
    }

    [[nodiscard]] std::string Child(std::string_view key, std::size_t index) const {
        return path_ + "." + std::string(key) + "[" + std::to_string(index) + "]";
    }

    /// Rejects the keys nobody read; keys starting with `_` are comments.
    void Finish() const {
        for (const auto& [key, value] : *object_) {
            if (!key.starts_with("_") && !known_.contains(std::string(key))) {
                Fail(path_, "unknown key \"" + std::string(key) + "\"");
            }
        }
    }

private:
    std::string path_;
    const json::object* object_ = nullptr;
    std::set<std::string, std::less<>> known_;
};

/// Hands out `created_at` for entries that have none: 1 ms apart, in file order, ending before now.
class Clock {
public:
    Clock(core::TimePoint now, std::size_t entries)
        : next_(now - std::chrono::milliseconds{static_cast<std::int64_t>(entries)}) {}

    core::TimePoint CreatedAt(Entry& entry) {
        const core::TimePoint at = entry.Time("created_at").value_or(next_);
        next_ = std::max(next_, at) + std::chrono::milliseconds{1};
        return at;
    }

private:
    core::TimePoint next_;
};

core::ShippingProfile ProfileFrom(Entry& entry) {
    core::ShippingProfile profile;
    profile.id = entry.Required("id");
    profile.name = entry.Required("name");
    profile.type = entry.TextOr("type", "default");
    return profile;
}

core::Region RegionFrom(Entry& entry, Clock& clock) {
    core::Region region;
    region.id = entry.Required("id");
    region.name = entry.Required("name");
    region.currency_code = AsciiLower(entry.Required("currency_code"));
    region.tax_rate = entry.Number("tax_rate").value_or(0);
    for (std::string& country : entry.Strings("countries")) {
        region.countries.push_back(AsciiLower(std::move(country)));
    }
    region.created_at = clock.CreatedAt(entry);
    region.updated_at = entry.Time("updated_at").value_or(region.created_at);
    return region;
}

core::SalesChannel ChannelFrom(Entry& entry, Clock& clock) {
    core::SalesChannel channel;
    channel.id = entry.Required("id");
    channel.name = entry.TextOr("name", channel.id);
    channel.description = entry.Text("description");
    channel.is_disabled = entry.Bool("is_disabled").value_or(false);
    channel.is_default = entry.Bool("is_default").value_or(false);
    channel.created_at = clock.CreatedAt(entry);
    channel.updated_at = entry.Time("updated_at").value_or(channel.created_at);
    return channel;
}

core::ProductCollection CollectionFrom(Entry& entry, Clock& clock) {
    core::ProductCollection collection;
    collection.id = entry.Required("id");
    collection.title = entry.Required("title");
    collection.handle = entry.Required("handle");
    collection.created_at = clock.CreatedAt(entry);
    collection.updated_at = entry.Time("updated_at").value_or(collection.created_at);
    return collection;
}

core::ProductCategory CategoryFrom(Entry& entry, Clock& clock) {
    core::ProductCategory category;
    category.id = entry.Required("id");
    category.name = entry.Required("name");
    category.handle = entry.Required("handle");
    category.description = entry.TextOr("description", "");
    category.parent_category_id = entry.Text("parent_category_id");
    category.is_active = entry.Bool("is_active").value_or(true);
    category.is_internal = entry.Bool("is_internal").value_or(false);
    category.rank = static_cast<std::int32_t>(entry.Int("rank").value_or(0));
    category.created_at = clock.CreatedAt(entry);
    category.updated_at = entry.Time("updated_at").value_or(category.created_at);
    return category;
}

/// A price of a variant or of a price list. Without `currency_code`, a region price takes its
/// region's currency.
core::MoneyAmount PriceFrom(Entry& entry, std::string default_id, core::CatalogStore& catalog) {
    core::MoneyAmount price;
    price.id = entry.TextOr("id", std::move(default_id));
    price.region_id = entry.Text("region_id");
    if (std::optional<std::string> currency = entry.Text("currency_code")) {
        price.currency_code = AsciiLower(*std::move(currency));
    } else if (price.region_id) {
        auto region = catalog.GetRegion(*price.region_id);
        if (!region) {
            Fail(entry.Path(), "region " + *price.region_id + ": " + region.error().detail);
        }
        price.currency_code = region->currency_code;
    } else {
        Fail(entry.Path(), "needs currency_code or region_id");
    }
    const std::optional<std::int64_t> amount = entry.Int("amount");
    if (!amount) {
        Fail(entry.Path(), "needs amount");
    }
    price.amount = *amount;
    price.min_quantity = entry.Int("min_quantity");
    price.max_quantity = entry.Int("max_quantity");
    return price;
}

core::ProductVariant VariantFrom(Entry& entry,
                                 const core::Product& product,
                                 std::int32_t rank,
                                 core::CatalogStore& catalog) {
    core::ProductVariant variant;
    variant.id = entry.TextOr("id", product.id + "-variant-" + std::to_string(rank));
    variant.title = entry.TextOr("title", "");
    variant.sku = entry.Text("sku");
    variant.barcode = entry.Text("barcode");
    variant.ean = entry.Text("ean");
    variant.upc = entry.Text("upc");
    variant.inventory_quantity = entry.Int("inventory_quantity").value_or(0);
    variant.allow_backorder = entry.Bool("allow_backorder").value_or(false);
    variant.manage_inventory = entry.Bool("manage_inventory").value_or(true);
    variant.weight = entry.Int("weight");
    variant.length = entry.Int("length");
    variant.height = entry.Int("height");
    variant.width = entry.Int("width");
    variant.hs_code = entry.Text("hs_code");
    variant.origin_country = entry.Text("origin_country");
    variant.mid_code = entry.Text("mid_code");
    variant.material = entry.Text("material");
    variant.variant_rank = static_cast<std::int32_t>(entry.Int("variant_rank").value_or(rank));
    variant.created_at = entry.Time("created_at").value_or(product.created_at);
    variant.updated_at = entry.Time("updated_at").value_or(variant.created_at);

    std::size_t i = 0;
    for (const json::value& item : entry.Array("prices")) {
        Entry price{item, entry.Child("prices", i)};
        variant.prices.push_back(PriceFrom(price, variant.id + "-price-" + std::to_string(i), catalog));
        price.Finish();
        ++i;
    }
    // Option values: {"option_id": …, "value": …}, or a bare value / no option_id for the product's
    // option at the same position.
    i = 0;
    for (const json::value& item : entry.Array("options")) {
        const std::string path = entry.Child("options", i);
        core::VariantOptionValue value;
        value.id = variant.id + "-option-" + std::to_string(i);
        std::optional<std::string> option_id;
        if (item.is_string()) {
            value.value = std::string(item.as_string());
        } else {
            Entry option{item, path};
            value.id = option.TextOr("id", value.id);
            value.value = option.Required("value");
            option_id = option.Text("option_id");
            option.Finish();
        }
        if (!option_id) {
            if (i >= product.options.size()) {
                Fail(path, "has no option_id and the product has no option " + std::to_string(i + 1));
            }
            option_id = product.options[i].id;
        }
        value.option_id = *std::move(option_id);
        variant.options.push_back(std::move(value));
        ++i;
    }
    return variant;
}

core::Product ProductFrom(Entry& entry, Clock& clock, core::CatalogStore& catalog) {
    core::Product product;
    product.id = entry.Required("id");
    product.title = entry.Required("title");
    product.subtitle = entry.Text("subtitle");
    product.description = entry.Text("description");
    product.handle = entry.Text("handle");
    product.is_giftcard = entry.Bool("is_giftcard").value_or(false);
    product.status = entry.TextOr("status", "draft");
    product.thumbnail = entry.Text("thumbnail");
    product.weight = entry.Int("weight");
    product.length = entry.Int("length");
    product.height = entry.Int("height");
    product.width = entry.Int("width");
    product.hs_code = entry.Text("hs_code");
    product.origin_country = entry.Text("origin_country");
    product.mid_code = entry.Text("mid_code");
    product.material = entry.Text("material");
    product.collection_id = entry.Text("collection_id");
    product.discountable = entry.Bool("discountable").value_or(true);
    product.external_id = entry.Text("external_id");
    product.created_at = clock.CreatedAt(entry);
    product.updated_at = entry.Time("updated_at").value_or(product.created_at);
    product.deleted_at = entry.Time("deleted_at");

    // Every Medusa product has a shipping profile: the store's one of the matching type by default.
    product.profile_id = entry.Text("profile_id");
    if (!product.profile_id) {
        if (auto profile = catalog.ShippingProfileOfType(product.is_giftcard ? "gift_card" : "default")) {
            product.profile_id = profile->id;
        }
    }

    // The type: "value" or {"id", "value"}. The store reuses a type with that value.
    if (const json::value* type = entry.Value("type")) {
        core::ProductType product_type;
        if (type->is_string()) {
            product_type.value = std::string(type->as_string());
            product_type.id = "ptyp-" + product_type.value;
        } else {
            Entry object{*type, entry.Path() + ".type"};
            product_type.value = object.Required("value");
            product_type.id = object.TextOr("id", "ptyp-" + product_type.value);
            object.Finish();
        }
        product.type_id = product_type.id;
        product.type = std::move(product_type);
    }

    std::size_t i = 0;
    for (const json::value& item : entry.Array("tags")) {
        core::ProductTag tag;
        if (item.is_string()) {
            tag.value = std::string(item.as_string());
            tag.id = "ptag-" + tag.value;
        } else {
            Entry object{item, entry.Child("tags", i)};
            tag.value = object.Required("value");
            tag.id = object.TextOr("id", "ptag-" + tag.value);
            object.Finish();
        }
        product.tags.push_back(std::move(tag));
        ++i;
    }
    i = 0;
    for (const json::value& item : entry.Array("images")) {
        core::ProductImage image;
        image.id = product.id + "-image-" + std::to_string(i);
        if (item.is_string()) {
            image.url = std::string(item.as_string());
        } else {
            Entry object{item, entry.Child("images", i)};
            image.id = object.TextOr("id", image.id);
            image.url = object.Required("url");
            object.Finish();
        }
        product.images.push_back(std::move(image));
        ++i;
    }
    i = 0;
    for (const json::value& item : entry.Array("options")) {
        core::ProductOption option;
        option.id = product.id + "-option-" + std::to_string(i);
        if (item.is_string()) {
            option.title = std::string(item.as_string());
        } else {
            Entry object{item, entry.Child("options", i)};
            option.id = object.TextOr("id", option.id);
            option.title = object.Required("title");
            object.Finish();
        }
        product.options.push_back(std::move(option));
        ++i;
    }
    for (std::string& id : entry.Strings("sales_channels")) {
        core::SalesChannel channel;
        channel.id = std::move(id);
        product.sales_channels.push_back(std::move(channel));
    }
    for (std::string& id : entry.Strings("categories")) {
        core::ProductCategory category;
        category.id = std::move(id);
        product.categories.push_back(std::move(category));
    }
    i = 0;
    for (const json::value& item : entry.Array("variants")) {
        Entry variant{item, entry.Child("variants", i)};
        product.variants.push_back(VariantFrom(variant, product, static_cast<std::int32_t>(i), catalog));
        variant.Finish();
        ++i;
    }
    std::stable_sort(product.variants.begin(), product.variants.end(),
                     [](const auto& a, const auto& b) { return a.variant_rank < b.variant_rank; });
    return product;
}

core::PriceList PriceListFrom(Entry& entry, Clock& clock, core::CatalogStore& catalog) {
    core::PriceList list;
    list.id = entry.Required("id");
    list.name = entry.Required("name");
    list.description = entry.TextOr("description", "");
    list.type = entry.TextOr("type", "sale");
    list.status = entry.TextOr("status", "draft");
    list.starts_at = entry.Time("starts_at");
    list.ends_at = entry.Time("ends_at");
    list.created_at = clock.CreatedAt(entry);
    list.updated_at = entry.Time("updated_at").value_or(list.created_at);
    std::size_t i = 0;
    for (const json::value& item : entry.Array("prices")) {
        Entry object{item, entry.Child("prices", i)};
        core::MoneyAmount price = PriceFrom(object, list.id + "-price-" + std::to_string(i), catalog);
        price.variant_id = object.Required("variant_id");
        price.price_list_id = list.id;
        object.Finish();
        list.prices.push_back(std::move(price));
        ++i;
    }
    return list;
}

core::Customer CustomerFrom(Entry& entry) {
    core::Customer customer;
    customer.id = entry.Required("id");
    customer.email = entry.Required("email");
    customer.first_name = entry.Text("first_name");
    customer.last_name = entry.Text("last_name");
    return customer;
}

core::Address AddressFrom(Entry& entry) {
    core::Address address;
    address.id = entry.Required("id");
    address.first_name = entry.Text("first_name");
    address.last_name = entry.Text("last_name");
    address.company = entry.Text("company");
    address.address_1 = entry.Text("address_1");
    address.address_2 = entry.Text("address_2");
    address.city = entry.Text("city");
    address.province = entry.Text("province");
    address.postal_code = entry.Text("postal_code");
    address.country_code = entry.Text("country_code");
    address.phone = entry.Text("phone");
    return address;
}

core::Order OrderFrom(Entry& entry, std::int64_t display_id, Clock& clock) {
    core::Order order;
    order.id = entry.Required("id");
    order.display_id = entry.Int("display_id").value_or(display_id);
    order.status = entry.TextOr("status", "pending");
    order.fulfillment_status = entry.TextOr("fulfillment_status", "not_fulfilled");
    order.payment_status = entry.TextOr("payment_status", "not_paid");
    order.currency_code = AsciiLower(entry.Required("currency_code"));
    order.region_id = entry.Required("region_id");
    order.sales_channel_id = entry.Text("sales_channel_id");
    order.subtotal = entry.Int("subtotal").value_or(0);
    order.shipping_total = entry.Int("shipping_total").value_or(0);
    order.discount_total = entry.Int("discount_total").value_or(0);
    order.gift_card_total = entry.Int("gift_card_total").value_or(0);
    order.refunded_total = entry.Int("refunded_total").value_or(0);
    order.tax_total = entry.Int("tax_total").value_or(0);
    order.total = entry.Int("total").value_or(order.subtotal + order.shipping_total + order.tax_total -
                                              order.discount_total - order.gift_card_total);
    order.created_at = clock.CreatedAt(entry);
    order.updated_at = entry.Time("updated_at").value_or(order.created_at);
    if (const json::value* customer = entry.Value("customer")) {
        Entry object{*customer, entry.Path() + ".customer"};
        order.customer = CustomerFrom(object);
        object.Finish();
    }
    if (const json::value* address = entry.Value("shipping_address")) {
        Entry object{*address, entry.Path() + ".shipping_address"};
        order.shipping_address = AddressFrom(object);
        object.Finish();
    }
    order.email = entry.TextOr("email", order.customer ? order.customer->email : "");
    if (order.email.empty()) {
        Fail(entry.Path(), "needs email (or a customer)");
    }
    return order;
}

void Check(const core::Result<void>& written, const std::string& path) {
    if (!written) {
        Fail(path, written.error().detail);
    }
}

constexpr std::array<std::string_view, 10> kSections{
    "users",       "batch_jobs",         "shipping_profiles", "regions",     "sales_channels",
    "collections", "product_categories", "products",          "price_lists", "orders"};

/// Calls `load(entry, count)` for each entry of the section `key`, then rejects its unknown keys.
template <class Load>
void EachEntry(const json::object& root, std::string_view key, Load load) {
    const json::array* entries = ArrayIn(root, key);
    if (entries == nullptr) {
        return;
    }
    std::size_t i = 0;
    for (const json::value& item : *entries) {
        Entry entry{item, std::string(key) + "[" + std::to_string(i) + "]"};
        load(entry);
        entry.Finish();
        ++i;
    }
}

void LoadCatalog(const json::object& root,
                 core::CatalogStore& catalog,
                 core::TimePoint now,
                 FixtureCounts& counts) {
    std::size_t entries = 0;
    for (const std::string_view section : kSections) {
        if (const json::array* array = ArrayIn(root, section)) {
            entries += array->size();
        }
    }
    Clock clock{now, entries};

    EachEntry(root, "shipping_profiles", [&](Entry& entry) {
        Check(catalog.PutShippingProfile(ProfileFrom(entry)), entry.Path());
        ++counts.shipping_profiles;
    });
    EachEntry(root, "regions", [&](Entry& entry) {
        Check(catalog.PutRegion(RegionFrom(entry, clock)), entry.Path());
        ++counts.regions;
    });
    EachEntry(root, "sales_channels", [&](Entry& entry) {
        Check(catalog.PutSalesChannel(ChannelFrom(entry, clock)), entry.Path());
        ++counts.sales_channels;
    });
    EachEntry(root, "collections", [&](Entry& entry) {
        Check(catalog.PutCollection(CollectionFrom(entry, clock)), entry.Path());
        ++counts.collections;
    });
    EachEntry(root, "product_categories", [&](Entry& entry) {
        Check(catalog.PutCategory(CategoryFrom(entry, clock)), entry.Path());
        ++counts.categories;
    });
    EachEntry(root, "products", [&](Entry& entry) {
        const core::Product product = ProductFrom(entry, clock, catalog);
        const std::string path = entry.Path() + " (" + product.id + ")";
        Check(catalog.PutProducts(std::span{&product, 1}), path);
        if (product.deleted_at) {
            // A store may take deleted_at from the Put already; then the product is gone by now.
            auto deleted = catalog.DeleteProduct(product.id, *product.deleted_at);
            if (!deleted && deleted.error().code != core::Errc::kNotFound) {
                Fail(path, deleted.error().detail);
            }
        }
        ++counts.products;
        counts.variants += static_cast<int>(product.variants.size());
    });
    EachEntry(root, "price_lists", [&](Entry& entry) {
        Check(catalog.PutPriceList(PriceListFrom(entry, clock, catalog)), entry.Path());
        ++counts.price_lists;
    });
    EachEntry(root, "orders", [&](Entry& entry) {
        const core::Order order = OrderFrom(entry, counts.orders + 1, clock);
        Check(catalog.PutOrders(std::span{&order, 1}), entry.Path() + " (" + order.id + ")");
        ++counts.orders;
    });
}

}  // namespace

FixtureCounts LoadFixtures(const std::filesystem::path& file,
                           core::Database& database,
                           core::CatalogStore& catalog,
                           core::TimePoint now) {
    std::ifstream in(file);
    if (!in) {
        throw std::runtime_error("cannot open " + file.string());
    }
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code error;
    const json::value parsed = json::parse(text.str(), error);
    if (error || !parsed.is_object()) {
        throw std::runtime_error(file.string() + " is not a JSON object: " + error.message());
    }
    const json::object& root = parsed.as_object();
    for (const auto& [key, value] : root) {
        const bool known =
            std::find(kSections.begin(), kSections.end(), std::string_view(key)) != kSections.end();
        if (!known && !key.starts_with("_")) {
            std::string expected;
            for (const std::string_view section : kSections) {
                expected += (expected.empty() ? "" : ", ") + std::string(section);
            }
            throw std::runtime_error(file.string() + ": unknown key \"" + std::string(key) + "\" (expected " +
                                     expected + ", or a _comment)");
        }
    }

    FixtureCounts counts;
    if (const json::array* users = ArrayIn(root, "users")) {
        for (const json::value& entry : *users) {
            if (!entry.is_object()) {
                throw std::runtime_error("users[] entries must be objects");
            }
            auto created = database.CreateUser(UserFrom(entry.as_object(), now));
            if (!created) {
                throw std::runtime_error("user " + std::to_string(counts.users) + ": " +
                                         created.error().detail);
            }
            ++counts.users;
        }
    }
    if (const json::array* jobs = ArrayIn(root, "batch_jobs")) {
        core::TimePoint next_created_at = now - std::chrono::milliseconds{static_cast<long>(jobs->size())};
        for (const json::value& entry : *jobs) {
            if (!entry.is_object()) {
                throw std::runtime_error("batch_jobs[] entries must be objects");
            }
            const core::BatchJob job = JobFrom(entry.as_object(), next_created_at);
            next_created_at += std::chrono::milliseconds{1};
            auto inserted = database.Insert(job, {});
            if (!inserted) {
                throw std::runtime_error("batch job " + job.id.value + ": " + inserted.error().detail);
            }
            ++counts.jobs;
        }
    }
    LoadCatalog(root, catalog, now, counts);
    return counts;
}

}  // namespace batchd::app
