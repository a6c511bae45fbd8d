#include "csv/money.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace batchd::csv {
namespace {

// Verbatim from MEDUSA-SPEC.md §7.1 (medusa-core-utils' zero-decimal-currencies.ts).
constexpr std::array<std::string_view, 16> kZeroDecimalCurrencies = {
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
};

constexpr char ToLowerAscii(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsLowerAscii(std::string_view text, std::string_view lower) noexcept {
    return text.size() == lower.size() && std::equal(text.begin(), text.end(), lower.begin(),
                                                     [](char a, char b) { return ToLowerAscii(a) == b; });
}

}  // namespace

bool IsZeroDecimalCurrency(std::string_view currency_code) noexcept {
    return std::any_of(kZeroDecimalCurrencies.begin(), kZeroDecimalCurrencies.end(),
                       [currency_code](std::string_view zero_decimal) {
                           return EqualsLowerAscii(currency_code, zero_decimal);
                       });
}

std::string_view FormatAmount(std::int64_t amount,
                              std::string_view currency_code,
                              AmountBuffer& out) noexcept {
    if (amount == 0) {
        return {};
    }
    char* const begin = out.data();
    char* const end = out.data() + out.size();
    if (IsZeroDecimalCurrency(currency_code)) {
        const std::to_chars_result written = std::to_chars(begin, end, amount);
        return {begin, static_cast<std::size_t>(written.ptr - begin)};
    }
    // The magnitude as unsigned, so INT64_MIN does not overflow on negation.
    const bool is_negative = amount < 0;
    const std::uint64_t magnitude = is_negative ? std::uint64_t{0} - static_cast<std::uint64_t>(amount)
                                                : static_cast<std::uint64_t>(amount);
    char* cursor = begin;
    if (is_negative) {
        *cursor++ = '-';
    }
    cursor = std::to_chars(cursor, end, magnitude / 100).ptr;
    const auto cents = static_cast<unsigned>(magnitude % 100);
    // JavaScript's shortest form: no fraction for whole amounts, no trailing zero (0.5, not 0.50).
    if (cents != 0) {
        *cursor++ = '.';
        *cursor++ = static_cast<char>('0' + cents / 10);
        if (cents % 10 != 0) {
            *cursor++ = static_cast<char>('0' + cents % 10);
        }
    }
    return {begin, static_cast<std::size_t>(cursor - begin)};
}

std::string HumanizeAmount(std::int64_t amount, std::string_view currency_code) {
    AmountBuffer buffer{};
    return std::string{FormatAmount(amount, currency_code, buffer)};
}

}  // namespace batchd::csv
