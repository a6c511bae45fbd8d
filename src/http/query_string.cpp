#include "http/query_string.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>

#include "http/percent_encoding.hpp"
#include "http/utf8.hpp"

namespace batchd::http {
namespace {

constexpr std::size_t kParameterLimit = 1000;  // qs's parameterLimit
constexpr int kDepth = 5;                      // qs's depth

// A value while it is being built: JS's loose shapes (strings, sparse arrays, objects in insertion
// order) until the final conversion to JSON.
struct Node {
    enum class Kind : std::uint8_t { kString, kArray, kObject };
    // Declared, so that clang's libstdc++ need not define it to instantiate pair<string, Node>
    // inside Node itself (without it clang refuses the recursive type; g++ accepts it).
    Node() = default;
    Kind kind = Kind::kString;
    std::string text;                                  // kString
    std::map<std::size_t, Node> items;                 // kArray: sparse until compacted
    std::vector<std::pair<std::string, Node>> fields;  // kObject, insertion order

    static Node String(std::string value) {
        Node node;
        node.text = std::move(value);
        return node;
    }
    static Node Array() {
        Node node;
        node.kind = Kind::kArray;
        return node;
    }
    static Node Object() {
        Node node;
        node.kind = Kind::kObject;
        return node;
    }
    [[nodiscard]] bool IsContainer() const { return kind == Kind::kArray || kind == Kind::kObject; }

    Node* Field(std::string_view key) {
        for (auto& [name, value] : fields) {
            if (name == key) {
                return &value;
            }
        }
        return nullptr;
    }
    void Push(Node value) {
        const std::size_t next = items.empty() ? 0 : items.rbegin()->first + 1;
        items.emplace(next, std::move(value));
    }
    // An array seen as an object: its indices become keys (qs's arrayToObject).
    void ArrayToObject() {
        std::vector<std::pair<std::string, Node>> converted;
        for (auto& [index, value] : items) {
            converted.emplace_back(std::to_string(index), std::move(value));
        }
        items.clear();
        fields = std::move(converted);
        kind = Kind::kObject;
    }
};

// [].concat(a, b): arrays are spliced in, anything else appended.
Node Concat(Node a, Node b) {
    Node result = Node::Array();
    for (Node* part : {&a, &b}) {
        if (part->kind == Node::Kind::kArray) {
            for (auto& [index, value] : part->items) {
                result.Push(std::move(value));
            }
        } else {
            result.Push(std::move(*part));
        }
    }
    return result;
}

// qs's utils.merge(target, source).
Node Merge(Node target, Node source) {
    if (!source.IsContainer()) {
        if (target.kind == Node::Kind::kArray) {
            target.Push(std::move(source));
            return target;
        }
        // An object or a text meeting a text: both are kept, in order (qs's strictMerge).
        return Concat(std::move(target), std::move(source));
    }
    if (!target.IsContainer()) {
        return Concat(std::move(target), std::move(source));
    }
    if (target.kind == Node::Kind::kArray && source.kind == Node::Kind::kArray) {
        for (auto& [index, item] : source.items) {
            auto existing = target.items.find(index);
            if (existing == target.items.end()) {
                target.items.emplace(index, std::move(item));
            } else if (existing->second.IsContainer() && item.IsContainer()) {
                existing->second = Merge(std::move(existing->second), std::move(item));
            } else {
                target.Push(std::move(item));
            }
        }
        return target;
    }
    if (target.kind == Node::Kind::kArray) {
        target.ArrayToObject();
    }
    if (source.kind == Node::Kind::kArray) {
        source.ArrayToObject();
    }
    for (auto& [key, value] : source.fields) {
        if (Node* existing = target.Field(key)) {
            *existing = Merge(std::move(*existing), std::move(value));
        } else {
            target.fields.emplace_back(key, std::move(value));
        }
    }
    return target;
}

// "a[b][0]" → {"a", "[b]", "[0]"}, with qs's depth limit and its handling of unbalanced brackets.
std::vector<std::string> SplitKey(const std::string& key) {
    std::vector<std::string> segments;
    std::size_t open = key.find('[');
    std::string root = key.substr(0, open);
    if (!root.empty()) {
        segments.push_back(std::move(root));
    }
    int depth = 0;
    while (open != std::string::npos && depth < kDepth) {
        int level = 1;
        std::size_t close = std::string::npos;
        for (std::size_t p = open + 1; p < key.size() && close == std::string::npos; ++p) {
            if (key[p] == '[') {
                ++level;
            } else if (key[p] == ']' && --level == 0) {
                close = p;
            }
        }
        if (close == std::string::npos) {
            segments.push_back("[" + key.substr(open) + "]");
            return segments;
        }
        segments.push_back(key.substr(open, close - open + 1));
        ++depth;
        open = key.find('[', close + 1);
    }
    if (open != std::string::npos) {
        segments.push_back("[" + key.substr(open) + "]");
    }
    return segments;
}

// A canonical non-negative integer ("0", "17", not "01" or "-1"), as String(parseInt(x)) === x.
std::optional<std::size_t> ArrayIndex(std::string_view text) {
    if (text.empty() || text.size() > 15 || (text.size() > 1 && text.front() == '0')) {
        return std::nullopt;
    }
    std::size_t index = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), index);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return index;
}

// qs's parseObject: wraps `leaf` in the containers the key's segments describe, innermost first.
Node Nest(const std::vector<std::string>& segments, Node leaf) {
    Node node = std::move(leaf);
    for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
        const std::string& segment = *it;
        if (segment == "[]") {
            node = Concat(Node::Array(), std::move(node));
            continue;
        }
        const bool bracketed = segment.size() >= 2 && segment.front() == '[' && segment.back() == ']';
        std::string name = bracketed ? segment.substr(1, segment.size() - 2) : segment;
        if (bracketed) {
            if (auto index = ArrayIndex(name)) {
                Node array = Node::Array();
                array.items.emplace(*index, std::move(node));
                node = std::move(array);
                continue;
            }
        }
        Node object = Node::Object();
        object.fields.emplace_back(std::move(name), std::move(node));
        node = std::move(object);
    }
    return node;
}

boost::json::value ToJson(Node& node) {
    switch (node.kind) {
        case Node::Kind::kString:
            return boost::json::value(node.text);
        case Node::Kind::kArray: {
            boost::json::array array;
            for (auto& [index, item] : node.items) {
                array.push_back(ToJson(item));
            }
            return array;
        }
        case Node::Kind::kObject:
            break;
    }
    boost::json::object object;
    for (auto& [key, value] : node.fields) {
        object[key] = ToJson(value);
    }
    return object;
}

// %5B and %5D become brackets before anything else, so that encoded keys nest (qs does the same).
std::string UnescapeBrackets(std::string_view query) {
    std::string out;
    out.reserve(query.size());
    for (std::size_t i = 0; i < query.size(); ++i) {
        if (query[i] == '%' && i + 2 < query.size() && query[i + 1] == '5') {
            const char c = query[i + 2];
            if (c == 'B' || c == 'b' || c == 'D' || c == 'd') {
                out.push_back(c == 'B' || c == 'b' ? '[' : ']');
                i += 2;
                continue;
            }
        }
        out.push_back(query[i]);
    }
    return out;
}

}  // namespace

std::string DecodeQueryComponent(std::string_view text) {
    std::string plus_decoded(text);
    std::replace(plus_decoded.begin(), plus_decoded.end(), '+', ' ');
    auto decoded = PercentDecodePath(plus_decoded);
    if (!decoded || !IsValidUtf8(*decoded)) {
        return plus_decoded;  // decodeURIComponent threw: qs keeps the text
    }
    return std::move(*decoded);
}

core::Result<boost::json::object> ParseQueryString(std::string_view query) {
    // Raw bytes that are not UTF-8 become U+FFFD, so that no message or store ever sees them.
    const std::string text = UnescapeBrackets(SanitizeUtf8(query));
    // First pass, as qs's parseValues: literal keys in first-seen order, duplicates combined.
    std::vector<std::pair<std::string, Node>> values;
    std::size_t start = 0;
    std::size_t parameters = 0;
    while (start <= text.size() && parameters < kParameterLimit) {
        const std::size_t amp = text.find('&', start);
        const std::string_view part =
            std::string_view(text).substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        start = amp == std::string::npos ? text.size() + 1 : amp + 1;
        ++parameters;
        const std::size_t bracket_equals = part.find("]=");
        const std::size_t equals =
            bracket_equals == std::string_view::npos ? part.find('=') : bracket_equals + 1;
        std::string key = DecodeQueryComponent(part.substr(0, equals));
        std::string value =
            equals == std::string_view::npos ? std::string() : DecodeQueryComponent(part.substr(equals + 1));
        if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
            return core::Error{core::Errc::kInvalidData, "Query parameters must not contain NUL bytes"};
        }
        if (key.empty()) {
            continue;
        }
        auto existing =
            std::find_if(values.begin(), values.end(), [&](const auto& entry) { return entry.first == key; });
        if (existing == values.end()) {
            values.emplace_back(std::move(key), Node::String(std::move(value)));
        } else {
            existing->second = Concat(std::move(existing->second), Node::String(std::move(value)));
        }
    }
    // Second pass, as qs's parseKeys + merge: each key's brackets become containers.
    Node root = Node::Object();
    for (auto& [key, value] : values) {
        root = Merge(std::move(root), Nest(SplitKey(key), std::move(value)));
    }
    if (root.kind == Node::Kind::kArray) {
        root.ArrayToObject();
    }
    boost::json::value json = ToJson(root);
    return std::move(json.as_object());
}

}  // namespace batchd::http
