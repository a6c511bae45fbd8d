#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/error.hpp"
#include "core/ids.hpp"

/// Internal to the catalog parsers (catalog_query_params.cpp, catalog_bodies.cpp): a reader of one
/// JSON object that checks each property as a class-validator decorator would and collects the
/// messages. Not part of the HTTP layer's interface.
namespace batchd::http::detail {

/// A property that may be absent, null or set: absent → nullopt; null → an empty inner optional.
template <class T>
using Nullable = std::optional<std::optional<T>>;

/// Reads the properties of `object`; every problem is appended to `messages`, prefixed with
/// `path` ("variants.0.") as class-validator names nested properties.
class ObjectReader {
public:
    ObjectReader(const boost::json::object& object, std::string path, std::vector<std::string>& messages)
        : object_(object), path_(std::move(path)), messages_(messages) {}

    /// Reports every property not in `known` (`property <path><name> should not exist`).
    void OnlyAllow(std::initializer_list<std::string_view> known);

    [[nodiscard]] bool Has(std::string_view name) const { return object_.contains(name); }

    /// A required string: absent, null or another type → `<name> must be a string`.
    [[nodiscard]] std::optional<std::string> RequiredText(std::string_view name);
    /// An optional string (null allowed).
    [[nodiscard]] Nullable<std::string> Text(std::string_view name);
    /// An optional boolean (null counts as absent).
    [[nodiscard]] std::optional<bool> Bool(std::string_view name);
    /// An optional integer (null allowed): a number with no fraction, else
    /// `<name> must be a number conforming to the specified constraints` (no number) or
    /// `<name> must be an integer number` (a fraction).
    [[nodiscard]] Nullable<std::int64_t> Integer(std::string_view name);
    /// A required integer.
    [[nodiscard]] std::optional<std::int64_t> RequiredInteger(std::string_view name);
    /// An optional number (null counts as absent).
    [[nodiscard]] std::optional<double> Number(std::string_view name);
    /// One of `allowed` (null counts as absent): `<name> must be one of the following values: a, b`.
    [[nodiscard]] std::optional<std::string> Enum(std::string_view name,
                                                  std::initializer_list<std::string_view> allowed);
    /// An optional array (null counts as absent): else `<name> must be an array`.
    [[nodiscard]] const boost::json::array* Array(std::string_view name);
    /// An optional array of strings: `each value in <name> must be a string`.
    [[nodiscard]] std::optional<std::vector<std::string>> TextArray(std::string_view name);
    /// An optional date (ISO text; null allowed): `<name> must be a Date instance`.
    [[nodiscard]] Nullable<core::TimePoint> Date(std::string_view name);

    /// A property batchd accepts and does not keep (`metadata`): an object or null, else
    /// `<name> must be an object`.
    void IgnoredObject(std::string_view name);

    /// The object at `array[index]` as a nested reader's input, or a message
    /// (`nested property <name> must be either object or array`) and nullptr.
    [[nodiscard]] const boost::json::object* NestedObject(const boost::json::value& value,
                                                          std::string_view name);

    [[nodiscard]] std::string PathOf(std::string_view name) const { return path_ + std::string(name); }
    void Report(std::string message) { messages_.push_back(std::move(message)); }
    [[nodiscard]] std::vector<std::string>& messages() { return messages_; }

private:
    const boost::json::object& object_;
    std::string path_;
    std::vector<std::string>& messages_;
};

/// The messages joined with ", " as one kInvalidData.
[[nodiscard]] core::Error InvalidData(const std::vector<std::string>& messages);

/// A JSON number as an integer when it has no fraction and fits in int64.
[[nodiscard]] std::optional<std::int64_t> AsInteger(const boost::json::value& value);

}  // namespace batchd::http::detail
