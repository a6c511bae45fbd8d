#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace batchd::csv {

/// Room for the longest amount text: "-92233720368547758.08" is 21 characters.
inline constexpr std::size_t kMaxAmountChars = 24;

/// The caller's storage for one formatted amount; FormatAmount's result points into it.
using AmountBuffer = std::array<char, kMaxAmountChars>;

/// True for the zero-decimal currencies of MEDUSA-SPEC.md §7.1 (bif, clp, djf, gnf, jpy, kmf, krw,
/// mga, pyg, rwf, ugx, vnd, vuv, xaf, xof, xpf), compared ignoring ASCII case because Medusa
/// lower-cases the code before its lookup.
[[nodiscard]] bool IsZeroDecimalCurrency(std::string_view currency_code) noexcept;

/// An amount in minor units as the product export's cell text (MEDUSA-SPEC.md §7.1, §7.3): in
/// major units, printed as JavaScript prints `amount / divisor` (no trailing zeros, no decimal
/// point for whole numbers: 100 → "1", 110 → "1.1", 45 → "0.45", -5 → "-0.05"); a zero-decimal
/// currency prints the amount itself. **0 gives the empty text**, as the export writes an empty
/// cell for it. Exact integer arithmetic: any int64 amount prints without rounding.
///
/// Pure, no allocation; the result is a view into `out`.
[[nodiscard]] std::string_view FormatAmount(std::int64_t amount,
                                            std::string_view currency_code,
                                            AmountBuffer& out) noexcept;

/// FormatAmount into a new string, for code off the hot path.
[[nodiscard]] std::string HumanizeAmount(std::int64_t amount, std::string_view currency_code);

}  // namespace batchd::csv
