// libFuzzer target: the query-string parser (http/query_string.hpp) and every list's parameter
// validation built on it: the batch-job list (ParseListParams) and the catalog lists. Also the
// decoding helpers underneath: percent-decoding and the UTF-8 check and repair.
//
// Input: the raw query string (what follows '?'), any bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "fuzz_support.hpp"
#include "http/batch_jobs_params.hpp"
#include "http/catalog_params.hpp"
#include "http/percent_encoding.hpp"
#include "http/query_string.hpp"
#include "http/utf8.hpp"

namespace {

namespace http = batchd::http;
namespace json = boost::json;
using batchd::fuzz::Require;
using batchd::fuzz::RequireInvalidData;

// qs reads at most 1000 parameters, and nests keys at most 5 brackets deep; with the arrays that
// repeated keys make, no parsed value can be deeper than this.
constexpr std::size_t kMaxLeaves = 1000;
constexpr int kMaxDepth = 16;

// Every text in the parsed query: valid UTF-8 and free of NUL (no store may see one). Counts the
// leaves and checks the depth.
void CheckValue(const json::value& value, int depth, std::size_t& leaves) {
    Require(depth <= kMaxDepth, "a parsed query nests too deep");
    if (value.is_string()) {
        const std::string_view text = value.as_string();
        Require(http::IsValidUtf8(text), "a parsed query value is not valid UTF-8");
        Require(text.find('\0') == std::string_view::npos, "a parsed query value holds a NUL");
        ++leaves;
        return;
    }
    Require(value.is_array() || value.is_object(), "a parsed query holds a value that is not text");
    if (value.is_array()) {
        for (const json::value& item : value.as_array()) {
            CheckValue(item, depth + 1, leaves);
        }
        return;
    }
    for (const auto& [key, item] : value.as_object()) {
        Require(http::IsValidUtf8(key), "a parsed query key is not valid UTF-8");
        Require(key.find('\0') == std::string_view::npos, "a parsed query key holds a NUL");
        Require(!key.empty() || depth > 0, "an empty top-level key");
        CheckValue(item, depth + 1, leaves);
    }
}

void CheckHelpers(std::string_view input) {
    // The repair yields UTF-8 and changes nothing that was valid.
    const std::string repaired = http::SanitizeUtf8(input);
    Require(http::IsValidUtf8(repaired), "SanitizeUtf8 left ill-formed UTF-8");
    if (http::IsValidUtf8(input)) {
        Require(repaired == input, "SanitizeUtf8 changed valid UTF-8");
    }
    // Decoding never grows the text.
    if (auto decoded = http::PercentDecodePath(input)) {
        Require(decoded->size() <= input.size(), "PercentDecodePath grew the text");
    }
    const std::string component = http::DecodeQueryComponent(input);
    Require(component.size() <= input.size(), "DecodeQueryComponent grew the text");
}

void CheckQuery(std::string_view input) {
    auto parsed = http::ParseQueryString(input);
    if (!parsed) {
        RequireInvalidData(parsed.error(), "ParseQueryString");
        Require(input.find('\0') != std::string_view::npos || input.find("%00") != std::string_view::npos,
                "ParseQueryString refused a query without NUL");
        return;
    }
    std::size_t leaves = 0;
    CheckValue(*parsed, 0, leaves);
    Require(leaves <= kMaxLeaves, "a parsed query has more values than the parameter limit");
    // What reaches the validators survives a JSON round trip unchanged.
    const json::value reparsed = json::parse(json::serialize(*parsed));
    Require(reparsed == json::value(*parsed), "a parsed query does not survive a JSON round trip");
    // Pure: the same text gives the same result.
    auto again = http::ParseQueryString(input);
    Require(again && *again == *parsed, "ParseQueryString is not deterministic");
}

void CheckCount(std::int64_t value, std::int64_t maximum, std::string_view what) {
    Require(value >= 0 && value <= maximum, std::string(what) + " out of its bounds");
}

void CheckListParams(std::string_view input) {
    auto params = http::ParseListParams(input);
    if (!params) {
        RequireInvalidData(params.error(), "ParseListParams");
        return;
    }
    CheckCount(params->query.limit, http::kMaxListLimit, "batch-job list limit");
    CheckCount(params->query.offset, http::kMaxListOffset, "batch-job list offset");
    Require(!params->query.created_by.has_value(), "the list params set created_by (the route's job)");
    Require(params->query.timestamps.size() <= 7, "more timestamp filters than timestamp columns");
    for (const std::string& type : params->query.types) {
        Require(http::IsValidUtf8(type) && type.find('\0') == std::string::npos, "a bad type filter");
    }
}

void CheckCatalogParams(std::string_view input) {
    if (auto products = http::ParseProductListParams(input); !products) {
        RequireInvalidData(products.error(), "ParseProductListParams");
    } else {
        CheckCount(products->limit, http::kMaxListLimit, "product list limit");
        CheckCount(products->offset, http::kMaxListOffset, "product list offset");
    }
    if (auto expand = http::ParseProductExpand(input); !expand) {
        RequireInvalidData(expand.error(), "ParseProductExpand");
    }
    if (auto page = http::ParsePageParams(input, 20); !page) {
        RequireInvalidData(page.error(), "ParsePageParams");
    } else {
        CheckCount(page->limit, http::kMaxListLimit, "page limit");
        CheckCount(page->offset, http::kMaxListOffset, "page offset");
    }
    if (auto orders = http::ParseOrderListParams(input); !orders) {
        RequireInvalidData(orders.error(), "ParseOrderListParams");
    } else {
        CheckCount(orders->limit, http::kMaxListLimit, "order list limit");
        CheckCount(orders->offset, http::kMaxListOffset, "order list offset");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = batchd::fuzz::AsText(data, size);
    CheckHelpers(input);
    CheckQuery(input);
    CheckListParams(input);
    CheckCatalogParams(input);
    return 0;
}
