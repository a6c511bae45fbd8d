#include "csv/csv_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "csv/money.hpp"

namespace batchd::csv {
namespace {

constexpr std::string_view kDelimiter = ";";
constexpr std::string_view kLineEnd = "\r\n";
constexpr std::string_view kQuote = "\"";
constexpr std::string_view kDoubledQuote = "\"\"";

constexpr std::array<bool, 256> kForcesQuotes = [] {
    std::array<bool, 256> table{};
    table[static_cast<unsigned char>('\n')] = true;
    table[static_cast<unsigned char>(',')] = true;
    table[static_cast<unsigned char>(';')] = true;
    return table;
}();

}  // namespace

bool StringSink::Write(std::string_view bytes) {
    text_.append(bytes);
    ++write_count_;
    return true;
}

bool NeedsQuotes(std::string_view value) noexcept {
    // Only these three (utils/csv-cell-content-formatter.ts): a lone '"' or CR is left as is.
    // Every byte of every text cell passes here, so the test is one table load per byte.
    for (const char c : value) {
        if (kForcesQuotes[static_cast<unsigned char>(c)]) {
            return true;
        }
    }
    return false;
}

CsvWriter::CsvWriter(Sink& sink, Escaping escaping)
    : sink_(sink), escaping_(escaping), buffer_(kBufferSize) {}

void CsvWriter::Text(std::string_view value) {
    StartCell();
    if (escaping_ == Escaping::kProductExport && NeedsQuotes(value)) {
        AppendQuoted(value);
    } else {
        Append(value);
    }
}

void CsvWriter::Raw(std::string_view value) {
    StartCell();
    Append(value);
}

void CsvWriter::Integer(std::int64_t value) {
    StartCell();
    std::array<char, 24> digits{};  // "-9223372036854775808" is 20
    const std::to_chars_result written = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    Append({digits.data(), static_cast<std::size_t>(written.ptr - digits.data())});
}

void CsvWriter::Boolean(bool value) {
    StartCell();
    Append(value ? std::string_view{"true"} : std::string_view{"false"});
}

void CsvWriter::Amount(std::int64_t minor_units, std::string_view currency_code) {
    StartCell();
    AmountBuffer text{};
    // Digits, '-' and '.' only: never needs quotes.
    Append(FormatAmount(minor_units, currency_code, text));
}

void CsvWriter::Empty() { StartCell(); }

void CsvWriter::EndRow() {
    Append(kLineEnd);
    is_row_started_ = false;
}

bool CsvWriter::Flush() {
    FlushBuffer();
    return !has_failed_;
}

void CsvWriter::StartCell() {
    if (is_row_started_) {
        Append(kDelimiter);
    }
    is_row_started_ = true;
}

void CsvWriter::Append(std::string_view bytes) {
    bytes_written_ += bytes.size();
    // Fill the buffer, hand it over when full, go on: a value larger than the buffer streams
    // through in buffer-sized chunks instead of growing it.
    while (!bytes.empty()) {
        if (used_ == buffer_.size()) {
            FlushBuffer();
        }
        const std::size_t take = std::min(bytes.size(), buffer_.size() - used_);
        std::memcpy(buffer_.data() + used_, bytes.data(), take);
        used_ += take;
        bytes.remove_prefix(take);
    }
}

void CsvWriter::AppendQuoted(std::string_view value) {
    Append(kQuote);
    for (std::size_t quote = value.find('"'); quote != std::string_view::npos; quote = value.find('"')) {
        Append(value.substr(0, quote));
        Append(kDoubledQuote);
        value.remove_prefix(quote + 1);
    }
    Append(value);
    Append(kQuote);
}

void CsvWriter::FlushBuffer() {
    if (used_ == 0) {
        return;
    }
    if (!has_failed_ && !sink_.Write({buffer_.data(), used_})) {
        has_failed_ = true;
    }
    used_ = 0;
}

}  // namespace batchd::csv
