// Amounts in minor units as the product export prints them (MEDUSA-SPEC.md §7.1, §7.3). Every
// expected text is worked out by hand from the spec: divide by 100 (or 1 for the zero-decimal
// list), print as JavaScript prints a number, 0 → empty.
#include "csv/money.hpp"

#include <cstdint>
#include <limits>
#include <string_view>

#include <gtest/gtest.h>

namespace batchd::csv {
namespace {

std::string_view Format(std::int64_t amount, std::string_view currency, AmountBuffer& buffer) {
    return FormatAmount(amount, currency, buffer);
}

TEST(MoneyTest, TwoDecimalCurrenciesPrintAsJavaScriptNumbers) {
    AmountBuffer buffer{};
    // The spec's own examples (§7.1, §8.3 scenario 23).
    EXPECT_EQ(Format(100, "usd", buffer), "1");
    EXPECT_EQ(Format(110, "usd", buffer), "1.1");
    EXPECT_EQ(Format(45, "eur", buffer), "0.45");
    EXPECT_EQ(Format(30, "dkk", buffer), "0.3");
    // One cent, ten cents, a fraction with a zero tenth, whole thousands.
    EXPECT_EQ(Format(1, "usd", buffer), "0.01");
    EXPECT_EQ(Format(5, "usd", buffer), "0.05");
    EXPECT_EQ(Format(10, "usd", buffer), "0.1");
    EXPECT_EQ(Format(105, "usd", buffer), "1.05");
    EXPECT_EQ(Format(12345, "usd", buffer), "123.45");
    EXPECT_EQ(Format(100000, "usd", buffer), "1000");
    EXPECT_EQ(Format(2222, "eur", buffer), "22.22");
}

TEST(MoneyTest, ZeroIsTheEmptyCellForEveryCurrency) {
    AmountBuffer buffer{};
    EXPECT_EQ(Format(0, "usd", buffer), "");
    EXPECT_EQ(Format(0, "jpy", buffer), "");
    EXPECT_EQ(HumanizeAmount(0, "eur"), "");
}

TEST(MoneyTest, NegativeAmountsKeepTheirSign) {
    AmountBuffer buffer{};
    EXPECT_EQ(Format(-110, "usd", buffer), "-1.1");
    EXPECT_EQ(Format(-100, "usd", buffer), "-1");
    EXPECT_EQ(Format(-45, "usd", buffer), "-0.45");
    EXPECT_EQ(Format(-5, "usd", buffer), "-0.05");
    EXPECT_EQ(Format(-500, "krw", buffer), "-500");
}

TEST(MoneyTest, ZeroDecimalCurrenciesPrintTheAmountItself) {
    AmountBuffer buffer{};
    EXPECT_EQ(Format(3333, "jpy", buffer), "3333");  // scenario P1's zero-decimal price
    // The same amount in each listed currency prints unchanged; in usd it would be "1.5".
    for (std::string_view code : {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                                  "vnd", "vuv", "xaf", "xof", "xpf"}) {
        EXPECT_EQ(Format(150, code, buffer), "150") << code;
    }
    EXPECT_EQ(Format(150, "usd", buffer), "1.5");
}

TEST(MoneyTest, CurrencyCodesCompareIgnoringCase) {
    AmountBuffer buffer{};
    EXPECT_EQ(Format(3333, "JPY", buffer), "3333");
    EXPECT_EQ(Format(3333, "Krw", buffer), "3333");
    EXPECT_EQ(Format(3333, "USD", buffer), "33.33");
}

TEST(MoneyTest, OnlyTheListedCodesAreZeroDecimal) {
    for (std::string_view code : {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                                  "vnd", "vuv", "xaf", "xof", "xpf", "XPF"}) {
        EXPECT_TRUE(IsZeroDecimalCurrency(code)) << code;
    }
    // Near misses: prefixes, longer codes, other currencies (isk and huf are zero-decimal at some
    // payment providers, but not in Medusa's list), the empty code.
    for (std::string_view code : {"usd", "eur", "dkk", "isk", "huf", "jp", "jpyy", " jpy", ""}) {
        EXPECT_FALSE(IsZeroDecimalCurrency(code)) << code;
    }
    AmountBuffer buffer{};
    EXPECT_EQ(Format(150, "jp", buffer), "1.5");
    EXPECT_EQ(Format(150, "", buffer), "1.5");
}

TEST(MoneyTest, LargeAmountsAreExact) {
    AmountBuffer buffer{};
    // 2^53 + 1 minor units: a double could not even hold the amount.
    EXPECT_EQ(Format(9007199254740993, "usd", buffer), "90071992547409.93");
    EXPECT_EQ(Format(std::numeric_limits<std::int64_t>::max(), "usd", buffer), "92233720368547758.07");
    EXPECT_EQ(Format(std::numeric_limits<std::int64_t>::min(), "usd", buffer), "-92233720368547758.08");
    EXPECT_EQ(Format(std::numeric_limits<std::int64_t>::max(), "jpy", buffer), "9223372036854775807");
    EXPECT_EQ(Format(std::numeric_limits<std::int64_t>::min(), "jpy", buffer), "-9223372036854775808");
}

TEST(MoneyTest, HumanizeAmountReturnsTheSameText) {
    EXPECT_EQ(HumanizeAmount(110, "usd"), "1.1");
    EXPECT_EQ(HumanizeAmount(-3333, "jpy"), "-3333");
}

}  // namespace
}  // namespace batchd::csv
