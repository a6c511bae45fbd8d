#include "http/utf8.hpp"

#include <cstdint>

namespace batchd::http {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed sequence at `at`, or 0; `consumed` is how many bytes belong to the
// maximal ill-formed subpart when it is 0 (at least 1), per the WHATWG decoder.
std::size_t SequenceAt(std::string_view text, std::size_t at, std::size_t& consumed) noexcept {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
    const std::uint8_t lead = byte(at);
    if (lead < 0x80) {
        return 1;
    }
    std::size_t needed = 0;
    std::uint8_t lower = 0x80;
    std::uint8_t upper = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        needed = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        needed = 2;
        lower = lead == 0xE0 ? 0xA0 : 0x80;
        upper = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        needed = 3;
        lower = lead == 0xF0 ? 0x90 : 0x80;
        upper = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        consumed = 1;
        return 0;
    }
    std::size_t next = at + 1;
    for (std::size_t k = 0; k < needed; ++k, ++next) {
        const std::uint8_t low_bound = k == 0 ? lower : 0x80;
        const std::uint8_t high_bound = k == 0 ? upper : 0xBF;
        if (next >= text.size() || byte(next) < low_bound || byte(next) > high_bound) {
            consumed = next - at;
            return 0;
        }
    }
    return needed + 1;
}

}  // namespace

bool IsValidUtf8(std::string_view text) noexcept {
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t consumed = 0;
        const std::size_t length = SequenceAt(text, at, consumed);
        if (length == 0) {
            return false;
        }
        at += length;
    }
    return true;
}

std::string SanitizeUtf8(std::string_view text) {
    if (IsValidUtf8(text)) {
        return std::string(text);
    }
    std::string out;
    out.reserve(text.size() + 16);
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t consumed = 0;
        const std::size_t length = SequenceAt(text, at, consumed);
        if (length == 0) {
            out += kReplacement;
            at += consumed;
        } else {
            out.append(text.substr(at, length));
            at += length;
        }
    }
    return out;
}

}  // namespace batchd::http
