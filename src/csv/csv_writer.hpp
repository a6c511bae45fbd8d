#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace batchd::csv {

/// Where a CsvWriter's bytes go (an upload stream, a file, a string in tests). Write is called
/// with chunks of at most CsvWriter::kBufferSize bytes, in order; `bytes` is valid only during
/// the call. Returns false if the bytes could not be kept: the writer then stops writing.
class Sink {
public:
    Sink() = default;
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;
    virtual ~Sink() = default;

    [[nodiscard]] virtual bool Write(std::string_view bytes) = 0;
};

/// A Sink that appends to a string it owns: for tests and small outputs.
class StringSink final : public Sink {
public:
    [[nodiscard]] bool Write(std::string_view bytes) override;

    [[nodiscard]] const std::string& Text() const noexcept { return text_; }
    /// How many times Write was called (tests check the flush points with it).
    [[nodiscard]] std::size_t WriteCount() const noexcept { return write_count_; }

private:
    std::string text_;
    std::size_t write_count_ = 0;
};

/// How a writer escapes text cells (MEDUSA-SPEC.md §7.1).
enum class Escaping : std::uint8_t {
    /// The product export's rule: a value containing LF, ',' or ';' is wrapped in double quotes
    /// with its double quotes doubled; every other value (even one with '"' or CR) is written as is.
    kProductExport,
    /// The order export's: no escaping at all, every value written as is.
    kNone,
};

/// Writes CSV rows in Medusa's export dialect (MEDUSA-SPEC.md §7.1): ';' between cells, CRLF
/// after every row (header and last row included), UTF-8 passed through byte for byte, no BOM.
/// A row is a sequence of cell calls (Text, Integer, Boolean, Amount, Empty, Raw) ended by
/// EndRow; the writer puts the delimiters in.
///
/// Ownership: borrows `sink`, which must outlive the writer. Bytes go through one buffer of
/// kBufferSize allocated at construction: the sink gets them when the buffer is full and on
/// Flush, so a cell or row larger than the buffer is written in several chunks. No cell
/// allocates. The destructor does **not** flush (an export abandoned half-way must not write
/// more): call Flush at the end.
///
/// A sink failure is sticky: the writer drops every later byte and HasFailed() turns true;
/// BytesWritten still counts what the caller wrote, so check HasFailed before trusting it.
///
/// Blocking only as far as the sink blocks. Not thread safe: one thread at a time.
class CsvWriter {
public:
    static constexpr std::size_t kBufferSize = std::size_t{64} * 1024;

    explicit CsvWriter(Sink& sink, Escaping escaping = Escaping::kProductExport);
    CsvWriter(const CsvWriter&) = delete;
    CsvWriter& operator=(const CsvWriter&) = delete;
    ~CsvWriter() = default;

    /// A text cell, escaped by the writer's Escaping. The empty string gives an empty cell.
    void Text(std::string_view value);
    /// A cell written without escaping: the header names, which Medusa joins unquoted.
    void Raw(std::string_view value);
    /// An integer as JavaScript prints it (decimal, '-' for negatives).
    void Integer(std::int64_t value);
    /// `true` or `false`.
    void Boolean(bool value);
    /// An amount in minor units, in major units as FormatAmount (money.hpp) prints it; 0 gives
    /// an empty cell.
    void Amount(std::int64_t minor_units, std::string_view currency_code);
    /// An empty cell: a null or missing value (the same bytes as Text("")).
    void Empty();
    /// Ends the row with CRLF; the next cell starts a new row.
    void EndRow();

    /// Hands every buffered byte to the sink. Returns false if the sink has failed (now or before).
    [[nodiscard]] bool Flush();

    /// Bytes written so far, buffered or not: the file's size once flushed (result.file_size).
    [[nodiscard]] std::uint64_t BytesWritten() const noexcept { return bytes_written_; }
    [[nodiscard]] bool HasFailed() const noexcept { return has_failed_; }

private:
    void StartCell();
    void Append(std::string_view bytes);
    void AppendQuoted(std::string_view value);
    void FlushBuffer();

    Sink& sink_;
    Escaping escaping_;
    std::vector<char> buffer_;
    std::size_t used_ = 0;
    std::uint64_t bytes_written_ = 0;
    bool is_row_started_ = false;
    bool has_failed_ = false;
};

/// True if the product export quotes `value`: it contains a line feed, a comma or a semicolon.
[[nodiscard]] bool NeedsQuotes(std::string_view value) noexcept;

}  // namespace batchd::csv
