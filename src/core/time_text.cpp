#include "core/time_text.hpp"

#include <array>
#include <chrono>
#include <cstdio>

namespace batchd::core {
namespace {

// Reads exactly `digits` decimal digits at `pos`.
bool ReadNumber(std::string_view text, std::size_t& pos, int digits, int& out) {
    if (pos + static_cast<std::size_t>(digits) > text.size()) {
        return false;
    }
    int value = 0;
    for (int i = 0; i < digits; ++i) {
        const char c = text[pos++];
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    out = value;
    return true;
}

bool Expect(std::string_view text, std::size_t& pos, char c) {
    if (pos < text.size() && text[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

// Writes `value` as exactly `digits` decimal digits (0 ≤ value < 10^digits) ending before `end`.
char* PutDigits(char* end, int value, int digits) {
    for (int i = 0; i < digits; ++i) {
        *--end = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return end;
}

}  // namespace

std::string FormatIsoTime(TimePoint at) {
    using namespace std::chrono;
    const auto day = floor<days>(at);
    const year_month_day date{day};
    const hh_mm_ss time{at - day};
    const int year = static_cast<int>(date.year());
    if (year >= 0 && year <= 9999) {
        // By hand: every job in every answer has up to nine of these, and snprintf was half the
        // cost of a job's JSON. Same text as the general case below.
        std::string text(24, '\0');  // YYYY-MM-DDTHH:MM:SS.mmmZ
        char* const out = text.data();
        PutDigits(out + 4, year, 4);
        out[4] = '-';
        PutDigits(out + 7, static_cast<int>(static_cast<unsigned>(date.month())), 2);
        out[7] = '-';
        PutDigits(out + 10, static_cast<int>(static_cast<unsigned>(date.day())), 2);
        out[10] = 'T';
        PutDigits(out + 13, static_cast<int>(time.hours().count()), 2);
        out[13] = ':';
        PutDigits(out + 16, static_cast<int>(time.minutes().count()), 2);
        out[16] = ':';
        PutDigits(out + 19, static_cast<int>(time.seconds().count()), 2);
        out[19] = '.';
        PutDigits(out + 23, static_cast<int>(time.subseconds().count()), 3);
        out[23] = 'Z';
        return text;
    }
    std::array<char, 32> buffer{};
    const int written = std::snprintf(
        buffer.data(), buffer.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
        static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return std::string(buffer.data(), static_cast<std::size_t>(written > 0 ? written : 0));
}

std::optional<TimePoint> ParseIsoTime(std::string_view text) {
    using namespace std::chrono;
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, millis = 0;
    if (!ReadNumber(text, pos, 4, y) || !Expect(text, pos, '-') || !ReadNumber(text, pos, 2, mo) ||
        !Expect(text, pos, '-') || !ReadNumber(text, pos, 2, d)) {
        return std::nullopt;
    }
    if (Expect(text, pos, 'T') || Expect(text, pos, ' ')) {
        if (!ReadNumber(text, pos, 2, h) || !Expect(text, pos, ':') || !ReadNumber(text, pos, 2, mi)) {
            return std::nullopt;
        }
        if (Expect(text, pos, ':')) {
            if (!ReadNumber(text, pos, 2, s)) {
                return std::nullopt;
            }
            if (Expect(text, pos, '.')) {
                // Fractions of any length; milliseconds are kept, the rest is dropped.
                int scale = 100;
                std::size_t digits = 0;
                while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                    millis += (text[pos++] - '0') * scale;
                    scale /= 10;
                    ++digits;
                }
                if (digits == 0) {
                    return std::nullopt;
                }
            }
        }
    }
    minutes offset{0};
    if (Expect(text, pos, 'Z')) {
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const int sign = text[pos++] == '-' ? -1 : 1;
        int oh = 0, om = 0;
        if (!ReadNumber(text, pos, 2, oh)) {
            return std::nullopt;
        }
        Expect(text, pos, ':');
        if (!ReadNumber(text, pos, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = minutes{sign * (oh * 60 + om)};
    }
    if (pos != text.size() || h > 23 || mi > 59 || s > 59) {
        return std::nullopt;
    }
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    const auto at = sys_days{date} + hours{h} + minutes{mi} + seconds{s} + milliseconds{millis} - offset;
    return time_point_cast<milliseconds>(at);
}

}  // namespace batchd::core
