#include "http/catalog_routes.hpp"

#include <array>
#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/catalog_json.hpp"
#include "http/catalog_params.hpp"
#include "http/errors.hpp"
#include "runtime/run_blocking.hpp"

namespace batchd::http {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

// The HTTP layer has no Clock of its own: catalog rows are stamped with the wall clock, as the
// store would stamp them.
core::TimePoint Now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::array<std::uint8_t, 10> RandomBytes() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::array<std::uint8_t, 10> bytes{};
    for (auto& byte : bytes) {
        byte = static_cast<std::uint8_t>(generator());
    }
    return bytes;
}

std::string NewId(std::string_view prefix) { return core::MakeUlidId(prefix, Now(), RandomBytes()); }

Response JsonResponse(int status, json::object body) {
    Response response;
    response.status = status;
    response.body = json::serialize(body);
    return response;
}

// A store's kNotFound, in Medusa's words for the entity.
template <class T>
core::Result<T> WithNotFoundText(core::Result<T> result, std::string_view entity, const std::string& id) {
    if (!result && result.error().code == core::Errc::kNotFound) {
        return core::Error{core::Errc::kNotFound, std::string(entity) + " with id: " + id + " was not found"};
    }
    return result;
}

// ---- Products -------------------------------------------------------------------------------

// Fills the currency of every region price from its region (a region price is in the region's
// currency, as Medusa stores it).
core::Result<void> ResolveRegionCurrencies(core::CatalogStore& catalog,
                                           std::vector<core::MoneyAmount*> prices) {
    std::map<std::string, std::string> currencies;
    for (core::MoneyAmount* price : prices) {
        if (!price->region_id) {
            continue;
        }
        auto known = currencies.find(*price->region_id);
        if (known == currencies.end()) {
            auto region = WithNotFoundText(catalog.GetRegion(*price->region_id), "Region", *price->region_id);
            if (!region) {
                return region.error();
            }
            known = currencies.emplace(*price->region_id, region->currency_code).first;
        }
        price->currency_code = known->second;
    }
    return {};
}

// Medusa answers an unknown collection, channel or category with a 404 before it writes.
core::Result<void> CheckReferences(core::CatalogStore& catalog, const core::Product& product) {
    if (product.collection_id) {
        auto collection = WithNotFoundText(catalog.GetCollection(*product.collection_id),
                                           "Product collection", *product.collection_id);
        if (!collection) {
            return collection.error();
        }
    }
    for (const core::SalesChannel& channel : product.sales_channels) {
        auto found = WithNotFoundText(catalog.GetSalesChannel(channel.id), "Sales channel", channel.id);
        if (!found) {
            return found.error();
        }
    }
    for (const core::ProductCategory& category : product.categories) {
        auto found = WithNotFoundText(catalog.GetCategory(category.id), "ProductCategory", category.id);
        if (!found) {
            return found.error();
        }
    }
    return {};
}

core::Result<core::SalesChannel> DefaultChannel(core::CatalogStore& catalog, core::TimePoint now) {
    auto channel = catalog.DefaultSalesChannel();
    if (channel || channel.error().code != core::Errc::kNotFound) {
        return channel;
    }
    core::SalesChannel created;
    created.id = NewId("sc_");
    created.name = "Default Sales Channel";
    created.description = "Created by Medusa";
    created.is_default = true;
    created.created_at = now;
    created.updated_at = now;
    if (auto put = catalog.PutSalesChannel(created); !put) {
        return put.error();
    }
    return created;
}

core::Result<core::ShippingProfile> ProfileOfType(core::CatalogStore& catalog, const std::string& type) {
    auto profile = catalog.ShippingProfileOfType(type);
    if (profile || profile.error().code != core::Errc::kNotFound) {
        return profile;
    }
    core::ShippingProfile created{
        NewId("sp_"), type == "gift_card" ? "Gift Card Profile" : "Default Shipping Profile", type};
    if (auto put = catalog.PutShippingProfile(created); !put) {
        return put.error();
    }
    return created;
}

core::Error HandleTaken(const std::string& handle) {
    return core::Error{core::Errc::kDuplicate, "Product with handle " + handle + " already exists."};
}

// The blocking part of a create or an update: fill in what the body leaves to the server, check
// references and the handle, write, and read the product back with every relation.
core::Result<core::Product> SaveProduct(core::CatalogStore& catalog,
                                        core::Product product,
                                        const ProductBodyOutcome& outcome,
                                        bool create,
                                        core::TimePoint now) {
    std::vector<core::MoneyAmount*> prices;
    for (core::ProductVariant& variant : product.variants) {
        for (core::MoneyAmount& price : variant.prices) {
            prices.push_back(&price);
        }
    }
    if (auto resolved = ResolveRegionCurrencies(catalog, prices); !resolved) {
        return resolved.error();
    }
    if (create) {
        if (!outcome.sales_channels_given) {
            auto channel = DefaultChannel(catalog, now);
            if (!channel) {
                return channel.error();
            }
            product.sales_channels = {*channel};
        }
        auto profile = ProfileOfType(catalog, product.is_giftcard ? "gift_card" : "default");
        if (!profile) {
            return profile.error();
        }
        product.profile_id = profile->id;
        product.profile = *profile;
    }
    if (auto checked = CheckReferences(catalog, product); !checked) {
        return checked.error();
    }
    if (product.handle) {
        core::ProductQuery query;
        query.filter.handle = product.handle;
        query.limit = 2;
        query.with_count = false;
        auto same = catalog.ListProducts(query);
        if (!same) {
            return same.error();
        }
        for (const core::Product& other : same->products) {
            if (other.id != product.id) {
                return HandleTaken(*product.handle);
            }
        }
    }
    const std::array<core::Product, 1> batch{product};
    if (auto put = catalog.PutProducts(batch); !put) {
        // A soft-deleted product may still hold the handle in the store's unique index.
        if (put.error().code == core::Errc::kDuplicate && product.handle &&
            put.error().detail.find("handle") != std::string::npos) {
            return HandleTaken(*product.handle);
        }
        return put.error();
    }
    return catalog.GetProduct(product.id, core::ProductRelations::All());
}

awaitable<Response> ListProducts(const Services& services, Call& call) {
    auto query = ParseProductListParams(call.request.query);
    if (!query) {
        co_return ErrorResponse(query.error());
    }
    auto page = co_await runtime::RunBlocking(services.blocking,
                                              [&] { return services.catalog.ListProducts(*query); });
    if (!page) {
        co_return ErrorResponse(page.error());
    }
    json::array products;
    products.reserve(page->products.size());
    for (const core::Product& product : page->products) {
        products.push_back(ProductToJson(product, query->relations));
    }
    co_return JsonResponse(200, json::object{
                                    {"products", std::move(products)},
                                    {"count", page->count},
                                    {"offset", query->offset},
                                    {"limit", query->limit},
                                });
}

awaitable<Response> CreateProduct(const Services& services, Call& call) {
    const core::TimePoint now = Now();
    core::Product product;
    auto outcome = ApplyProductBody(call.request.body, true, NewId, now, product);
    if (!outcome) {
        co_return ErrorResponse(outcome.error());
    }
    auto stored = co_await runtime::RunBlocking(
        services.blocking, [&] { return SaveProduct(services.catalog, product, *outcome, true, now); });
    if (!stored) {
        co_return ErrorResponse(stored.error());
    }
    co_return JsonResponse(200,
                           json::object{{"product", ProductToJson(*stored, core::ProductRelations::All())}});
}

awaitable<Response> GetProduct(const Services& services, Call& call) {
    auto relations = ParseProductExpand(call.request.query);
    if (!relations) {
        co_return ErrorResponse(relations.error());
    }
    const std::string& id = call.Param("id");
    auto product = co_await runtime::RunBlocking(services.blocking, [&] {
        return WithNotFoundText(services.catalog.GetProduct(id, *relations), "Product", id);
    });
    if (!product) {
        co_return ErrorResponse(product.error());
    }
    co_return JsonResponse(200, json::object{{"product", ProductToJson(*product, *relations)}});
}

awaitable<Response> UpdateProduct(const Services& services, Call& call) {
    const std::string& id = call.Param("id");
    const core::TimePoint now = Now();
    auto stored = co_await runtime::RunBlocking(services.blocking, [&] {
        return WithNotFoundText(services.catalog.GetProduct(id, core::ProductRelations::All()), "Product",
                                id);
    });
    if (!stored) {
        co_return ErrorResponse(stored.error());
    }
    core::Product product = std::move(*stored);
    auto outcome = ApplyProductBody(call.request.body, false, NewId, now, product);
    if (!outcome) {
        co_return ErrorResponse(outcome.error());
    }
    auto updated = co_await runtime::RunBlocking(
        services.blocking, [&] { return SaveProduct(services.catalog, product, *outcome, false, now); });
    if (!updated) {
        co_return ErrorResponse(updated.error());
    }
    co_return JsonResponse(200,
                           json::object{{"product", ProductToJson(*updated, core::ProductRelations::All())}});
}

awaitable<Response> DeleteProduct(const Services& services, Call& call) {
    const std::string& id = call.Param("id");
    auto deleted = co_await runtime::RunBlocking(services.blocking, [&] {
        return WithNotFoundText(services.catalog.DeleteProduct(id, Now()), "Product", id);
    });
    if (!deleted) {
        co_return ErrorResponse(deleted.error());
    }
    co_return JsonResponse(200, json::object{{"id", id}, {"object", "product"}, {"deleted", true}});
}

// ---- Regions, collections, sales channels, categories --------------------------------------

/// How one of the small entities is named, validated and stored.
template <class Entity>
struct EntityKind {
    std::string_view id_prefix;  // "reg_"
    std::string_view singular;   // "region": the key of one
    std::string_view plural;     // "regions": the key of a list
    std::string_view not_found;  // "Region": "<not_found> with id: X was not found"
    std::int64_t default_limit;
    core::Result<void> (*apply)(std::string_view body, bool create, Entity& entity);
    core::Result<void> (core::CatalogStore::*put)(const Entity&);
    core::Result<Entity> (core::CatalogStore::*get)(const std::string&);
    core::Result<core::Page<Entity>> (core::CatalogStore::*list)(const core::PageRequest&);
    json::object (*to_json)(const Entity&);
};

template <class Entity>
awaitable<Response> ListEntities(const Services& services, const EntityKind<Entity>& kind, Call& call) {
    auto page = ParsePageParams(call.request.query, kind.default_limit);
    if (!page) {
        co_return ErrorResponse(page.error());
    }
    auto found = co_await runtime::RunBlocking(services.blocking,
                                               [&] { return (services.catalog.*kind.list)(*page); });
    if (!found) {
        co_return ErrorResponse(found.error());
    }
    json::array items;
    for (const Entity& entity : found->items) {
        items.push_back(kind.to_json(entity));
    }
    co_return JsonResponse(200, json::object{
                                    {kind.plural, std::move(items)},
                                    {"count", found->count},
                                    {"offset", page->offset},
                                    {"limit", page->limit},
                                });
}

template <class Entity>
awaitable<Response> GetEntity(const Services& services, const EntityKind<Entity>& kind, Call& call) {
    const std::string& id = call.Param("id");
    auto entity = co_await runtime::RunBlocking(services.blocking, [&] {
        return WithNotFoundText((services.catalog.*kind.get)(id), kind.not_found, id);
    });
    if (!entity) {
        co_return ErrorResponse(entity.error());
    }
    co_return JsonResponse(200, json::object{{kind.singular, kind.to_json(*entity)}});
}

// Create (no :id) or update (the :id one): apply the body, write, read back.
template <class Entity>
awaitable<Response> SaveEntity(const Services& services,
                               const EntityKind<Entity>& kind,
                               Call& call,
                               bool create) {
    const core::TimePoint now = Now();
    Entity entity;
    if (create) {
        entity.id = NewId(kind.id_prefix);
        entity.created_at = now;
    } else {
        const std::string& id = call.Param("id");
        auto stored = co_await runtime::RunBlocking(services.blocking, [&] {
            return WithNotFoundText((services.catalog.*kind.get)(id), kind.not_found, id);
        });
        if (!stored) {
            co_return ErrorResponse(stored.error());
        }
        entity = std::move(*stored);
    }
    if (auto applied = kind.apply(call.request.body, create, entity); !applied) {
        co_return ErrorResponse(applied.error());
    }
    entity.updated_at = now;
    auto saved = co_await runtime::RunBlocking(services.blocking, [&]() -> core::Result<Entity> {
        if (auto put = (services.catalog.*kind.put)(entity); !put) {
            return put.error();
        }
        return (services.catalog.*kind.get)(entity.id);
    });
    if (!saved) {
        co_return ErrorResponse(saved.error());
    }
    co_return JsonResponse(200, json::object{{kind.singular, kind.to_json(*saved)}});
}

template <class Entity>
void AddEntityRoutes(Router& router,
                     const Services& services,
                     std::string_view path,
                     EntityKind<Entity> kind) {
    const std::string base(path);
    router.Add("GET", base, [services, kind](Call& call) { return ListEntities(services, kind, call); });
    router.Add("POST", base, [services, kind](Call& call) { return SaveEntity(services, kind, call, true); });
    router.Add("GET", base + "/:id",
               [services, kind](Call& call) { return GetEntity(services, kind, call); });
    router.Add("POST", base + "/:id",
               [services, kind](Call& call) { return SaveEntity(services, kind, call, false); });
}

// ---- Price lists ----------------------------------------------------------------------------

awaitable<Response> ListPriceLists(const Services& services, Call& call) {
    auto page = ParsePageParams(call.request.query, 10);
    if (!page) {
        co_return ErrorResponse(page.error());
    }
    auto found = co_await runtime::RunBlocking(services.blocking,
                                               [&] { return services.catalog.ListPriceLists(*page); });
    if (!found) {
        co_return ErrorResponse(found.error());
    }
    json::array lists;
    for (const core::PriceList& list : found->items) {
        lists.push_back(PriceListToJson(list, false));
    }
    co_return JsonResponse(200, json::object{
                                    {"price_lists", std::move(lists)},
                                    {"count", found->count},
                                    {"offset", page->offset},
                                    {"limit", page->limit},
                                });
}

awaitable<Response> GetPriceList(const Services& services, Call& call) {
    const std::string& id = call.Param("id");
    auto list = co_await runtime::RunBlocking(services.blocking, [&] {
        return WithNotFoundText(services.catalog.GetPriceList(id), "Price list", id);
    });
    if (!list) {
        co_return ErrorResponse(list.error());
    }
    co_return JsonResponse(200, json::object{{"price_list", PriceListToJson(*list, true)}});
}

awaitable<Response> CreatePriceList(const Services& services, Call& call) {
    const core::TimePoint now = Now();
    core::PriceList list;
    list.id = NewId("pl_");
    list.created_at = now;
    list.updated_at = now;
    if (auto applied = ApplyPriceListBody(call.request.body, true, NewId, list); !applied) {
        co_return ErrorResponse(applied.error());
    }
    auto saved = co_await runtime::RunBlocking(services.blocking, [&]() -> core::Result<core::PriceList> {
        std::vector<core::MoneyAmount*> prices;
        for (core::MoneyAmount& price : list.prices) {
            prices.push_back(&price);
        }
        if (auto resolved = ResolveRegionCurrencies(services.catalog, prices); !resolved) {
            return resolved.error();
        }
        if (auto put = services.catalog.PutPriceList(list); !put) {
            return put.error();
        }
        return services.catalog.GetPriceList(list.id);
    });
    if (!saved) {
        co_return ErrorResponse(saved.error());
    }
    co_return JsonResponse(200, json::object{{"price_list", PriceListToJson(*saved, true)}});
}

// ---- Orders ---------------------------------------------------------------------------------

awaitable<Response> ListOrders(const Services& services, Call& call) {
    auto query = ParseOrderListParams(call.request.query);
    if (!query) {
        co_return ErrorResponse(query.error());
    }
    auto page =
        co_await runtime::RunBlocking(services.blocking, [&] { return services.catalog.ListOrders(*query); });
    if (!page) {
        co_return ErrorResponse(page.error());
    }
    json::array orders;
    for (const core::Order& order : page->items) {
        orders.push_back(OrderToJson(order));
    }
    co_return JsonResponse(200, json::object{
                                    {"orders", std::move(orders)},
                                    {"count", page->count},
                                    {"offset", query->offset},
                                    {"limit", query->limit},
                                });
}

awaitable<Response> GetOrder(const Services& services, Call& call) {
    if (auto relations = ParsePageParams(call.request.query, 0); !relations) {
        co_return ErrorResponse(relations.error());  // only expand/fields (ignored) are accepted
    }
    const std::string& id = call.Param("id");
    auto order = co_await runtime::RunBlocking(
        services.blocking, [&] { return WithNotFoundText(services.catalog.GetOrder(id), "Order", id); });
    if (!order) {
        co_return ErrorResponse(order.error());
    }
    co_return JsonResponse(200, json::object{{"order", OrderToJson(*order)}});
}

}  // namespace

void AddCatalogRoutes(Router& router, const Services& services) {
    router.Add("GET", "/admin/products", [services](Call& call) { return ListProducts(services, call); });
    router.Add("POST", "/admin/products", [services](Call& call) { return CreateProduct(services, call); });
    router.Add("GET", "/admin/products/:id", [services](Call& call) { return GetProduct(services, call); });
    router.Add("POST", "/admin/products/:id",
               [services](Call& call) { return UpdateProduct(services, call); });
    router.Add("DELETE", "/admin/products/:id",
               [services](Call& call) { return DeleteProduct(services, call); });

    AddEntityRoutes(router, services, "/admin/regions",
                    EntityKind<core::Region>{"reg_", "region", "regions", "Region", 50, &ApplyRegionBody,
                                             &core::CatalogStore::PutRegion, &core::CatalogStore::GetRegion,
                                             &core::CatalogStore::ListRegions, &RegionToJson});
    AddEntityRoutes(router, services, "/admin/collections",
                    EntityKind<core::ProductCollection>{
                        "pcol_", "collection", "collections", "Product collection", 10, &ApplyCollectionBody,
                        &core::CatalogStore::PutCollection, &core::CatalogStore::GetCollection,
                        &core::CatalogStore::ListCollections, &CollectionToJson});
    AddEntityRoutes(router, services, "/admin/sales-channels",
                    EntityKind<core::SalesChannel>{
                        "sc_", "sales_channel", "sales_channels", "Sales channel", 20, &ApplySalesChannelBody,
                        &core::CatalogStore::PutSalesChannel, &core::CatalogStore::GetSalesChannel,
                        &core::CatalogStore::ListSalesChannels, &SalesChannelToJson});
    AddEntityRoutes(
        router, services, "/admin/product-categories",
        EntityKind<core::ProductCategory>{"pcat_", "product_category", "product_categories",
                                          "ProductCategory", 100, &ApplyCategoryBody,
                                          &core::CatalogStore::PutCategory, &core::CatalogStore::GetCategory,
                                          &core::CatalogStore::ListCategories, &CategoryToJson});

    router.Add("GET", "/admin/price-lists",
               [services](Call& call) { return ListPriceLists(services, call); });
    router.Add("POST", "/admin/price-lists",
               [services](Call& call) { return CreatePriceList(services, call); });
    router.Add("GET", "/admin/price-lists/:id",
               [services](Call& call) { return GetPriceList(services, call); });

    router.Add("GET", "/admin/orders", [services](Call& call) { return ListOrders(services, call); });
    router.Add("GET", "/admin/orders/:id", [services](Call& call) { return GetOrder(services, call); });
}

}  // namespace batchd::http
