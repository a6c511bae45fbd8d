#include "http/json_body.hpp"

#include <string>

#include <boost/json/error.hpp>
#include <boost/json/stream_parser.hpp>

#include "http/utf8.hpp"

namespace batchd::http {
namespace {

// Deep enough for any real context, shallow enough that destroying the value cannot exhaust a stack.
constexpr std::size_t kMaxDepth = 256;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool IsBlank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

// Whether any key or string in `value` holds a NUL (only a `\u0000` escape can put one there: a raw
// NUL byte is a JSON syntax error). Recursion is bounded by kMaxDepth.
bool ContainsNul(const boost::json::value& value) {
    if (const auto* text = value.if_string()) {
        return HasNul(*text);
    }
    if (const auto* array = value.if_array()) {
        for (const boost::json::value& item : *array) {
            if (ContainsNul(item)) {
                return true;
            }
        }
        return false;
    }
    if (const auto* object = value.if_object()) {
        for (const auto& [key, item] : *object) {
            if (HasNul(key) || ContainsNul(item)) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace

core::Result<boost::json::object> ParseJsonObjectBody(std::string_view body) {
    // Node's decoder drops a leading byte-order mark before JSON.parse sees the text.
    if (body.starts_with(kUtf8Bom)) {
        body.remove_prefix(kUtf8Bom.size());
    }
    if (IsBlank(body)) {
        return boost::json::object{};
    }
    const std::string text = SanitizeUtf8(body);
    boost::json::parse_options options;
    options.max_depth = kMaxDepth;
    boost::json::stream_parser parser({}, options);
    boost::system::error_code error;
    const std::size_t consumed = parser.write(text.data(), text.size(), error);
    if (!error) {
        parser.finish(error);
    }
    if (error == boost::json::error::too_deep) {
        return core::Error{core::Errc::kInvalidData,
                           "The request body is nested deeper than " + std::to_string(kMaxDepth) + " levels"};
    }
    if (error) {
        return core::Error{core::Errc::kInvalidData, "The request body is not valid JSON (" +
                                                         error.message() + " at byte " +
                                                         std::to_string(consumed) + ")"};
    }
    boost::json::value value = parser.release();
    if (!value.is_object()) {
        return core::Error{core::Errc::kInvalidData, "The request body must be a JSON object"};
    }
    // PostgreSQL can store no NUL in text or jsonb, SQLite can: refused here, both stores agree
    // (in v1 it is a database error, a 500).
    if (ContainsNul(value)) {
        return core::Error{core::Errc::kInvalidData,
                           "The request body must not contain NUL characters (\\u0000)"};
    }
    return std::move(value.as_object());
}

void ReportUnknownProperties(const boost::json::object& object,
                             std::initializer_list<std::string_view> known,
                             std::vector<std::string>& messages) {
    for (const auto& [key, value] : object) {
        bool is_known = false;
        for (std::string_view name : known) {
            is_known = is_known || name == std::string_view(key);
        }
        if (!is_known) {
            messages.push_back("property " + std::string(key) + " should not exist");
        }
    }
}

std::string JoinMessages(const std::vector<std::string>& messages) {
    std::string joined;
    for (const std::string& message : messages) {
        if (!joined.empty()) {
            joined += ", ";
        }
        joined += message;
    }
    return joined;
}

}  // namespace batchd::http
