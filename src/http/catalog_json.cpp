#include "http/catalog_json.hpp"

#include <string>

#include <boost/json/array.hpp>

#include "core/time_text.hpp"

namespace batchd::http {
namespace {

namespace json = boost::json;

json::value Time(core::TimePoint at) { return json::value(core::FormatIsoTime(at)); }

json::value TimeOrNull(const std::optional<core::TimePoint>& at) {
    if (!at) {
        return nullptr;
    }
    return Time(*at);
}

json::value TextOrNull(const std::optional<std::string>& text) {
    if (!text) {
        return nullptr;
    }
    return json::value(*text);
}

json::value IntOrNull(const std::optional<std::int64_t>& number) {
    if (!number) {
        return nullptr;
    }
    return json::value(*number);
}

// The physical attributes products and variants share, in Medusa's column order.
template <class Entity>
void AddShippingAttributes(json::object& out, const Entity& entity) {
    out["weight"] = IntOrNull(entity.weight);
    out["length"] = IntOrNull(entity.length);
    out["height"] = IntOrNull(entity.height);
    out["width"] = IntOrNull(entity.width);
    out["hs_code"] = TextOrNull(entity.hs_code);
    out["origin_country"] = TextOrNull(entity.origin_country);
    out["mid_code"] = TextOrNull(entity.mid_code);
    out["material"] = TextOrNull(entity.material);
}

json::object OptionValueToJson(const core::VariantOptionValue& value, const std::string& variant_id) {
    return json::object{
        {"id", value.id},           {"value", value.value}, {"option_id", value.option_id},
        {"variant_id", variant_id}, {"metadata", nullptr},
    };
}

json::object OptionToJson(const core::ProductOption& option, const core::Product& product, bool with_values) {
    json::object out{
        {"id", option.id},
        {"title", option.title},
        {"product_id", product.id},
        {"metadata", nullptr},
    };
    if (with_values) {
        json::array values;
        for (const core::ProductVariant& variant : product.variants) {
            for (const core::VariantOptionValue& value : variant.options) {
                if (value.option_id == option.id) {
                    values.push_back(OptionValueToJson(value, variant.id));
                }
            }
        }
        out["values"] = std::move(values);
    }
    return out;
}

}  // namespace

json::object MoneyAmountToJson(const core::MoneyAmount& price, const std::optional<std::string>& variant_id) {
    return json::object{
        {"id", price.id},
        {"currency_code", price.currency_code},
        {"amount", price.amount},
        {"min_quantity", IntOrNull(price.min_quantity)},
        {"max_quantity", IntOrNull(price.max_quantity)},
        {"price_list_id", TextOrNull(price.price_list_id)},
        {"region_id", TextOrNull(price.region_id)},
        {"variant_id", TextOrNull(price.variant_id ? price.variant_id : variant_id)},
        {"deleted_at", nullptr},
    };
}

json::object VariantToJson(const core::ProductVariant& variant,
                           const std::string& product_id,
                           const core::ProductRelations& relations) {
    json::object out{
        {"id", variant.id},
        {"title", variant.title},
        {"product_id", product_id},
        {"sku", TextOrNull(variant.sku)},
        {"barcode", TextOrNull(variant.barcode)},
        {"ean", TextOrNull(variant.ean)},
        {"upc", TextOrNull(variant.upc)},
        {"variant_rank", variant.variant_rank},
        {"inventory_quantity", variant.inventory_quantity},
        {"allow_backorder", variant.allow_backorder},
        {"manage_inventory", variant.manage_inventory},
    };
    AddShippingAttributes(out, variant);
    out["metadata"] = nullptr;
    out["created_at"] = Time(variant.created_at);
    out["updated_at"] = Time(variant.updated_at);
    out["deleted_at"] = nullptr;
    if (relations.prices) {
        json::array prices;
        for (const core::MoneyAmount& price : variant.prices) {
            prices.push_back(MoneyAmountToJson(price, variant.id));
        }
        out["prices"] = std::move(prices);
    }
    if (relations.variant_options) {
        json::array options;
        for (const core::VariantOptionValue& value : variant.options) {
            options.push_back(OptionValueToJson(value, variant.id));
        }
        out["options"] = std::move(options);
    }
    return out;
}

json::object CollectionToJson(const core::ProductCollection& collection) {
    return json::object{
        {"id", collection.id},
        {"title", collection.title},
        {"handle", collection.handle},
        {"metadata", nullptr},
        {"created_at", Time(collection.created_at)},
        {"updated_at", Time(collection.updated_at)},
        {"deleted_at", nullptr},
    };
}

json::object SalesChannelToJson(const core::SalesChannel& channel) {
    return json::object{
        {"id", channel.id},
        {"name", channel.name},
        {"description", TextOrNull(channel.description)},
        {"is_disabled", channel.is_disabled},
        {"metadata", nullptr},
        {"created_at", Time(channel.created_at)},
        {"updated_at", Time(channel.updated_at)},
        {"deleted_at", nullptr},
    };
}

json::object CategoryToJson(const core::ProductCategory& category) {
    return json::object{
        {"id", category.id},
        {"name", category.name},
        {"description", category.description},
        {"handle", category.handle},
        {"is_active", category.is_active},
        {"is_internal", category.is_internal},
        {"parent_category_id", TextOrNull(category.parent_category_id)},
        {"rank", category.rank},
        {"metadata", nullptr},
        {"created_at", Time(category.created_at)},
        {"updated_at", Time(category.updated_at)},
    };
}

json::object ProfileToJson(const core::ShippingProfile& profile) {
    return json::object{
        {"id", profile.id},
        {"name", profile.name},
        {"type", profile.type},
        {"metadata", nullptr},
    };
}

json::object ProductToJson(const core::Product& product, const core::ProductRelations& relations) {
    json::object out{
        {"id", product.id},
        {"title", product.title},
        {"subtitle", TextOrNull(product.subtitle)},
        {"description", TextOrNull(product.description)},
        {"handle", TextOrNull(product.handle)},
        {"is_giftcard", product.is_giftcard},
        {"status", product.status},
        {"thumbnail", TextOrNull(product.thumbnail)},
    };
    AddShippingAttributes(out, product);
    out["collection_id"] = TextOrNull(product.collection_id);
    out["type_id"] = TextOrNull(product.type_id);
    out["discountable"] = product.discountable;
    out["external_id"] = TextOrNull(product.external_id);
    out["profile_id"] = TextOrNull(product.profile_id);
    out["metadata"] = nullptr;
    out["created_at"] = Time(product.created_at);
    out["updated_at"] = Time(product.updated_at);
    out["deleted_at"] = TimeOrNull(product.deleted_at);
    if (relations.variants) {
        json::array variants;
        for (const core::ProductVariant& variant : product.variants) {
            variants.push_back(VariantToJson(variant, product.id, relations));
        }
        out["variants"] = std::move(variants);
    }
    if (relations.options) {
        json::array options;
        for (const core::ProductOption& option : product.options) {
            options.push_back(OptionToJson(option, product, relations.variants && relations.variant_options));
        }
        out["options"] = std::move(options);
    }
    if (relations.images) {
        json::array images;
        for (const core::ProductImage& image : product.images) {
            images.push_back(json::object{{"id", image.id}, {"url", image.url}, {"metadata", nullptr}});
        }
        out["images"] = std::move(images);
    }
    if (relations.tags) {
        json::array tags;
        for (const core::ProductTag& tag : product.tags) {
            tags.push_back(json::object{{"id", tag.id}, {"value", tag.value}, {"metadata", nullptr}});
        }
        out["tags"] = std::move(tags);
    }
    if (relations.type) {
        out["type"] =
            product.type
                ? json::value(json::object{
                      {"id", product.type->id}, {"value", product.type->value}, {"metadata", nullptr}})
                : json::value(nullptr);
    }
    if (relations.collection) {
        out["collection"] = product.collection ? json::value(CollectionToJson(*product.collection)) : nullptr;
    }
    if (relations.profile) {
        out["profile"] = product.profile ? json::value(ProfileToJson(*product.profile)) : nullptr;
    }
    if (relations.sales_channels) {
        json::array channels;
        for (const core::SalesChannel& channel : product.sales_channels) {
            channels.push_back(SalesChannelToJson(channel));
        }
        out["sales_channels"] = std::move(channels);
    }
    if (relations.categories) {
        json::array categories;
        for (const core::ProductCategory& category : product.categories) {
            categories.push_back(CategoryToJson(category));
        }
        out["categories"] = std::move(categories);
    }
    return out;
}

json::object RegionToJson(const core::Region& region) {
    json::array countries;
    for (const std::string& country : region.countries) {
        countries.push_back(json::object{{"iso_2", country}, {"region_id", region.id}});
    }
    return json::object{
        {"id", region.id},
        {"name", region.name},
        {"currency_code", region.currency_code},
        {"tax_rate", region.tax_rate},
        {"tax_code", nullptr},
        {"countries", std::move(countries)},
        {"payment_providers", json::array{}},
        {"fulfillment_providers", json::array{}},
        {"metadata", nullptr},
        {"created_at", Time(region.created_at)},
        {"updated_at", Time(region.updated_at)},
        {"deleted_at", nullptr},
    };
}

json::object PriceListToJson(const core::PriceList& list, bool with_prices) {
    json::object out{
        {"id", list.id},
        {"name", list.name},
        {"description", list.description},
        {"type", list.type},
        {"status", list.status},
        {"starts_at", TimeOrNull(list.starts_at)},
        {"ends_at", TimeOrNull(list.ends_at)},
        {"customer_groups", json::array{}},
        {"created_at", Time(list.created_at)},
        {"updated_at", Time(list.updated_at)},
        {"deleted_at", nullptr},
    };
    if (with_prices) {
        json::array prices;
        for (const core::MoneyAmount& price : list.prices) {
            json::object entry = MoneyAmountToJson(price, std::nullopt);
            if (entry["price_list_id"].is_null()) {
                entry["price_list_id"] = list.id;
            }
            prices.push_back(std::move(entry));
        }
        out["prices"] = std::move(prices);
    }
    return out;
}

json::object OrderToJson(const core::Order& order) {
    json::value customer = nullptr;
    if (order.customer) {
        customer = json::object{
            {"id", order.customer->id},
            {"email", order.customer->email},
            {"first_name", TextOrNull(order.customer->first_name)},
            {"last_name", TextOrNull(order.customer->last_name)},
        };
    }
    json::value address = nullptr;
    if (order.shipping_address) {
        const core::Address& a = *order.shipping_address;
        address = json::object{
            {"id", a.id},
            {"first_name", TextOrNull(a.first_name)},
            {"last_name", TextOrNull(a.last_name)},
            {"company", TextOrNull(a.company)},
            {"address_1", TextOrNull(a.address_1)},
            {"address_2", TextOrNull(a.address_2)},
            {"city", TextOrNull(a.city)},
            {"province", TextOrNull(a.province)},
            {"postal_code", TextOrNull(a.postal_code)},
            {"country_code", TextOrNull(a.country_code)},
            {"phone", TextOrNull(a.phone)},
        };
    }
    return json::object{
        {"id", order.id},
        {"display_id", order.display_id},
        {"status", order.status},
        {"fulfillment_status", order.fulfillment_status},
        {"payment_status", order.payment_status},
        {"email", order.email},
        {"currency_code", order.currency_code},
        {"region_id", order.region_id},
        {"customer_id", order.customer ? json::value(order.customer->id) : json::value(nullptr)},
        {"sales_channel_id", TextOrNull(order.sales_channel_id)},
        {"shipping_address_id",
         order.shipping_address ? json::value(order.shipping_address->id) : json::value(nullptr)},
        {"subtotal", order.subtotal},
        {"shipping_total", order.shipping_total},
        {"discount_total", order.discount_total},
        {"gift_card_total", order.gift_card_total},
        {"refunded_total", order.refunded_total},
        {"tax_total", order.tax_total},
        {"total", order.total},
        {"metadata", nullptr},
        {"created_at", Time(order.created_at)},
        {"updated_at", Time(order.updated_at)},
        {"customer", std::move(customer)},
        {"shipping_address", std::move(address)},
        {"sales_channel",
         order.sales_channel ? json::value(SalesChannelToJson(*order.sales_channel)) : json::value(nullptr)},
    };
}

}  // namespace batchd::http
