// libFuzzer target: request-body validation. Every input is one JSON body, given to each body
// validator in turn: the batch-job create body (ParseCreateBody), the file-key body of the uploads
// routes (ParseFileKeyBody, then CheckFileKey on the key), the product create and update bodies
// (ApplyProductBody) and the other catalog bodies (regions, collections, sales channels,
// categories, price lists).
//
// Input: the raw body, any bytes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/catalog.hpp"
#include "core/ids.hpp"
#include "fuzz_support.hpp"
#include "http/batch_jobs_params.hpp"
#include "http/catalog_params.hpp"
#include "http/file_key_body.hpp"
#include "http/json_body.hpp"
#include "http/utf8.hpp"

namespace {

namespace core = batchd::core;
namespace http = batchd::http;
using batchd::fuzz::Require;
using batchd::fuzz::RequireInvalidData;
using batchd::fuzz::SameError;

// A product with two options, two variants and their prices, as a create would leave it: what
// the update bodies are applied to. Its ids (CountingIds; fuzz_body.dict names them): prod_1,
// options opt_2 and opt_3, variant_4 (price ma_5, values optval_6, optval_7) and variant_8 (prices
// ma_9, ma_10, values optval_11, optval_12).
constexpr std::string_view kStoredProductBody = R"({
  "title": "Shirt", "handle": "shirt", "options": [{"title": "Size"}, {"title": "Color"}],
  "variants": [
    {"title": "S / Red", "sku": "S-R", "prices": [{"currency_code": "usd", "amount": 100}],
     "options": [{"value": "S"}, {"value": "Red"}]},
    {"title": "M / Red", "prices": [{"currency_code": "eur", "amount": 120}, {"region_id": "reg_1", "amount": 5}],
     "options": [{"value": "M"}, {"value": "Red"}]}
  ]})";

// Ids as the tests make them: prefix + counter, so a run is reproducible.
http::IdMaker CountingIds() {
    return
        [next = 0](std::string_view prefix) mutable { return std::string(prefix) + std::to_string(++next); };
}

bool HasUpperAscii(std::string_view text) {
    return text.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos;
}

// What a store needs of an accepted product: unique ids (they are primary keys), option values
// that name options of the product, lower-case currencies, and only UTF-8 text.
void CheckProduct(const core::Product& product) {
    std::set<std::string> ids;
    const auto unique = [&](const std::string& id, std::string_view what) {
        Require(!id.empty(), std::string(what) + " without an id");
        Require(ids.insert(id).second, "two " + std::string(what) + "s share the id " + id);
    };
    std::set<std::string> option_ids;
    for (const core::ProductOption& option : product.options) {
        unique(option.id, "product option");
        option_ids.insert(option.id);
        Require(http::IsValidUtf8(option.title), "an option title that is not UTF-8");
    }
    Require(http::IsValidUtf8(product.title), "a product title that is not UTF-8");
    for (std::size_t i = 0; i < product.variants.size(); ++i) {
        const core::ProductVariant& variant = product.variants[i];
        unique(variant.id, "variant");
        Require(variant.variant_rank == static_cast<std::int32_t>(i), "a variant's rank is not its place");
        Require(http::IsValidUtf8(variant.title), "a variant title that is not UTF-8");
        for (const core::MoneyAmount& price : variant.prices) {
            unique(price.id, "price");
            Require(!HasUpperAscii(price.currency_code), "a currency code that is not lower case");
            Require(!price.currency_code.empty() || price.region_id.has_value(),
                    "a price with neither currency nor region");
        }
        for (const core::VariantOptionValue& value : variant.options) {
            unique(value.id, "option value");
            Require(option_ids.contains(value.option_id), "an option value of an option the product lacks");
        }
    }
}

void CheckBatchJobBody(std::string_view body, const core::Result<boost::json::object>& json) {
    auto request = http::ParseCreateBody(body);
    if (!json) {
        Require(!request && SameError(request.error(), json.error()), "ParseCreateBody: not the JSON error");
    }
    if (!request) {
        RequireInvalidData(request.error(), "ParseCreateBody");
        return;
    }
    Require(json.has_value(), "ParseCreateBody accepted a body that is not a JSON object");
    Require(http::IsValidUtf8(request->input.type), "a job type that is not UTF-8");
    Require(json->contains("type") && json->contains("context"), "a create body without type or context");
}

void CheckFileKeyBody(std::string_view body, const core::Result<boost::json::object>& json) {
    auto key = http::ParseFileKeyBody(body);
    if (!json) {
        Require(!key && SameError(key.error(), json.error()), "ParseFileKeyBody: not the JSON error");
    }
    if (!key) {
        RequireInvalidData(key.error(), "ParseFileKeyBody");
        return;
    }
    Require(json.has_value() && json->size() == 1, "a file-key body with more than file_key");
    auto checked = http::CheckFileKey(*key);
    if (!checked) {
        RequireInvalidData(checked.error(), "CheckFileKey");
        return;
    }
    // An accepted key stays inside the folder: relative, no NUL, no '.' or '..' part.
    const std::string& text = *key;
    Require(!text.empty() && text.front() != '/' && text.front() != '\\', "an accepted absolute key");
    Require(text.find('\0') == std::string::npos, "an accepted key with a NUL");
    const std::string wrapped = "/" + text + "/";
    for (std::string_view dots : {"/../", "/./", "\\..\\", "\\.\\", "/..\\", "\\../", "/.\\", "\\./"}) {
        Require(wrapped.find(dots) == std::string::npos, "an accepted key with a '.' or '..' part");
    }
}

void CheckProductBodies(std::string_view body, const core::Result<boost::json::object>& json) {
    const core::TimePoint now{std::chrono::milliseconds(1'700'000'000'000)};
    // Create: a fresh product, changed only on success.
    {
        core::Product product;
        const core::Product before = product;
        auto outcome = http::ApplyProductBody(body, /*create=*/true, CountingIds(), now, product);
        if (!json) {
            Require(!outcome && SameError(outcome.error(), json.error()),
                    "ApplyProductBody: not the JSON error");
        }
        if (!outcome) {
            RequireInvalidData(outcome.error(), "ApplyProductBody (create)");
            Require(product == before, "a refused product create changed the product");
        } else {
            CheckProduct(product);
        }
    }
    // Update: the stored product, changed only on success.
    core::Product product;
    product.id = "prod_1";
    const http::IdMaker ids = CountingIds();
    auto stored = http::ApplyProductBody(kStoredProductBody, /*create=*/true, ids, now, product);
    Require(stored.has_value(), "the stored product's body is refused");
    const core::Product before = product;
    auto outcome =
        http::ApplyProductBody(body, /*create=*/false, ids, now + std::chrono::seconds(1), product);
    if (!outcome) {
        RequireInvalidData(outcome.error(), "ApplyProductBody (update)");
        Require(product == before, "a refused product update changed the product");
    } else {
        CheckProduct(product);
    }
}

void CheckOtherCatalogBodies(std::string_view body) {
    for (const bool create : {true, false}) {
        core::Region region;
        if (auto applied = http::ApplyRegionBody(body, create, region); !applied) {
            RequireInvalidData(applied.error(), "ApplyRegionBody");
            Require(region.name.empty() && region.countries.empty(), "a refused region body changed it");
        } else {
            Require(!HasUpperAscii(region.currency_code), "a region currency that is not lower case");
            for (const std::string& country : region.countries) {
                Require(!HasUpperAscii(country), "a region country that is not lower case");
            }
        }
        core::ProductCollection collection;
        if (auto applied = http::ApplyCollectionBody(body, create, collection); !applied) {
            RequireInvalidData(applied.error(), "ApplyCollectionBody");
            Require(collection.title.empty() && collection.handle.empty(),
                    "a refused collection body changed it");
        }
        core::SalesChannel channel;
        if (auto applied = http::ApplySalesChannelBody(body, create, channel); !applied) {
            RequireInvalidData(applied.error(), "ApplySalesChannelBody");
            Require(channel.name.empty(), "a refused sales-channel body changed it");
        }
        core::ProductCategory category;
        if (auto applied = http::ApplyCategoryBody(body, create, category); !applied) {
            RequireInvalidData(applied.error(), "ApplyCategoryBody");
            Require(category.name.empty() && category.handle.empty(), "a refused category body changed it");
        }
        core::PriceList list;
        list.id = "pl_1";
        if (auto applied = http::ApplyPriceListBody(body, create, CountingIds(), list); !applied) {
            RequireInvalidData(applied.error(), "ApplyPriceListBody");
            Require(list.name.empty() && list.prices.empty(), "a refused price-list body changed it");
        } else {
            std::set<std::string> price_ids;
            for (const core::MoneyAmount& price : list.prices) {
                Require(price_ids.insert(price.id).second, "two prices of a price list share an id");
                Require(price.price_list_id == list.id, "a price-list price without its list's id");
                Require(!HasUpperAscii(price.currency_code), "a price-list currency that is not lower case");
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = batchd::fuzz::AsText(data, size);
    const auto json = http::ParseJsonObjectBody(body);
    if (!json) {
        RequireInvalidData(json.error(), "ParseJsonObjectBody");
    }
    CheckBatchJobBody(body, json);
    CheckFileKeyBody(body, json);
    // Each validator refuses a body that is no JSON object with ParseJsonObjectBody's own error.
    CheckProductBodies(body, json);
    CheckOtherCatalogBodies(body);
    return 0;
}
