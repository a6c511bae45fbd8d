#include "core/ids.hpp"

namespace batchd::core {

std::string MakeUlidId(std::string_view prefix, TimePoint now, const std::array<std::uint8_t, 10>& random) {
    static constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    std::string id{prefix};
    id.reserve(prefix.size() + 26);
    // 48 bits of milliseconds, as 10 base32 digits, most significant first.
    const auto millis = static_cast<std::uint64_t>(now.time_since_epoch().count());
    for (int shift = 45; shift >= 0; shift -= 5) {
        id.push_back(kCrockford[(millis >> shift) & 0x1fU]);
    }
    // 80 random bits, as 16 base32 digits.
    std::uint64_t bits = 0;
    int available = 0;
    std::size_t next = 0;
    for (int digit = 0; digit < 16; ++digit) {
        if (available < 5) {
            bits = (bits << 8) | random[next++];
            available += 8;
        }
        available -= 5;
        id.push_back(kCrockford[(bits >> available) & 0x1fU]);
    }
    return id;
}

}  // namespace batchd::core
