#include "http/json_body.hpp"

#include <string>

#include <boost/json/stream_parser.hpp>

#include "http/utf8.hpp"

namespace batchd::http {
namespace {

// Deep enough for any real context, shallow enough that destroying the value cannot exhaust a stack.
constexpr std::size_t kMaxDepth = 256;

bool IsBlank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

core::Result<boost::json::object> ParseJsonObjectBody(std::string_view body) {
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
    if (error) {
        return core::Error{core::Errc::kInvalidData, "The request body is not valid JSON (" +
                                                         error.message() + " at byte " +
                                                         std::to_string(consumed) + ")"};
    }
    boost::json::value value = parser.release();
    if (!value.is_object()) {
        return core::Error{core::Errc::kInvalidData, "The request body must be a JSON object"};
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

}  // namespace batchd::http
