#include "http/file_key_body.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "http/json_body.hpp"

namespace batchd::http {

core::Result<std::string> ParseFileKeyBody(std::string_view body) {
    auto parsed = ParseJsonObjectBody(body);
    if (!parsed) {
        return parsed.error();
    }
    std::vector<std::string> messages;
    ReportUnknownProperties(*parsed, {"file_key"}, messages);
    const boost::json::value* key = parsed->if_contains("file_key");
    if (key == nullptr || !key->is_string()) {
        messages.emplace_back("file_key must be a string");
    }
    if (!messages.empty()) {
        return core::Error{core::Errc::kInvalidData, JoinMessages(messages)};
    }
    return std::string(key->as_string());
}

core::Result<void> CheckFileKey(std::string_view key) {
    const auto invalid = [](std::string_view why) {
        return core::Error{core::Errc::kInvalidData, "Invalid file key: " + std::string(why)};
    };
    if (key.empty()) {
        return invalid("it is empty");
    }
    if (key.find('\0') != std::string_view::npos) {
        return invalid("it contains a NUL byte");
    }
    if (key.front() == '/' || key.front() == '\\') {
        return invalid("it is an absolute path");
    }
    std::size_t begin = 0;
    while (begin <= key.size()) {
        const std::size_t end = std::min(key.find_first_of("/\\", begin), key.size());
        const std::string_view part = key.substr(begin, end - begin);
        if (part == "." || part == "..") {
            return invalid("it must be a relative path of names, without '.' or '..' parts");
        }
        begin = end + 1;
    }
    return {};
}

}  // namespace batchd::http
