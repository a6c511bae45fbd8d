#include "http/catalog_validation.hpp"

#include <cmath>
#include <limits>

#include "http/batch_jobs_params.hpp"

namespace batchd::http::detail {
namespace {

namespace json = boost::json;

std::string JoinAllowed(std::initializer_list<std::string_view> allowed) {
    std::string joined;
    for (std::string_view value : allowed) {
        if (!joined.empty()) {
            joined += ", ";
        }
        joined += value;
    }
    return joined;
}

}  // namespace

core::Error InvalidData(const std::vector<std::string>& messages) {
    std::string joined;
    for (const std::string& message : messages) {
        if (!joined.empty()) {
            joined += ", ";
        }
        joined += message;
    }
    return core::Error{core::Errc::kInvalidData, std::move(joined)};
}

std::optional<std::int64_t> AsInteger(const json::value& value) {
    if (value.is_int64()) {
        return value.as_int64();
    }
    if (value.is_uint64()) {
        if (value.as_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return std::nullopt;
        }
        return static_cast<std::int64_t>(value.as_uint64());
    }
    if (value.is_double()) {
        const double number = value.as_double();
        // 2^63 is exactly representable; anything at or beyond it does not fit.
        constexpr double kLimit = 9223372036854775808.0;
        if (!std::isfinite(number) || std::trunc(number) != number || number >= kLimit || number < -kLimit) {
            return std::nullopt;
        }
        return static_cast<std::int64_t>(number);
    }
    return std::nullopt;
}

void ObjectReader::OnlyAllow(std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : object_) {
        bool found = false;
        for (std::string_view name : known) {
            if (name == std::string_view(key)) {
                found = true;
                break;
            }
        }
        if (!found) {
            messages_.push_back("property " + PathOf(key) + " should not exist");
        }
    }
}

std::optional<std::string> ObjectReader::RequiredText(std::string_view name) {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr || !value->is_string()) {
        messages_.push_back(PathOf(name) + " must be a string");
        return std::nullopt;
    }
    return std::string(value->as_string());
}

Nullable<std::string> ObjectReader::Text(std::string_view name) {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_null()) {
        return std::optional<std::string>{};
    }
    if (!value->is_string()) {
        messages_.push_back(PathOf(name) + " must be a string");
        return std::nullopt;
    }
    return std::optional<std::string>{std::string(value->as_string())};
}

std::optional<bool> ObjectReader::Bool(std::string_view name) {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr || value->is_null()) {
        return std::nullopt;
    }
    if (!value->is_bool()) {
        messages_.push_back(PathOf(name) + " must be a boolean value");
        return std::nullopt;
    }
    return value->as_bool();
}

Nullable<std::int64_t> ObjectReader::Integer(std::string_view name) {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_null()) {
        return std::optional<std::int64_t>{};
    }
    if (!value->is_number()) {
        messages_.push_back(PathOf(name) + " must be a number conforming to the specified constraints");
        return std::nullopt;
    }
    const auto integer = AsInteger(*value);
    if (!integer) {
        messages_.push_back(PathOf(name) + " must be an integer number");
        return std::nullopt;
    }
    return std::optional<std::int64_t>{*integer};
}

std::optional<std::int64_t> ObjectReader::RequiredInteger(std::string_view name) {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr || !value->is_number()) {
        messages_.push_back(PathOf(name) + " must be an integer number");
        return std::nullopt;
    }
    const auto integer = AsInteger(*value);
    if (!integer) {
        messages_.push_back(PathOf(name) + " must be an integer number");
    }
    return integer;
}

std::optional<double> ObjectReader::Number(std::string_view name) {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr || value->is_null()) {
        return std::nullopt;
    }
    if (!value->is_number()) {
        messages_.push_back(PathOf(name) + " must be a number conforming to the specified constraints");
        return std::nullopt;
    }
    return value->to_number<double>();
}

std::optional<std::string> ObjectReader::Enum(std::string_view name,
                                              std::initializer_list<std::string_view> allowed) {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr || value->is_null()) {
        return std::nullopt;
    }
    if (value->is_string()) {
        for (std::string_view candidate : allowed) {
            if (candidate == std::string_view(value->as_string())) {
                return std::string(candidate);
            }
        }
    }
    messages_.push_back(PathOf(name) + " must be one of the following values: " + JoinAllowed(allowed));
    return std::nullopt;
}

const json::array* ObjectReader::Array(std::string_view name) {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr || value->is_null()) {
        return nullptr;
    }
    if (!value->is_array()) {
        messages_.push_back(PathOf(name) + " must be an array");
        return nullptr;
    }
    return &value->as_array();
}

std::optional<std::vector<std::string>> ObjectReader::TextArray(std::string_view name) {
    const json::array* array = Array(name);
    if (array == nullptr) {
        return std::nullopt;
    }
    std::vector<std::string> texts;
    for (const json::value& item : *array) {
        if (!item.is_string()) {
            messages_.push_back("each value in " + PathOf(name) + " must be a string");
            return std::nullopt;
        }
        texts.emplace_back(item.as_string());
    }
    return texts;
}

Nullable<core::TimePoint> ObjectReader::Date(std::string_view name) {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_null()) {
        return std::optional<core::TimePoint>{};
    }
    std::optional<core::TimePoint> at;
    if (value->is_string()) {
        at = ParseFilterDate(value->as_string());
    }
    if (!at) {
        messages_.push_back(PathOf(name) + " must be a Date instance");
        return std::nullopt;
    }
    return std::optional<core::TimePoint>{*at};
}

void ObjectReader::IgnoredObject(std::string_view name) {
    const json::value* value = object_.if_contains(name);
    if (value != nullptr && !value->is_null() && !value->is_object()) {
        messages_.push_back(PathOf(name) + " must be an object");
    }
}

const json::object* ObjectReader::NestedObject(const json::value& value, std::string_view name) {
    if (!value.is_object()) {
        messages_.push_back("nested property " + PathOf(name) + " must be either object or array");
        return nullptr;
    }
    return &value.as_object();
}

}  // namespace batchd::http::detail
