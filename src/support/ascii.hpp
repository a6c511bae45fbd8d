#pragma once

#include <cstddef>
#include <string>
#include <string_view>

/// ASCII case and blank handling for protocol text (header names, media types, currency codes,
/// handles): only 'A'–'Z' change case, every other byte (UTF-8 included) is left as it is, whatever
/// the locale. Header-only; pure.
namespace batchd {

[[nodiscard]] constexpr char AsciiLower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] inline std::string AsciiLower(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        c = AsciiLower(c);
    }
    return lower;
}

[[nodiscard]] constexpr bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (AsciiLower(a[i]) != AsciiLower(b[i])) {
            return false;
        }
    }
    return true;
}

[[nodiscard]] constexpr bool StartsWithIgnoringAsciiCase(std::string_view text,
                                                         std::string_view prefix) noexcept {
    return text.size() >= prefix.size() && EqualsIgnoringAsciiCase(text.substr(0, prefix.size()), prefix);
}

/// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
[[nodiscard]] constexpr std::string_view TrimBlanks(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace batchd
